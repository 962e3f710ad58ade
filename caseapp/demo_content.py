"""The demo organisation's content: fictional staff, people, pathways and case stories.

Pure data plus a deterministic plan builder: ``build_demo_plan(seed)`` turns the story arcs below
into ~40 people, 60 cases and ~300 dated interactions, and ``demo_photo`` draws the phone photos
some of those interactions carry (with the GPS and orientation EXIF a phone writes, which the app
must strip). Nothing here reads the clock or touches the database: ``caseapp.demo`` does that.

Every person, address and event is invented. Phone numbers are in Ofcom's drama ranges
(07700 900xxx, 0113 496 0xxx) and email addresses use example.com.

Note texts use placeholders filled per person: ``{first}`` (first name), ``{he}``/``{He}``,
``{him}``, ``{his}``/``{His}`` (he/she, him/her, his/her) and ``{worker}`` (the worker's first
name, in manager notes).
"""

from __future__ import annotations

import functools
import io
import random
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta

from PIL import Image, ImageDraw, ImageFilter, ImageFont

# --------------------------------------------------------------------------------------------
# Public data types
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoPathway:
    name: str
    colour: str
    description: str


@dataclass(frozen=True)
class DemoStaff:
    name: str
    email: str
    role: str
    team: str
    capacity_hours: float


@dataclass(frozen=True)
class DemoPerson:
    name: str
    date_of_birth: date | None
    phone: str | None
    email: str | None
    address: str | None
    postcode: str | None


@dataclass(frozen=True)
class DemoCase:
    person_index: int
    pathway_index: int
    worker_index: int | None
    status: str
    concern_level: str
    start_days_ago: int
    end_days_ago: int | None
    tags: tuple[str, ...]


@dataclass(frozen=True)
class DemoInteraction:
    case_index: int
    kind: str
    days_ago: int
    hour: int
    minute: int
    author_index: int
    text: str
    private: bool
    concern_level: str | None
    with_photo: bool
    outcome: str | None


@dataclass(frozen=True)
class DemoPlan:
    people: list[DemoPerson]
    cases: list[DemoCase]
    interactions: list[DemoInteraction]


# --------------------------------------------------------------------------------------------
# Organisation: pathways, staff, tags
# --------------------------------------------------------------------------------------------

PATHWAYS: list[DemoPathway] = [
    DemoPathway("Housing Support", "#2563eb",
                "Help to keep a home or find one: notices, arrears, disrepair and homelessness."),
    DemoPathway("Employment Programme", "#b45309",
                "One-to-one support with confidence, skills, CVs and applications on the way "
                "back into work or training."),
    DemoPathway("Wellbeing & Mental Health", "#0f766e",
                "Practical and emotional support alongside the GP, talking therapies and "
                "community mental health services."),
    DemoPathway("Family Support", "#be185d",
                "Early help for parents and carers under pressure with money, school, health "
                "or safety at home."),
]

STAFF: list[DemoStaff] = [
    DemoStaff("Rachel Ingram", "admin@example.org", "admin", "Central", 22.5),
    DemoStaff("Daniel Osei", "manager@example.org", "manager", "Central", 37.5),
    DemoStaff("Sarah Whitaker", "caseworker@example.org", "case_worker", "North", 37.5),
    DemoStaff("Imran Qureshi", "caseworker2@example.org", "case_worker", "North", 30.0),
    DemoStaff("Megan Lloyd", "caseworker3@example.org", "case_worker", "South", 37.5),
    DemoStaff("Pauline Brooks", "volunteer@example.org", "volunteer", "North", 16.0),
]

TAGS: list[str] = ["eviction risk", "benefits", "debt", "food bank", "refugee", "ESOL", "NEET",
                   "care leaver", "young carer", "mental health", "domestic abuse",
                   "substance use"]

_ADMIN, _MANAGER, _VOLUNTEER = 0, 1, 5
_CASE_WORKERS = (2, 3, 4)

# --------------------------------------------------------------------------------------------
# People: (first name, surname, gender "f"/"m", other flags an arc may require)
# --------------------------------------------------------------------------------------------

_NAMES: list[tuple[str, str, str, tuple[str, ...]]] = [
    ("Aisha", "Rahman", "f", ()), ("Chloe", "Whitfield", "f", ()),
    ("Siobhan", "Gallagher", "f", ()), ("Nadia", "Haddad", "f", ("arabic",)),
    ("Precious", "Okonkwo", "f", ()), ("Leanne", "Barker", "f", ()),
    ("Zofia", "Wiśniewska", "f", ()), ("Amara", "Mensah", "f", ()),
    ("Fatima", "Begum", "f", ()), ("Bethan", "Llewellyn", "f", ("welsh",)),
    ("Mei", "Chen", "f", ()), ("Kerry", "Walsh", "f", ()),
    ("Niamh", "Doyle", "f", ()), ("Ewa", "Nowak", "f", ()),
    ("Zoë", "Pritchard", "f", ()), ("Renée", "Dubois", "f", ()),
    ("Halima", "Abdi", "f", ()), ("Shannon", "Foster", "f", ()),
    ("Siân", "Hughes", "f", ("welsh",)), ("Rania", "Khalil", "f", ("arabic",)),
    ("Callum", "MacLeod", "m", ()), ("Bogdan", "Popescu", "m", ()),
    ("Kwame", "Asante", "m", ()), ("Mohammed", "Hussain", "m", ()),
    ("Tomasz", "Kowalski", "m", ()), ("Gareth", "Jenkins", "m", ("welsh",)),
    ("Yusuf", "Ibrahim", "m", ("arabic",)), ("Darren", "Cole", "m", ()),
    ("Rhys", "Morgan", "m", ("welsh",)), ("Connor", "Burke", "m", ()),
    ("Olumide", "Adebayo", "m", ()), ("Hamza", "Aziz", "m", ()),
    ("Andrei", "Ionescu", "m", ()), ("Tariq", "Siddiqui", "m", ()),
    ("Jamal", "Grant", "m", ()), ("Liam", "Fraser", "m", ()),
    ("Idris", "Osman", "m", ("arabic",)), ("Kieran", "Doherty", "m", ()),
    ("Łukasz", "Zieliński", "m", ()), ("José", "Ferreira", "m", ()),
]

_PRONOUNS: dict[str, dict[str, str]] = {
    "f": {"he": "she", "He": "She", "him": "her", "his": "her", "His": "Her"},
    "m": {"he": "he", "He": "He", "him": "him", "his": "his", "His": "His"},
}

_STREETS = ["Albion Street", "Chapel Road", "Victoria Terrace", "Mill Lane", "Station Road",
            "Church Walk", "Park View", "Wellington Court", "Beech Grove", "Moorland Avenue",
            "Canal Wharf", "Sycamore Close", "Gladstone Street", "Hawthorn Drive",
            "Prospect Place", "Queens Road"]
# (town, postcode area, highest district number used)
_TOWNS = [("Leeds", "LS", 28), ("Bradford", "BD", 22), ("Wakefield", "WF", 17),
          ("Huddersfield", "HD", 9), ("Halifax", "HX", 7)]
_INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
# Ages are worked out against this fixed date, so nothing depends on the clock.
_AGE_REFERENCE = date(2026, 1, 1)

# --------------------------------------------------------------------------------------------
# Story arcs
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Beat:
    kind: str
    text: str
    concern: str | None = None
    private: bool = False
    photo: str | None = None  # what a photo taken at this contact shows
    caption: str = ""  # the sentence added to the note when the photo is attached
    outcome: str | None = None


@dataclass(frozen=True)
class _Arc:
    key: str
    pathway: int
    ages: tuple[int, int]
    tags: tuple[str, ...]
    beats: tuple[_Beat, ...]  # the last beat is the closing note
    requires: str | None = None  # a person flag: "f", "m", "arabic", "welsh"

    @property
    def gentle(self) -> bool:
        """Suitable for a volunteer: never high concern, nothing private."""
        return all(b.concern != "high" and not b.private for b in self.beats)


def _b(kind: str, text: str, concern: str | None = None, *, private: bool = False,
       photo: str | None = None, caption: str = "", outcome: str | None = None) -> _Beat:
    return _Beat(kind, text, concern, private, photo, caption, outcome)


_HOUSING = 0
_EMPLOYMENT = 1
_WELLBEING = 2
_FAMILY = 3

