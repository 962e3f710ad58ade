"""Workload: the hours arithmetic, capacity edges, needs-attention thresholds, reassigning with a
preview, the settings and the CSV export, and who may see what (on SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from sqlmodel import select

from caseapp import workload
from caseapp.cases import NewCase, change_status, create_case
from caseapp.db import session_scope
from caseapp.errors import Conflict, PermissionDenied, ValidationFailed
from caseapp.models import Assignment, AuditEvent, Case, User, utcnow
from caseapp.people import NewPerson
from caseapp.staff import update_user
from caseapp.workload import (
    MovingCase,
    StaffLoad,
    WorkloadSettings,
    build_workload,
    load_band,
    load_percent,
    preview_reassignment,
)
from tests.conftest import World

DEFAULTS = {"hours_low": "1", "hours_medium": "2", "hours_high": "4", "hours_paused": "0",
            "days_low": "28", "days_medium": "14", "days_high": "7"}


def _case(world: World, worker_id: int | None, concern: str, status: str = "open",
          name: str = "Pat Test") -> int:
    return create_case(world.admin, NewCase(person=NewPerson(name=name), worker_id=worker_id,
                                            pathway_id=world.pathway_id, concern_level=concern,
                                            status=status))


def _row(loads: workload.TeamWorkload, worker_id: int) -> StaffLoad:
    return next(s for s in loads.staff if s.worker_id == worker_id)


def _set_capacity(world: World, user_id: int, hours: float) -> None:
    with session_scope() as db:
        u = db.get(User, user_id)
        assert u is not None
        name, role, team, active = u.name, u.role, u.team or "", u.active
    update_user(world.admin, user_id, name=name, role=role, team=team, capacity_hours=hours,
                active=active)


def _quiet(case_id: int, days: float | None, opened_days_ago: float = 400) -> None:
    """Make a case's last interaction ``days`` ago (None: never), opened long before."""
    now = utcnow()
    with session_scope() as db:
        c = db.get(Case, case_id)
        assert c is not None
        c.last_interaction_at = None if days is None else now - timedelta(days=days)
        c.created_at = now - timedelta(days=opened_days_ago)
        db.add(c)


# --- arithmetic --------------------------------------------------------------------------------

def test_hours_follow_concern_weights_paused_and_closed(world: World) -> None:
    w = world.worker2.id  # holds nothing yet
    _case(world, w, "low")
    _case(world, w, "medium")
    _case(world, w, "high")
    _case(world, w, "high", status="paused")
    closed = _case(world, w, "high")
    change_status(world.admin, closed, "closed", None)
    row = _row(workload.team_workload(world.manager), w)
    assert (row.hours_low, row.hours_medium, row.hours_high, row.hours_paused) == (1, 2, 4, 0)
    assert row.hours == 7 and row.open_cases == 3 and row.paused_cases == 1
    assert (row.open_low, row.open_medium, row.open_high, row.paused_high) == (1, 1, 1, 1)
    assert row.percent == pytest.approx(7 / 37.5 * 100) and row.band == "within"

    workload.update_workload_settings(world.admin, {**DEFAULTS, "hours_high": "5",
                                                    "hours_paused": "0.5"})
    row = _row(workload.team_workload(world.manager), w)
    assert (row.hours_high, row.hours_paused, row.hours) == (5, 0.5, 8.5)


def test_capacity_edges_and_zero_capacity() -> None:
    assert load_band(85, 100) == "approaching" and load_band(84.9, 100) == "within"
    assert load_band(100, 100) == "approaching"  # full, not over
    assert load_band(100.1, 100) == "over"
    assert load_percent(5, 0) is None  # no division by zero
    assert load_band(5, 0) == "over" and load_band(0, 0) == "within"
    people = [(1, "Zero Cap", None, "case_worker", True, 0.0),
              (2, "Half", "North", "case_worker", True, 8.0),
              (3, "Idle", "North", "case_worker", True, 0.0)]
    counts = [(1, "open", "low", 1), (2, "open", "high", 1), (None, "open", "high", 3),
              (2, "closed", "high", 9)]
    staff, totals = build_workload(people, counts, WorkloadSettings())
    assert [s.name for s in staff] == ["Zero Cap", "Half", "Idle"]  # any load on 0 h is first
    assert [s.band for s in staff] == ["over", "within", "within"]
    assert staff[1].percent == 50
    assert (totals.hours, totals.capacity_hours, totals.over) == (5, 8, 1)
    assert (totals.unassigned_open, totals.open_cases) == (3, 5)
    assert totals.open_by_concern == {"low": 1, "medium": 0, "high": 1}


