"""outbox: invalid addresses are skipped and recorded on the message; a mail with none left is kept unsent

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-07 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0008'
branch_labels = None
depends_on = None

OLD_STATUSES = "status IN ('pending', 'sending', 'sent', 'failed')"
NEW_STATUSES = "status IN ('pending', 'sending', 'sent', 'failed', 'no_address')"


def upgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('skipped_recipients', sa.JSON(), server_default='[]', nullable=False))
        batch_op.drop_constraint(op.f('ck_outbox_message_status'), type_='check')
        batch_op.create_check_constraint(op.f('ck_outbox_message_status'), NEW_STATUSES)


def downgrade():
    op.execute("UPDATE outbox_message SET status = 'failed' WHERE status = 'no_address'")
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_outbox_message_status'), type_='check')
        batch_op.create_check_constraint(op.f('ck_outbox_message_status'), OLD_STATUSES)
        batch_op.drop_column('skipped_recipients')
