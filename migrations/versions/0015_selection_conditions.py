"""selection conditions followed to closure: met or waived, with the note or reason, who and when

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 04:25:00.000000

"""
from alembic import op
import sqlalchemy as sa

import oversight.dbtypes


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('selection_condition', schema=None) as batch_op:
        batch_op.add_column(sa.Column('waived_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('closed_note', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('closed_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('closed_by_name', sa.String(length=254), server_default='', nullable=False))
        batch_op.add_column(sa.Column('closed_at', oversight.dbtypes.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_selection_condition_closed_by_id_user'), 'user',
                                    ['closed_by_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('selection_condition', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_selection_condition_closed_by_id_user'), type_='foreignkey')
        batch_op.drop_column('closed_at')
        batch_op.drop_column('closed_by_name')
        batch_op.drop_column('closed_by_id')
        batch_op.drop_column('closed_note')
        batch_op.drop_column('waived_on')