def test_zero_capacity_through_the_service_and_sorting(world: World) -> None:
    _set_capacity(world, world.worker2.id, 0)
    _case(world, world.worker2.id, "low")
    for _ in range(8):
        _case(world, world.south.id, "high")  # 32 h + the world's Medium 2 h = 34 of 37.5
    loads = workload.team_workload(world.admin)
    ids = [s.worker_id for s in loads.staff]
    assert ids[:2] == [world.worker2.id, world.south.id]
    assert ids[2:4] == [world.volunteer.id, world.worker.id]  # 2 h each: then by name (V < W)
    zero = loads.staff[0]
    assert zero.percent is None and zero.band == "over" and zero.hours == 1
    south = loads.staff[1]
    assert south.hours == 34 and south.band == "approaching"
    assert world.admin.id not in {s.worker_id for s in loads.staff}  # admins hold no cases
    assert loads.totals.unassigned_open == 1
    assert loads.totals.over == 1 and loads.totals.approaching == 1
    (housing,) = loads.pathways
    assert (housing.open_high, housing.open_medium, housing.open_low) == (8, 4, 1)
    assert housing.hours == 8 * 4 + 4 * 2 + 1  # the Low case counts 1 h, capacity or not


# --- who sees what -------------------------------------------------------------------------------

def test_roles_volunteer_none_case_worker_only_own(world: World) -> None:
    with pytest.raises(PermissionDenied):
        workload.team_workload(world.volunteer)
    with pytest.raises(PermissionDenied):
        workload.needs_attention(world.volunteer)
    with pytest.raises(PermissionDenied):
        workload.worker_cases(world.volunteer, world.volunteer.id)
    own = workload.team_workload(world.worker)
    assert [s.worker_id for s in own.staff] == [world.worker.id] and not own.everyone
    assert own.totals.open_cases == 1 and own.totals.unassigned_open == 0
    assert [c.case_id for c in workload.worker_cases(world.worker, world.worker.id)] == [
        world.case_worker]
    with pytest.raises(PermissionDenied):
        workload.worker_cases(world.worker, world.worker2.id)  # same team: still not theirs
    _quiet(world.case_south, 30)
    _quiet(world.case_worker, 30)
    seen = {c.case_id for c in workload.needs_attention(world.worker).cases}
    assert seen == {world.case_worker, world.case_unassigned}  # not South's quiet case
    for call in (lambda a: workload.reassign_preview(a, [world.case_south], a.id),
                 lambda a: workload.reassign_cases(a, [world.case_south], a.id),
                 workload.export_csv):
        with pytest.raises(PermissionDenied):
            call(world.worker)
    everyone = workload.team_workload(world.manager)
    assert {world.worker.id, world.south.id, world.volunteer.id} <= {
        s.worker_id for s in everyone.staff}
    with session_scope() as db:
        denied = db.exec(select(AuditEvent).where(AuditEvent.action == "access.denied",
                                                  AuditEvent.actor_id == world.volunteer.id)
                         ).all()
        viewed = db.exec(select(AuditEvent).where(AuditEvent.action == "workload.view")).all()
    assert len(denied) == 3 and len(viewed) == 2


# --- needs attention -----------------------------------------------------------------------------