_ARCS: list[_Arc] = [
    # ---------------------------------------------------------------- Housing Support
    _Arc("h_section21", _HOUSING, (24, 64), ("eviction risk", "debt", "benefits"), (
        _b("meeting",
           "First appointment with {first} at the office. {He} brought a Section 21 notice from "
           "the letting agent giving two months to leave the flat {he} has rented for six "
           "years. No rent arrears. We read it through together: {first} is not sure the "
           "deposit was ever protected and has never been given a gas safety certificate.\n\n"
           "**Agreed actions**\n"
           "- I will check the three deposit protection schemes by Friday\n"
           "- {first} to find the tenancy agreement and any emails from the agent",
           "medium", photo="letter:Notice requiring possession",
           caption="Photo of the notice attached (taken with {first}'s consent).",
           outcome="Notice checked; deposit search under way"),
        _b("phone_call",
           "Rang {first} back. The deposit was protected 11 weeks after the tenancy started and "
           "no prescribed information was ever given, so the notice is very likely invalid. "
           "Explained that the landlord could serve a fresh notice once that is put right, so "
           "this buys time rather than solving it. {first} wants to stay if at all possible."),
        _b("email",
           "Sent a duty to refer to the council's housing options team with {first}'s consent, "
           "so the prevention duty starts now rather than when the notice runs out. Copied "
           "{first} in and attached the notice and tenancy agreement.",
           outcome="Duty to refer sent to housing options"),
        _b("drop_in",
           "{first} came to the drop-in in tears. The landlord let himself into the flat "
           "yesterday without notice, told {first} {he} had 'better be gone by the end of the "
           "month' and took photos of every room. {He} is now frightened to go out in case the "
           "locks are changed. Explained that this could be harassment and that changing the "
           "locks without a court order is an illegal eviction; gave the council's tenancy "
           "relations number and told {him} to ring 999 if {he} is locked out. Chased housing "
           "options by phone straight after.", "high"),
        _b("phone_call",
           "Housing options officer now allocated. She is writing to the landlord about the "
           "harassment and the deposit and has asked {first} to join the housing register as "
           "a precaution. Passed all of this on to {first}, who has not seen the landlord "
           "since."),
        _b("meeting",
           "Met {first}. The agent has confirmed in writing that the notice is withdrawn and "
           "the landlord has been told to give 24 hours' notice of any visit. {first} still "
           "owes about £380 council tax after {his} hours were cut at work. Booked a Citizens "
           "Advice debt appointment together for next Tuesday.", "medium",
           outcome="Citizens Advice debt appointment booked"),
        _b("phone_call",
           "{first} rang: Citizens Advice have set up a £20 a month arrangement for the council "
           "tax, and the landlord has finally sent a gas safety certificate. Sounded far calmer "
           "than a month ago. Agreed to close in a few weeks if nothing changes.", "low"),
        _b("note",
           "**Closing summary**\n\nNotice withdrawn and tenancy continuing; council tax arrears "
           "on an affordable plan; gas safety certificate received. {first} has the tenancy "
           "relations number saved and knows how to get back in touch. Closed with {his} "
           "agreement.", outcome="Tenancy sustained"),
    )),
    _Arc("h_sofa", _HOUSING, (18, 55), ("benefits", "food bank"), (
        _b("drop_in",
           "{first} came to the drop-in. Has been sofa surfing for three weeks since {his} "
           "relationship ended and slept at the bus station last night. No income since "
           "leaving a zero-hours warehouse job; phone has no credit. Completed the duty to "
           "refer with {him} and rang housing options, who will see {him} at 2pm today. Gave a "
           "food bank voucher and a bus fare.", "high",
           outcome="Homelessness referral made; same-day assessment"),
        _b("phone_call",
           "Housing options have placed {first} in emergency accommodation (a B&B near the "
           "station) for seven nights while they make enquiries. Rang {first} on a friend's "
           "phone with the address and check-in time."),
        _b("meeting",
           "Met {first} at the B&B. {He} told me that before the placement "
           "{he} was assaulted while sleeping at the bus station: kicked and robbed of {his} "
           "bag. Did not report it and has a healing cut above the eye. Does not want police "
           "involvement at the moment. Encouraged {him} to get the cut checked at the walk-in "
           "centre and explained that {he} can report at any time, including online.",
           private=True),
        _b("meeting",
           "Made a Universal Credit claim together on my laptop at the B&B. {first} has no "
           "photo ID, so identity will be checked in person at the Jobcentre: appointment "
           "booked for Thursday at 10:20. Room is basic but clean, with a shared kitchen.",
           "medium", outcome="Universal Credit claim made"),
        _b("note", "Left voicemail for {first} about Thursday's Jobcentre appointment. "
           "Will try again first thing tomorrow."),
        _b("meeting",
           "The council has accepted the relief duty and {first} is on the housing register. "
           "Placed bids on three one-bedroom flats together. Talked through what {he} would "
           "need if an offer comes: furniture, white goods, setting up gas and electric. "
           "{first} is sleeping better now the placement has been extended."),
        _b("home_visit",
           "Went with {first} to view a one-bedroom housing association flat and {he} signed "
           "the tenancy today! Applied to the local welfare scheme for a bed, cooker and "
           "fridge; the furniture project can deliver next week. {first} said it is the first "
           "time in months {he} has felt settled.", "low", outcome="Tenancy signed"),
        _b("note",
           "Six weeks into the tenancy: rent paid direct from Universal Credit, furniture "
           "delivered, and {first} has started an induction at a parcel depot. The housing "
           "association's tenancy sustainment officer is the contact from here. Case closed.",
           outcome="Settled in own tenancy"),
    )),
    _Arc("h_arrears", _HOUSING, (25, 70), ("debt", "benefits", "eviction risk"), (
        _b("phone_call",
           "Referral from the council housing officer: {first} is £1,240 in rent arrears and "
           "has been served a Notice of Seeking Possession. Spoke to {first}, who thinks the "
           "housing element of {his} Universal Credit stopped in the spring after {he} "
           "reported {his} son moving out. Home visit booked for Monday.", "medium"),
        _b("home_visit",
           "Home visit. Looked at the UC journal together: the housing costs were taken off "
           "by mistake when the change of circumstances was reported. {first} has been paying "
           "what {he} can (£15 a week) and skipping meals to do it. Gave a food bank voucher.",
           photo="letter:Notice of seeking possession",
           caption="Photographed the NOSP and the latest rent statement for the file.",
           outcome="Food bank voucher issued"),
        _b("email",
           "With {first} beside me, put a message on the UC journal asking for the housing "
           "element to be reinstated and backdated, and emailed the housing officer asking "
           "them to hold off court action while this is sorted out."),
        _b("phone_call",
           "{first} mentioned that {he} was diagnosed with type 2 diabetes last "
           "year and has had two dizzy spells this month, which {he} puts down to missing "
           "meals. Does not want this shared with the council. Encouraged {him} to book a "
           "review with the practice nurse; {he} agreed to do it this week.", private=True),
        _b("phone_call",
           "Housing officer rang: a possession hearing has been listed for three weeks' time "
           "because the arrears are now over eight weeks' rent. {first} is very anxious and "
           "said {he} 'can't face' court. Explained the court duty scheme and that I can go "
           "with {him}. Referred to the housing possession duty solicitor today.", "high"),
        _b("meeting",
           "Wrote and submitted a mandatory reconsideration with {first}, and applied for a "
           "Discretionary Housing Payment to cover the shortfall while the DWP looks again.",
           outcome="MR and DHP applications submitted"),
        _b("phone_call",
           "Good news: the DWP has reinstated the housing element and paid £1,030 in arrears "
           "straight to the council. Remaining arrears about £210. The council will ask the "
           "court to adjourn.", "medium"),
        _b("meeting",
           "Went to court with {first}. Hearing adjourned on terms: £5 a week off the arrears "
           "on top of the rent. Set up an Alternative Payment Arrangement so the rent goes "
           "direct to the council from now on. {first} was shaking afterwards but relieved.",
           "low", outcome="Possession claim adjourned on terms"),
        _b("note",
           "Closing: arrears almost cleared, rent paid direct, DHP awarded for 13 weeks and "
           "{first} is seeing the practice nurse regularly. {He} knows to contact the housing "
           "officer early if anything changes. Case closed.", outcome="Tenancy sustained"),
    )),
    _Arc("h_damp", _HOUSING, (22, 50), ("benefits", "food bank"), (
        _b("home_visit",
           "Home visit to {first} and the children in their two-bedroom housing association "
           "flat. Black mould across the back bedroom wall and round the window where the "
           "youngest sleeps; clothes in the wardrobe are mouldy too. The youngest has been to "
           "the GP twice with a chesty cough. {first} reported it to the landlord in October "
           "and again in January; nobody has visited.", "medium", photo="damp",
           caption="Photo of the bedroom wall attached (taken with {first}'s consent).",
           outcome="Disrepair evidence gathered"),
        _b("email",
           "Emailed the housing association's repairs team and {first}'s housing officer with "
           "the photos, asking for an inspection within 14 days under their damp and mould "
           "policy and for the GP's concerns to be noted on the file."),
        _b("phone_call",
           "Repairs team say a surveyor will visit 'within 28 days'. Told {first}, who is "
           "disappointed. Talked about ventilation and keeping the heating on low, but was "
           "clear that fixing the cause is the landlord's job, not {his}."),
        _b("drop_in",
           "{first} came in upset: the youngest was admitted to hospital overnight with a "
           "chest infection and wheeze, and the doctors asked about housing conditions. "
           "{first} wants to move out. Made a formal stage 1 complaint to the housing "
           "association today and explained the Housing Ombudsman route if it is not "
           "resolved.", "high", outcome="Stage 1 complaint made"),
        _b("home_visit",
           "Surveyor visited while I was there. Found a blocked gutter and no working "
           "extractor fan in the bathroom. Works order raised: gutter repair, mould wash, "
           "anti-mould paint and a new fan.", photo="damp",
           caption="Follow-up photo of the bedroom attached for comparison.",
           outcome="Works order raised"),
        _b("phone_call",
           "Works done this week. {first} says the bedroom already smells fresher and the "
           "youngest is home and much better. The complaint response offers £250 compensation "
           "and a dehumidifier.", "medium"),
        _b("home_visit",
           "Visited to check the works: wall dry, new fan working, no fresh mould. {first} has "
           "decided to stay rather than bid for a transfer. Applied to the Household Support "
           "Fund for new bedding and a wardrobe.", "low"),
        _b("note",
           "Closing summary: repairs completed, compensation paid, the children's health much "
           "improved. {first} will go straight to the housing officer if the mould comes back. "
           "Case closed.", outcome="Repairs completed"),
    )),
    _Arc("h_care_leaver", _HOUSING, (18, 24), ("care leaver", "benefits"), (
        _b("meeting",
           "Introductory meeting with {first} and {his} personal adviser from the leaving care "
           "team. {first} moves from supported lodgings into a council flat next month; it is "
           "{his} first tenancy. Worried about bills and 'doing it all wrong'. Agreed to help "
           "with setting up the flat and a budget.", "medium"),
        _b("meeting",
           "Budgeting session. Went through {his} income (Universal Credit plus the "
           "setting-up-home allowance) and the bills: rent, gas and electric, phone, contents "
           "insurance. Council tax: care leaver exemption applies until 25, form sent. {first} "
           "built a budget in a notes app on {his} phone."),
        _b("email",
           "Sent {first} links to compare energy tariffs, the contents insurance scheme the "
           "council recommends, and a checklist for moving day."),
        _b("home_visit",
           "Helped {first} move in. Took meter readings together and registered with the "
           "energy supplier. Flat bare but clean. Ordered a bed, sofa and cooker from the "
           "setting-up-home allowance; delivery on Friday.", outcome="Moved into own tenancy"),
        _b("phone_call",
           "{first} rang worried about a TV Licensing letter. Explained what it was and helped "
           "{him} set up a monthly payment. Also reminded {him} to register with a GP near the "
           "new flat."),
        _b("meeting",
           "Review: rent up to date, first bills paid, registered with the GP. {first} is proud "
           "of the flat and has joined a gym five minutes away. Agreed to keep in touch "
           "monthly.", "low"),
        _b("note",
           "Three months in and everything is on track. {first} knows how to reach the "
           "personal adviser and us. Closing with {his} agreement.",
           outcome="Tenancy established"),
    )),
    # ---------------------------------------------------------------- Employment Programme
    _Arc("e_injury", _EMPLOYMENT, (30, 62), ("benefits",), (
        _b("meeting",
           "First meeting with {first}, referred by {his} Jobcentre work coach. Out of work for "
           "18 months after a back injury at a warehouse; on Universal Credit with limited "
           "capability for work. Wants part-time work without heavy lifting. Confidence low: "
           "'I've only ever done one job.'", "medium"),
        _b("meeting",
           "CV session. {first} did eight years of stock control, drove a forklift and trained "
           "new starters. We turned 'just a picker' into 'team leader experience' and wrote a "
           "first draft together; {he} will add dates at home."),
        _b("email",
           "Emailed {first} four part-time roles (school reception, library assistant, pharmacy "
           "counter, call centre) and the link to the free digital skills course at the "
           "college."),
        _b("phone_call",
           "{first} has enrolled on the six-week digital skills course starting Monday. Nervous "
           "about being the oldest in the class; we talked it through.",
           outcome="Enrolled on course"),
        _b("meeting",
           "Mock interview for the pharmacy counter job. Answers got stronger each time; "
           "practised 'tell me about yourself' and how to explain the gap in work. Interview "
           "is Wednesday at 2pm."),
        _b("phone_call",
           "{first} rang: offered the pharmacy job, 20 hours a week 🎉 Starts in two weeks. "
           "Talked through reporting earnings to Universal Credit and did a quick better-off "
           "calculation together.", "low", outcome="Job offer accepted"),
        _b("note",
           "Eight-week check-in: {first} is settling in well and has been asked to cover extra "
           "hours. No further support needed. Case closed.", outcome="Sustained employment"),
    )),
    _Arc("e_neet", _EMPLOYMENT, (18, 23), ("NEET", "care leaver"), (
        _b("drop_in",
           "{first} came in with a friend. Left college in the first year and has not worked "
           "or studied since; spends most days at home. Says things are tense at home about "
           "it. Interested in construction or anything outdoors.", "medium"),
        _b("meeting",
           "Talked through a CSCS card course and the council's construction traineeship. "
           "{first} would need help with travel. Applied for the traineeship together; {he} "
           "wrote most of the personal statement.", outcome="Traineeship application sent"),
        _b("note", "{first} did not attend today. No answer on the phone; sent a text."),
        _b("phone_call",
           "Finally reached {first}. {He} was told to leave home after a row at the weekend "
           "and is on a friend's sofa; says it is safe for now but can only stay a few nights. "
           "With consent, referred to the youth homelessness service and the council's "
           "16-25 housing team.", "high", outcome="Youth homelessness referral"),
        _b("meeting",
           "{first} told me {he} has self-harmed (cutting) on and off since "
           "school, most recently the night {he} left home. Wounds healing, no thoughts of "
           "suicide. Has never told the GP. Talked about safer coping, gave the Papyrus and "
           "Shout numbers, and {he} agreed to let me book a GP appointment for Friday.",
           private=True),
        _b("phone_call",
           "The youth housing team have offered {first} a room in a supported housing project "
           "from Monday. {He} sounded relieved. Traineeship interview is next Thursday; moved "
           "our session to fit round the move.", "medium"),
        _b("meeting",
           "Mock interview, and found interview clothes at the clothing bank. {first} was "
           "quiet at first but spoke well about teamwork from playing five-a-side."),
        _b("meeting",
           "Traineeship interview went well and {first} starts in three weeks. The bursary "
           "covers a bus pass and safety boots. Key worker at the project is helping with a "
           "budget.", "low", outcome="Place offered on traineeship"),
        _b("note",
           "{first} has finished the first month of the traineeship with full attendance and "
           "passed the CSCS test. Closing; the project key worker continues to support {him}.",
           outcome="In training"),
    )),
    _Arc("e_refugee", _EMPLOYMENT, (22, 55), ("refugee", "ESOL"), (
        _b("meeting",
           "First meeting with {first}, granted refugee status four months ago. Qualified and "
           "worked as a pharmacist before leaving home; now on Universal Credit and at ESOL "
           "Entry 3 at the college. Used a telephone interpreter (Arabic) for the harder "
           "parts. Wants to work in a pharmacy while working towards UK registration.",
           "medium"),
        _b("meeting",
           "Applied with {first} for a UK ENIC statement of comparability for {his} degree; the "
           "college ESOL team will help with certified translations. Looked at pharmacy "
           "assistant jobs that do not need registration.",
           outcome="Qualification recognition applied for"),
        _b("phone_call",
           "{first} rang very worried: the landlord of {his} shared house has given everyone "
           "two weeks to leave, and a job application asked for an eVisa share code {he} does "
           "not have. Made a same-day referral to housing options and booked a session to set "
           "up the eVisa.", "high", outcome="Housing options referral made"),
        _b("meeting",
           "While we set up the UKVI account, {first} became distressed and "
           "talked about what happened on {his} journey to the UK, including time held in a "
           "camp. Has nightmares most nights and avoids sleeping. Agreed, with consent, to ask "
           "the GP for a referral to the refugee trauma service. Did not push for detail.",
           private=True),
        _b("phone_call",
           "Housing options found {first} a room in a house run by a refugee housing charity; "
           "moving next week. {He} said: «شكراً جزيلاً، الله يعطيك العافية» (thank you very "
           "much, God give you strength).", "medium"),
        _b("meeting",
           "Interview for pharmacy assistant at a local chemist on Tuesday. Practised "
           "questions; {first}'s English is coming on quickly and {he} has moved up to the "
           "Level 1 course."),
        _b("phone_call",
           "{first} has started at the pharmacy, 25 hours a week. The ENIC statement confirms "
           "the degree is comparable to a UK bachelor's. Next step is the overseas pharmacist "
           "assessment; {first} is looking into costs and funding.", "low",
           outcome="Started work as pharmacy assistant"),
        _b("note",
           "Closing: in work, settled housing, ESOL continuing. Signposted to a mentoring "
           "scheme for refugee health professionals. Case closed.", outcome="In work"),
    ), requires="arabic"),
    _Arc("e_sanction", _EMPLOYMENT, (25, 60), ("benefits", "food bank", "debt"), (
        _b("meeting",
           "{first} was referred by the food bank after three vouchers in a month. Universal "
           "Credit sanctioned for missing a Jobcentre appointment; {he} says the text arrived "
           "after the date. Worked as a kitchen porter until last year.", "medium",
           photo="letter:Universal Credit sanction decision",
           caption="Photo of the sanction letter attached (with consent).",
           outcome="Food bank voucher issued"),
        _b("phone_call",
           "Helped {first} ask for a mandatory reconsideration of the sanction on the UC "
           "journal, using the text message's timestamp as evidence. Also applied for a "
           "hardship payment."),
        _b("note", "{first} missed this morning's appointment. Text sent; will try again this "
           "afternoon."),
        _b("phone_call",
           "{first} rang from a friend's phone; {his} own has been cut off. Electricity ran out "
           "two days ago, there is no food in, and enforcement agents have left a letter about "
           "an old council tax debt. Sounded low and desperate but said {he} is safe. "
           "Arranged an emergency food parcel and a fuel voucher, and rang the council to put "
           "enforcement on hold for 30 days while we get debt advice.", "high",
           outcome="Enforcement paused; emergency support"),
        _b("meeting",
           "{first} told me most of {his} debt comes from online slots: about "
           "£2,000 over the last year, often on payday. {He} is ashamed and has not told "
           "family. Set up gambling blocks on {his} phone and bank card together and referred "
           "to the national gambling support service.", private=True),
        _b("meeting",
           "Citizens Advice debt appointment: total debts about £3,400 (council tax, a "
           "catalogue account, a payday loan). They think a Debt Relief Order is the best "
           "option and have started the application."),
        _b("phone_call",
           "Sanction overturned on reconsideration and repaid. Phone reconnected. {first} has "
           "kept the gambling blocks on and says the urges are 'less loud'.", "medium",
           outcome="Sanction overturned"),
        _b("meeting",
           "Job search session. Updated {first}'s CV and applied for two kitchen roles with the "
           "hospital catering team."),
        _b("phone_call",
           "{first} got the hospital catering job, 30 hours a week! The DRO was approved last "
           "week too, so the council tax and loans are written off. 'First time I've slept "
           "properly in a year.'", "low", outcome="Job offer accepted"),
        _b("note",
           "Closing: in work, DRO approved, no longer using the food bank, still attending "
           "gambling support. Case closed.", outcome="In work; debts resolved"),
    )),
    _Arc("e_digital", _EMPLOYMENT, (50, 66), ("benefits",), (
        _b("meeting",
           "Met {first} at the library. Made redundant from a print works after 31 years; "
           "first time job hunting since the 1990s. The claimant commitment expects 35 hours' "
           "job search a week, which {he} finds impossible without computer skills. Agreed "
           "weekly one-to-one sessions here.", "medium"),
        _b("meeting",
           "Session 1: set up an email address and a Find a Job account, practised copying and "
           "pasting. {first} writes passwords in a notebook, which we agreed stays at home."),
        _b("meeting",
           "Session 2: built a CV with the library's template. Plenty of transferable skills: "
           "machine setup, health and safety, training apprentices."),
        _b("note", "{first} cancelled today's session for a grandchild's birthday. Rebooked for "
           "next week."),
        _b("meeting",
           "Session 3: {first} applied for two jobs online on {his} own while I just watched. "
           "Set up job alerts for warehouse supervisor and print finishing roles."),
        _b("phone_call",
           "{first} has an interview for a production supervisor role next week and has been "
           "asked to bring certificates. Sounded confident: 'I can do it without you now!'",
           "low", outcome="Interview secured"),
        _b("note",
           "{first} started the supervisor job on Monday. Signposted to the library's free "
           "online learning courses to keep building skills. Case closed.",
           outcome="Back in work"),
    )),
    # ---------------------------------------------------------------- Wellbeing & Mental Health
    _Arc("w_low_mood", _WELLBEING, (20, 65), ("mental health",), (
        _b("meeting",
           "First session with {first}, referred by {his} GP. Low mood for about six months "
           "since being made redundant; sleeping badly, rarely going out and not answering the "
           "phone to friends. I asked directly about suicide: {first} has had fleeting "
           "thoughts but no plans, and said {his} sister 'keeps me going'. Agreed weekly "
           "check-ins and a taster at the walking group.", "medium"),
        _b("phone_call",
           "Weekly check-in. {first} went to the walking group on Saturday and managed the "
           "whole loop. Still waking at 4am most nights. Encouraged {him} to raise sleep at "
           "the GP review next week."),
        _b("meeting",
           "**Private: disclosure**\n\n{first} told me the thoughts of ending {his} life have "
           "become more frequent this week and {he} has thought about how. {He} has been "
           "saving up {his} prescribed tablets. We made a safety plan together:\n\n"
           "- sister to hold the tablets from tonight\n"
           "- Samaritans 116 123 and the crisis line saved in {his} phone\n"
           "- reasons for living, in {his} own words\n\n"
           "With consent I rang the surgery and got an urgent appointment for 9am tomorrow. "
           "Sister aware and staying over.", "high", private=True,
           outcome="Safety plan made; urgent GP appointment"),
        _b("phone_call",
           "Rang {first} after the GP appointment. The GP has made an urgent referral to the "
           "community mental health team (CMHT) and the crisis team will phone tomorrow. "
           "{first} feels 'a bit safer now people know'. Agreed calls on Wednesday and "
           "Friday."),
        _b("phone_call",
           "Check-in. The crisis team have been in touch and the CMHT assessment is next week. "
           "{first} went to the walking group again and had a coffee with one of the regulars "
           "afterwards.", "medium"),
        _b("meeting",
           "CMHT assessment done: {first} has a care coordinator and is on the waiting list "
           "for a CBT group. Reviewed the safety plan: still on the fridge, sister still "
           "holding the tablets. Sleeping five or six hours now.",
           outcome="CMHT care coordinator allocated"),
        _b("meeting",
           "Three months on. {first} is in the CBT group, walks twice a week and has started "
           "volunteering at the community café on Tuesdays. Talked about job hunting in the "
           "new year. Moving to monthly calls.", "low"),
        _b("note",
           "Closing: {first} is stable, linked in with the CMHT and has people around {him}. "
           "Reviewed the safety plan one last time; {he} knows how to re-refer. Closed with "
           "{his} agreement.", outcome="Linked in with CMHT; stable"),
    )),
    _Arc("w_bereavement", _WELLBEING, (40, 78), ("substance use", "mental health"), (
        _b("drop_in",
           "{first} came to the drop-in on a neighbour's suggestion. {His} partner of thirty "
           "years died in the spring and {he} is 'rattling round the house'. Drinking more: "
           "about a bottle of wine most nights, more at weekends, and not eating much. Said "
           "{he} has no thoughts of self-harm. Gave information on bereavement support and the "
           "community alcohol service; {first} will think about it.", "medium"),
        _b("phone_call",
           "Called {first} as agreed. {He} has booked a first bereavement counselling session. "
           "Still drinking most nights; we talked about drink-free days and swapping the "
           "evening bottle for a walk to the shop for the paper."),
        _b("home_visit",
           "Home visit at 11am. {first} was unsteady and smelt strongly of "
           "alcohol. Lots of empty bottles, very little food. {He} fell in the garden last "
           "week and has a bruise on {his} forehead but has not seen anyone about it. Admitted "
           "drinking from when {he} wakes. With consent rang the GP for a same-day appointment "
           "and referred to the alcohol service; explained not to stop suddenly because of the "
           "risk of withdrawal.", "high", private=True,
           outcome="GP and alcohol service referrals"),
        _b("phone_call",
           "The GP has started a supervised plan to cut down and the alcohol service has "
           "allocated a key worker. {first} says the fall 'gave me a fright'."),
        _b("meeting",
           "Good session 🙂 {first} has managed three drink-free days a week and has been back "
           "to the allotment. Talked about the anniversary next month and who {he} can lean "
           "on.", "medium"),
        _b("phone_call",
           "Check-in around the anniversary. {first} visited the grave with {his} daughter and "
           "they had a meal out afterwards. Still going to counselling and the alcohol "
           "service."),
        _b("meeting",
           "Review: drinking down to weekends only, eating properly, counselling finished. "
           "{first} has joined a community choir that meets on Wednesday nights.", "low"),
        _b("note",
           "Closing summary: {first} is well supported by family, the alcohol service and the "
           "choir, and has our number. Case closed.", outcome="Drinking reduced; supported"),
    )),
    _Arc("w_isolation", _WELLBEING, (58, 88), ("mental health",), (
        _b("phone_call",
           "Referral from the GP practice's social prescriber: {first} lives alone, has rarely "
           "left the flat since a hip operation and told the surgery {he} 'sometimes doesn't "
           "speak to anyone all week'. Rang to introduce myself; {first} is happy to have a "
           "visit.", "medium"),
        _b("home_visit",
           "First visit. {first} made tea and showed me photos of the grandchildren in "
           "Bristol. Main worries: the stairs up to the flat, long evenings, and not being "
           "able to use the tablet {his} son sent. Agreed: a lunch club taster, help with "
           "video calls, and a request for a second stair rail."),
        _b("email",
           "Requested an occupational therapy assessment for a second stair rail through adult "
           "social care's online form. Posted the reference to {first}, who prefers letters."),
        _b("home_visit",
           "Set up video calling on {first}'s tablet and we rang the grandchildren together. "
           "Lovely moment. Wrote step-by-step instructions in large print for the fridge "
           "door."),
        _b("drop_in",
           "{first} came to the Wednesday lunch club with me, sat with two retired bus drivers "
           "and stayed for the quiz. Said {he} will go again next week.", "low"),
        _b("phone_call",
           "The OT has fitted the second handrail. {first} has been to lunch club three weeks "
           "running and now gets a lift from another member."),
        _b("note",
           "Closing: {first} has a weekly routine (lunch club, video calls with family) and is "
           "more confident on the stairs. Left details of a befriending phone line in case the "
           "winter is hard. Case closed.", outcome="Linked into community activities"),
    )),
    _Arc("w_pip", _WELLBEING, (25, 64), ("benefits", "mental health"), (
        _b("meeting",
           "Met {first}, who has severe anxiety with panic attacks and rarely goes out alone. "
           "{His} PIP claim was refused with 0 points; the mandatory reconsideration deadline "
           "is in three weeks. {first} found the assessment 'humiliating' and does not want "
           "to go through it again. Explained the process and that many decisions change on "
           "reconsideration.", "medium", photo="letter:Personal Independence Payment decision",
           caption="Photo of the decision letter attached (with consent)."),
        _b("meeting",
           "Went through the PIP descriptors with {first}. The assessor's report says {he} "
           "'travelled alone by bus', but {his} mum drove {him} there. Drafted the mandatory "
           "reconsideration with examples for planning journeys, engaging with other people "
           "and preparing food."),
        _b("meeting",
           "{first} told me the anxiety started after {he} was sexually "
           "assaulted by a colleague five years ago. {He} has never told the DWP or the "
           "assessor and does not want it in the reconsideration. Respected that. Gave the "
           "details of the local rape crisis service; {he} may call them. Did not record "
           "further detail.", private=True),
        _b("phone_call",
           "{first} rang very distressed: Universal Credit is down because of a deduction for "
           "an old advance and {he} has £6 until payday. Has not left the house for a week. "
           "No thoughts of self-harm when asked. Arranged a food parcel delivery for today and "
           "applied to the local welfare scheme for a fuel voucher.", "high",
           outcome="Emergency food and fuel support"),
        _b("email",
           "Sent the mandatory reconsideration to the DWP with a supporting letter from "
           "{first}'s CMHT nurse. Asked on the UC journal for the advance deduction to be "
           "reduced on hardship grounds."),
        _b("phone_call",
           "The DWP has cut the deduction to £25 a month. Still no MR decision after five "
           "weeks. {first} has been to the corner shop twice this week with {his} mum.",
           "medium"),
        _b("meeting",
           "MR decision: refused again. {first} wants to appeal. Completed the SSCS1 tribunal "
           "form together and asked for a telephone hearing, which {first} feels able to "
           "manage.", outcome="Tribunal appeal lodged"),
        _b("phone_call",
           "Tribunal decision: {first} has been awarded the daily living component at the "
           "standard rate and enhanced mobility, backdated. {He} cried on the phone. Talked "
           "about using some of the backdated money for a bus pass and the anxiety group.",
           "low", outcome="PIP awarded on appeal"),
        _b("note",
           "Closing: PIP in payment, UC deduction reduced, CMHT support continuing and {first} "
           "has started an anxiety management group. Case closed, with thanks from {first} and "
           "{his} mum.", outcome="Benefits secured"),
    )),
    _Arc("w_recovery", _WELLBEING, (23, 55), ("substance use", "debt"), (
        _b("meeting",
           "First meeting with {first}, who self-referred after seeing our poster at the "
           "pharmacy. Smokes cannabis daily and has used cocaine most weekends for about two "
           "years; wants to stop before it costs {him} {his} job and {his} relationship. Owes "
           "about £900 to friends. Talked through the drug and alcohol service's open access "
           "sessions.", "medium"),
        _b("phone_call",
           "Booked {first} into the drug and alcohol service's assessment on Tuesday and sent "
           "the address by text.", outcome="Referral to drug and alcohol service"),
        _b("meeting",
           "{first} went to the assessment and has a recovery worker. Cut down to weekends "
           "only. Talked about triggers: payday, one group of friends, stress at work."),
        _b("drop_in",
           "{first} came in after a heavy weekend: used cocaine and drank for "
           "two days, missed a shift and has been suspended pending a meeting. Disclosed that "
           "{he} owes £600 to a dealer who has been sending threatening messages. Feels "
           "ashamed: 'I'm a waste of space.' Asked about suicide: no thoughts or plans. {He} "
           "agreed to tell the recovery worker today; talked through reporting the threats to "
           "the police.", "high", private=True),
        _b("phone_call",
           "Recovery worker has increased sessions to twice a week. {first} has reported the "
           "messages to the police and blocked the number. Work meeting is on Friday; {he} "
           "plans to be honest with HR."),
        _b("meeting",
           "Work meeting went better than feared: final written warning and a referral to "
           "occupational health. {first} has not used for 16 days. Did a budget together with "
           "a plan to repay friends at £40 a month.", "medium"),
        _b("meeting",
           "Seven weeks without using. {first} goes to a SMART Recovery group on Thursdays and "
           "has started running again. Says the relationship is 'better than it's been for "
           "ages'.", "low"),
        _b("note",
           "Closing: {first} is stable in recovery, back at work and repaying debts on a plan. "
           "The recovery worker stays the main contact. Case closed.",
           outcome="Engaged in recovery"),
    )),
    # ---------------------------------------------------------------- Family Support
    _Arc("f_domestic_abuse", _FAMILY, (22, 48), ("domestic abuse", "food bank", "debt"), (
        _b("home_visit",
           "Home visit to {first} and the two children (6 and 9). Kitchen cupboards almost "
           "empty: Universal Credit is £180 a month lower because of an overpayment deduction. "
           "Children well presented and in school. Gave a food bank voucher and arranged a "
           "delivery for tomorrow.", "medium", photo="voucher",
           caption="Photo of the voucher attached for our records.",
           outcome="Food bank voucher issued"),
        _b("phone_call",
           "Rang the DWP with {first} on speakerphone about the overpayment. Deduction cut from "
           "£180 to £60 a month from the next assessment period.",
           outcome="Deduction reduced"),
        _b("meeting",
           "Budgeting session. Electricity is on a prepayment meter and {first} is going "
           "without heating some evenings. Applied to the Household Support Fund together and "
           "found free school meals were not in place for the youngest: form done."),
        _b("home_visit",
           "**Private: safeguarding**\n\n{first} disclosed that {his} ex-partner has been "
           "coming to the house drunk, banging on the door and shouting, most recently on "
           "Saturday in front of the children. Last month the ex-partner pushed {him} against "
           "the kitchen door. {first} is frightened and has not told the police. Completed a "
           "DASH risk assessment together: 15 yes answers (high risk). With {first}'s "
           "knowledge and consent:\n\n"
           "- referral to the IDVA service and to MARAC\n"
           "- MASH referral for the children\n"
           "- school safeguarding lead informed\n\n"
           "Safety plan: locks, 999 Silent Solution explained, bag packed at a friend's.",
           "high", private=True, outcome="DASH completed; MARAC and MASH referrals made"),
        _b("phone_call",
           "The IDVA has made contact and {first} has reported the incidents to the police. "
           "The ex-partner was arrested and bailed with conditions not to come to the address. "
           "MASH have passed the children's referral to Early Help rather than a statutory "
           "assessment.", private=True),
        _b("home_visit",
           "The sanctuary scheme has fitted a door chain, video doorbell and window locks. "
           "{first} says the house feels calmer and the children are sleeping through. "
           "Household Support Fund paid £150 onto the prepayment meter.", "medium"),
        _b("meeting",
           "Review with {first} and the Early Help worker: no contact from the ex-partner for "
           "six weeks, bail conditions extended, IDVA support continuing. Free school meals in "
           "place and the deduction has finished. {first} feels ready to manage with the IDVA "
           "and Early Help.", "low"),
        _b("note",
           "**Closing summary**\n\n"
           "- Food: no longer relying on the food bank\n"
           "- Safety: IDVA and Early Help involved, sanctuary measures fitted\n"
           "- Money: deduction ended, Household Support Fund award made\n\n"
           "{first} knows to contact us again if anything changes. Case closed.",
           outcome="Family safe and supported"),
    )),
    _Arc("f_young_carer", _FAMILY, (36, 60), ("young carer", "benefits"), (
        _b("meeting",
           "Referral from the school: {first}'s eldest (14) is a young carer for {first}, who "
           "has MS. Attendance has dropped to 82% and staff are worried about tiredness. Met "
           "{first} at home with the young person there. Both want help, but {first} worries "
           "'social services will get involved'. Explained that a young carer's assessment is "
           "about support, not judgement.", "medium"),
        _b("email",
           "Requested a young carer's assessment from the council's carers' service and, with "
           "consent, emailed the school attendance officer to explain what is going on.",
           outcome="Young carer assessment requested"),
        _b("phone_call",
           "Chased adult social care about reviewing {first}'s care package: there is no "
           "support in the mornings, when the young person helps {him} wash and dress before "
           "school. Assessment visit booked for the 14th."),
        _b("phone_call",
           "School rang: the young person broke down in class and said they were up half the "
           "night because {first} fell in the bathroom and could not get up for an hour. Rang "
           "{first}: bruised but not badly hurt; there is no falls alarm in the house. Asked "
           "adult social care to treat the assessment as urgent and requested telecare.",
           "high"),
        _b("home_visit",
           "{first} told me {his} MS has progressed and {he} now has bladder "
           "problems that {he} finds embarrassing; this is partly why the young person has "
           "been helping in the mornings. Agreed, with consent, to ask the GP for a continence "
           "referral. {first} does not want this discussed with the school.", private=True),
        _b("home_visit",
           "Adult social care assessment happened with me there. {first} will have a care call "
           "every morning and a pendant alarm. Occupational therapy referral made for a shower "
           "seat and grab rails.", "medium", outcome="Care package increased"),
        _b("meeting",
           "Young carer's assessment done. The young person has joined the young carers' group "
           "on Thursday evenings and has a named teacher to go to. Attendance this half term "
           "is up to 93%."),
        _b("phone_call",
           "Checked in with {first}. Morning carers are reliable and the grab rails are fitted. "
           "Helped {him} report a change of circumstances for PIP, as {his} needs have "
           "increased since the award.", "low"),
        _b("note",
           "Closing: care package in place, young carer supported by the group and school, PIP "
           "review under way. Case closed with the family's agreement.",
           outcome="Care and young carer support in place"),
    )),
    _Arc("f_school", _FAMILY, (26, 50), ("benefits",), (
        _b("meeting",
           "Early Help referral from the primary school: {first}'s son (8) has had three "
           "suspensions this year for aggressive behaviour and attendance is 76%. Met {first}, "
           "a single parent working nights at a care home. {He} feels the school 'has it in "
           "for him' and has been asking the GP about ADHD for a year.", "medium"),
        _b("meeting",
           "Joint meeting at school with {first}, the SENCo and the class teacher. Agreed a "
           "support plan: a quiet space the boy can use when overwhelmed, a daily check-in "
           "with a teaching assistant, and the SENCo will refer to the community "
           "paediatrician.", outcome="School support plan agreed"),
        _b("phone_call",
           "Rang {first}. Mornings are the flashpoint: {he} gets in from a night shift at 7:30 "
           "and the boy refuses to get dressed. Talked about a visual timetable and the "
           "parenting course at the family hub."),
        _b("phone_call",
           "School rang: the boy was sent home after throwing a chair, and a member of staff "
           "was hurt. The school is now talking about permanent exclusion. {first} is "
           "exhausted and says {he} may have to give up work. Asked the school for an urgent "
           "review meeting before any decision and contacted the local authority's inclusion "
           "team.", "high"),
        _b("note",
           "{first} told me {he} has been on antidepressants since the boy's "
           "dad left and that social care were involved with the family for a short time four "
           "years ago. {He} is scared this will count against {him}. Reassured {him} that "
           "asking for help is a strength; this stays on our record only.", private=True),
        _b("meeting",
           "Review meeting: no exclusion. The school has agreed a part-time timetable for two "
           "weeks with a plan to build back up, and will apply for an EHC needs assessment. "
           "Paediatrician appointment now booked.", "medium",
           outcome="EHC needs assessment requested"),
        _b("drop_in",
           "{first} popped in after the parenting course at the family hub. Says the visual "
           "timetable is 'actually working' most mornings. Talked about asking {his} employer "
           "for a change to day shifts."),
        _b("phone_call",
           "The paediatrician has diagnosed ADHD and the boy has started medication. Back on a "
           "full timetable with no incidents for three weeks. {first} has moved to day shifts.",
           "low"),
        _b("note",
           "Closing: diagnosis and school support plan in place, EHC assessment led by the "
           "SENCo, and {first} is part of the family hub parents' group. Case closed.",
           outcome="School place stable"),
    )),
    _Arc("f_new_baby", _FAMILY, (18, 40), ("mental health", "benefits"), (
        _b("home_visit",
           "Referral from the health visitor. {first} had a baby eight weeks ago and lives "
           "with {his} partner in a one-bedroom flat. Tearful during the visit, says {he} "
           "feels 'like a robot' and is not enjoying the baby. Baby well, feeding and gaining "
           "weight. Money very tight since the partner's hours were cut; no Child Benefit "
           "claim yet.", "medium"),
        _b("meeting",
           "Claimed Child Benefit and applied for Healthy Start with {first}. Checked the "
           "Universal Credit child element has been added. Gave details of the baby bank for "
           "a cot mattress and clothes.", outcome="Child Benefit and Healthy Start claimed"),
        _b("phone_call",
           "{first} rang in tears. Said {he} has had thoughts that the baby "
           "would be better off without {him} and has been 'too scared to say it' to the "
           "health visitor. No thoughts of harming the baby. Partner at work. Went through "
           "the safety plan and, with consent, rang the health visitor and the GP: the GP "
           "will see {first} this afternoon and refer to the perinatal mental health team. "
           "Partner coming home early.", "high", private=True,
           outcome="Urgent GP and perinatal referral"),
        _b("phone_call",
           "The perinatal mental health team saw {first} at home today and will visit weekly. "
           "{first}'s mum is coming to stay for two weeks, which {first} is pleased about."),
        _b("home_visit",
           "Joint visit with the health visitor. {first} looked brighter, was chatting to the "
           "baby and has been to baby massage at the family hub. The baby bank delivered the "
           "cot mattress.", "medium"),
        _b("meeting",
           "Review: perinatal team moving to fortnightly visits and {first} says 'the fog is "
           "lifting'. Healthy Start card arrived. Partner back on full hours.", "low"),
        _b("note",
           "Closing: {first} is well supported by the perinatal team, the health visitor and "
           "the family hub, and all benefits are in place. Case closed.",
           outcome="Supported by perinatal team"),
    ), requires="f"),
    _Arc("f_kinship", _FAMILY, (45, 70), ("benefits", "debt"), (
        _b("meeting",
           "Met {first}, who has looked after {his} two grandchildren (4 and 7) for three "
           "months since their mum's drug use got worse. No formal arrangement. {first} gave "
           "up a cleaning job to do the school run and is living on savings that have nearly "
           "gone. Children's social care are aware.", "medium"),
        _b("phone_call",
           "Rang the kinship carers' advice line with {first} on speaker. Talked through child "
           "arrangements orders and special guardianship. {first} wants to keep the children "
           "long term."),
        _b("meeting",
           "Claimed Child Benefit for both children (transferred from their mum) and added "
           "them to {first}'s Universal Credit. Applied for a school uniform grant.",
           outcome="Benefit claims made for the grandchildren"),
        _b("drop_in",
           "{first} came in shaken. The children's mum turned up at the school gates on "
           "Friday, under the influence, and tried to take the youngest home. Staff "
           "intervened and called the police. {first} has no order to show the school. Rang "
           "the children's social worker, who will visit today; advised {first} to keep a "
           "written log of every contact.", "high"),
        _b("note",
           "Social worker shared that the children's mum was arrested on "
           "Friday for possession and is known to be using heroin; there are concerns about "
           "who she is living with. Shared with me so we can support {first}'s safety "
           "planning; not to be discussed with the children.", private=True),
        _b("phone_call",
           "Social worker has started a kinship assessment and will support an application "
           "for a special guardianship order; the local authority will pay the legal costs. "
           "The school now has a photo of the mum and a plan for collections."),
        _b("meeting",
           "Interim order granted. {first} is relieved but worn out. Talked about respite: "
           "the kinship carers' group meets monthly and runs days out for the children.",
           "medium"),
        _b("meeting",
           "Special guardianship order made. {first} will get a special guardianship "
           "allowance, and the children are settled at school. {He} has been to two kinship "
           "carers' group meetings and found people 'in the same boat'.", "low",
           outcome="Special guardianship order made"),
        _b("note",
           "Closing summary: SGO in place, allowance and benefits sorted, peer support through "
           "the kinship carers' group. Case closed.", outcome="Children settled with family"),
    )),
]

