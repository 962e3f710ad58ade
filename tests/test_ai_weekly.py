"""Weekly summaries: who gets which cases, what leaves the machine, and that a bulk run keeps its
concurrency bound, skips unchanged cases, can be cancelled, and resumes after a restart without
summarising anything twice or losing anything. Model runs use the fake server on 127.0.0.1."""

from __future__ import annotations

import json
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import col, select, update

from caseapp import cases, interactions
from caseapp.ai import weekly
from caseapp.ai.policy import AI_OFF
from caseapp.ai.weekly import WeeklyRunner
from caseapp.db import session_scope
from caseapp.errors import PermissionDenied, ValidationFailed
from caseapp.interactions import NewInteraction
from caseapp.models import (
    AuditEvent,
    Interaction,
    Organisation,
    SummaryRun,
    SummaryRunCase,
    WeeklySummary,
    utcnow,
)
from caseapp.organisation import local_now_input
from tests.conftest import World
from tests.fake_openai import FakeOpenAI, Scripted, fake_openai_server

PRIVATE = "Private: she told me in confidence that her brother deals from the flat."
LINE = re.compile(r"^\[(\d+)\]", re.M)


def _cites_everything(body: dict[str, Any]) -> str:
    """Answer like a model: one sentence citing every interaction in the prompt."""
    ids = [int(i) for i in LINE.findall(body["messages"][1]["content"])]
    return json.dumps({"sentences": [{"text": f"Summary of {len(ids)} notes.",
                                      "interaction_ids": ids}]})


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOpenAI]:
    with fake_openai_server() as server:
        server.default = Scripted(respond=_cites_everything)
        monkeypatch.setenv("CASEAPP_AI_MODEL", "fake-model")
        monkeypatch.setenv("CASEAPP_AI_BASE_URL", server.url)
        monkeypatch.setenv("CASEAPP_AI_MAX_RETRIES", "0")
        yield server


def _note(actor: object, case_id: int, text: str, private: bool = False,
          days_ago: int = 0) -> int:
    when = ""
    if days_ago:
        stamp = local_now_input()  # "YYYY-MM-DDTHH:MM" in the organisation's zone
        from datetime import datetime

        when = (datetime.fromisoformat(stamp) - timedelta(days=days_ago)).strftime(
            "%Y-%m-%dT%H:%M")
    return interactions.add_interaction(actor, case_id, NewInteraction(  # type: ignore[arg-type]
        text=text, private=private, occurred_at=when))


def _more_cases(world: World, n: int) -> list[int]:
    from caseapp.cases import NewCase, create_case
    from caseapp.people import NewPerson

    ids = []
    for k in range(n):
        cid = create_case(world.manager, NewCase(  # type: ignore[arg-type]
            person=NewPerson(name=f"Person Number{k}"), worker_id=world.worker.id,  # type: ignore[attr-defined]
            pathway_id=world.pathway_id, concern_level="low"))
        _note(world.manager, cid, f"Visited case {k}; rent arrears discussed and a budget agreed.")
        ids.append(cid)
    return ids


def _run_cases(run_id: int) -> dict[int, SummaryRunCase]:
    with session_scope() as db:
        rows = db.exec(select(SummaryRunCase).where(SummaryRunCase.run_id == run_id)).all()
    return {r.case_id: r for r in rows}


def _wait(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.02)


def _all_seeded(world: World) -> None:
    _note(world.worker, world.case_worker, "Met at the hub; she has a Section 21 notice.")
    _note(world.worker2, world.case_worker, PRIVATE, private=True)
    _note(world.south, world.case_south, "Phone call about the food bank referral.")
    _note(world.worker, world.case_unassigned, "Drop-in: asked about a benefits check.")
    _note(world.volunteer, world.case_volunteer, "Befriending visit, all well.")


# -- who may run what, over which cases


def test_volunteers_are_refused_and_runs_are_private_to_who_started_them(world: World) -> None:
    _all_seeded(world)
    with pytest.raises(PermissionDenied):
        weekly.start_run(world.volunteer)  # type: ignore[arg-type]
    run_id = weekly.start_run(world.manager)  # type: ignore[arg-type]
    for other in (world.worker, world.admin, world.volunteer):
        with pytest.raises(PermissionDenied):
            weekly.progress(other, run_id)  # type: ignore[arg-type]
        with pytest.raises(PermissionDenied):
            weekly.results(other, run_id)  # type: ignore[arg-type]
        with pytest.raises(PermissionDenied):
            weekly.cancel_run(other, run_id)  # type: ignore[arg-type]
    assert weekly.progress(world.manager, run_id).status == "queued"  # type: ignore[arg-type]