def test_needs_attention_thresholds_and_order(world: World) -> None:
    w = world.worker2.id
    high_8 = _case(world, w, "high")
    high_6 = _case(world, w, "high")
    med_15 = _case(world, w, "medium")
    low_27 = _case(world, w, "low")
    low_29 = _case(world, w, "low")
    never = _case(world, w, "low")
    paused = _case(world, w, "high", status="paused")
    for cid, days in ((high_8, 8), (high_6, 6), (med_15, 15), (low_27, 27), (low_29, 29),
                      (paused, 60)):
        _quiet(cid, days)
    _quiet(never, None, opened_days_ago=40)
    for cid in (world.case_worker, world.case_south, world.case_volunteer, world.case_unassigned):
        _quiet(cid, 1)
    found = workload.needs_attention(world.manager)
    ids = [c.case_id for c in found.cases]
    assert ids == [high_8, med_15, world.case_unassigned, never, low_29]
    assert found.total == 5
    assert found.cases[0].reason == "No interaction for 8 days"
    assert found.cases[2].reason == "Unassigned" and found.cases[2].worker_name == "Unassigned"
    assert found.cases[3].reason.startswith("No interaction since it opened 40 days")
    assert found.cases[3].last_interaction == "never"

    workload.update_workload_settings(world.admin, {**DEFAULTS, "days_high": "5",
                                                    "days_low": "30"})
    ids = [c.case_id for c in workload.needs_attention(world.manager).cases]
    assert ids == [high_8, high_6, med_15, world.case_unassigned, never]
    assert len(workload.needs_attention(world.manager, limit=2).cases) == 2


# --- reassigning ---------------------------------------------------------------------------------

def test_preview_arithmetic_is_pure() -> None:
    loads = {1: StaffLoad(1, "From", "", "case_worker", True, 9, hours_high=8, open_high=2),
             2: StaffLoad(2, "To", "", "case_worker", True, 0),
             3: StaffLoad(3, "Other", "", "case_worker", True, 20, hours_low=3, open_low=3)}
    moving = [MovingCase(10, 1, 4, 1), MovingCase(11, 3, 1, 1), MovingCase(12, None, 2, 1),
              MovingCase(13, 2, 4, 1)]  # 13 is already the target's: it does not move
    changes = preview_reassignment(loads, moving, 2)
    assert [(c.name, c.hours_before, c.hours_after, c.cases_before, c.cases_after)
            for c in changes] == [("From", 8, 4, 2, 1), ("Other", 3, 2, 3, 2),
                                  ("To", 0, 7, 0, 3)]
    assert changes[0].band_before == "approaching" and changes[0].band_after == "within"
    assert changes[2].percent_after is None and changes[2].band_after == "over"


def test_reassign_with_preview_moves_load_keeps_history(world: World) -> None:
    a = _case(world, world.worker.id, "high")
    b = _case(world, world.worker.id, "low")
    preview = workload.reassign_preview(world.manager, [a, b, world.case_unassigned],
                                        world.south.id)
    (giver, taker) = preview.changes
    assert (giver.worker_id, giver.hours_before, giver.hours_after) == (world.worker.id, 7, 2)
    assert (taker.worker_id, taker.hours_before, taker.hours_after) == (world.south.id, 2, 9)
    before = workload.team_workload(world.manager)
    versions = {m.case_id: m.version for m in preview.moving}
    assert workload.reassign_cases(world.manager, [a, b, world.case_unassigned], world.south.id,
                                   versions) == 3
    after = workload.team_workload(world.manager)
    assert _row(after, world.worker.id).hours == giver.hours_after
    assert _row(after, world.south.id).hours == taker.hours_after
    assert _row(before, world.south.id).hours == taker.hours_before
    with session_scope() as db:
        moved = db.exec(select(Assignment).where(Assignment.case_id == a,
                                                 Assignment.new_worker_id == world.south.id)
                        ).one()
        assert moved.old_worker_id == world.worker.id and moved.changed_by_id == world.manager.id
        events = db.exec(select(AuditEvent).where(AuditEvent.action == "case.assign")).all()
        assert {e.entity_id for e in events} >= {a, b, world.case_unassigned}
        assert json.loads(events[-1].detail)["reason"] == "From the workload page"