# --------------------------------------------------------------------------------------------
# Notes that fit any case
# --------------------------------------------------------------------------------------------

_FILLERS: list[_Beat] = [
    _b("note", "Left voicemail for {first}; will try again on Thursday."),
    _b("phone_call", "Quick check-in call with {first}. Things are 'ticking along'; no new "
       "concerns. Next contact in a fortnight."),
    _b("note", "{first} did not attend today's appointment. Texted to rebook; will ring tomorrow "
       "if there is no reply."),
    _b("email", "Sent {first} a reminder of next week's appointment and the office address."),
    _b("phone_call", "Rearranged Tuesday's appointment at {first}'s request: it clashed with a "
       "hospital appointment."),
    _b("note", "Chased the referral by email; no reply yet. Will chase again on Monday."),
    _b("phone_call", "{first} rang to ask whether we had heard anything back. Not yet; explained "
       "the usual timescales and that I will ring as soon as I hear."),
    _b("email", "Posted and emailed {first} a copy of the letter we sent, as {he} asked."),
    _b("note", "Updated the support plan after today's call. Goals unchanged."),
    _b("note", "Texted {first}: no reply. Will try tomorrow before 10, when {he} is usually "
       "free."),
    _b("phone_call", "Spoke to {first} briefly on {his} break. All fine; will call back next "
       "week."),
    _b("drop_in", "{first} popped into the drop-in to use the phone and print some forms. "
       "Helped with the printing; nothing new to report."),
    _b("email", "Sent the signed consent form to the other agency so that they can share "
       "information with us."),
    _b("note", "Two attempts to call today, no answer. Sent a text with my direct number."),
    _b("phone_call", "{first} called to cancel tomorrow, unwell with a cold. Rebooked for next "
       "week."),
    _b("note", "Discussed at the team meeting. No change to the plan."),
    _b("email", "Sent {first} the link for checking benefit entitlement and a reminder to bring "
       "any letters next time."),
    _b("phone_call", "Called to check {first} collected the food bank parcel. Yes, on Saturday; "
       "the volunteers were 'really kind'."),
    _b("note", "A letter for {first} arrived at our office (we are {his} correspondence "
       "address). Rang to let {him} know; {he} will collect it on Thursday."),
    _b("drop_in", "Brief chat with {first} at drop-in. In good spirits and says the last few "
       "weeks have been calmer."),
    _b("email", "Emailed {first} a summary of what we agreed, so {he} has it in writing:\n\n"
       "- I will chase the council by Friday\n"
       "- {first} to send the last two payslips\n"
       "- next meeting in two weeks"),
    _b("phone_call", "Mobile went straight to voicemail. Left a message asking {first} to call "
       "back."),
    _b("meeting", "Short meeting to fill in forms. {first} signed the consent and "
       "information-sharing form; copy given."),
    _b("phone_call", "{first} rang for a chat after a hard week. Listened mostly. No new risks; "
       "agreed to keep Tuesday's appointment."),
]

