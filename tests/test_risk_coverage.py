"""Child and adult safeguarding as practitioners describe it, with negated, past and unrelated uses.

The sentences are written for these tests (not taken from any evaluation set): one or more per
family of wording the risk rules cover, and near misses that must stay unflagged.
"""

from __future__ import annotations

import time

import pytest

from caseapp.ai.risk import categories_for_text

CHILD = "safeguarding_child"
ADULT = "safeguarding_adult"


@pytest.mark.parametrize("text", [
    # Injuries
    "Noticed a burn on the back of her son's hand that mum could not explain.",
    "Nursery reported unexplained bruising on the toddler's upper arms.",
    # Neglect signs
    "The children were asking neighbours for food and wearing the same clothes all week.",
    "Teacher says Kai (8) has head lice again and often arrives smelling of urine.",
    "Her daughter has missed eleven days of school this half term.",
    "The eldest has not been attending school since October.",
    # Left alone or with an unsafe adult
    "Mum went out and left the kids with her new boyfriend, who they barely know.",
    "She admitted leaving the baby on her own while she went to the shop.",
    "Her new partner is a registered sex offender and has been staying over.",
    # Witnessing violence
    "The children were upstairs at the time and heard the whole argument.",
    "Both girls saw the assault on their mother in the kitchen.",
    # Parent unable to care
    "Dad was drunk while looking after the two youngest on Saturday.",
    "Mum says she is too depressed to get up for the children in the mornings.",
    "She cannot look after the baby when she is using.",
    "Stepdad smacked the boy hard enough to leave a mark.",
    # Statutory processes
    "The family is on a CP plan and the next core group is on the 14th.",
    "An ICPC has been booked for next Wednesday.",
    "Duty worker made a referral to children's social care about the twins.",
    "I rang the MASH and the front door team will call back.",
    "The social worker is visiting to assess the children tomorrow.",
    "A pre-birth assessment has been requested for the unborn baby.",
    # Exploitation of a child
    "Her 14-year-old is being given gifts by an older man she met online.",
    # Concern in so many words, and parental capacity
    "I am concerned about the welfare of her two children given what she told me.",
    "Health visitor has raised concerns about the baby's weight.",
    "Parental alcohol use is the main worry for the school.",
    "The boys are at risk of significant harm if he returns to the home.",
    # A parent turning on the worker for reporting
    "Dad turned up at the centre shouting at me for reporting them to social services.",
    "Mia's mother was furious with us for calling the police round.",
    "Her stepdad accused staff of snitching to the school.",
    "Mum called me a grass in front of the other parents.",
])
def test_child_safeguarding_is_found(text: str) -> None:
    assert CHILD in categories_for_text(text)


@pytest.mark.parametrize("text", [
    # Financial abuse by family or "friends"
    "Her grandson has been using her bank card and she does not know how much is left.",
    "His so-called friends keep asking him for his money as soon as his benefits land.",
    "Money keeps going missing from her purse since the lodger moved in.",
    "She was pressured into signing a loan for her nephew.",
    # Cuckooing and exploitation
    "A group of men have taken over his flat and he is too scared to ask them to leave.",
    "Some lads are dealing from his flat most nights.",
    "His passport is being held by the man he works for, and he works for no pay.",
    # Carers
    "The carers keep missing the lunchtime visits and he is left without food.",
    "Her daughter says the care workers are rough with her when washing her.",
    "Found him left in soiled bedding; the district nurse noted pressure sores.",
    # Self-neglect and hoarding
    "Hallway is blocked with piles of newspapers and he cannot get into the kitchen.",
    "There are mice in the flat and mouldy food in the fridge.",
    "He refuses all personal care and carers are turned away at the door.",
    # Harm to an older adult
    "Her son shouts at her and pushed her against the wall last week.",
    "Unexplained bruising on both of her forearms, she is 84 and lives with her son.",
    # Statutory processes
    "I raised a safeguarding alert with the local authority this afternoon.",
    "Referral made to adult social care for a Care Act assessment.",
    "The local authority has opened a section 42 enquiry.",
    "He is at risk of financial abuse from people who hang around the block.",
    "A rogue trader charged her £4,000 to fix a roof that did not need fixing.",
    "Her appointee has stopped paying the rent and is spending her benefits.",
    "She can no longer manage her own medication and has missed doses all week.",
    "Strangers are staying at his flat and the neighbours have complained.",
])
def test_adult_safeguarding_is_found(text: str) -> None:
    assert ADULT in categories_for_text(text)


