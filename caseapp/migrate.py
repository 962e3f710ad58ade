"""Apply the Alembic migrations to the configured database."""

from __future__ import annotations

from functools import lru_cache

from alembic.config import Config
from alembic.script import ScriptDirectory

from alembic import command
from caseapp.config import PROJECT_ROOT


def _config() -> Config:
    cfg = Config(str(PROJECT_ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "alembic"))
    return cfg


def upgrade_to_head() -> None:
    command.upgrade(_config(), "head")


@lru_cache(maxsize=1)
def head_revision() -> str | None:
    """The newest migration this code knows (read from the scripts once per process)."""
    return ScriptDirectory.from_config(_config()).get_current_head()