# Written by the manager about the worker's case.
_MANAGER_NOTES: list[_Beat] = [
    _b("note", "Reviewed in supervision with {worker}. The plan is proportionate; review again "
       "in four weeks."),
    _b("note", "Manager review: read the recent notes with {worker}. Good, clear recording. "
       "Reminder that {first}'s consent form is due for renewal."),
    _b("note", "Caseload review with {worker}: keep open for now and aim to step down to "
       "monthly contact."),
    _b("phone_call", "Covering for {worker}, who is on leave. Rang {first} to check in: no "
       "concerns, next appointment confirmed."),
]

# The last note on an open case that has gone quiet.
_QUIET_NOTES: list[_Beat] = [
    _b("note", "No response to the last three texts or calls. Sent a letter asking {first} to "
       "get in touch; will consider closing if we hear nothing within 14 days."),
    _b("phone_call", "Tried {first}'s number again: no answer and the voicemail is full. Will "
       "ask at the drop-in whether anyone has seen {him}."),
    _b("email", "Emailed {first}, as {he} has not answered calls for a few weeks. Said the door "
       "is open and asked {him} to reply with a good time to talk."),
]

# The last note on a paused case.
_PAUSE_NOTES: list[_Beat] = [
    _b("note", "Case paused at {first}'s request while {he} is in hospital for planned "
       "surgery. Will pick up when {he} is home; {his} sister has my number."),
    _b("note", "Pausing support: {first} is staying with family in Birmingham for a few weeks. "
       "Agreed that I will text when {he} is back."),
    _b("phone_call", "{first} asked for a break from appointments while things settle. Paused "
       "for six weeks with a review date set."),
    _b("note", "Paused: {first} has started an intensive programme with another service, which "
       "is the lead for now. We will re-engage when it finishes."),
    _b("note", "Case paused while we wait for the decision; nothing more we can do until it "
       "arrives. {first} knows to call if anything changes."),
    _b("phone_call", "Agreed with {first} to pause for a month: {he} has started a new job and "
       "wants to find {his} feet. Will check in afterwards."),
    _b("note", "Paused: {first} is caring for a parent who is seriously ill and cannot commit "
       "to appointments at the moment. Left the door open."),
]

