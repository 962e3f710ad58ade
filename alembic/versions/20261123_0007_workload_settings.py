"""organisation workload settings: hours per concern level and needs-attention thresholds;
the covering indexes the workload page reads

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 14:20:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Server defaults, so the existing row (and bulk loaders that name only some columns) get the
# documented defaults: Low 1, Medium 2, High 4, Paused 0 hours; High 7, Medium 14, Low 28 days.
HOURS = (('workload_hours_low', '1'), ('workload_hours_medium', '2'),
         ('workload_hours_high', '4'), ('workload_hours_paused', '0'))
DAYS = (('attention_days_low', '28'), ('attention_days_medium', '14'),
        ('attention_days_high', '7'))


def upgrade() -> None:
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        for name, default in HOURS:
            batch_op.add_column(sa.Column(name, sa.Float(), nullable=False,
                                          server_default=sa.text(default)))
        for name, default in DAYS:
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=False,
                                          server_default=sa.text(default)))
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.create_index('ix_case_workload', ['status', 'worker_id', 'concern_level',
                                                   'pathway_id', 'last_interaction_at',
                                                   'created_at'], unique=False)
        batch_op.create_index('ix_case_portfolio', ['status', 'pathway_id', 'concern_level',
                                                    'worker_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.drop_index('ix_case_portfolio')
        batch_op.drop_index('ix_case_workload')
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        for name, _ in reversed(DAYS + HOURS):
            batch_op.drop_column(name)