def test_ai_off_refuses_a_run(world: World) -> None:
    _all_seeded(world)
    with session_scope() as db:
        org = db.get(Organisation, 1) or Organisation(id=1)
        org.ai_enabled = False
        db.add(org)
    with pytest.raises(PermissionDenied, match="turned off"):
        weekly.start_run(world.manager)  # type: ignore[arg-type]


def test_ai_turned_off_mid_run_stops_it(world: World) -> None:
    _all_seeded(world)
    run_id = weekly.start_run(world.manager)  # type: ignore[arg-type]
    with session_scope() as db:
        org = db.get(Organisation, 1) or Organisation(id=1)
        org.ai_enabled = False
        db.add(org)
    WeeklyRunner(concurrency=1).process(run_id)
    progress = weekly.progress(world.manager, run_id)  # type: ignore[arg-type]
    assert progress.status == "cancelled" and progress.message == AI_OFF
    assert progress.done == 0


def test_case_worker_gets_their_own_cases_and_managers_every_open_active_case(
        world: World) -> None:
    _all_seeded(world)
    quiet = _more_cases(world, 1)[0]
    with session_scope() as db:  # its only note was 10 days ago: no activity this week
        db.exec(update(Interaction).where(col(Interaction.case_id) == quiet)  # type: ignore[call-overload]
                .values(occurred_at=utcnow() - timedelta(days=10)))
    closed = _more_cases(world, 1)[0]
    cases.change_status(world.manager, closed, "closed", None)  # type: ignore[arg-type]
    mine = weekly.start_run(world.worker)  # type: ignore[arg-type]
    assert set(_run_cases(mine)) == {world.case_worker}
    every = weekly.start_run(world.manager)  # type: ignore[arg-type]
    assert set(_run_cases(every)) == {world.case_worker, world.case_south, world.case_unassigned,
                                      world.case_volunteer}
    assert weekly.start_run(world.manager) == every  # type: ignore[arg-type]  # safe to repeat
    with session_scope() as db:
        started = db.exec(select(AuditEvent).where(AuditEvent.action == "ai.weekly_started",
                                                   AuditEvent.entity_id == every)).one()
    assert json.loads(started.detail)["cases"] == 4


def test_a_case_worker_whose_only_activity_is_anothers_private_note_gets_no_run_case(
        world: World) -> None:
    _note(world.worker2, world.case_worker, PRIVATE, private=True)
    run_id = weekly.start_run(world.worker)  # type: ignore[arg-type]
    assert _run_cases(run_id) == {}
    assert weekly.progress(world.worker, run_id).status == "done"  # type: ignore[arg-type]


# -- what leaves the machine


def test_prompts_hold_only_interactions_the_runner_may_read(world: World,
                                                            fake: FakeOpenAI) -> None:
    _all_seeded(world)
    run_id = weekly.start_run(world.worker)  # type: ignore[arg-type]
    WeeklyRunner(concurrency=2).process(run_id)
    sent = fake.sent_text()
    assert "Section 21" in sent and "deals from the flat" not in sent
    assert "Aled" not in sent and "Wren" not in sent  # pseudonymised like a single summary
    item = weekly.results(world.worker, run_id)[0]  # type: ignore[arg-type]
    assert item.status == "done" and item.method == "AI model fake-model" and item.by_model
    assert item.sentences[0].text == "Summary of 1 notes."
    with session_scope() as db:
        private_id = db.exec(select(Interaction.id).where(Interaction.private)).one()
        event = db.exec(select(AuditEvent).where(AuditEvent.action == "ai.weekly_summary")).one()
    detail = json.loads(event.detail)
    assert private_id not in detail["interaction_ids"]
    assert detail["endpoint"] == "127.0.0.1" and detail["pseudonymised"] is True


# -- the bulk run


