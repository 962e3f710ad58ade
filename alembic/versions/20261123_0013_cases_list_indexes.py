"""cases list indexes: one per common order, so a page of 50 is read in order and never sorted

Revision ID: 0013
Revises: 0006
Create Date: 2026-11-23 14:45:00

Why each index exists (plans in docs/query-plans.md):
- The list orders by ``(last_interaction_at IS NULL), last_interaction_at <dir>, id <dir>`` (never
  contacted cases last in both directions). An index on exactly those expressions lets SQLite and
  PostgreSQL read the first page straight off the index instead of sorting every match: one index
  per direction, with and without the status filter; and in recency order within each pathway,
  concern level and worker (their filters, and their sorts read group by group).
- ``(start_date, id)`` serves the start-date sort the same way; ``(status, concern_level,
  pathway_id, worker_id)`` answers filtered counts from the index alone.
- PostgreSQL: a trigram index on ``person.name_search`` answers substring name search
  (``LIKE '%x%'``) without reading every person. SQLite has no equivalent in a plain index.
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LAST = '(last_interaction_at IS NULL)'
INDEXES = {
    'ix_case_recent': f'{LAST}, last_interaction_at DESC, id DESC',
    'ix_case_oldest': f'{LAST}, last_interaction_at, id',
    'ix_case_status_recent': f'status, {LAST}, last_interaction_at DESC, id DESC',
    'ix_case_status_oldest': f'status, {LAST}, last_interaction_at, id',
    'ix_case_pathway_recent': f'pathway_id, {LAST}, last_interaction_at DESC, id DESC',
    'ix_case_concern_recent': f'concern_level, {LAST}, last_interaction_at DESC, id DESC',
    'ix_case_worker_recent': f'worker_id, {LAST}, last_interaction_at DESC, id DESC',
    # Counts: the filters' columns in one index, so a filtered count never reads the table.
    'ix_case_status_filters': 'status, concern_level, pathway_id, worker_id',
    'ix_case_start_id': 'start_date, id',
}


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.execute(f'CREATE INDEX {name} ON "case" ({columns})')
    # The tag filter: case ids of a tag from the index alone.
    op.execute('CREATE INDEX ix_case_tag_tag_case ON case_tag (tag_id, case_id)')
    if op.get_bind().dialect.name == 'postgresql':
        # pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may create it.
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
        op.execute('CREATE INDEX ix_person_name_trgm ON person USING gin (name_search gin_trgm_ops)')


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP INDEX IF EXISTS ix_person_name_trgm')
    op.execute('DROP INDEX IF EXISTS ix_case_tag_tag_case')
    for name in INDEXES:
        op.execute(f'DROP INDEX IF EXISTS {name}')
