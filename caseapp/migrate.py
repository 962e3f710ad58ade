"""Apply the Alembic migrations to the configured database."""

from __future__ import annotations

from alembic.config import Config

from alembic import command
from caseapp.config import PROJECT_ROOT


def upgrade_to_head() -> None:
    cfg = Config(str(PROJECT_ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "alembic"))
    command.upgrade(cfg, "head")
