"""The audit trail is tamper-evident: hash-chained, append-only in the database, and verifiable."""

from __future__ import annotations

import itertools
import threading

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import func, select

from caseapp import audit, cases
from caseapp.__main__ import main
from caseapp.db import engine, session_scope
from caseapp.interactions import NewInteraction, add_interaction
from caseapp.models import AuditEvent
from tests.conftest import World


def _busy_day(world: World) -> None:
    """Views, changes and a refusal: the kinds of event a real day writes."""
    cases.get_case(world.worker, world.case_worker)
    add_interaction(world.worker, world.case_worker,
                    NewInteraction(kind="note", text="Met at the library; rent arrears discussed."))
    with pytest.raises(Exception):  # noqa: B017 - any refusal; the event must still be chained
        cases.get_case(world.worker, world.case_south)


def _as_attacker(sql: str, **params: object) -> None:
    """Someone with direct database access, who first switches the protective triggers off."""
    with engine().begin() as conn:
        if conn.dialect.name == "sqlite":
            for name in ("audit_event_no_delete", "audit_event_no_rewrite", "audit_head_forward",
                         "audit_head_no_delete"):
                conn.execute(text(f"DROP TRIGGER IF EXISTS {name}"))
        else:
            conn.execute(text("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only"))
        conn.execute(text(sql), params)


def _report() -> audit.ChainReport:
    with session_scope() as db:
        return audit.verify_chain(db)


def _count() -> int:
    with session_scope() as db:
        return db.exec(select(func.count()).select_from(AuditEvent)).one()


def test_every_event_is_chained_and_the_chain_verifies(world: World) -> None:
    _busy_day(world)
    report = _report()
    assert report.intact, report.reason
    assert report.events == _count() > 10
    with session_scope() as db:
        events = db.exec(select(AuditEvent).order_by(AuditEvent.seq)).all()
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert events[0].prev_hash == audit.GENESIS
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(events))
    assert any(e.action.endswith("denied") or "denied" in e.action for e in events)


@pytest.mark.parametrize(("sql", "expected"), [
    ("UPDATE audit_event SET detail = '{}' WHERE seq = :seq", "detail of event"),
    ("UPDATE audit_event SET action = 'case.viewed' WHERE seq = :seq", "changed after it was written"),
    ("UPDATE audit_event SET actor_id = NULL WHERE seq = :seq", "changed after it was written"),
    ("DELETE FROM audit_event WHERE seq = :seq", "missing or removed"),
])
def test_verify_names_the_first_broken_link(world: World, sql: str, expected: str) -> None:
    _busy_day(world)
    middle = _count() // 2
    _as_attacker(sql, seq=middle)
    report = _report()
    assert not report.intact
    assert report.broken_at == middle
    assert expected in report.reason
    assert report.events == middle - 1


def test_removing_the_newest_events_is_caught_by_the_head(world: World) -> None:
    _busy_day(world)
    last = _count()
    _as_attacker("DELETE FROM audit_event WHERE seq >= :seq", seq=last - 1)
    report = _report()
    assert not report.intact and "removed from the end" in report.reason


def test_a_row_slipped_in_outside_the_chain_is_caught(world: World) -> None:
    _busy_day(world)
    _as_attacker("INSERT INTO audit_event (at, action, entity_type, detail, prev_hash, "
                 "detail_digest, hash) VALUES (CURRENT_TIMESTAMP, 'case.viewed', 'case', '', '', '', '')")
    report = _report()
    assert not report.intact and "outside the chain" in report.reason


def test_the_database_refuses_rewrites_and_deletes(world: World) -> None:
    _busy_day(world)
    before = _report()
    for sql in ("UPDATE audit_event SET action = 'nothing' WHERE seq = 1",
                "UPDATE audit_event SET at = at WHERE seq = 1 AND 1 = 0",  # touches nothing: allowed
                "DELETE FROM audit_event WHERE seq = 2",
                "UPDATE audit_chain_head SET seq = 0",
                "DELETE FROM audit_chain_head"):
        try:
            with engine().begin() as conn:
                conn.execute(text(sql))
        except DBAPIError as exc:
            assert "append-only" in str(exc)
        else:
            assert "1 = 0" in sql, f"the database allowed: {sql}"
    after = _report()
    assert after.intact and after.events == before.events


def test_redaction_by_erasure_keeps_the_chain_and_is_counted(world: World) -> None:
    _busy_day(world)
    with engine().begin() as conn:  # the trigger allows the detail alone to change
        conn.execute(text("UPDATE audit_event SET detail = :d WHERE seq = 3"),
                     {"d": '{"redacted": "erasure 1"}'})
    report = _report()
    assert report.intact and report.redacted == 1


def test_concurrent_writers_never_fork_the_chain(world: World) -> None:
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            for i in range(5):
                add_interaction(world.worker, world.case_worker,
                                NewInteraction(kind="note", text=f"Writer {n}, note {i}."))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    report = _report()
    assert report.intact, report.reason
    assert report.events == _count()


def test_verify_command_exit_codes(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    _busy_day(world)
    assert main(["verify-audit"]) == 0
    assert "Audit trail intact" in capsys.readouterr().out
    _as_attacker("UPDATE audit_event SET detail = '{\"x\": 1}' WHERE seq = 2")
    assert main(["verify-audit"]) == 1
    assert "BROKEN" in capsys.readouterr().err