@pytest.mark.parametrize(("text", "absent"), [
    # Unrelated uses of the same words
    ("Talked about childcare costs over the school holidays.", CHILD),
    ("She asked about social services opening hours for the new year.", CHILD),
    ("She asked about social services opening hours for the new year.", ADULT),
    ("Her son starts secondary school in September and is excited.", CHILD),
    ("The school run is hard on the bus, she would like a bike.", CHILD),
    ("He volunteers with a children's football club on Saturdays.", CHILD),
    ("Her daughter helped her fill in the PIP form.", ADULT),
    ("His friends took him out for his birthday.", ADULT),
    ("She uses her bank card to top up the meter.", ADULT),
    ("Mum is a carer for her own father and wants a carer's assessment.", ADULT),
    ("The fire risk assessment for the building is due next month.", CHILD),
    ("She keeps her bank card in a safe place now.", ADULT),
    ("She is worried about her son's exams next week.", CHILD),
    ("The children are at risk of losing their school place if they move.", CHILD),
    ("Health visitor is happy with the baby's progress.", CHILD),
    # Negated
    ("No concerns about the children's care; they were clean, fed and happy.", CHILD),
    ("The children have not missed any school this term.", CHILD),
    ("There were no marks or bruises on either child.", CHILD),
    ("She denies anyone has access to her bank card.", ADULT),
    ("No evidence of hoarding or self-neglect at the visit.", ADULT),
    # Past or resolved
    ("The child protection plan ended in 2021 and the case was closed.", CHILD),
    ("He was on a child protection plan as a child.", CHILD),
    ("Her nephew no longer has her bank card; the bank refunded her.", ADULT),
    ("Previously his flat was cuckooed, but he moved and is settled now.", ADULT),
    # Hypothetical or advice
    ("Explained that if the children are ever left alone we would have to refer.", CHILD),
    ("Gave her leaflets about financial abuse and scams.", ADULT),
])
def test_near_misses_are_not_flagged(text: str, absent: str) -> None:
    assert absent not in categories_for_text(text)


def test_unexplained_injury_to_a_child_is_not_an_adult_flag() -> None:
    found = categories_for_text("School reported unexplained bruising on her son's back.")
    assert CHILD in found and ADULT not in found


def test_rules_stay_fast_on_a_long_note() -> None:
    note = " ".join([
        "Met Sam at the hub at 10:00 to go through her PIP form and her rent statement.",
        "Her children (6 and 9) were at school; she said they are doing well.",
        "She has a hospital appointment for her knee on Friday and her son will go with her.",
        "We agreed next steps and I will call her on Tuesday.",
    ] * 10)
    start = time.perf_counter()
    for _ in range(20):
        categories_for_text(note)
    per_note_ms = (time.perf_counter() - start) / 20 * 1000
    # A generous bound (about 40 sentences): it catches a runaway pattern, not a slow machine.
    assert per_note_ms < 250


SELF_HARM = "self_harm_suicide"


@pytest.mark.parametrize("text", [
    "He told me he has thought about taking all his tablets at once.",
    "She showed me fresh cuts on her forearm.",
    "He said everyone would be better off if he wasn't around.",
    "She has been scratching her arms until they bleed.",
    "He said he can't see a way out.",
    "She has looked up ways to end her life online.",
    "He said he wants to go to sleep and never wake up.",
    "She has been burning herself with a lighter.",
    "She said she is tired of living.",
    "He has been giving his belongings away and seems calm.",
    "He left a goodbye note for his brother.",
    "Said she does not see the point in living any more.",
])
def test_self_harm_and_suicide_wording_is_found(text: str) -> None:
    assert SELF_HARM in categories_for_text(text)


@pytest.mark.parametrize("text", [
    "Suicide risk assessment completed: no current ideation.",
    "Talked about the suicide prevention training she went on.",
    "The baby did not wake up until 7 and slept well.",
    "She is giving her old things away to the charity shop before the move.",
    "He burnt himself on the oven door last week.",
    "He did not wake up in time for his appointment.",
    "She denies any thoughts of harming herself.",
    "She self-harmed as a teenager but not for ten years.",
])
def test_self_harm_near_misses_are_not_flagged(text: str) -> None:
    assert SELF_HARM not in categories_for_text(text)


