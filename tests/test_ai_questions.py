"""Ask about this case, and Analyse: only readable notes go in, every answer cites its notes,
and "the notes don't say" beats a guess."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlmodel import select

from caseapp import interactions
from caseapp.ai.questions import NOTES_DONT_SAY, analyse, ask
from caseapp.db import session_scope
from caseapp.errors import NoAccess, PermissionDenied, ValidationFailed
from caseapp.interactions import NewInteraction
from caseapp.models import AuditEvent
from tests.conftest import World
from tests.fake_openai import FakeOpenAI, Scripted, fake_openai_server

PRIVATE = "Private: she told me her brother is dealing from the flat and she is scared of him."
NOTES = [
    "Aled has been served a section 21 notice by his landlord and must leave by March.",
    "I referred him to Shelter for housing advice and booked an appointment with the council.",
    "Helped him apply for a discretionary housing payment; he is struggling with rent arrears.",
    "He says his mood has improved since he started volunteering at the allotment.",
]


@pytest.fixture
def seeded(world: World) -> dict[str, int]:
    ids = {}
    for i, text in enumerate(NOTES):
        ids[f"note{i}"] = interactions.add_interaction(world.worker, world.case_worker,
                                                       NewInteraction(text=text))
    ids["private"] = interactions.add_interaction(world.worker2, world.case_worker,
                                                  NewInteraction(text=PRIVATE, private=True))
    return ids


@pytest.fixture
def endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOpenAI]:
    with fake_openai_server() as fake:
        monkeypatch.setenv("CASEAPP_AI_MODEL", "fake-model")
        monkeypatch.setenv("CASEAPP_AI_BASE_URL", fake.url)
        monkeypatch.setenv("CASEAPP_AI_MAX_RETRIES", "0")
        yield fake


def test_offline_ask_points_at_the_matching_sentences(world: World, seeded: dict[str, int]) -> None:
    answer = ask(world.worker, world.case_worker, "What happened with the eviction notice?")
    assert "section 21" in answer.answer
    assert [e.interaction_id for e in answer.evidence] == [seeded["note0"]]
    assert "no AI model" in answer.method and "AI endpoint" in answer.note


def test_offline_ask_says_the_notes_dont_say(world: World, seeded: dict[str, int]) -> None:
    answer = ask(world.worker, world.case_worker, "Does he own a dog?")
    assert answer.answer == NOTES_DONT_SAY and answer.evidence == []


def test_ask_never_reads_a_private_note_of_another_worker(world: World, seeded: dict[str, int]) -> None:
    answer = ask(world.worker, world.case_worker, "Who is dealing from the flat, the brother?")
    assert "dealing" not in answer.answer
    assert seeded["private"] not in [e.interaction_id for e in answer.evidence]
    manager = ask(world.manager, world.case_worker, "Who is dealing from the flat, the brother?")
    assert [e.interaction_id for e in manager.evidence] == [seeded["private"]]


def test_ask_rules(world: World, seeded: dict[str, int]) -> None:
    with pytest.raises(ValidationFailed):
        ask(world.worker, world.case_worker, "   ")
    with pytest.raises(ValidationFailed):
        ask(world.worker, world.case_worker, "why " * 200)
    with pytest.raises(NoAccess):
        ask(world.south, world.case_worker, "What happened?")
    with pytest.raises(PermissionDenied):
        ask(world.volunteer, world.case_volunteer, "What happened?")
    with session_scope() as db:
        events = db.exec(select(AuditEvent).where(AuditEvent.action == "ai.ask")).all()
    assert len(events) == 0  # refusals ask nothing


def test_model_answer_cites_only_readable_notes(world: World, seeded: dict[str, int],
                                                endpoint: FakeOpenAI) -> None:
    endpoint.script.append(Scripted(content=json.dumps({
        "answer": "He was referred to Shelter.",
        "interaction_ids": [seeded["note1"], seeded["private"], 999999]})))
    answer = ask(world.worker, world.case_worker, "Where was he referred?")
    assert answer.answer == "He was referred to Shelter."
    assert [e.interaction_id for e in answer.evidence] == [seeded["note1"]]
    sent = endpoint.sent_text()
    assert "dealing from the flat" not in sent  # the private note never left
    assert "Aled" not in sent  # names are pseudonymised for an outside endpoint
    assert '"store": false' in sent


def test_a_model_answer_citing_nothing_becomes_the_notes_dont_say(
        world: World, seeded: dict[str, int], endpoint: FakeOpenAI) -> None:
    endpoint.script.append(Scripted(content=json.dumps(
        {"answer": "He probably has a dog.", "interaction_ids": []})))
    answer = ask(world.worker, world.case_worker, "Does he have a dog?")
    assert answer.answer == NOTES_DONT_SAY and answer.evidence == []


def test_follow_up_questions_carry_the_conversation(world: World, seeded: dict[str, int],
                                                    endpoint: FakeOpenAI) -> None:
    endpoint.script.append(Scripted(content=json.dumps(
        {"answer": "By March.", "interaction_ids": [seeded["note0"]]})))
    ask(world.worker, world.case_worker, "By when?",
        earlier=[("What notice was served?", "A section 21 notice.")])
    assert "What notice was served?" in endpoint.sent_text()


def test_a_failing_endpoint_falls_back_with_a_clear_message(
        world: World, seeded: dict[str, int], endpoint: FakeOpenAI) -> None:
    endpoint.default = Scripted(status=500)
    answer = ask(world.worker, world.case_worker, "What about the rent arrears?")
    assert "arrears" in answer.answer and "failed" in answer.note
    assert "no AI model" in answer.method


def test_offline_analysis_sorts_sentences_under_headings_with_evidence(
        world: World, seeded: dict[str, int]) -> None:
    result = analyse(world.worker, world.case_worker)
    groups = {g.key: g for g in result.groups}
    assert [g.heading for g in result.groups] == ["Referrals made", "Problems presented",
                                                  "Support given", "Changes observed",
                                                  "Risk factors"]
    assert any("Shelter" in i.text for i in groups["referrals"].findings)
    assert any("discretionary housing payment" in i.text for i in groups["support"].findings)
    assert any("improved" in i.text for i in groups["changes"].findings)
    assert any("section 21" in i.text for i in groups["risks"].findings)
    every = [e.interaction_id for g in result.groups for i in g.findings for e in i.evidence]
    assert every and seeded["private"] not in every


def test_model_analysis_keeps_the_rule_flags(world: World, seeded: dict[str, int],
                                             endpoint: FakeOpenAI) -> None:
    endpoint.script.append(Scripted(content=json.dumps({
        "referrals": [{"text": "Referred to Shelter.", "interaction_ids": [seeded["note1"]]}],
        "problems": [{"text": "A guess with no evidence.", "interaction_ids": []}],
        "support": [], "changes": [], "risks": []})))
    result = analyse(world.worker, world.case_worker)
    groups = {g.key: g for g in result.groups}
    assert [i.text for i in groups["referrals"].findings] == ["Referred to Shelter."]
    assert groups["problems"].findings == []  # uncited: dropped
    # The model listed no risks; the eviction the rules flagged is still there.
    assert any("Flagged by rules" in i.text and "section 21" in i.text
               for i in groups["risks"].findings)
    assert result.method == "AI model fake-model"
