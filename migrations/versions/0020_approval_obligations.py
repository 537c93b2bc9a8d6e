"""subcontract approval conditions followed as obligations: their due date, met or waived

Revision ID: 0020
Revises: 0018
Create Date: 2026-12-08 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import oversight.dbtypes


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('approval_obligation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entrustment_id', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('met_on', sa.Date(), nullable=True),
    sa.Column('waived_on', sa.Date(), nullable=True),
    sa.Column('closed_note', sa.Text(), nullable=False),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('closed_by_name', sa.String(length=254), nullable=False),
    sa.Column('closed_at', oversight.dbtypes.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', oversight.dbtypes.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['closed_by_id'], ['user.id'], name=op.f('fk_approval_obligation_closed_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['entrustment_id'], ['entrustment.id'], name=op.f('fk_approval_obligation_entrustment_id_entrustment'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_approval_obligation')),
    sa.UniqueConstraint('entrustment_id', name=op.f('uq_approval_obligation_entrustment_id'))
    )
    with op.batch_alter_table('approval_obligation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_approval_obligation_due_on'), ['due_on'], unique=False)


def downgrade():
    with op.batch_alter_table('approval_obligation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_approval_obligation_due_on'))
    op.drop_table('approval_obligation')
