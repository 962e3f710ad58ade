"""Shared fixtures: every service test gets its own migrated SQLite database and file store."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from caseapp import config, db, interactions


def _reset_caches() -> None:
    if db.engine.cache_info().currsize:
        db.engine().dispose()
    config.settings.cache_clear()
    db.engine.cache_clear()
    interactions.attachment_store.cache_clear()


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


@pytest.fixture
def data_dir(template_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    shutil.copy(template_db, tmp_path / "caseline.db")
    monkeypatch.setenv("CASEAPP_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("CASEAPP_DB_URL", raising=False)
    _reset_caches()
    yield tmp_path
    _reset_caches()


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
