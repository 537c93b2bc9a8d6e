"""evidence packs: one zip per contractor and period, built by the worker

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-08 09:00:00

"""
from alembic import op
import sqlalchemy as sa

import oversight.dbtypes


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('evidence_pack',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('contractor_id', sa.Integer(), nullable=False),
    sa.Column('period_from', sa.Date(), nullable=False),
    sa.Column('period_to', sa.Date(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('requested_by_name', sa.String(length=254), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=True),
    sa.Column('file_name', sa.String(length=200), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('manifest_sha256', sa.String(length=64), nullable=False),
    sa.Column('file_count', sa.Integer(), nullable=False),
    sa.Column('created_at', oversight.dbtypes.UTCDateTime(timezone=True), nullable=False),
    sa.Column('built_at', oversight.dbtypes.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('period_to >= period_from', name=op.f('ck_evidence_pack_period')),
    sa.ForeignKeyConstraint(['contractor_id'], ['organisation.id'], name=op.f('fk_evidence_pack_contractor_id_organisation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['job_id'], ['job.id'], name=op.f('fk_evidence_pack_job_id_job'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_evidence_pack_organisation_id_organisation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requested_by_id'], ['user.id'], name=op.f('fk_evidence_pack_requested_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence_pack'))
    )
    with op.batch_alter_table('evidence_pack', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidence_pack_contractor_id'), ['contractor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evidence_pack_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evidence_pack_requested_by_id'), ['requested_by_id'], unique=False)


def downgrade():
    with op.batch_alter_table('evidence_pack', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evidence_pack_requested_by_id'))
        batch_op.drop_index(batch_op.f('ix_evidence_pack_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_evidence_pack_contractor_id'))

    op.drop_table('evidence_pack')