# Written while a new case waits for a named worker.
_TRIAGE_NOTES: list[_Beat] = [
    _b("note", "Referral received through the website form. Awaiting allocation; the duty "
       "worker will make first contact."),
    _b("note", "Triage: added to the allocation list. On what we know this is not urgent; aim "
       "to allocate within two weeks."),
    _b("phone_call", "Duty call to {first} to acknowledge the referral and explain the wait for "
       "a named worker. {He} is happy to wait; gave the drop-in times in the meantime."),
    _b("note", "Triage: flagged for allocation at Monday's team meeting. The duty worker will "
       "keep in touch weekly until then."),
]

# Closing notes for cases that end before their story does.
_EARLY_CLOSINGS: list[_Beat] = [
    _b("note", "Closing: no contact from {first} for eight weeks despite calls, texts and a "
       "letter. {He} can re-refer at any time and the drop-in knows {him}.",
       outcome="Disengaged"),
    _b("phone_call", "{first} rang to say {he} has moved to Manchester to be near family. With "
       "consent, passed details to a local advice service there. Case closed.",
       outcome="Moved out of area"),
    _b("note", "Closing: {first} says things are much better and {he} no longer wants support. "
       "Reminded {him} how to get back in touch.", outcome="Support no longer wanted"),
]

# Notes that exercise Unicode: one for a Welsh speaker, one with an Arabic interpreter, one emoji.
_WELSH_NOTE = _b(
    "phone_call",
    "{first} rang, mostly in Welsh to start with, as {he} does when tired. Ended with: "
    "'Diolch yn fawr am bopeth, wir' (thank you so much for everything). Appointment confirmed "
    "for next week.")
