"""Note audits: the offline scorer on hand-written notes, audit storage, lists and trends,
"Audit all" progress and resume, the criteria settings, access per role, and the model path
against the fake OpenAI server (pseudonymised, criteria from settings)."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlmodel import col, select, update

from caseapp import interactions, note_audits
from caseapp.ai.note_audit import DEFAULT_CRITERIA, FAIL, PASS, audit_note
from caseapp.db import session_scope
from caseapp.errors import NoAccess, PermissionDenied, ValidationFailed
from caseapp.interactions import NewInteraction
from caseapp.models import AuditEvent, AuditRun, AuditRunItem, NoteAudit, Organisation
from caseapp.note_audits import AuditFilters, AuditRunner, CriterionView
from tests.conftest import World
from tests.fake_openai import FakeOpenAI, Scripted, fake_openai_server

GOOD = (
    "14/03/2026, 10:30, home visit. Present: Mrs Okafor and me. Mrs Okafor told me she is "
    "worried about the rent arrears letter she received on Monday and said she feels 'at the end "
    "of my rope'. We went through her income and outgoings together and she chose to apply for a "
    "discretionary housing payment. I asked about her safety and wellbeing: she denied any "
    "thoughts of harming herself and no safeguarding concerns were identified for her son. "
    "Actions: I will submit the DHP application by 18/03; Mrs Okafor will bring her tenancy "
    "agreement to our next appointment on 21/03 at 11:00.")
VAGUE = "Saw her. All fine."
RUDE = "Typical. He was rude and couldn't be bothered again, stinking of drink as usual."


# -- the offline scorer on hand-written notes (no database)


def _results(text: str) -> dict[str, str]:
    return {j.key or "": j.result for j in audit_note(text).judgements}


def test_a_good_note_scores_high_and_passes_every_criterion() -> None:
    result = audit_note(GOOD)
    assert result.score >= 85
    assert set(_results(GOOD).values()) == {PASS}
    assert all(j.reason for j in result.judgements)


def test_empty_and_vague_notes_score_low() -> None:
    assert audit_note("").score == 0
    assert all(j.result == FAIL for j in audit_note("   ").judgements)
    vague = audit_note(VAGUE)
    assert vague.score < 25
    assert _results(VAGUE)["what_discussed"] == FAIL
    assert audit_note(GOOD).score - vague.score > 60


@pytest.mark.parametrize(("key", "without", "with_it"), [
    ("datetime", "Met Sam at the hub about the rent.",
     "02/03/2026, 14:15. Met Sam at the hub about the rent."),
    ("concerns", "Sam came in about the rent letter.",
     "Sam came in about the rent letter; he is worried and anxious about eviction."),
    ("actions_next_steps", "Sam came in about the rent letter.",
     "Sam came in about the rent letter. Next steps: I will call the landlord by Friday and "
     "Sam will bring his bank statements to the appointment booked for 12/03."),
    ("risk_indicators", "Sam came in about the rent letter.",
     "Sam came in about the rent letter. I asked about risk: he denied any thoughts of harm and "
     "no safeguarding concerns were identified."),
    ("professional_language", "Sam was typical, rude and a waste of time.",
     "Sam was quiet and said he was tired."),
    ("person_centred", "Client attended about rent.",
     "Sam said he wants to stay in the flat; he told me 'it is my home'."),
])
def test_each_criterion_is_detected(key: str, without: str, with_it: str) -> None:
    assert _results(without)[key] == FAIL, audit_note(without)
    assert _results(with_it)[key] != FAIL, audit_note(with_it)


def test_a_criterion_without_a_rule_is_left_to_a_model() -> None:
    from caseapp.ai.note_audit import Criterion

    result = audit_note(GOOD, [*DEFAULT_CRITERIA, Criterion("Consent recorded", "Consent.")])
    assert result.judgements[-1].result == "unscored"
    assert result.score == audit_note(GOOD).score  # an unscored criterion does not count


# -- helpers for the services


def _note(actor: Any, case_id: int, text: str, private: bool = False) -> int:
    return interactions.add_interaction(actor, case_id, NewInteraction(text=text, private=private))


def _wait(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.02)


def _events(action: str) -> list[AuditEvent]:
    with session_scope() as db:
        return list(db.exec(select(AuditEvent).where(AuditEvent.action == action)).all())


# -- storage, lists, trends


def test_audit_is_stored_with_when_and_how_and_replaced_when_repeated(world: World) -> None:
    good = _note(world.worker, world.case_worker, GOOD)
    vague = _note(world.worker, world.case_worker, VAGUE)
    view = note_audits.audit_interaction(world.manager, good)  # type: ignore[arg-type]
    assert view.score >= 85 and view.method == "offline rules" and view.band == "good"
    assert [r.name for r in view.results] == [c.name for c in DEFAULT_CRITERIA]
    note_audits.audit_interaction(world.manager, vague)  # type: ignore[arg-type]
    note_audits.audit_interaction(world.manager, vague)  # type: ignore[arg-type]
    with session_scope() as db:
        rows = db.exec(select(NoteAudit)).all()
    assert len(rows) == 2  # auditing again replaces, never duplicates
    stored = {r.interaction_id: r for r in rows}
    assert stored[vague].score < 25 and stored[vague].audited_by_id == world.manager.id  # type: ignore[attr-defined]
    assert stored[good].author_id == world.worker.id  # type: ignore[attr-defined]
    assert len(json.loads(stored[good].judgements)) == len(DEFAULT_CRITERIA)
    assert len(_events("note_audit.made")) == 3

    page = note_audits.list_audits(world.manager, AuditFilters())  # type: ignore[arg-type]
    assert page.total == 2 and [r.interaction_id for r in page.rows] == [vague, good]  # lowest first
    assert note_audits.list_audits(world.manager, AuditFilters(score="good")).total == 1  # type: ignore[arg-type]
    assert note_audits.list_audits(world.manager, AuditFilters(  # type: ignore[arg-type]
        worker_id=world.south.id)).total == 0  # type: ignore[attr-defined]
    assert _events("note_audits.viewed")
    with pytest.raises(ValidationFailed):
        note_audits.list_audits(world.manager, AuditFilters(score="excellent"))  # type: ignore[arg-type]
    with pytest.raises(ValidationFailed):
        note_audits.list_audits(world.manager, AuditFilters(days=0))  # type: ignore[arg-type]

    unaudited, total = note_audits.list_unaudited(world.manager)  # type: ignore[arg-type]
    assert total == 0 and unaudited == []
    other = _note(world.south, world.case_south, "Phone call about the food bank.")
    unaudited, total = note_audits.list_unaudited(world.manager)  # type: ignore[arg-type]
    assert total == 1 and unaudited[0].interaction_id == other

    trend = note_audits.trends(world.manager)  # type: ignore[arg-type]
    assert trend.audits == 2 and len(trend.points) == 1
    point = trend.points[0]
    assert point.team == pytest.approx((stored[good].score + stored[vague].score) / 2, abs=0.1)
    assert point.worker is None and point.audits == 2
    assert [w.worker_name for w in trend.workers] == ["Wren Worker"]
    one = note_audits.trends(world.manager, worker_id=world.worker.id)  # type: ignore[arg-type, attr-defined]
    assert one.worker_name == "Wren Worker" and one.points[0].worker == point.team


# -- access per role


def test_access_per_role(world: World) -> None:
    own = _note(world.worker, world.case_worker, GOOD)
    colleague = _note(world.worker2, world.case_worker, "Colleague's note about the rent.")
    private = _note(world.worker2, world.case_worker, "Private: she told me in confidence.",
                    private=True)
    south = _note(world.south, world.case_south, "Phone call about the food bank.")
    vol = _note(world.volunteer, world.case_volunteer, "Befriending visit.")
    # Volunteers: nothing at all.
    for call in (lambda: note_audits.audit_interaction(world.volunteer, vol),  # type: ignore[arg-type]
                 lambda: note_audits.list_audits(world.volunteer, AuditFilters()),  # type: ignore[arg-type]
                 lambda: note_audits.list_unaudited(world.volunteer),  # type: ignore[arg-type]
                 lambda: note_audits.trends(world.volunteer),  # type: ignore[arg-type]
                 lambda: note_audits.start_run(world.volunteer)):  # type: ignore[arg-type]
        with pytest.raises(PermissionDenied):
            call()
    # A case worker: their own interactions only, even in their team; never another's private.
    note_audits.audit_interaction(world.worker, own)  # type: ignore[arg-type]
    with pytest.raises(PermissionDenied):
        note_audits.audit_interaction(world.worker, colleague)  # type: ignore[arg-type]
    with pytest.raises(NoAccess):
        note_audits.audit_interaction(world.worker, private)  # type: ignore[arg-type]
    with pytest.raises(NoAccess):
        note_audits.audit_interaction(world.worker, south)  # type: ignore[arg-type]
    with pytest.raises(NoAccess):
        note_audits.audit_interaction(world.worker, 10**12)  # type: ignore[arg-type]
    rows, _ = note_audits.list_unaudited(world.worker, worker_id=world.worker2.id)  # type: ignore[arg-type, attr-defined]
    assert rows == []  # asking for a colleague still shows only their own (none left)
    # Managers see and audit everything, private included.
    for iid in (colleague, private, south, vol):
        note_audits.audit_interaction(world.manager, iid)  # type: ignore[arg-type]
    assert note_audits.list_audits(world.manager, AuditFilters()).total == 5  # type: ignore[arg-type]
    mine = note_audits.list_audits(world.worker, AuditFilters())  # type: ignore[arg-type]
    assert [r.interaction_id for r in mine.rows] == [own]
    their_trend = note_audits.trends(world.worker)  # type: ignore[arg-type]
    assert their_trend.audits == 1 and their_trend.points[0].team is None
    assert [w.worker_name for w in their_trend.workers] == ["Wren Worker"]
    assert note_audits.workers_to_filter(world.worker) == []  # type: ignore[arg-type]
    # A case worker can start a run over their own notes only.
    _note(world.worker2, world.case_worker, "Another colleague note.")
    run = note_audits.start_run(world.worker)  # type: ignore[arg-type]
    assert note_audits.progress(world.worker, run).total == 0  # type: ignore[arg-type]
    with pytest.raises(PermissionDenied):
        note_audits.progress(world.manager, run)  # type: ignore[arg-type]


# -- criteria settings


def test_only_admins_change_criteria_and_bad_input_changes_nothing(world: World) -> None:
    before = note_audits.list_criteria(world.worker)  # type: ignore[arg-type]
    assert [c.name for c in before] == [c.name for c in DEFAULT_CRITERIA]
    new = [*before[:3], CriterionView("Consent recorded", "Consent to share is noted.")]
    with pytest.raises(PermissionDenied):
        note_audits.save_criteria(world.manager, new)  # type: ignore[arg-type]
    for bad in ([], [CriterionView("", "x")], [CriterionView("A", ""), CriterionView("a", "")],
                [CriterionView("A", "x" * 501)], [CriterionView("A", "", "made_up_rule")]):
        with pytest.raises(ValidationFailed):
            note_audits.save_criteria(world.admin, bad)  # type: ignore[arg-type]
    assert note_audits.list_criteria(world.admin) == before  # type: ignore[arg-type]
    note_audits.save_criteria(world.admin, new)  # type: ignore[arg-type]
    assert [c.name for c in note_audits.list_criteria(world.admin)][-1] == "Consent recorded"  # type: ignore[arg-type]
    assert _events("audit_criteria.updated")
    iid = _note(world.worker, world.case_worker, GOOD)
    view = note_audits.audit_interaction(world.manager, iid)  # type: ignore[arg-type]
    assert [r.name for r in view.results][-1] == "Consent recorded"
    assert view.results[-1].result == "unscored"
    note_audits.reset_criteria(world.admin)  # type: ignore[arg-type]
    assert note_audits.list_criteria(world.admin) == before  # type: ignore[arg-type]


# -- Audit all


def test_audit_all_shows_progress_resumes_after_a_crash_and_is_safe_to_repeat(
        world: World) -> None:
    ids = [_note(world.worker, world.case_worker, f"Visit {k}: rent discussed, {GOOD}")
           for k in range(6)]
    already = ids[0]
    note_audits.audit_interaction(world.manager, already)  # type: ignore[arg-type]
    run_id = note_audits.start_run(world.manager)  # type: ignore[arg-type]
    assert note_audits.start_run(world.manager) == run_id  # type: ignore[arg-type]  # repeat: same run
    p = note_audits.progress(world.manager, run_id)  # type: ignore[arg-type]
    assert (p.status, p.total, p.finished, p.can_resume) == ("queued", 5, 0, True)

    # A runner that "crashes" after two interactions: its items stay, its lease lapses.
    crashed = AuditRunner(concurrency=1, lease_s=0.3)
    done: list[int] = []
    original = crashed._audit

    def audit_then_crash(run: int, actor: Any, item: int, iid: int) -> None:
        original(run, actor, item, iid)
        done.append(iid)
        if len(done) == 2:
            crashed.halt()

    crashed._audit = audit_then_crash  # type: ignore[method-assign]
    crashed.process(run_id)
    p = note_audits.progress(world.manager, run_id)  # type: ignore[arg-type]
    assert p.finished == 2 and p.status == "running"
    time.sleep(0.35)  # the lease lapses
    assert note_audits.progress(world.manager, run_id).can_resume  # type: ignore[arg-type]

    # Meanwhile someone audits one of the queued interactions by hand: the run skips it.
    with session_scope() as db:
        queued = db.exec(select(AuditRunItem.interaction_id).where(
            AuditRunItem.run_id == run_id, AuditRunItem.status == "queued")).first()
    note_audits.audit_interaction(world.manager, queued)  # type: ignore[arg-type]

    fresh = AuditRunner(concurrency=2)
    assert fresh.resume_unfinished() == [run_id]
    _wait(lambda: note_audits.progress(world.manager, run_id).status == "done")  # type: ignore[arg-type]
    p = note_audits.progress(world.manager, run_id)  # type: ignore[arg-type]
    assert (p.total, p.finished, p.done, p.skipped, p.failed) == (5, 5, 4, 1, 0)
    with session_scope() as db:
        audited = db.exec(select(NoteAudit.interaction_id)).all()
    assert sorted(audited) == sorted(ids)  # every one once (unique per interaction)
    assert len(_events("note_audit.made")) == 6  # 1 by hand + 4 by the run + 1 by hand
    # A second run finds nothing left to audit.
    again = note_audits.start_run(world.manager)  # type: ignore[arg-type]
    assert again != run_id and note_audits.progress(world.manager, again).status == "done"  # type: ignore[arg-type]


def test_cancel_stops_a_run(world: World) -> None:
    for k in range(3):
        _note(world.worker, world.case_worker, f"Note {k}.")
    run_id = note_audits.start_run(world.manager)  # type: ignore[arg-type]
    note_audits.cancel_run(world.manager, run_id)  # type: ignore[arg-type]
    assert AuditRunner(concurrency=1).process(run_id) is False  # nothing left to take
    p = note_audits.progress(world.manager, run_id)  # type: ignore[arg-type]
    assert (p.status, p.finished) == ("cancelled", 0)
    with session_scope() as db:
        db.execute(update(AuditRun).where(col(AuditRun.id) == run_id).values(status="done"))


# -- the model path, against the fake OpenAI server


def _judge_all(body: dict[str, Any]) -> str:
    """Answer like a model: every criterion, quoting the placeholder the note starts with."""
    content = body["messages"][1]["content"]
    numbers = re.findall(r"^(\d+)\. ", content, re.M)
    first = re.search(r"The note \(\w+\):\n(\[[A-Z_]+\d+\])", content)
    who = first.group(1) if first else "them"
    return json.dumps({"criteria": [
        {"number": int(n), "result": "partial" if n == "1" else "pass",
         "reason": f"Mentions {who} clearly." if n == "2" else "Fine."} for n in numbers]})


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOpenAI]:
    with fake_openai_server() as server:
        server.default = Scripted(respond=_judge_all)
        monkeypatch.setenv("CASEAPP_AI_MODEL", "fake-model")
        monkeypatch.setenv("CASEAPP_AI_BASE_URL", server.url)
        monkeypatch.setenv("CASEAPP_AI_MAX_RETRIES", "0")
        yield server


def test_with_an_endpoint_the_model_audits_pseudonymised(world: World, fake: FakeOpenAI) -> None:
    iid = _note(world.worker, world.case_worker,
                "Aled Jones rang on 07700 900123 about his rent; Wren Worker will call back.")
    view = note_audits.audit_interaction(world.manager, iid)  # type: ignore[arg-type]
    assert view.method == "AI model fake-model"
    assert view.results[0].result == "partial" and view.results[1].result == "pass"
    assert view.results[1].reason == "Mentions Aled Jones clearly."  # placeholder put back
    assert view.score == round((0.5 + 1.5 + 5) / 7.5 * 100)  # partial is half; weights
    sent = fake.sent_text()
    assert "Aled" not in sent and "07700" not in sent and "Wren Worker" not in sent
    assert "Date and time recorded" in sent  # the organisation's criteria go with it
    event = _events("note_audit.made")[-1]
    assert json.loads(event.detail)["pseudonymised"] is True

    # A failing endpoint: the offline rules stand in, and say so.
    fake.default = Scripted(status=500)
    view = note_audits.audit_interaction(world.manager, iid)  # type: ignore[arg-type]
    assert view.method == "offline rules" and "offline rules instead" in view.note

    # AI turned off for the organisation: audits still run, offline, and nothing is sent.
    with session_scope() as db:
        org = db.get(Organisation, 1) or Organisation(id=1)
        org.ai_enabled = False
        db.add(org)
    before = len(fake.requests)
    assert note_audits.audit_interaction(world.manager, iid).method == "offline rules"  # type: ignore[arg-type]
    assert len(fake.requests) == before


def test_a_model_run_keeps_its_concurrency_bound(world: World, fake: FakeOpenAI) -> None:
    fake.default = Scripted(respond=_judge_all, delay_s=0.05)
    for k in range(6):
        _note(world.worker, world.case_worker, f"Note {k} about the rent.")
    run_id = note_audits.start_run(world.manager)  # type: ignore[arg-type]
    assert AuditRunner(concurrency=2).process(run_id)
    p = note_audits.progress(world.manager, run_id)  # type: ignore[arg-type]
    assert (p.status, p.done, p.method) == ("done", 6, "AI model fake-model")
    assert fake.max_in_flight <= 2 and len(fake.requests) == 6