def test_concurrency_bound_is_never_exceeded(world: World, fake: FakeOpenAI) -> None:
    _all_seeded(world)
    extra = _more_cases(world, 12)
    fake.default = Scripted(respond=_cites_everything, delay_s=0.3)
    run_id = weekly.start_run(world.manager)  # type: ignore[arg-type]
    WeeklyRunner(concurrency=3).process(run_id)
    assert fake.max_in_flight == 3  # really side by side, and never more than the bound
    assert len(fake.requests) == 4 + len(extra)
    progress = weekly.progress(world.manager, run_id)  # type: ignore[arg-type]
    assert (progress.status, progress.done, progress.total) == ("done", 16, 16)


def test_unchanged_cases_are_skipped_and_their_summary_reused(world: World,
                                                              fake: FakeOpenAI) -> None:
    _all_seeded(world)
    first = weekly.start_run(world.manager)  # type: ignore[arg-type]
    WeeklyRunner(concurrency=2).process(first)
    assert len(fake.requests) == 4
    _note(world.south, world.case_south, "Follow-up call: the referral went through.")
    second = weekly.start_run(world.manager)  # type: ignore[arg-type]
    WeeklyRunner(concurrency=2).process(second)
    assert len(fake.requests) == 5  # only the changed case went to the model again
    statuses = {c: r.status for c, r in _run_cases(second).items()}
    assert statuses == {world.case_south: "done", world.case_worker: "skipped",
                        world.case_unassigned: "skipped", world.case_volunteer: "skipped"}
    before = _run_cases(first)[world.case_worker].summary_id
    assert _run_cases(second)[world.case_worker].summary_id == before


def test_a_summary_with_a_private_note_is_not_reused_for_someone_who_may_not_read_it(
        world: World, fake: FakeOpenAI) -> None:
    _all_seeded(world)
    WeeklyRunner().process(weekly.start_run(world.manager))  # type: ignore[arg-type]
    assert "deals from the flat" in fake.sent_text()  # the manager may read it
    mine = weekly.start_run(world.worker)  # type: ignore[arg-type]
    WeeklyRunner().process(mine)
    assert _run_cases(mine)[world.case_worker].status == "done"  # made afresh, not reused
    assert "deals from the flat" not in json.dumps(fake.requests[-1])


def test_one_failing_case_does_not_stop_the_run(world: World, fake: FakeOpenAI) -> None:
    _all_seeded(world)
    fake.default = Scripted(respond=_cites_everything,
                            status_for=lambda body: 500 if "food bank" in json.dumps(body) else 200)
    run_id = weekly.start_run(world.manager)  # type: ignore[arg-type]
    WeeklyRunner(concurrency=2).process(run_id)
    rows = _run_cases(run_id)
    assert rows[world.case_south].status == "failed"
    assert "error 500" in rows[world.case_south].message
    assert {rows[c].status for c in rows if c != world.case_south} == {"done"}
    progress = weekly.progress(world.manager, run_id)  # type: ignore[arg-type]
    assert (progress.status, progress.failed, progress.done) == ("done", 1, 3)
    # A later run tries the failed case again (there is nothing to reuse) and skips the rest.
    fake.default = Scripted(respond=_cites_everything)
    again = weekly.start_run(world.manager)  # type: ignore[arg-type]
    WeeklyRunner().process(again)
    assert _run_cases(again)[world.case_south].status == "done"


def test_cancel_stops_promptly_and_keeps_finished_cases(world: World, fake: FakeOpenAI) -> None:
    _all_seeded(world)
    _more_cases(world, 6)
    fake.default = Scripted(respond=_cites_everything, delay_s=0.3)
    run_id = weekly.start_run(world.manager)  # type: ignore[arg-type]
    runner = WeeklyRunner(concurrency=1)
    assert runner.start(run_id)
    _wait(lambda: weekly.progress(world.manager, run_id).finished >= 2)  # type: ignore[arg-type]
    weekly.cancel_run(world.manager, run_id)  # type: ignore[arg-type]
    assert weekly.progress(world.manager, run_id).status == "cancelled"  # type: ignore[arg-type]
    _wait(lambda: not runner._active)
    progress = weekly.progress(world.manager, run_id)  # type: ignore[arg-type]
    assert progress.status == "cancelled" and 2 <= progress.done < 10
    assert len(fake.requests) <= progress.done + 1  # at most the one in flight went on
    done = [i for i in weekly.results(world.manager, run_id)  # type: ignore[arg-type]
            if i.status == "done"]
    assert len(done) == progress.done and all(i.sentences for i in done)
    assert not weekly.resume_run(world.manager, run_id)  # type: ignore[arg-type]
    with session_scope() as db:
        events = {e.action: e for e in db.exec(select(AuditEvent).where(
            AuditEvent.entity_type == "summary_run", AuditEvent.entity_id == run_id)).all()}
    assert events["ai.weekly_cancelled"].actor_id == world.manager.id  # type: ignore[attr-defined]
    started = json.loads(events["ai.weekly_started"].detail)
    assert (started["endpoint"], started["model"], started["pseudonymised"]) == (
        "127.0.0.1", "fake-model", True)