_ARABIC_NOTE = _b(
    "phone_call",
    "Call with an Arabic telephone interpreter. {first} asked me to pass on to the team: "
    "«شكراً جزيلاً على مساعدتكم» (thank you very much for your help). Appointment confirmed "
    "for Monday at 10.")
_EMOJI_NOTE = _b(
    "note",
    "Texted {first} a reminder about tomorrow. Reply: 'Will be there 👍😊 thank you x'.")

# --------------------------------------------------------------------------------------------
# The plan builder
# --------------------------------------------------------------------------------------------


@dataclass
class _Entry:
    beat: _Beat
    role: str  # who writes it: "worker", "manager" or "duty"
    opening: bool = False


@dataclass
class _Slot:
    person: int
    status: str
    kind: str  # "current", "earlier", "recent_closed"
    pair: int | None = None  # the other case of the same person
    concurrent: bool = False
    worker: int | None = None
    volunteer: bool = False
    unassigned: bool = False
    quiet: bool = False
    arc: _Arc | None = None
    start: int = 0
    last: int = 0
    days: list[int] = field(default_factory=list)
    entries: list[_Entry] = field(default_factory=list)


def _ascii(text: str) -> str:
    text = text.replace("Ł", "L").replace("ł", "l")
    return "".join(c for c in unicodedata.normalize("NFKD", text) if c.isascii())


def _running_levels(beats: tuple[_Beat, ...]) -> list[str | None]:
    """Level after each beat (index k = after beats[:k+1])."""
    level: str | None = None
    out: list[str | None] = []
    for b in beats:
        level = b.concern or level
        out.append(level)
    return out


def _hour_minute(rng: random.Random, kind: str, first: bool, closing: bool) -> tuple[int, int]:
    low, high = {"drop_in": (10, 13), "home_visit": (10, 15), "meeting": (9, 16),
                 "phone_call": (8, 18), "email": (8, 19), "note": (9, 17)}[kind]
    if first:
        low = max(low, 10)  # after the case was opened that morning
    if closing:
        high = min(high, 16)  # before the case was closed at the end of the day
    hour = rng.randint(low, high)
    minute = rng.randrange(0, 60, 5) if kind in ("meeting", "home_visit", "drop_in") \
        else rng.randrange(60)
    return hour, minute


def _pick_arc(rng: random.Random, slot: _Slot, slots: list[_Slot], flags: tuple[str, ...],
              used: dict[str, int]) -> _Arc:
    other = slots[slot.pair] if slot.pair is not None else None
    options = []
    for arc in _ARCS:
        if arc.requires and arc.requires not in flags:
            continue
        if slot.volunteer and not arc.gentle:
            continue
        if slot.unassigned and arc.beats[0].kind == "home_visit":
            continue  # nobody has visited a case still waiting for a worker
        if other is not None and other.arc is not None:
            if arc.key == other.arc.key:
                continue
            if slot.concurrent and arc.pathway == other.arc.pathway:
                continue
            low = max(arc.ages[0], other.arc.ages[0])
            high = min(arc.ages[1], other.arc.ages[1])
            if high - low < 3:
                continue
        options.append(arc)
    fewest = min(used[a.key] for a in options)
    arc = rng.choice([a for a in options if used[a.key] == fewest])
    used[arc.key] += 1
    return arc


def _make_slots(rng: random.Random) -> list[_Slot]:
    """Who has which case, with what status, and when each began and last saw contact."""
    slots: list[_Slot] = []
    # People 0-9: an earlier closed case and a current one. 10-19: two current cases at once.
    # 20-21: one recently closed case. 22-39: one current case; the first nine of those are
    # the volunteer's four and the five waiting for allocation.
    current_statuses = ["open"] * 31 + ["paused"] * 8
    rng.shuffle(current_statuses)
    for person in range(40):
        if person < 10:
            now = _Slot(person, current_statuses.pop(), "current")
            before = _Slot(person, "closed", "earlier")
            now.pair, before.pair = len(slots) + 1, len(slots)
            slots += [now, before]
        elif person < 20:
            a = _Slot(person, current_statuses.pop(), "current", concurrent=True)
            b = _Slot(person, current_statuses.pop(), "current", concurrent=True)
            a.pair, b.pair = len(slots) + 1, len(slots)
            slots += [a, b]
        elif person < 22:
            slots.append(_Slot(person, "closed", "recent_closed"))
        elif person < 26:
            slots.append(_Slot(person, "open", "current", volunteer=True))
        elif person < 31:
            slots.append(_Slot(person, "open", "current", unassigned=True))
        else:
            slots.append(_Slot(person, current_statuses.pop(), "current"))
    assert not current_statuses
    # A few open case-worker cases have gone quiet for a month or more.
    candidates = [s for s in slots if s.status == "open" and s.kind == "current"
                  and not s.volunteer and not s.unassigned]
    for s in rng.sample(candidates, 4):
        s.quiet = True
    return slots


def _assign_arcs(rng: random.Random, slots: list[_Slot],
                 people: list[tuple[str, str, str, tuple[str, ...]]]) -> None:
    used = {a.key: 0 for a in _ARCS}

    def flags(s: _Slot) -> tuple[str, ...]:
        _, _, gender, extra = people[s.person]
        return (gender, *extra)

    # The most constrained first: volunteers, then people an arc is written for.
    order = sorted(range(len(slots)), key=lambda i: (
        not slots[i].volunteer, not any(f in ("arabic", "welsh") for f in flags(slots[i])),
        slots[i].person, i))
    for i in order:
        slot = slots[i]
        if slot.arc is None:
            slot.arc = _pick_arc(rng, slot, slots, flags(slot), used)


def _assign_workers(rng: random.Random, slots: list[_Slot]) -> None:
    load = dict.fromkeys(_CASE_WORKERS, 0.0)

    def least_loaded() -> int:
        scores = {w: load[w] / STAFF[w].capacity_hours for w in _CASE_WORKERS}
        best = min(scores.values())
        return rng.choice([w for w in _CASE_WORKERS if scores[w] - best < 0.02])

    for slot in slots:
        if slot.volunteer:
            slot.worker = _VOLUNTEER
        elif slot.unassigned:
            slot.worker = None
        else:
            other = slots[slot.pair] if slot.pair is not None else None
            if (other is not None and other.worker in _CASE_WORKERS and slot.concurrent
                    and rng.random() < 0.7):
                slot.worker = other.worker
            else:
                slot.worker = least_loaded()
            load[slot.worker] += 1.0


def _gap(rng: random.Random, slot: _Slot) -> int:
    """Days between one contact and the next: mostly a week or two, sometimes the same day,
    now and then a long wait (for a decision, a hearing, a course to start)."""
    if slot.unassigned:
        return rng.randint(1, 6)
    roll = rng.random()
    if roll < 0.07:
        return 0
    if roll < 0.45:
        return rng.randint(1, 7)
    if roll < 0.88:
        return rng.randint(8, 21)
    return rng.randint(22, 45)


def _assign_dates(rng: random.Random, slots: list[_Slot]) -> None:
    """When each case last saw contact, and so (pacing its contacts back) when it began."""

    def pace(slot: _Slot) -> None:
        gaps = [_gap(rng, slot) for _ in slot.entries[1:]]
        slot.start = slot.last + max(1, sum(gaps))
        slot.days = [slot.start]
        for gap in gaps:
            slot.days.append(slot.days[-1] - gap)
        slot.days[-1] = slot.last  # rounding: the last contact is exactly on the last day
        slot.days = [max(day, slot.last) for day in slot.days]

    for slot in slots:
        if slot.kind == "earlier":
            continue
        if slot.kind == "recent_closed":
            slot.last = rng.randint(3, 45)
        elif slot.unassigned:
            slot.last = rng.randint(0, 4)
        elif slot.status == "paused":
            slot.last = rng.randint(7, 45)
        elif slot.quiet:
            slot.last = rng.randint(31, 70)
        else:
            slot.last = min(rng.randint(0, 20), rng.randint(0, 20))
        pace(slot)
    for slot in slots:
        if slot.kind == "earlier" and slot.pair is not None:
            # Ended well before the person's current case began.
            slot.last = slots[slot.pair].start + rng.randint(21, 260)
            pace(slot)


def _cut(rng: random.Random, slot: _Slot, target: str | None) -> list[_Beat]:
    """The beats of the slot's arc that have happened so far."""
    assert slot.arc is not None
    beats = slot.arc.beats
    levels = _running_levels(beats)
    if slot.status == "closed":
        if slot.kind == "recent_closed" or rng.random() > 0.2:
            return _condense(rng, list(beats), rng.randint(1, 3))
        # Ended early: disengaged, moved away, or no longer wanted support.
        ks = [k for k in range(2, len(beats) - 1) if levels[k - 1] != "high"]
        k = rng.choice(ks)
        return [*beats[:k], rng.choice(_EARLY_CLOSINGS)]
    if slot.unassigned:
        return list(beats[:rng.choice([1, 1, 2])])
    if slot.status == "paused":
        return list(beats[:rng.randint(2, len(beats) - 3)])
    ks = list(range(2, len(beats)))  # open: never the closing note
    matching = [k for k in ks if levels[k - 1] == target] or ks
    k = min(rng.choice(matching), rng.choice(matching))
    return _condense(rng, list(beats[:k]), rng.randint(0, 1))


def _condense(rng: random.Random, beats: list[_Beat], drop: int) -> list[_Beat]:
    """Leave out up to ``drop`` incidental middle beats (no concern change, nothing private),
    so that cases sharing a story do not read identically."""
    for _ in range(drop):
        optional = [i for i in range(1, len(beats) - 1)
                    if beats[i].concern is None and not beats[i].private and not beats[i].photo]
        if not optional:
            break
        del beats[rng.choice(optional)]
    return beats


def _fill(text: str, first: str, gender: str, worker: str) -> str:
    return text.format(first=first, worker=worker, **_PRONOUNS[gender])


