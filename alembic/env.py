"""Alembic environment: the database URL comes from Caseline's own configuration."""

from __future__ import annotations

from sqlmodel import SQLModel

import caseapp.models  # noqa: F401 - registers the tables on SQLModel.metadata
from alembic import context
from caseapp.db import engine

target_metadata = SQLModel.metadata


def run_migrations_offline() -> None:
    context.configure(url=str(engine().url), target_metadata=target_metadata,
                      literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = context.config.attributes.get("connection") or engine()
    if hasattr(connectable, "connect"):
        with connectable.connect() as connection:
            _run(connection)
    else:
        _run(connectable)


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    # Batch mode lets later migrations alter SQLite tables (SQLite has no ALTER COLUMN).
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=True, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