def test_reassign_bad_input_changes_nothing(world: World) -> None:
    a = _case(world, world.worker.id, "high")
    for ids, target, field in (([], world.south.id, "cases"),
                               ([a, 2**40], world.south.id, "cases"),
                               ([a, 999_999], world.south.id, "cases"),
                               ([a], 999_999, "worker_id")):
        with pytest.raises(ValidationFailed) as err:
            workload.reassign_preview(world.manager, ids, target)
        assert field in err.value.errors
    # A case changed since the preview: refused, and the other case is not moved either.
    stale = {a: 1, world.case_worker: 1}
    change_status(world.admin, world.case_worker, "paused", None)
    with pytest.raises(Conflict):
        workload.reassign_cases(world.manager, [a, world.case_worker], world.south.id, stale)
    with session_scope() as db:
        held = db.exec(select(Case.worker_id).where(Case.id.in_([a, world.case_worker]))).all()
    assert set(held) == {world.worker.id}


# --- settings and export -------------------------------------------------------------------------

def test_settings_admin_only_validated_and_audited(world: World) -> None:
    with pytest.raises(PermissionDenied):
        workload.update_workload_settings(world.manager, DEFAULTS)
    bad = {**DEFAULTS, "hours_high": "lots", "hours_low": "-1", "days_medium": "0",
           "days_low": "2.5", "hours_paused": "nan"}
    with pytest.raises(ValidationFailed) as err:
        workload.update_workload_settings(world.admin, bad)
    assert set(err.value.errors) == {"hours_high", "hours_low", "days_medium", "days_low",
                                     "hours_paused"}
    assert "enter a number of hours" in err.value.errors["hours_high"]
    assert workload.workload_settings() == WorkloadSettings()  # nothing saved
    saved = workload.update_workload_settings(world.admin, {**DEFAULTS, "hours_medium": " 2.5 "})
    assert saved.hours_medium == 2.5 and workload.workload_settings().hours_medium == 2.5
    with session_scope() as db:
        ev = db.exec(select(AuditEvent).where(
            AuditEvent.action == "organisation.workload_settings")).one()
    detail = json.loads(ev.detail)
    assert detail["old"]["hours_medium"] == 2 and detail["new"]["hours_medium"] == 2.5


def test_export_csv_is_formula_safe(world: World) -> None:
    with session_scope() as db:
        u = db.get(User, world.worker.id)
        assert u is not None
        u.name, u.team = "=HYPERLINK(\"http://x\")", "@North"
        db.add(u)
    text = workload.export_csv(world.manager)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == list(workload.CSV_HEADER)
    mine = next(r for r in rows if r[0].startswith("'="))
    assert mine[0] == "'=HYPERLINK(\"http://x\")" and mine[1] == "'@North"
    assert mine[4] == "2" and mine[6] == "Within capacity"
    with session_scope() as db:
        assert db.exec(select(AuditEvent).where(AuditEvent.action == "workload.export")).one()


# --- the page's state and the CSV route ----------------------------------------------------------

