"""person name search on SQLite: a trigram FTS5 index, so a name fragment never reads every person

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-23 18:30:00

PostgreSQL answers ``name_search LIKE '%x%'`` from the pg_trgm index of 0013. SQLite has no
substring index, so the cases list's name search read all 200,000 people (37-60 ms of CPU at
the reference size, 160 ms for a fragment nobody has). An external-content FTS5 table with the
trigram tokenizer (SQLite 3.34+) holds each person's lower-cased name, kept in step by triggers,
so every writer (the app, imports, erasure, restore) updates it without knowing it is there.
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATEMENTS = [
    "CREATE VIRTUAL TABLE person_name_fts USING fts5(name_search, content='person', "
    "content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER person_name_fts_insert AFTER INSERT ON person BEGIN "
    "INSERT INTO person_name_fts(rowid, name_search) VALUES (new.id, new.name_search); END",
    "CREATE TRIGGER person_name_fts_delete AFTER DELETE ON person BEGIN "
    "INSERT INTO person_name_fts(person_name_fts, rowid, name_search) "
    "VALUES ('delete', old.id, old.name_search); END",
    "CREATE TRIGGER person_name_fts_update AFTER UPDATE OF name_search ON person BEGIN "
    "INSERT INTO person_name_fts(person_name_fts, rowid, name_search) "
    "VALUES ('delete', old.id, old.name_search); "
    "INSERT INTO person_name_fts(rowid, name_search) VALUES (new.id, new.name_search); END",
    "INSERT INTO person_name_fts(person_name_fts) VALUES ('rebuild')",
]


def upgrade() -> None:
    if op.get_bind().dialect.name != 'sqlite':
        return
    for statement in STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != 'sqlite':
        return
    for trigger in ('insert', 'delete', 'update'):
        op.execute(f'DROP TRIGGER IF EXISTS person_name_fts_{trigger}')
    op.execute('DROP TABLE IF EXISTS person_name_fts')
