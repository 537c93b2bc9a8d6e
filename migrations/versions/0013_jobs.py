"""jobs: long work run by the worker (`flask worker`), its progress and outcome

Revision ID: 0013
Revises: 0009
Create Date: 2026-12-07 03:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import oversight.dbtypes


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('user_name', sa.String(length=255), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=True),
    sa.Column('message', sa.String(length=500), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('worker', sa.String(length=120), nullable=False),
    sa.Column('heartbeat_at', oversight.dbtypes.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', oversight.dbtypes.UTCDateTime(timezone=True), nullable=False),
    sa.Column('enqueued_at', oversight.dbtypes.UTCDateTime(timezone=True), nullable=False),
    sa.Column('started_at', oversight.dbtypes.UTCDateTime(timezone=True), nullable=True),
    sa.Column('finished_at', oversight.dbtypes.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('queued', 'running', 'succeeded', 'failed')", name=op.f('ck_job_status')),
    sa.CheckConstraint('attempts >= 0 AND done >= 0', name=op.f('ck_job_counts_not_negative')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_job_organisation_id_organisation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_job_user_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job')),
    sa.UniqueConstraint('key', name=op.f('uq_job_key'))
    )
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_job_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_job_user_id'), ['user_id'], unique=False)
        batch_op.create_index('ix_job_status_enqueued_at', ['status', 'enqueued_at'], unique=False)


def downgrade():
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.drop_index('ix_job_status_enqueued_at')
        batch_op.drop_index(batch_op.f('ix_job_user_id'))
        batch_op.drop_index(batch_op.f('ix_job_organisation_id'))

    op.drop_table('job')