def test_a_run_resumes_after_a_restart_without_repeating_or_losing_a_case(
        world: World, fake: FakeOpenAI) -> None:
    _all_seeded(world)
    _more_cases(world, 10)
    fake.default = Scripted(respond=_cites_everything, delay_s=0.2)
    run_id = weekly.start_run(world.manager)  # type: ignore[arg-type]
    crashed = WeeklyRunner(concurrency=2, lease_s=0.6)
    crashed.start(run_id)
    _wait(lambda: weekly.progress(world.manager, run_id).finished >= 4)  # type: ignore[arg-type]
    crashed.halt()  # the process dies: nothing more is recorded, the lease is not renewed
    _wait(lambda: not crashed._active)
    before = weekly.progress(world.manager, run_id)  # type: ignore[arg-type]
    assert before.status == "running" and 4 <= before.finished < 14
    fresh = WeeklyRunner(concurrency=2)
    assert not fresh.process(run_id)  # the dead runner's lease has not lapsed yet
    time.sleep(0.7)
    assert weekly.progress(world.manager, run_id).can_resume  # type: ignore[arg-type]
    assert fresh.resume_unfinished() == [run_id]
    _wait(lambda: weekly.progress(world.manager, run_id).status == "done")  # type: ignore[arg-type]
    rows = _run_cases(run_id)
    assert len(rows) == 14 and {r.status for r in rows.values()} == {"done"}
    with session_scope() as db:
        made = Counter(db.exec(select(WeeklySummary.case_id)).all())
    assert set(made) == set(rows) and set(made.values()) == {1}  # none twice, none lost
    # Only requests in flight at the crash were asked again: at most one per worker.
    asked = Counter(tuple(sorted(LINE.findall(r["messages"][1]["content"])))
                    for r in fake.requests)
    assert sum(asked.values()) <= 14 + 2 and max(asked.values()) <= 2


def test_a_case_left_running_by_a_dead_runner_is_done_again_once(world: World) -> None:
    _all_seeded(world)
    run_id = weekly.start_run(world.manager)  # type: ignore[arg-type]
    dead = WeeklyRunner(concurrency=1, lease_s=0.01)
    assert dead._acquire(run_id)
    claimed = dead._claim(run_id)  # taken, then the process died before finishing it
    assert claimed is not None
    time.sleep(0.05)
    WeeklyRunner().process(run_id)  # offline default
    rows = _run_cases(run_id)
    assert {r.status for r in rows.values()} == {"done"}
    with session_scope() as db:
        assert len(db.exec(select(WeeklySummary)).all()) == 4


# -- the page's list and accepting


def test_results_put_high_concern_first_then_latest_interaction(world: World) -> None:
    _all_seeded(world)
    time.sleep(0.01)
    _note(world.worker, world.case_unassigned, "Latest: called back about the benefits check.")
    cases.change_concern(world.manager, world.case_south, "high", None)  # type: ignore[arg-type]
    run_id = weekly.start_run(world.manager)  # type: ignore[arg-type]
    WeeklyRunner().process(run_id)
    items = weekly.results(world.manager, run_id)  # type: ignore[arg-type]
    assert [i.case_id for i in items][:2] == [world.case_south, world.case_unassigned]
    assert {i.status for i in items} == {"done"}
    assert all(bool(i.evidence_ids) == bool(i.sentences) == (i.message == "") for i in items)
    assert sum(1 for i in items if i.sentences) >= 3
    assert items[0].method.startswith("offline") and not items[0].by_model