@pytest.mark.parametrize("text", [
    "Ruby (5) told nursery staff that daddy hurts mummy at night.",
    "The kids were alone in the flat when I arrived; mum had gone out an hour earlier.",
    "Leo (11) has been looking after his younger sisters most evenings.",
    "Mum was slurring and unsteady when collecting the children from school.",
    "School say she has been coming in without breakfast and wearing dirty uniform.",
    "There is no food in the house and the children have not eaten since yesterday.",
    "Mum's new boyfriend has convictions for violence and has moved in with the children.",
    "Dad has been using heroin in the house while the children are home.",
    "The children saw police arrest their father after he attacked mum.",
    "Mum has been very unwell and can't get the kids to school.",
    "Jade (16) is in a relationship with a 24-year-old man.",
])
def test_more_child_situations_are_found(text: str) -> None:
    assert CHILD in categories_for_text(text)


@pytest.mark.parametrize("text", [
    "Her son moved back in and she has been giving him most of her pension.",
    "Mr K's carer has been taking cash from his wallet, he thinks.",
    "The flat was full of rubbish and he was sleeping in his chair surrounded by bags.",
    "She appeared frightened of her daughter, who answered every question for her.",
    "Mrs P (82) had bruises on her arms and said she had bumped into things.",
    "He has not been eating or washing and the flat smells strongly.",
    "His neighbour has been 'looking after' his money and he never sees his statements.",
    "She has dementia and her grandson has taken out loans in her name.",
    "He keeps letting people stay who take his food and money.",
])
def test_more_adult_situations_are_found(text: str) -> None:
    assert ADULT in categories_for_text(text)


@pytest.mark.parametrize(("text", "absent"), [
    ("Her son said his knee hurts after football.", CHILD),
    ("Her daughter (16) has a good relationship with her older sister.", CHILD),
    ("Her son said the flat smells of damp.", CHILD),
    ("The kids had no lunch money this week.", CHILD),
    ("She cannot get the kids new shoes until payday.", CHILD),
    ("The children were clean and had no bruises or marks and were happy.", CHILD),
    ("Her grandson does her shopping with her money and keeps the receipts for her.", ADULT),
    ("Her friends from church visit every week and are a great support.", ADULT),
    ("She keeps her bank card in a safe place.", ADULT),
])
def test_more_near_misses_are_not_flagged(text: str, absent: str) -> None:
    assert absent not in categories_for_text(text)


@pytest.mark.parametrize(("text", "category"), [
    # Short forms practitioners use
    ("DV incident Sat night, kids present.", CHILD),
    ("CP conf set for 12/3.", CHILD),
    ("YP disclosed being hit by stepdad.", CHILD),
    ("Children's SW visiting Thurs.", CHILD),
    ("Home conditions poor, kids' bedrooms had no bedding and dog mess on the floor.", CHILD),
    ("Emily (9) said she doesn't like it when mum's friends come round at night.", CHILD),
    ("Mum left the baby with a neighbour she barely knows for two days.", CHILD),
    ("The kids came to school without breakfast again.", CHILD),
    ("Her son is her carer and has been keeping her PIP.", ADULT),
    ("Mr D owes money to a dealer who now lives at his flat.", ADULT),
    ("A man he met in the pub now has his bank details and has been taking money.", ADULT),
    ("She was found wandering at night in her nightie.", ADULT),
    ("Concern that her daughter is controlling her finances and won't let her out.", ADULT),
    ("S42 initiated by LA.", ADULT),
])
def test_short_forms_are_found(text: str, category: str) -> None:
    assert category in categories_for_text(text)


@pytest.mark.parametrize("text", [
    "The children had no bruises.",
    "There were no concerns about the children.",
    "The kids were present at the school assembly and sang well.",
    "Her boyfriend keeps her bank card and checks her phone.",
])
def test_short_form_near_misses_are_not_flagged(text: str) -> None:
    found = categories_for_text(text)
    assert CHILD not in found and ADULT not in found


