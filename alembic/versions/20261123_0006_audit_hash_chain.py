"""audit trail hash chain: seq, prev_hash, detail_digest, hash; chain head; append-only triggers

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 11:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENESIS = "0" * 64
CHAINED = ("seq", "prev_hash", "detail_digest", "hash", "at", "actor_id", "action", "entity_type",
           "entity_id")
MESSAGE = "the audit trail is append-only"


def upgrade() -> None:
    from caseapp.audit import detail_digest, event_hash

    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seq', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('detail_digest', sa.String(length=64), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('hash', sa.String(length=64), nullable=False,
                                      server_default=''))
    op.create_index('ix_audit_event_seq', 'audit_event', ['seq'], unique=True)
    head = op.create_table(
        'audit_chain_head',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('hash', sa.String(length=64), nullable=False),
    )

    # Chain what is already there, in the order it was written.
    bind = op.get_bind()
    events = sa.table('audit_event', sa.column('id'), sa.column('at'), sa.column('actor_id'),
                      sa.column('action'), sa.column('entity_type'), sa.column('entity_id'),
                      sa.column('detail'), sa.column('seq'), sa.column('prev_hash'),
                      sa.column('detail_digest'), sa.column('hash'))
    from caseapp.models import AuditEvent

    # The model's column types read times back as UTC exactly as the app will when verifying;
    # only columns that exist at this revision are named.
    c = AuditEvent.__table__.c
    rows = bind.execute(sa.select(c.id, c.at, c.actor_id, c.action, c.entity_type, c.entity_id,
                                  c.detail).order_by(c.id)).mappings().all()
    seq, prev = 0, GENESIS
    for row in rows:
        seq += 1
        digest = detail_digest(row['detail'] or '')
        value = event_hash(seq, prev, row['at'], row['actor_id'], row['action'], row['entity_type'],
                           row['entity_id'], digest)
        bind.execute(events.update().where(events.c.id == row['id']).values(
            seq=seq, prev_hash=prev, detail_digest=digest, hash=value))
        prev = value
    op.bulk_insert(head, [{'id': 1, 'seq': seq, 'hash': prev}])

    # Defence in depth: the database itself refuses deletes and rewrites of chained events (the
    # detail may still be redacted by an erasure) and never lets the head go backwards.
    if bind.dialect.name == 'sqlite':
        changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in CHAINED)
        op.execute(f"CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
                   f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END")
        op.execute(f"CREATE TRIGGER audit_event_no_rewrite BEFORE UPDATE ON audit_event "
                   f"WHEN OLD.hash <> '' AND ({changed}) "
                   f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END")
        op.execute(f"CREATE TRIGGER audit_head_forward BEFORE UPDATE ON audit_chain_head "
                   f"WHEN NEW.seq < OLD.seq BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END")
        op.execute(f"CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_chain_head "
                   f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END")
    elif bind.dialect.name == 'postgresql':
        changed = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in CHAINED)
        op.execute(f"""
            CREATE FUNCTION caseline_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF TG_OP = 'DELETE' THEN RAISE EXCEPTION '{MESSAGE}'; END IF;
              IF OLD.hash <> '' AND ({changed}) THEN RAISE EXCEPTION '{MESSAGE}'; END IF;
              RETURN NEW;
            END $$""")
        op.execute("CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event "
                   "FOR EACH ROW EXECUTE FUNCTION caseline_audit_append_only()")
        op.execute(f"""
            CREATE FUNCTION caseline_audit_head_forward() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF TG_OP = 'DELETE' OR NEW.seq < OLD.seq THEN RAISE EXCEPTION '{MESSAGE}'; END IF;
              RETURN NEW;
            END $$""")
        op.execute("CREATE TRIGGER audit_head_forward BEFORE UPDATE OR DELETE ON audit_chain_head "
                   "FOR EACH ROW EXECUTE FUNCTION caseline_audit_head_forward()")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == 'sqlite':
        for name in ('audit_event_no_delete', 'audit_event_no_rewrite', 'audit_head_forward',
                     'audit_head_no_delete'):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    elif bind.dialect.name == 'postgresql':
        op.execute("DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event")
        op.execute("DROP TRIGGER IF EXISTS audit_head_forward ON audit_chain_head")
        op.execute("DROP FUNCTION IF EXISTS caseline_audit_append_only()")
        op.execute("DROP FUNCTION IF EXISTS caseline_audit_head_forward()")
    op.drop_table('audit_chain_head')
    op.drop_index('ix_audit_event_seq', table_name='audit_event')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_column('hash')
        batch_op.drop_column('detail_digest')
        batch_op.drop_column('prev_hash')
        batch_op.drop_column('seq')