def test_page_state_per_role_and_reassign_through_it(world: World,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio

    from state import workload_page
    from state.workload_page import WorkloadState
    from tests.test_states import _state

    monkeypatch.setattr(workload_page, "PAGE", 2)  # a screen of two people: Show more shows more

    heavy = _case(world, world.worker.id, "high")
    manager = _state(WorkloadState, "mo.manager@example.org", "/workload")
    assert asyncio.run(manager.load()) is None and manager.allowed and manager.everyone
    assert manager.staff_rows[0].worker_id == world.worker.id  # 6 h: the most loaded
    assert len(manager.staff_rows) == len(manager.chart_rows) == 2 and manager.has_more
    assert manager.total_people == 5  # admins hold no cases: not listed
    asyncio.run(manager.show_more())
    asyncio.run(manager.show_more())
    assert len(manager.staff_rows) == 5 and not manager.has_more
    assert manager.chart_rows[0]["high"] == pytest.approx(4 / 37.5 * 100, abs=0.1)
    assert {a.case_id for a in manager.attention} == {world.case_unassigned}
    manager.open_worker(world.worker.id)
    assert {c.case_id for c in manager.worker_case_rows} == {heavy, world.case_worker}
    manager.toggle_case(heavy, True)
    manager.set_target(str(world.south.id))
    manager.preview_reassign()
    assert [(p.name, p.before, p.after) for p in manager.preview] == [
        ("Wren Worker", "6 h of 37.5 (16%)", "2 h of 37.5 (5%)"),
        ("Sol South", "2 h of 37.5 (5%)", "6 h of 37.5 (16%)")]
    asyncio.run(manager.confirm_reassign())
    assert manager.message == "Reassigned 1 case to Sol South." and manager.chosen == []
    assert {r.worker_id: r.hours for r in manager.staff_rows}[world.south.id] == "6"

    worker = _state(WorkloadState, "wren.worker@example.org", "/workload")
    asyncio.run(worker.load())
    assert [r.worker_id for r in worker.staff_rows] == [world.worker.id] and not worker.everyone
    worker.open_worker(world.south.id)  # a crafted call: refused by the service
    assert worker.worker_case_rows == [] and worker.message_kind == "error"
    worker.toggle_case(heavy, True)
    worker.set_target(str(world.worker.id))
    worker.preview_reassign()
    assert worker.preview == [] and worker.message == workload.ONLY_MANAGERS

    volunteer = _state(WorkloadState, "vi.volunteer@example.org", "/workload")
    asyncio.run(volunteer.load())
    assert not volunteer.allowed and volunteer.staff_rows == []
    assert volunteer.message == workload.NOT_FOR_VOLUNTEERS
    signed_out = _state(WorkloadState, None, "/workload")
    assert "/sign-in" in str(asyncio.run(signed_out.load()))


def test_settings_state_saves_for_admins_only(world: World) -> None:
    from state.workload_settings import WorkloadSettingsState
    from tests.test_states import _state

    admin = _state(WorkloadSettingsState, "ada.admin@example.org", "/settings")
    admin.load()
    assert admin.values["hours_high"] == "4" and admin.values["days_low"] == "28"
    admin.set_value("hours_high", "abc")
    admin.save()
    assert "hours_high" in admin.errors and workload.workload_settings().hours_high == 4
    admin.set_value("hours_high", "3.5")
    admin.save()
    assert admin.errors == {} and workload.workload_settings().hours_high == 3.5
    manager = _state(WorkloadSettingsState, "mo.manager@example.org", "/settings")
    manager.load()
    manager.values = {**admin.values, "hours_high": "9"}
    manager.save()  # called anyway, as a crafted client could
    assert manager.errors == {"form": "Only an admin can change workload settings"}
    assert workload.workload_settings().hours_high == 3.5


def test_csv_route_for_admins_and_managers(world: World) -> None:
    from starlette.testclient import TestClient

    from caseapp.auth import sessions
    from caseapp.routes import http_routes

    for email, status in (("mo.manager@example.org", 200), ("ada.admin@example.org", 200),
                          ("wren.worker@example.org", 403), ("vi.volunteer@example.org", 403),
                          (None, 401)):
        client = TestClient(http_routes())
        if email:
            token, _ = sessions.sign_in(email, "correct horse battery")
            client.cookies.set(sessions.COOKIE_NAME, token)
        answer = client.get("/workload.csv")
        assert answer.status_code == status, email
        assert "no-store" in answer.headers["cache-control"]
        if status == 200:
            assert answer.headers["content-disposition"].startswith("attachment")
            rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
            assert rows[0][0] == "name" and "Wren Worker" in {r[0] for r in rows}
        else:
            assert "Wren Worker" not in answer.text


def test_cases_list_takes_the_worker_from_the_link(world: World) -> None:
    """The workload page's "Open in the cases list" link: /cases?worker=ID."""
    from state.cases_list import CasesState
    from tests.test_states import _state

    state = _state(CasesState, "mo.manager@example.org", f"/cases?worker={world.south.id}")
    assert state.load() is None
    assert state.worker == str(world.south.id) and [r.id for r in state.rows] == [
        world.case_south]
    volunteer = _state(CasesState, "vi.volunteer@example.org", f"/cases?worker={world.south.id}")
    volunteer.load()
    assert volunteer.rows == []  # the filter narrows what they may see; it never widens it