@pytest.mark.parametrize(("text", "absent"), [
    ("Children's social care closed the case in 2019.", CHILD),
    ("MASH closed the referral, no further action.", CHILD),
    ("The adult safeguarding enquiry has concluded with no further action.", ADULT),
    ("The safeguarding referral was not accepted as the threshold was not met.", ADULT),
    ("We discussed how to recognise scams and doorstep traders.", ADULT),
    ("Social services are no longer involved.", ADULT),
])
def test_closed_and_declined_referrals_are_not_flagged(text: str, absent: str) -> None:
    assert absent not in categories_for_text(text)


def test_a_closed_referral_does_not_hide_a_new_one() -> None:
    assert CHILD in categories_for_text("MASH referral made today about the twins.")
    assert "domestic_abuse" in categories_for_text("DASH concluded high risk; MARAC referral made.")


def test_pip_mobility_component_is_a_benefit_not_a_health_flag() -> None:
    assert "physical_health" not in categories_for_text(
        "She was awarded the enhanced rate mobility component of PIP.")
    assert "physical_health" in categories_for_text("His mobility has got much worse this month.")


def test_the_fast_prefilter_does_not_change_what_is_found() -> None:
    """The prefilter runs on lowercased text: shouting, mixed case and escapes must still match."""
    assert CHILD in categories_for_text("MUM LEFT THE KIDS HOME ALONE OVERNIGHT.")
    assert SELF_HARM in categories_for_text("He Said He Wants To End It All.")
    assert ADULT in categories_for_text("Referral To ASC Made; S42 Enquiry Opened By The LA.")
    assert "housing" not in categories_for_text("SHE IS HAPPY IN HER FLAT.")


@pytest.mark.parametrize(("text", "category"), [
    ("He has been really down, says he can't see things getting better.", "mental_health"),
    ("She feels on edge all the time and can't switch off.", "mental_health"),
    ("She says he goes through her phone every night.", "domestic_abuse"),
    ("She has a non-mol in place but he keeps driving past the house.", "domestic_abuse"),
    ("He threatened to kill her if she leaves.", "domestic_abuse"),
    ("The landlord has given him two months' notice.", "housing"),
    ("She is staying on a friend's sofa.", "housing"),
    ("He has a council tax summons and owes £1,200.", "financial_hardship"),
    ("He is waiting for a hip replacement and struggles with stairs.", "physical_health"),
    ("She has fallen out with her sister and has nobody to talk to.", "relationships"),
    ("His relationship with his dad has broken down completely.", "relationships"),
    ("Police think he is being used to run drugs to the coast.", "offending_exploitation"),
    ("He said he has to 'work off' a debt for the people he buys from.", "offending_exploitation"),
])
def test_other_categories_in_everyday_wording(text: str, category: str) -> None:
    assert category in categories_for_text(text)


@pytest.mark.parametrize(("text", "absent"), [
    ("His relationship with his dad is much better now.", "physical_health"),
    ("She was tearful when the grant came through, in a good way.", "mental_health"),
    ("He used to run drugs for a gang years ago.", "offending_exploitation"),
])
def test_other_categories_near_misses(text: str, absent: str) -> None:
    assert absent not in categories_for_text(text)


@pytest.mark.parametrize(("text", "found"), [
    ("He seems low in himself.", True),
    ("He has been really down lately.", True),
    ("I have been down to the housing office with him.", False),
    ("Her income is very low this month.", False),
    ("He has been really low on credit.", False),
])
def test_low_mood_described_but_not_low_income(text: str, found: bool) -> None:
    assert ("mental_health" in categories_for_text(text)) is found


@pytest.mark.parametrize("text", [
    "I talked him into seeing his GP about his chest.",
    "She declined further support from us as things are going well.",
    "She has no food until her UC is paid on Friday.",
    "The loose stair carpet is a trip hazard; reported to the landlord.",
])
def test_ordinary_casework_is_not_adult_safeguarding(text: str) -> None:
    assert ADULT not in categories_for_text(text)


@pytest.mark.parametrize("text", [
    "Mum was pleased with the referral to the food bank.",
    "Dad was angry and rang the police about the noisy neighbours.",
    "Mum thanked me for the referral to the housing team.",
    "Dad is annoyed with me for being late to the meeting.",
    "Mum said the grass in the park is too long for the kids to play on.",
])
def test_a_parent_and_a_report_alone_are_not_a_child_concern(text: str) -> None:
    assert CHILD not in categories_for_text(text)