def _people_records(rng: random.Random, slots: list[_Slot],
                    people: list[tuple[str, str, str, tuple[str, ...]]]) -> list[DemoPerson]:
    mobiles = rng.sample(range(1000), 40)
    landlines = rng.sample(range(1000), 40)
    no_dob = set(rng.sample(range(len(people)), 5))  # not known, or not given
    no_phone = set(rng.sample(range(len(people)), 4))
    records = []
    for index, (first, last, _, _) in enumerate(people):
        arcs = [s for s in slots if s.person == index]
        low = max(s.arc.ages[0] for s in arcs if s.arc)
        high = min(s.arc.ages[1] for s in arcs if s.arc)
        age = rng.randint(low, max(low, high))
        born = _AGE_REFERENCE - timedelta(days=age * 365 + rng.randrange(365) + age // 4)
        dob = None if index in no_dob else born
        phone: str | None = None
        roll = rng.random()
        if index in no_phone:
            phone = None
        elif age >= 60 and roll < 0.6:
            phone = f"0113 496 0{landlines[index]:03d}"
        else:
            phone = f"07700 900{mobiles[index]:03d}"
        email: str | None = None
        if rng.random() < 0.55:
            a, b = _ascii(first).lower(), _ascii(last).lower().replace("'", "")
            email = rng.choice([f"{a}.{b}", f"{a}{b}{rng.randint(1, 99)}", f"{a[0]}{b}",
                                f"{a}.{b}{rng.randint(70, 99)}"]) + "@example.com"
        homeless = any(s.arc is not None and s.arc.key == "h_sofa" and s.status != "closed"
                       for s in arcs)
        address: str | None = None
        postcode: str | None = None
        if not homeless and rng.random() > 0.08:
            town, area, districts = rng.choice(_TOWNS)
            street = rng.choice(_STREETS)
            number = rng.randint(2, 140)
            address = (f"Flat {rng.randint(1, 24)}, {number} {street}, {town}"
                       if rng.random() < 0.45 else f"{number} {street}, {town}")
            postcode = (f"{area}{rng.randint(1, districts)} {rng.randint(1, 9)}"
                        f"{rng.choice(_INWARD_LETTERS)}{rng.choice(_INWARD_LETTERS)}")
        records.append(DemoPerson(name=f"{first} {last}", date_of_birth=dob, phone=phone,
                                  email=email, address=address, postcode=postcode))
    return records


def _build(seed: int) -> tuple[DemoPlan, list[str]]:
    """The plan, and what each attached photo shows (in the order the loader attaches them)."""
    rng = random.Random(seed)
    people = list(_NAMES)
    rng.shuffle(people)
    slots = _make_slots(rng)
    _assign_arcs(rng, slots, people)
    _assign_workers(rng, slots)

    # Story so far for every case, aiming at a spread of current concern levels.
    open_case_worker = [s for s in slots if s.status == "open" and not s.unassigned
                        and not s.volunteer]
    targets = (["high"] * 11 + ["medium"] * 11 + ["low"] * 10)[:len(open_case_worker)]
    rng.shuffle(targets)
    target_of = {id(s): t for s, t in zip(open_case_worker, targets, strict=False)}
    pools: dict[str, list[_Beat]] = {}

    def draw(name: str, source: list[_Beat]) -> _Beat:
        pool = pools.setdefault(name, [])
        if not pool:
            pool.extend(source)
            rng.shuffle(pool)
        return pool.pop()

    for slot in slots:
        target = target_of.get(id(slot)) or (rng.choice(["medium", "low"]) if slot.volunteer
                                             else None)
        beats = _cut(rng, slot, target)
        slot.entries = [_Entry(b, "duty" if slot.unassigned else "worker", opening=i == 0)
                        for i, b in enumerate(beats)]
        if slot.unassigned:
            slot.entries.append(_Entry(draw("triage", _TRIAGE_NOTES), "manager"))
        elif slot.status == "paused":
            slot.entries.append(_Entry(draw("pause", _PAUSE_NOTES), "worker"))
        elif slot.quiet:
            slot.entries.append(_Entry(draw("quiet", _QUIET_NOTES), "worker"))

    def insert(slot: _Slot, entry: _Entry) -> None:
        closing = slot.status != "open" or slot.quiet
        last = len(slot.entries) - (1 if closing else 0)
        slot.entries.insert(rng.randint(1, max(1, last)), entry)

    # Unicode: a Welsh speaker's note, an interpreter's Arabic, and an emoji reply.
    for flag, beat in (("welsh", _WELSH_NOTE), ("arabic", _ARABIC_NOTE)):
        speakers = [s for s in slots if flag in people[s.person][3] and len(s.entries) < 9]
        options = [s for s in speakers if not s.unassigned and s.status != "closed"] or speakers
        insert(rng.choice(options), _Entry(beat, "worker"))
    insert(rng.choice([s for s in open_case_worker if len(s.entries) < 9]),
           _Entry(_EMOJI_NOTE, "worker"))

    # Everyday contacts until the plan holds about 300 interactions.
    target_total = rng.randint(294, 306)
    total = sum(len(s.entries) for s in slots)
    fillable = [s for s in slots if not s.unassigned]
    while total < target_total:
        slot = rng.choice(fillable)
        if len(slot.entries) >= 9:
            continue
        if slot.worker in _CASE_WORKERS and rng.random() < 0.15:
            insert(slot, _Entry(draw("manager", _MANAGER_NOTES), "manager"))
        else:
            insert(slot, _Entry(draw("filler", _FILLERS), "worker"))
        total += 1

    _assign_dates(rng, slots)

    # Times and authors.
    timeline: list[tuple[_Slot, list[tuple[int, int, int, int, _Entry]]]] = []
    for slot in slots:
        n = len(slot.entries)
        days = slot.days
        ends_today = slot.status == "closed"
        times = [_hour_minute(rng, e.beat.kind, day == slot.start,
                              ends_today and day == slot.last)
                 for e, day in zip(slot.entries, days, strict=True)]
        # Contacts on the same day keep the story's order: times rise through the day.
        for i in range(1, n):
            if days[i] == days[i - 1]:
                previous = times[i - 1][0] * 60 + times[i - 1][1]
                current = times[i][0] * 60 + times[i][1]
                if current <= previous:
                    current = min(previous + rng.randint(15, 50), 19 * 60 + 59)
                    times[i] = (current // 60, current % 60)
        duty = rng.choice(_CASE_WORKERS)
        rows: list[tuple[int, int, int, int, _Entry]] = []
        for entry, day, (hour, minute) in zip(slot.entries, days, times, strict=True):
            if entry.beat.private:
                author = slot.worker if slot.worker in _CASE_WORKERS else duty
            elif entry.role == "manager":
                author = _MANAGER
            elif entry.role == "duty" or slot.worker is None:
                author = duty if rng.random() < 0.8 else _MANAGER
            elif not entry.opening and rng.random() < 0.07:
                author = _MANAGER  # the manager picked up a call or covered a visit
            else:
                author = slot.worker
            rows.append((day, hour, minute, author, entry))
        timeline.append((slot, rows))

    # Cases oldest first, so references run in the order cases were opened.
    order = sorted(range(len(slots)), key=lambda i: (-slots[i].start, i))
    new_index = {old: new for new, old in enumerate(order)}

    # Photos: about six of the contacts where one was taken.
    candidates = [(new_index[si], k) for si, (_, rows) in enumerate(timeline)
                  for k, row in enumerate(rows) if row[4].beat.photo]
    chosen = set(rng.sample(sorted(candidates), min(6, len(candidates))))

    records = _people_records(rng, slots, people)
    cases: list[DemoCase] = []
    interactions: list[DemoInteraction] = []
    photo_kinds: list[str] = []
    for old in order:
        slot, rows = timeline[old]
        assert slot.arc is not None
        case_index = new_index[old]
        first, _, gender, _ = people[slot.person]
        worker_name = STAFF[slot.worker].name.split()[0] if slot.worker is not None else "the team"
        level = "medium"
        for k, (day, hour, minute, author, entry) in enumerate(rows):
            beat = entry.beat
            photo = (case_index, k) in chosen
            text = beat.text + (f"\n\n{beat.caption}" if photo and beat.caption else "")
            if photo and beat.photo:
                photo_kinds.append(beat.photo)
            interactions.append(DemoInteraction(
                case_index=case_index, kind=beat.kind, days_ago=day, hour=hour, minute=minute,
                author_index=author, text=_fill(text, first, gender, worker_name),
                private=beat.private, concern_level=beat.concern, with_photo=photo,
                outcome=beat.outcome))
            level = beat.concern or level
        weights = [0.12, 0.4, 0.36, 0.12]
        count = min(len(slot.arc.tags), rng.choices(range(4), weights)[0])
        tags = tuple(sorted(rng.sample(slot.arc.tags, count), key=TAGS.index))
        cases.append(DemoCase(
            person_index=slot.person, pathway_index=slot.arc.pathway, worker_index=slot.worker,
            status=slot.status, concern_level=level, start_days_ago=slot.start,
            end_days_ago=slot.last if slot.status == "closed" else None, tags=tags))
    interactions.sort(key=lambda i: i.case_index)  # stable: each case stays in date order
    return DemoPlan(people=records, cases=cases, interactions=interactions), photo_kinds


def build_demo_plan(seed: int = 7) -> DemoPlan:
    """About 40 people, 60 cases across the four pathways and about 300 interactions.

    Deterministic for a seed. Days are counted back from whenever the plan is loaded."""
    return _build(seed)[0]


# --------------------------------------------------------------------------------------------
# Photos
# --------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _default_photo_kinds() -> tuple[str, ...]:
    return tuple(_build(7)[1])


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.load_default(size=size)
    except (OSError, ValueError, TypeError):  # no FreeType: the small bitmap font
        return ImageFont.load_default()


def _noise(img: Image.Image, rng: random.Random, amount: int) -> Image.Image:
    """Sensor grain."""
    grain = Image.frombytes("L", img.size, rng.randbytes(img.width * img.height))
    grain = grain.filter(ImageFilter.GaussianBlur(0.6)).convert("RGB")
    return Image.blend(img, grain, amount / 100)


def _vignette(img: Image.Image) -> Image.Image:
    w, h = img.size
    mask = Image.new("L", (w // 8, h // 8), 0)
    ImageDraw.Draw(mask).ellipse((-w // 40, -h // 40, w // 8 + w // 40, h // 8 + h // 40),
                                 fill=255)
    mask = mask.filter(ImageFilter.GaussianBlur(w // 60)).resize((w, h))
    dark = Image.new("RGB", (w, h), (0, 0, 0))
    return Image.composite(img, Image.blend(img, dark, 0.35), mask)


def _table(rng: random.Random, size: tuple[int, int]) -> Image.Image:
    """A wooden kitchen table."""
    w, h = size
    base = (rng.randint(120, 150), rng.randint(82, 100), rng.randint(50, 64))
    img = Image.new("RGB", size, base)
    draw = ImageDraw.Draw(img)
    for y in range(0, h, 3):
        shade = rng.randint(-14, 14)
        draw.line([(0, y), (w, y + rng.randint(-6, 6))],
                  fill=tuple(max(0, c + shade) for c in base), width=3)
    for x in range(0, w, w // 5):  # plank joins
        draw.line([(x, 0), (x + rng.randint(-8, 8), h)], fill=(60, 40, 24), width=4)
    return img.filter(ImageFilter.GaussianBlur(1.5))


def _place_on_table(rng: random.Random, paper: Image.Image, size: tuple[int, int]) -> Image.Image:
    """Paper at a slight angle on a table, with a soft shadow, as a hand-held photo."""
    table = _table(rng, size)
    angle = rng.uniform(-5, 5)
    mask = Image.new("L", paper.size, 255).rotate(angle, expand=True)
    paper_r = paper.rotate(angle, expand=True, fillcolor=(0, 0, 0))
    x = (size[0] - paper_r.width) // 2 + rng.randint(-30, 30)
    y = (size[1] - paper_r.height) // 2 + rng.randint(-30, 30)
    shadow = Image.new("L", size, 0)
    shadow.paste(mask, (x + 18, y + 22))
    shadow = shadow.filter(ImageFilter.GaussianBlur(18))
    table = Image.composite(Image.new("RGB", size, (25, 18, 12)), table,
                            shadow.point(lambda v: int(v * 0.55)))
    table.paste(paper_r, (x, y), mask)
    # Uneven light from a kitchen window.
    light = Image.linear_gradient("L").resize(size)
    light = light.transpose(rng.choice([Image.Transpose.FLIP_TOP_BOTTOM, Image.Transpose.ROTATE_180,
                                        Image.Transpose.TRANSPOSE])).resize(size)
    return Image.composite(table, Image.blend(table, Image.new("RGB", size, (0, 0, 0)), 0.25),
                           light.point(lambda v: min(255, 140 + v // 2)))


def _letter(rng: random.Random, title: str) -> Image.Image:
    """A portrait A4 letter: sender block, recipient, date, heading and paragraphs."""
    w, h = 990, 1400
    paper = Image.new("RGB", (w, h), (247, 246, 240))
    draw = ImageDraw.Draw(paper)
    ink = (34, 36, 44)
    grey = (118, 120, 128)
    sender = {"Notice requiring possession": "Westgate Residential Lettings Ltd",
              "Notice of seeking possession": "Housing Management Service",
              "Universal Credit sanction decision": "Department for Work and Pensions",
              "Personal Independence Payment decision": "Department for Work and Pensions",
              }.get(title, "Customer Services")
    draw.rectangle((0, 0, w, 14), fill=(32, 84, 140))
    draw.text((70, 60), sender, fill=ink, font=_font(34))
    for i, line in enumerate(["PO Box 4021", "Leeds", "LS1 9XY"]):
        draw.text((w - 300, 120 + i * 30), line, fill=grey, font=_font(22))
    for i, line in enumerate(["Private and confidential", "The Tenant / Claimant",
                              "Flat 3, 12 Albion Street", "Leeds LS8 2QT"]):
        draw.text((70, 240 + i * 32), line, fill=ink, font=_font(24))
    draw.text((w - 300, 400), f"Date: {rng.randint(1, 28)} March 2025", fill=ink,
              font=_font(22))
    draw.text((70, 470), title.upper(), fill=ink, font=_font(32))
    draw.line([(70, 515), (w - 70, 515)], fill=ink, width=2)
    y = 550
    for _ in range(4):  # paragraphs of small print, too small to read in the photo
        lines = rng.randint(3, 5)
        for line in range(lines):
            length = (rng.randint(280, 560) if line == lines - 1
                      else w - 140 - rng.randint(0, 40))
            x = 70
            while x < 70 + length:  # words
                word = rng.randint(24, 96)
                draw.rectangle((x, y + 8, min(x + word, 70 + length), y + 18),
                               fill=(112, 114, 122))
                x += word + rng.randint(10, 16)
            y += 28
        y += 24
    if "possession" in title.lower():
        draw.rectangle((70, y + 10, w - 70, y + 90), outline=(160, 30, 30), width=3)
        draw.text((90, y + 30), "You are required to leave the property after the date below",
                  fill=(160, 30, 30), font=_font(24))
    draw.text((70, h - 120), "Yours faithfully", fill=ink, font=_font(24))
    draw.line([(70, h - 60), (300, h - 75)], fill=(20, 40, 110), width=3)  # signature
    return paper


def _voucher(rng: random.Random) -> Image.Image:
    """A food bank voucher with a handwritten-looking number of adults and children."""
    w, h = 1100, 760
    card = Image.new("RGB", (w, h), (250, 250, 244))
    draw = ImageDraw.Draw(card)
    green = (34, 120, 70)
    draw.rectangle((0, 0, w, 120), fill=green)
    draw.text((40, 30), "FOOD BANK VOUCHER", fill=(255, 255, 255), font=_font(56))
    draw.text((w - 330, 45), f"No. {rng.randint(10000, 99999)}", fill=(255, 255, 255),
              font=_font(34))
    fields = ["Referring agency", "Agency contact", "Adults in household",
              "Children in household", "Reason for referral", "Valid for"]
    for i, label in enumerate(fields):
        y = 170 + i * 80
        draw.text((40, y), label, fill=(40, 40, 40), font=_font(28))
        draw.line([(420, y + 34), (w - 40, y + 34)], fill=(150, 150, 150), width=2)
    hand = (30, 40, 120)
    answers = ["Northside Community Trust", "Case worker", "1", "2", "Benefit deduction",
               "3 days' food"]
    for i, answer in enumerate(answers):
        draw.text((440, 170 + i * 80 - 4), answer, fill=hand, font=_font(32))
    for i in range(3):  # tick boxes
        x = 40 + i * 260
        draw.rectangle((x, h - 70, x + 30, h - 40), outline=(60, 60, 60), width=2)
        draw.text((x + 44, h - 72), ["Toiletries", "Baby items", "Pet food"][i],
                  fill=(40, 40, 40), font=_font(26))
    draw.line([(48, h - 58), (56, h - 46), (72, h - 70)], fill=hand, width=4)
    return card


def _damp_wall(rng: random.Random, size: tuple[int, int]) -> Image.Image:
    """A bedroom wall corner with black mould spreading from the ceiling and round a window."""
    w, _ = size
    paint = (222, 216, 202)
    wall = Image.new("RGB", size, paint)
    draw = ImageDraw.Draw(wall)
    draw.rectangle((0, 0, w, 150), fill=(236, 234, 228))  # ceiling
    draw.line([(0, 150), (w, 162)], fill=(180, 176, 164), width=6)  # coving shadow
    wx = rng.randint(900, 1050)
    draw.rectangle((wx, 330, wx + 520, 1000), fill=(245, 245, 245))  # uPVC window frame
    draw.rectangle((wx + 30, 360, wx + 490, 970), fill=(176, 196, 214))
    draw.line([(wx + 260, 360), (wx + 260, 970)], fill=(245, 245, 245), width=22)
    # Tide marks: brownish stains.
    stains = Image.new("L", size, 0)
    sd = ImageDraw.Draw(stains)
    for _ in range(14):
        x, y, r = rng.randint(0, wx), rng.randint(120, 520), rng.randint(60, 220)
        sd.ellipse((x - r, y - r // 2, x + r, y + r // 2), fill=rng.randint(40, 90))
    stains = stains.filter(ImageFilter.GaussianBlur(40))
    wall = Image.composite(Image.new("RGB", size, (170, 150, 110)), wall, stains)
    # Mould: a diffuse grey-green bloom under clusters of fine dark speckles, densest along the
    # ceiling line and down the wall beside the window; none on the glass.
    centres = [(rng.randint(0, w), rng.randint(150, 240)) for _ in range(9)]
    centres += [(wx - rng.randint(20, 90), rng.randint(360, 960)) for _ in range(5)]
    bloom = Image.new("L", size, 0)
    bd = ImageDraw.Draw(bloom)
    for cx, cy in centres:
        r = rng.randint(70, 160)
        bd.ellipse((cx - r, cy - r * 0.6, cx + r, cy + r * 0.6), fill=rng.randint(90, 150))
    bloom = bloom.filter(ImageFilter.GaussianBlur(45))
    wall = Image.composite(Image.new("RGB", size, (74, 80, 66)), wall, bloom)
    draw = ImageDraw.Draw(wall)

    def on_glass(x: int, y: int) -> bool:
        return wx + 25 <= x <= wx + 495 and 355 <= y <= 975

    for cx, cy in centres:
        spread = rng.randint(50, 130)
        for _ in range(rng.randint(700, 1300)):
            x = int(rng.gauss(cx, spread))
            y = int(rng.gauss(cy, spread * 0.55))
            if on_glass(x, y) or y < 140:
                continue
            r = rng.choice([1, 1, 1, 2, 2, 3])
            tone = rng.randint(14, 60)
            draw.ellipse((x - r, y - r, x + r, y + r), fill=(tone, tone + 5, tone - 3))
    return wall.filter(ImageFilter.GaussianBlur(0.9))


def _exif(index: int, orientation: int) -> Image.Exif:
    """What a phone camera writes: make, model, times, and where the photo was taken."""
    rng = random.Random(1000 + index)
    stamp = f"2025:03:{rng.randint(1, 28):02d} {rng.randint(9, 17):02d}:{rng.randint(0, 59):02d}:"
    stamp += f"{rng.randint(0, 59):02d}"
    exif = Image.Exif()
    exif[0x010F] = "Demophone"  # Make
    exif[0x0110] = "DP-12 Lite"  # Model
    exif[0x0112] = orientation
    exif[0x0131] = "DP-12 Lite camera 4.2"  # Software
    exif[0x0132] = stamp  # DateTime
    details = exif.get_ifd(0x8769)  # Exif IFD
    details[0x9003] = stamp  # DateTimeOriginal
    details[0x829A] = 1 / rng.choice([30, 50, 60, 100, 120])  # ExposureTime
    details[0x829D] = 1.8  # FNumber
    details[0x8827] = rng.choice([100, 200, 320, 400])  # ISO
    gps = exif.get_ifd(0x8825)  # a street in Leeds, give or take
    gps[0x0000] = b"\x02\x02\x00\x00"  # GPSVersionID
    gps[0x0001] = "N"
    gps[0x0002] = (53.0, 48.0, round(rng.uniform(0, 59.9), 2))
    gps[0x0003] = "W"
    gps[0x0004] = (1.0, 32.0, round(rng.uniform(0, 59.9), 2))
    gps[0x0005] = b"\x00"  # above sea level
    gps[0x0006] = round(rng.uniform(40, 120), 1)
    gps[0x001D] = stamp[:10]  # GPSDateStamp
    return exif


def demo_photo(index: int) -> bytes:
    """The ``index``-th demo photo: a JPEG straight off a phone, EXIF GPS and orientation
    included, which the app must strip on upload (the demo shows that it does).

    Photos follow the default plan's photo notes in order (a mould-stained wall, a letter, a
    food bank voucher). Letters are portrait shots stored sideways with orientation 6, as a
    phone held upright records them."""
    kinds = _default_photo_kinds()
    kind = kinds[index] if 0 <= index < len(kinds) else \
        ("damp", "letter:Notice of seeking possession", "voucher")[index % 3]
    rng = random.Random(index * 7919 + 17)
    if kind == "damp":
        img = _vignette(_noise(_damp_wall(rng, (1600, 1200)), rng, 6))
        orientation = 1
    elif kind == "voucher":
        img = _vignette(_noise(_place_on_table(rng, _voucher(rng), (1600, 1200)), rng, 5))
        orientation = 1
    else:
        title = kind.split(":", 1)[1] if ":" in kind else "Letter"
        upright = _place_on_table(rng, _letter(rng, title), (1200, 1600))
        upright = _vignette(_noise(upright, rng, 5))
        # The sensor's landscape frame; orientation 6 tells viewers to turn it 90° clockwise.
        img = upright.transpose(Image.Transpose.ROTATE_90)
        orientation = 6
    out = io.BytesIO()
    img.save(out, "JPEG", quality=86, exif=_exif(index, orientation))
    return out.getvalue()
