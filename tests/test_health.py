"""Health and readiness checks: public, uncached, free of data, and honest about the database."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text
from starlette.testclient import TestClient

from caseapp import db
from caseapp.routes import http_routes


def test_healthz_answers_without_the_database(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    def no_database() -> None:
        raise AssertionError("healthz must not touch the database")

    monkeypatch.setattr(db, "engine", no_database)
    answer = TestClient(http_routes()).get("/healthz")
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok"}
    assert answer.headers["cache-control"] == "no-store"


def test_readyz_is_ready_on_a_migrated_database(data_dir: Path) -> None:
    answer = TestClient(http_routes()).get("/readyz")
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"status": "ready"}
    assert answer.headers["cache-control"] == "no-store"


def test_readyz_refuses_when_migrations_are_behind(data_dir: Path) -> None:
    with db.engine().begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    answer = TestClient(http_routes()).get("/readyz")
    assert answer.status_code == 503
    assert answer.json() == {"status": "unavailable", "reason": "database migrations not at head"}
    assert answer.headers["cache-control"] == "no-store"


def test_readyz_refuses_when_the_database_is_unreachable(monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from caseapp import config

    # A database URL pointing at a port nothing listens on.
    monkeypatch.setenv("CASEAPP_DB_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none"
                                         "?connect_timeout=2")
    monkeypatch.setenv("CASEAPP_DATA_DIR", str(tmp_path))
    config.settings.cache_clear()
    db.engine.cache_clear()
    try:
        answer = TestClient(http_routes()).get("/readyz")
    finally:
        db.engine.cache_clear()
        config.settings.cache_clear()
    assert answer.status_code == 503
    assert answer.json()["reason"] == "database unreachable or not set up"
    assert "nobody" not in answer.text and "127.0.0.1" not in answer.text
