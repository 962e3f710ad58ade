"""The demo organisation's content: fictional people, staff, pathways and case stories.

Each case follows a story arc of its pathway (first contact, follow-ups, setbacks, progress,
closure), cut where the case now stands. ``build_demo_plan`` is deterministic for a seed.
All names, phone numbers (Ofcom drama ranges) and events are invented.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from datetime import date, timedelta

from PIL import Image, ImageDraw, ImageFilter


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


PATHWAYS: list[DemoPathway] = [
    DemoPathway("Housing Support", "#2563eb",
                "Preventing homelessness: tenancy problems, notices, disrepair and rehousing."),
    DemoPathway("Employment Programme", "#7c3aed",
                "Confidence, skills and applications on the way back into work or training."),
    DemoPathway("Wellbeing & Mental Health", "#0d9488",
                "Practical and emotional support alongside GP and community mental health care."),
    DemoPathway("Family Support", "#db2777",
                "Parents and carers under pressure: routines, school, money and safety at home."),
]

STAFF: list[DemoStaff] = [
    DemoStaff("Priya Shah", "admin@example.org", "admin", "Central", 22.5),
    DemoStaff("Tom Okafor", "manager@example.org", "manager", "Central", 37.5),
    DemoStaff("Sam Reid", "caseworker@example.org", "case_worker", "North", 37.5),
    DemoStaff("Grace Liu", "caseworker2@example.org", "case_worker", "North", 30.0),
    DemoStaff("Dev Patel", "caseworker3@example.org", "case_worker", "South", 37.5),
    DemoStaff("Jo Evans", "volunteer@example.org", "volunteer", "North", 16.0),
]

_FIRST = ["Aisha", "Callum", "Bogdan", "Chloe", "Kwame", "Siobhan", "Mohammed", "Nadia", "Tomasz",
          "Precious", "Gareth", "Leanne", "Yusuf", "Zofia", "Darren", "Amara", "Rhys", "Fatima",
          "Connor", "Mei", "Olumide", "Kerry", "Hamza", "Bethan", "Andrei", "Shannon", "Tariq",
          "Niamh", "Jamal", "Ewa", "Liam", "Sadia", "Marcus", "Zoë", "Idris", "Renée", "Kieran",
          "Halima", "Stuart", "Ayesha"]
_LAST = ["Rahman", "MacLeod", "Kowalski", "Whitfield", "Mensah", "O'Neill", "Hussain", "Haddad",
         "Nowak", "Adeyemi", "Pritchard", "Barker", "Abdi", "Wiśniewska", "Cole", "Okonkwo",
         "Llewellyn", "Begum", "Doyle", "Chen", "Adebayo", "Hughes", "Malik", "Jenkins", "Popescu",
         "Walsh", "Aziz", "Gallagher", "Ibrahim", "Kowal", "Foster", "Ahmed", "Grant", "Dubois",
         "Yilmaz", "Lefèvre", "Burke", "Osman", "Fraser", "Siddiqui"]
_STREETS = ["Albion Street", "Chapel Road", "Victoria Terrace", "Mill Lane", "Station Road",
            "Church Walk", "Park View", "Wellington Court", "Harehills Lane", "Brudenell Grove"]
_TOWNS = [("Leeds", "LS"), ("Bradford", "BD"), ("Wakefield", "WF"), ("Huddersfield", "HD")]

# A beat: (kind, text, concern level it sets or None, private, photo, outcome).
Beat = tuple[str, str, str | None, bool, bool, str | None]

_ARCS: dict[int, list[list[Beat]]] = {
    0: [  # Housing Support
        [
            ("meeting", "First appointment with {first}. They brought a Section 21 notice dated "
             "last week giving two months to leave the privately rented flat. We read it "
             "together; the deposit certificate was never provided, so the notice may be "
             "invalid.\n\n**Agreed actions**\n- I will check deposit protection registers by "
             "Friday\n- {first} to bring the tenancy agreement next time", "medium", False,
             False, "Housing options referral discussed"),
            ("phone_call", "Called {first}: deposit was protected 8 weeks late and no prescribed "
             "information was served. Explained this means the notice is probably not valid. "
             "{first} sounded relieved. Letter to the letting agent drafted.", None, False,
             False, None),
            ("email", "Emailed the letting agent on {first}'s behalf setting out the deposit "
             "problem and asking them to withdraw the notice. Copied {first} in.", None, False,
             False, None),
            ("drop_in", "{first} came to the drop-in upset: landlord turned up unannounced "
             "and said the locks would be changed. No threats of violence but {first} is "
             "frightened to leave the flat. Gave the council's tenancy relations number and "
             "logged this as possible harassment.", "high", False, False, None),
            ("home_visit", "Home visit. Damp and black mould across the bedroom wall where the "
             "children sleep; photographed with {first}'s consent for the disrepair "
             "complaint. Heating works but the extractor fan does not.", None, False, True,
             "Disrepair evidence gathered"),
            ("phone_call", "Tenancy relations officer confirmed they have written to the "
             "landlord about harassment and disrepair. Landlord has agreed to withdraw the "
             "notice. Told {first}, who was very relieved.", "medium", False, False, None),
            ("meeting", "Reviewed everything with {first}. Notice withdrawn in writing, mould "
             "treatment booked for next week. {first} still has council tax arrears of about "
             "£400: referral made to Citizens Advice for debt advice.", "low", False, False,
             "Debt advice referral made"),
            ("note", "Closing summary: tenancy secured, disrepair being fixed, debt advice in "
             "place. {first} knows to come back to the drop-in if anything changes. Case "
             "closed with {first}'s agreement.", None, False, False, "Tenancy sustained"),
        ],
        [
            ("drop_in", "{first} attended the drop-in sleeping in a friend's car for the last "
             "four nights after a relationship ended. No income since leaving work. Completed "
             "a homelessness referral to the council with {first} today.", "high", False,
             False, "Duty to refer completed"),
            ("phone_call", "Council housing options called back: {first} placed in emergency "
             "B&B accommodation tonight. Rang {first} to confirm the address and time.", None,
             False, False, None),
            ("meeting", "Met {first} at the B&B. Room is basic but safe; shared kitchen. We "
             "started a Universal Credit claim together online. {first} has no photo ID, so we "
             "booked an identity appointment at the Jobcentre.", None, False, False,
             "Universal Credit claim started"),
            ("note", "Left voicemail for {first} about the Jobcentre appointment on Thursday. "
             "Will try again tomorrow morning.", None, False, False, None),
            ("phone_call", "{first} called back, had missed calls because the phone was out of "
             "credit. Gave food bank voucher details and confirmed Thursday.", None, False,
             False, None),
            ("meeting", "Universal Credit advance received. {first} has bidded on two "
             "housing association flats this week with my help on the choice-based lettings "
             "site.", "medium", False, False, None),
            ("home_visit", "Viewed a one-bedroom housing association flat with {first}. "
             "Accepted the offer! Tenancy starts on the 1st. Applied to the council's "
             "furniture scheme for a bed and cooker.", "low", False, False,
             "Tenancy offer accepted"),
        ],
    ],
    1: [  # Employment Programme
        [
            ("meeting", "Initial meeting with {first}. Out of work for 18 months after a back "
             "injury; keen to find something part-time that does not involve lifting. "
             "Confidence is low. Agreed to work on a CV together and look at a short IT "
             "course.", "low", False, False, None),
            ("meeting", "CV session. {first} has strong customer service experience from "
             "eight years in retail. We wrote a first draft; {first} will add dates at "
             "home. Talked through what adjustments to ask employers for.", None, False,
             False, None),
            ("email", "Sent {first} three part-time vacancies (library assistant, school "
             "reception, call centre) and the link to the free IT course at the college.",
             None, False, False, None),
            ("phone_call", "{first} enrolled on the IT course starting Monday. Nervous about "
             "being the oldest in the class; we talked it through.", None, False, False,
             "Enrolled on course"),
            ("meeting", "Mock interview for the school reception job. {first} gave clear "
             "answers once settled; we practised the 'tell me about yourself' question three "
             "times. Interview is on Wednesday.", None, False, False, None),
            ("phone_call", "{first} rang: offered the school reception job, 20 hours a week! "
             "Start date in two weeks. Discussed a better-off calculation for Universal "
             "Credit.", None, False, False, "Job offer accepted"),
            ("note", "Six-week check: {first} is settling in well at work and has finished the "
             "IT course. No further support needed. Closing the case.", None, False, False,
             "Sustained employment"),
        ],
        [
            ("drop_in", "{first} (19) came in with a friend. Left college last year, not in "
             "work or training, spending most days at home gaming. Says mum wants them out "
             "of the house. Interested in construction.", "medium", False, False, None),
            ("meeting", "Talked through CSCS card training and a local construction "
             "traineeship. {first} would need help with travel costs. Applied to the "
             "traineeship together.", None, False, False, "Traineeship application sent"),
            ("note", "{first} did not attend today. No answer on the phone; sent a text.",
             None, False, False, None),
            ("phone_call", "Reached {first}. Missed the appointment because of a row at home "
             "and stayed at a friend's. Says things are tense but not unsafe. Rebooked for "
             "Friday and gave the youth housing advice line just in case.", "medium", False,
             False, None),
            ("meeting", "Traineeship interview went well. {first} starts in three weeks. "
             "Bus pass arranged through the bursary fund.", "low", False, False,
             "Place offered on traineeship"),
        ],
    ],
    2: [  # Wellbeing & Mental Health
        [
            ("meeting", "First session with {first}, referred by the GP. Low mood for several "
             "months since losing their job, sleeping badly and not going out much. Asked "
             "directly about thoughts of suicide: {first} said no and has no plans; says the "
             "children keep them going. Agreed weekly check-ins and a walking group "
             "taster.", "medium", False, False, None),
            ("phone_call", "Weekly check-in. {first} went to the walking group once and "
             "enjoyed it. Still not sleeping well. Encouraged them to raise this at the GP "
             "review next week.", None, False, False, None),
            ("meeting", "{first} disclosed that they have been having thoughts of not "
             "wanting to be here over the last few days, without a plan. We made a safety "
             "plan together (who to call, Samaritans 116 123, removing paracetamol stock from "
             "the house) and with consent I phoned the GP for an urgent appointment "
             "tomorrow.", "high", True, False, "Safety plan made; urgent GP appointment"),
            ("phone_call", "Followed up: {first} saw the GP, medication reviewed and a "
             "referral made to the community mental health team. Feels a bit safer. Agreed "
             "a call every two days this week.", None, True, False, None),
            ("phone_call", "Check-in. Mood a little brighter. Went to the walking group "
             "again and met a neighbour there. Safety plan still on the fridge.", "medium",
             False, False, None),
            ("meeting", "CMHT assessment has happened; {first} will start a talking therapy "
             "group next month. Sleeping better. We reviewed the safety plan together.", None,
             False, False, "Therapy group booked"),
            ("meeting", "Three months on: {first} is attending the therapy group and the "
             "walking group, and has started volunteering one morning a week. Agreed to "
             "step down to monthly calls.", "low", False, False, None),
        ],
        [
            ("drop_in", "{first} came to the drop-in, recently bereaved (father died in the "
             "spring) and finding it hard to cope. Drinking more than usual, \"a bottle of "
             "wine most nights\". No other concerns raised. Gave information about "
             "bereavement support and alcohol services; {first} will think about it.",
             "medium", False, False, None),
            ("phone_call", "{first} called to say they have booked the Cruse bereavement "
             "service. Still drinking most nights. We talked about small goals.", None, False,
             False, None),
            ("meeting", "Good session 🙂 {first} has cut down to weekends only and is going "
             "to the allotment again. Said: \"Diolch yn fawr, I feel like myself a bit more.\"",
             "low", False, False, None),
            ("note", "No contact for a few weeks; sent a friendly text to check in.", None,
             False, False, None),
        ],
    ],
    3: [  # Family Support
        [
            ("home_visit", "Home visit to {first} and the two children (6 and 9). Kitchen "
             "cupboards nearly empty; {first} said money has run out before payday since "
             "Universal Credit was cut for an overpayment. Children well presented and "
             "attending school. Gave food bank voucher.", "medium", False, True,
             "Food bank voucher issued"),
            ("phone_call", "Called the DWP with {first} to ask about the overpayment "
             "deduction; reduced from £90 to £45 a month. {first} much relieved.", None,
             False, False, "Deduction reduced"),
            ("meeting", "Budgeting session with {first}: electricity on a prepayment meter, "
             "going without heating some evenings. Applied to the council's household "
             "support fund together.", None, False, False, None),
            ("home_visit", "{first} disclosed that their ex-partner has been turning up at "
             "the house drunk and shouting, most recently at the weekend in front of the "
             "children. {first} is frightened. Completed a DASH risk assessment together; "
             "with consent, referral to the local domestic abuse service and a call to the "
             "school's safeguarding lead.", "high", True, False, "DASH completed; referrals made"),
            ("phone_call", "Domestic abuse service has been in touch with {first} and "
             "an IDVA is allocated. Police have spoken to the ex-partner. {first} is "
             "changing the locks with help from the council's sanctuary scheme.", None, True,
             False, None),
            ("home_visit", "New locks fitted. {first} says the house feels calmer and the "
             "children are sleeping better. Household support fund paid £150 for energy.",
             "medium", False, False, None),
            ("meeting", "Review with {first}: no contact from the ex-partner for a month, "
             "IDVA support continuing, debts on a payment plan. {first} feels ready to manage "
             "with the IDVA's support. Case closed.", "low", False, False,
             "Family stable; support in place"),
        ],
        [
            ("meeting", "Referral from the school: {first}'s eldest (14) is a young carer for "
             "{first}, who has MS. Attendance has dropped to 82%. Met {first} at home "
             "with the young person present. Both want more help.", "medium", False, False,
             None),
            ("email", "Emailed the council's carers' service to request a young carer's "
             "assessment, copied to the school attendance officer with consent.", None,
             False, False, "Young carer assessment requested"),
            ("phone_call", "Chased the adult social care review for {first}'s care package; "
             "the assessment visit is booked for the 14th.", None, False, False, None),
            ("home_visit", "Care assessment happened: {first} will get two morning calls a "
             "week. The young person has joined the young carers' group on Thursdays.",
             "low", False, False, "Care package increased"),
        ],
    ],
}

_SHORT: list[Beat] = [
    ("note", "Left voicemail for {first}, will try again on Thursday.", None, False, False,
     None),
    ("email", "Sent {first} the leaflet and the address for next week's appointment.", None,
     False, False, None),
    ("phone_call", "Quick call with {first} to confirm the appointment; no new concerns.",
     None, False, False, None),
]

TAGS = ["eviction risk", "benefits", "refugee", "young carer", "debt", "NEET", "mental health",
        "domestic abuse", "substance use", "food bank", "ESOL", "care leaver"]
_PATHWAY_TAGS = {0: ["eviction risk", "benefits", "debt", "food bank"],
                 1: ["NEET", "ESOL", "benefits", "care leaver"],
                 2: ["mental health", "substance use", "refugee"],
                 3: ["domestic abuse", "young carer", "food bank", "debt"]}


def _people(rng: random.Random, count: int) -> list[DemoPerson]:
    people = []
    lasts = _LAST[:]
    rng.shuffle(lasts)
    for i in range(count):
        first, last = _FIRST[i % len(_FIRST)], lasts[i % len(lasts)]
        town, area = _TOWNS[rng.randrange(len(_TOWNS))]
        dob = date(1950, 1, 1) + timedelta(days=rng.randrange(0, 55 * 365)) \
            if rng.random() > 0.1 else None
        phone = (f"07700 900{rng.randrange(0, 1000):03d}" if rng.random() > 0.15 else None)
        email = (f"{first.lower().replace('ë', 'e').replace('é', 'e')}.{i}@example.com"
                 if rng.random() > 0.4 else None)
        has_address = rng.random() > 0.1
        people.append(DemoPerson(
            name=f"{first} {last}", date_of_birth=dob, phone=phone, email=email,
            address=f"Flat {rng.randrange(1, 30)}, {rng.randrange(2, 120)} "
                    f"{_STREETS[rng.randrange(len(_STREETS))]}, {town}" if has_address else None,
            postcode=f"{area}{rng.randrange(1, 20)} {rng.randrange(1, 9)}"
                     f"{rng.choice('ABDEFGHJLNPQRSTUWXY')}{rng.choice('ABDEFGHJLNPQRSTUWXY')}"
            if has_address else None))
    return people


def build_demo_plan(seed: int = 7) -> DemoPlan:
    """About 40 people, 60 cases across four pathways, about 300 interactions."""
    rng = random.Random(seed)
    people = _people(rng, 40)
    # Cases 0-39 are each person's current case; 40-59 an earlier one for the first 20 people,
    # mostly closed by now.
    current = ["open"] * 34 + ["paused"] * 6
    earlier = ["closed"] * 12 + ["open"] * 6 + ["paused"] * 2
    rng.shuffle(current)
    rng.shuffle(earlier)
    statuses = current + earlier
    # Current cases: five unassigned, four with the volunteer, the rest with case workers (and a
    # few with the manager). Earlier cases were all worked by case workers.
    workers: list[int | None] = [None] * 5 + [5] * 4
    workers += [rng.choice([2, 2, 3, 3, 4, 4, 1]) for _ in range(40 - len(workers))]
    rng.shuffle(workers)
    workers += [rng.choice([2, 3, 4]) for _ in range(20)]
    cases: list[DemoCase] = []
    interactions: list[DemoInteraction] = []
    photos = 0
    for index in range(60):
        # The first 20 people have two cases each (an older one and a newer one).
        person = index % 40
        status = statuses[index]
        worker = workers[index]
        if status == "closed" and worker is None:
            worker = 2
        pathway = rng.randrange(4)
        arc = rng.choice(_ARCS[pathway])
        older = index >= 40
        start = rng.randrange(400, 700) if older else rng.randrange(20, 160)
        if status == "closed":
            beats = arc[:]
            end = rng.randrange(5, max(6, start - 15))
            if older:
                end = rng.randrange(200, start - 30)
        else:
            cut = rng.randrange(3, len(arc)) if status == "open" else rng.randrange(2, 4)
            beats = arc[:cut]
            end = None
            for _ in range(rng.choice([0, 1, 1, 2])):
                beats = [*beats, _SHORT[rng.randrange(len(_SHORT))]]
        last_day = end if end is not None else 0
        # Most open cases had contact recently; a few have been quiet for a month or more.
        if status == "open":
            last_day = rng.choice([0, 1, 2, 3, 5, 8, 12, 16, 33, 45])
        span = max(len(beats), start - last_day)
        days = sorted((rng.randrange(last_day, last_day + span) for _ in beats), reverse=True)
        days[0] = min(max(days[0], last_day), start)
        days[-1] = last_day
        first = people[person].name.split()[0]
        level = "medium"
        for (kind, text, concern, private, photo, outcome), days_ago in zip(beats, days,
                                                                             strict=True):
            author = worker if worker is not None else rng.choice([1, 2, 3])
            if rng.random() < 0.1:
                author = 1  # the manager sometimes records a call
            if private and author == 1 and worker is not None:
                author = worker
            use_photo = photo and photos < 6
            photos += use_photo
            interactions.append(DemoInteraction(
                case_index=index, kind=kind, days_ago=max(0, min(days_ago, start)),
                hour=rng.randrange(9, 18), minute=rng.choice([0, 5, 10, 15, 20, 30, 40, 45, 50]),
                author_index=author, text=text.format(first=first), private=private,
                concern_level=concern, with_photo=use_photo, outcome=outcome))
            level = concern or level
        tags = tuple(sorted(rng.sample(_PATHWAY_TAGS[pathway], rng.randrange(0, 3))))
        cases.append(DemoCase(person_index=person, pathway_index=pathway, worker_index=worker,
                              status=status, concern_level=level, start_days_ago=start,
                              end_days_ago=end, tags=tags))
    return DemoPlan(people=people, cases=cases, interactions=interactions)


def demo_photo(index: int) -> bytes:
    """A phone-like JPEG (a letter or a damp wall) carrying EXIF GPS and orientation, as a
    phone camera writes it: the app must strip them, and the demo shows that it does."""
    rng = random.Random(index)
    width, height = 1600, 1200
    if index % 2 == 0:  # a damp, mould-stained wall
        img = Image.new("RGB", (width, height), (214, 206, 190))
        draw = ImageDraw.Draw(img)
        for _ in range(90):
            x, y, r = rng.randrange(width), rng.randrange(height // 3), rng.randrange(20, 120)
            shade = rng.randrange(40, 90)
            draw.ellipse((x - r, y - r, x + r, y + r), fill=(shade, shade + 8, shade - 5))
        img = img.filter(ImageFilter.GaussianBlur(6))
    else:  # a letter on a table
        img = Image.new("RGB", (width, height), (120, 84, 52))
        draw = ImageDraw.Draw(img)
        draw.rectangle((260, 80, 1340, 1150), fill=(248, 247, 242))
        draw.rectangle((300, 120, 700, 160), fill=(30, 30, 30))
        for line in range(18):
            y = 230 + line * 48
            draw.rectangle((300, y, 300 + rng.randrange(500, 1000), y + 14), fill=(90, 90, 90))
    exif = Image.Exif()
    exif[0x010F] = "DemoPhone"
    exif[0x0110] = "DemoPhone 12"
    exif[0x0112] = 1  # orientation: upright
    exif[0x8825] = {1: "N", 2: (53.0, 47.0, 59.2 + index), 3: "W", 4: (1.0, 32.0, 44.2)}
    out = io.BytesIO()
    img.save(out, "JPEG", quality=88, exif=exif)
    return out.getvalue()
