"""data-subject rights: rights jobs (exports, bulk retention), retention policy, erasure register

Revision ID: 0012
Revises: 0006
Create Date: 2026-11-23 14:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'rights_job',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=False),
        sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column('total', sa.Integer(), nullable=False),
        sa.Column('done', sa.Integer(), nullable=False),
        sa.Column('message', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column('file_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column('file_bytes', sa.Integer(), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('finished_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('lease_owner', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column('lease_until', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], ),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('rights_job', schema=None) as batch_op:
        batch_op.create_index('ix_rights_job_kind_status', ['kind', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_rights_job_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rights_job_created_by_id'), ['created_by_id'],
                              unique=False)

    op.create_table(
        'rights_job_item',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('job_id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column('message', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.ForeignKeyConstraint(['job_id'], ['rights_job.id'], ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('job_id', 'person_id', name='uq_rights_job_item'),
    )
    with op.batch_alter_table('rights_job_item', schema=None) as batch_op:
        batch_op.create_index('ix_rights_job_item_status', ['job_id', 'status'], unique=False)

    op.create_table(
        'retention_policy',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('years', sa.Integer(), nullable=False),
        sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], ),
        sa.PrimaryKeyConstraint('id'),
    )

    op.create_table(
        'person_erasure',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('mode', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column('erased_by_id', sa.Integer(), nullable=False),
        sa.Column('erased_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('cases', sa.Integer(), nullable=False),
        sa.Column('interactions', sa.Integer(), nullable=False),
        sa.Column('attachments', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['erased_by_id'], ['user.id'], ),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('person_erasure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_person_erasure_person_id'), ['person_id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('person_erasure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_person_erasure_person_id'))
    op.drop_table('person_erasure')
    op.drop_table('retention_policy')
    with op.batch_alter_table('rights_job_item', schema=None) as batch_op:
        batch_op.drop_index('ix_rights_job_item_status')
    op.drop_table('rights_job_item')
    with op.batch_alter_table('rights_job', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rights_job_created_by_id'))
        batch_op.drop_index(batch_op.f('ix_rights_job_person_id'))
        batch_op.drop_index('ix_rights_job_kind_status')
    op.drop_table('rights_job')
