"""Shared fixtures: every service test gets its own migrated database and file store.

Each service test runs twice: on SQLite (the embedded default) and on PostgreSQL (the scale-out
path), so the same code is proven on both. PostgreSQL is taken from ``CASEAPP_TEST_PG_URL``
(default: the local server with trust auth); where none answers, the PostgreSQL run is skipped with
the reason printed, and the SQLite run still proves the code.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from caseapp import config, db, interactions


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Service tests first, browser tests last: the browser tests' Playwright session keeps an
    event loop running in the main thread until the run ends, which would stop service tests
    that drive async handlers with asyncio.run; and quick failures show first."""
    items.sort(key=lambda item: item.nodeid.startswith("tests/browser/"))


def _reset_caches() -> None:
    if db.engine.cache_info().currsize:
        db.engine().dispose()
    config.settings.cache_clear()
    db.engine.cache_clear()
    interactions.attachment_store.cache_clear()


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing() -> Iterator[None]:
    """argon2id at the library's production cost takes tens of milliseconds per hash, and every
    test creates six staff. Tests still hash and verify with real argon2id, at the lowest cost;
    the app's own setting is checked in test_auth."""
    from argon2 import PasswordHasher

    from caseapp.auth import passwords

    production = passwords._hasher
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    passwords._hasher = production


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrate once through Alembic (so the migration is what every test runs on), then copy."""
    from caseapp.migrate import upgrade_to_head

    folder = tmp_path_factory.mktemp("template")
    old = os.environ.get("CASEAPP_DATA_DIR")
    os.environ["CASEAPP_DATA_DIR"] = str(folder)
    os.environ.pop("CASEAPP_DB_URL", None)
    _reset_caches()
    upgrade_to_head()
    _reset_caches()
    if old is None:
        os.environ.pop("CASEAPP_DATA_DIR", None)
    else:
        os.environ["CASEAPP_DATA_DIR"] = old
    return folder / "caseline.db"


PG_SERVER_URL = os.environ.get("CASEAPP_TEST_PG_URL",
                               "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def _pg_admin():  # type: ignore[no-untyped-def]
    from sqlalchemy import create_engine

    # CREATE/DROP DATABASE cannot run inside a transaction.
    return create_engine(PG_SERVER_URL, isolation_level="AUTOCOMMIT", pool_pre_ping=True)


def _pg_url(database: str) -> str:
    from sqlalchemy.engine import make_url

    # Tests need no durability across a power cut; not waiting for each commit's fsync makes the
    # PostgreSQL run several times faster without changing what any transaction sees.
    url = make_url(PG_SERVER_URL).set(database=database)
    url = url.update_query_dict({"options": "-c synchronous_commit=off"})
    return url.render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """A PostgreSQL database migrated once through Alembic; each test gets a copy of it.

    Names carry a random part: several test runs may share one server."""
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    from caseapp.migrate import upgrade_to_head

    try:
        admin = _pg_admin()
        with admin.connect() as conn:
            conn.execute(text("select 1"))
    except (OperationalError, ImportError) as exc:
        pytest.skip(f"PostgreSQL not reachable at {PG_SERVER_URL}: {str(exc).splitlines()[0]}")
    name = f"caseline_tpl_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    old = os.environ.get("CASEAPP_DB_URL")
    os.environ["CASEAPP_DB_URL"] = _pg_url(name)
    _reset_caches()
    try:
        upgrade_to_head()
    finally:
        _reset_caches()
        if old is None:
            os.environ.pop("CASEAPP_DB_URL", None)
        else:
            os.environ["CASEAPP_DB_URL"] = old
    try:
        yield name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def data_dir(request: pytest.FixtureRequest, template_db: Path, tmp_path: Path,
             monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("CASEAPP_DATA_DIR", str(tmp_path))
    if request.param == "sqlite":
        shutil.copy(template_db, tmp_path / "caseline.db")
        monkeypatch.delenv("CASEAPP_DB_URL", raising=False)
        _reset_caches()
        yield tmp_path
        _reset_caches()
        return
    from sqlalchemy import text

    template = request.getfixturevalue("pg_template")
    name = f"caseline_t_{uuid.uuid4().hex[:12]}"
    admin = _pg_admin()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    monkeypatch.setenv("CASEAPP_DB_URL", _pg_url(name))
    _reset_caches()
    try:
        yield tmp_path
    finally:
        _reset_caches()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@dataclass
class World:
    """Staff in two teams, and cases placed so that every rule of the role matrix is exercised."""

    admin: object
    manager: object
    worker: object  # North
    worker2: object  # North, same team as worker
    south: object  # South team case worker
    volunteer: object  # North
    pathway_id: int
    case_worker: int  # assigned to worker (North)
    case_south: int  # assigned to south (South)
    case_unassigned: int
    case_volunteer: int  # assigned to volunteer (North)


@pytest.fixture
def world(data_dir: Path) -> World:
    from caseapp.actor import Actor
    from caseapp.cases import NewCase, create_case
    from caseapp.db import session_scope
    from caseapp.models import User
    from caseapp.pathways import save_pathway
    from caseapp.people import NewPerson
    from caseapp.staff import create_user

    def user(name: str, role: str, team: str) -> Actor:
        uid = create_user(None, name, f"{name.lower().replace(' ', '.')}@example.org", role, team,
                          "correct horse battery")
        with session_scope() as s:
            found = s.get(User, uid)
            assert found is not None
            return Actor.of(found)

    admin = user("Ada Admin", "admin", "Central")
    manager = user("Mo Manager", "manager", "Central")
    worker = user("Wren Worker", "case_worker", "North")
    worker2 = user("Nell North", "case_worker", "North")
    south = user("Sol South", "case_worker", "South")
    volunteer = user("Vi Volunteer", "volunteer", "North")
    pathway_id = save_pathway(admin, None, "Housing Support", "#2563eb", "Homes")

    def case(person: str, worker_id: int | None) -> int:
        return create_case(admin, NewCase(person=NewPerson(name=person), worker_id=worker_id,
                                          pathway_id=pathway_id, concern_level="medium"))

    return World(admin=admin, manager=manager, worker=worker, worker2=worker2, south=south,
                 volunteer=volunteer, pathway_id=pathway_id,
                 case_worker=case("Aled Jones", worker.id), case_south=case("Bea Smith", south.id),
                 case_unassigned=case("Cai Brown", None),
                 case_volunteer=case("Dee Green", volunteer.id))