def test_accepting_saves_a_marked_summary_once_and_it_is_not_new_activity(world: World) -> None:
    _all_seeded(world)
    run_id = weekly.start_run(world.worker)  # type: ignore[arg-type]
    WeeklyRunner().process(run_id)
    item = weekly.results(world.worker, run_id)[0]  # type: ignore[arg-type]
    assert item.can_accept and "deals from the flat" not in json.dumps(item.sentences,
                                                                        default=str)
    iid = weekly.accept(world.worker, run_id, world.case_worker)  # type: ignore[arg-type]
    with session_scope() as db:
        saved = db.get(Interaction, iid)
    assert saved is not None and saved.kind == "summary" and saved.author_id == world.worker.id  # type: ignore[attr-defined]
    assert saved.generated_by == item.method
    with pytest.raises(ValidationFailed):
        weekly.accept(world.worker, run_id, world.case_worker)  # type: ignore[arg-type]
    assert not weekly.results(world.worker, run_id)[0].can_accept  # type: ignore[arg-type]
    with pytest.raises(PermissionDenied):
        weekly.accept(world.manager, run_id, world.case_worker)  # type: ignore[arg-type]
    again = weekly.start_run(world.worker)  # type: ignore[arg-type]
    WeeklyRunner().process(again)
    assert _run_cases(again)[world.case_worker].status == "skipped"
    reused = weekly.results(world.worker, again)[0]  # type: ignore[arg-type]
    assert reused.sentences and reused.accepted and not reused.can_accept  # not offered twice
    with pytest.raises(ValidationFailed):
        weekly.accept(world.worker, again, world.case_worker)  # type: ignore[arg-type]


def test_a_runner_stops_claiming_when_the_run_is_not_its_own(world: World) -> None:
    _all_seeded(world)
    run_id = weekly.start_run(world.manager)  # type: ignore[arg-type]
    holder = WeeklyRunner(lease_s=30)
    assert holder._acquire(run_id)
    other = WeeklyRunner()
    assert other._claim(run_id) is None and not other.process(run_id)
    with session_scope() as db:
        assert db.get(SummaryRun, run_id).lease_owner == holder.id  # type: ignore[union-attr]
    assert threading.active_count() >= 1


# -- the page's state: every handler is reachable by any client, so each one goes through the
# service with the actor from the session cookie.


def test_weekly_state_handlers_all_resolve_the_actor() -> None:
    import inspect

    from state.weekly_page import WeeklyState

    own = {name for name in WeeklyState.event_handlers
           if name in WeeklyState.__dict__ and not name.startswith("_") and name != "setvar"}
    assert own == {"load", "set_days", "generate_all", "watch", "cancel", "resume", "accept",
                   "show_more"}
    for name in own - {"set_days"}:  # set_days only changes this tab's chosen period
        assert "self._actor()" in inspect.getsource(WeeklyState.event_handlers[name].fn), name
    for var in ("run_id", "items", "allowed", "user_id"):
        assert not hasattr(WeeklyState, f"set_{var}")


def test_weekly_state_refuses_volunteers_and_other_peoples_runs(world: World) -> None:
    from state.weekly_page import WeeklyState
    from tests.test_states import _state

    _all_seeded(world)
    volunteer = _state(WeeklyState, "vi.volunteer@example.org", "/weekly")
    volunteer.load()
    assert not volunteer.allowed and volunteer.message == weekly.NOT_FOR_VOLUNTEERS
    run_id = weekly.start_run(world.manager)  # type: ignore[arg-type]
    WeeklyRunner().process(run_id)
    manager = _state(WeeklyState, "mo.manager@example.org", "/weekly")
    manager.load()
    assert manager.allowed and manager.run_id == run_id and manager.run_status == "done"
    assert manager.percent == 100 and len(manager.items) == 4
    worker = _state(WeeklyState, "wren.worker@example.org", "/weekly")
    worker.load()
    worker.run_id = run_id  # a crafted client names someone else's run
    worker.accept(world.case_worker)
    worker.cancel()
    assert worker.message == weekly.NOT_YOUR_RUN
    with session_scope() as db:
        assert db.exec(select(Interaction).where(Interaction.kind == "summary")).all() == []
    manager.accept(world.case_worker)
    assert manager.message == "Summary saved to the case record."
    assert next(i for i in manager.items if i.case_id == world.case_worker).accepted


