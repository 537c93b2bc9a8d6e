"""monthly handling reports: a consignor's plan per entrustment and the contractor's report per month

Revision ID: 0018
Revises: 0016
Create Date: 2026-12-08 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import oversight.dbtypes


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('handling_report_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entrustment_id', sa.Integer(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('since', sa.Date(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('owner_name', sa.String(length=254), nullable=False),
    sa.Column('changed_by_name', sa.String(length=254), nullable=False),
    sa.Column('changed_at', oversight.dbtypes.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_at', oversight.dbtypes.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['entrustment_id'], ['entrustment.id'], name=op.f('fk_handling_report_plan_entrustment_id_entrustment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['user.id'], name=op.f('fk_handling_report_plan_owner_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_handling_report_plan')),
    sa.UniqueConstraint('entrustment_id', name=op.f('uq_handling_report_plan_entrustment_id'))
    )
    op.create_table('handling_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entrustment_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.Date(), nullable=False),
    sa.Column('form_id', sa.String(length=60), nullable=False),
    sa.Column('form_version', sa.String(length=40), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('filed_by_id', sa.Integer(), nullable=True),
    sa.Column('filed_by_name', sa.String(length=254), nullable=False),
    sa.Column('filed_at', oversight.dbtypes.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['entrustment_id'], ['entrustment.id'], name=op.f('fk_handling_report_entrustment_id_entrustment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['filed_by_id'], ['user.id'], name=op.f('fk_handling_report_filed_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_handling_report')),
    sa.UniqueConstraint('entrustment_id', 'period', name='uq_handling_report_month')
    )
    with op.batch_alter_table('handling_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_handling_report_entrustment_id'), ['entrustment_id'], unique=False)


def downgrade():
    with op.batch_alter_table('handling_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_handling_report_entrustment_id'))

    op.drop_table('handling_report')
    op.drop_table('handling_report_plan')