def test_two_runs_at_once_share_the_bound(world: World, fake: FakeOpenAI) -> None:
    _all_seeded(world)
    _more_cases(world, 6)  # assigned to the case worker, so both runs include them
    fake.default = Scripted(respond=_cites_everything, delay_s=0.3)
    runner = WeeklyRunner(concurrency=2)
    first = weekly.start_run(world.manager)  # type: ignore[arg-type]
    second = weekly.start_run(world.worker)  # type: ignore[arg-type]
    assert runner.start(first) and runner.start(second)
    _wait(lambda: not runner._active, timeout=30)
    assert fake.max_in_flight == 2
    one = weekly.progress(world.manager, first)  # type: ignore[arg-type]
    other = weekly.progress(world.worker, second)  # type: ignore[arg-type]
    # Whichever run reached a shared case second may reuse the first's summary (same notes).
    assert (one.done + one.skipped, other.done + other.skipped) == (10, 7)
    assert one.failed == other.failed == 0


def test_the_server_resumes_orphaned_runs_on_its_own(world: World,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """The lifespan task of caseapp/caseapp.py: after a restart, an unfinished run whose lease
    has lapsed is picked up without anyone pressing Resume."""
    import asyncio

    _all_seeded(world)
    run_id = weekly.start_run(world.manager)  # type: ignore[arg-type]
    dead = WeeklyRunner(lease_s=0.01)
    assert dead._acquire(run_id) and dead._claim(run_id) is not None  # then the process died
    time.sleep(0.05)
    server = WeeklyRunner()
    monkeypatch.setattr(weekly, "_runner", server)

    async def serve() -> None:
        async with weekly.resume_orphaned_runs(interval_s=0.05):
            for _ in range(200):
                if weekly.progress(world.manager, run_id).status == "done":  # type: ignore[arg-type]
                    return
                await asyncio.sleep(0.05)

    asyncio.run(serve())
    assert weekly.progress(world.manager, run_id).done == 4  # type: ignore[arg-type]
    assert server._halt.is_set()  # shutting down stops it taking new cases


def test_narrowing_the_known_names_hides_exactly_what_all_of_them_would() -> None:
    from types import SimpleNamespace

    from caseapp.ai.pseudonymise import Pseudonymiser
    from caseapp.ai.weekly import _names_in_notes

    staff = [f"Staff{k} Member{k}" for k in range(300)] + [
        "Siobhan O'Neil", "Jo Li", "X", "Daniel Osei", "Grace Mary Adeyemi-Brown"]
    notes = [("Daniel Osei", "Met Siobhan O'Neil's sister; Grace Mary rang Staff17 after."),
             ("Staff4 Member4", "Adeyemi-Brown came in with Jo. X said nothing. staff9 is not "
                                "a name here, but Member250 is.")]
    rows = [(SimpleNamespace(text=text), author) for author, text in notes]
    narrowed = _names_in_notes(["Aisha Rahman", *staff], rows)
    assert len(narrowed) < 20
    def same_words_hidden(text: str) -> str:
        # Placeholder numbers follow set order among equally long names, which varies by run.
        return re.sub(r"\[PERSON_\d+\]", "[PERSON]", text)

    for author, text in notes:
        line = f"note by {author}: {text}"
        assert same_words_hidden(Pseudonymiser(narrowed).hide(line)) == \
            same_words_hidden(Pseudonymiser(["Aisha Rahman", *staff]).hide(line))
        assert "Siobhan" not in Pseudonymiser(narrowed).hide(line)


@pytest.mark.parametrize("run_id", [0, -1, 2**31, 2**63, 10**20])
def test_an_impossible_run_id_is_no_access_not_a_database_error(world: World,
                                                                run_id: int) -> None:
    with pytest.raises(PermissionDenied) as exc:
        weekly.progress(world.manager, run_id)  # type: ignore[arg-type]
    assert str(exc.value) == weekly.NOT_YOUR_RUN


def test_a_started_run_is_held_before_start_returns(world: World, fake: FakeOpenAI,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    # The page polls straight after starting; a run nobody holds yet would look abandoned
    # (offered for resuming) and the page would stop watching it.
    _all_seeded(world)
    run_id = weekly.start_run(world.manager)  # type: ignore[arg-type]
    slow = WeeklyRunner(concurrency=2)
    monkeypatch.setattr(slow, "_process_then_forget", lambda _run_id: None)  # thread not yet run
    assert slow.start(run_id)
    progress = weekly.progress(world.manager, run_id)  # type: ignore[arg-type]
    assert progress.active and not progress.can_resume
