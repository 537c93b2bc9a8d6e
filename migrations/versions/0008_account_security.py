"""account security: failed log-ins per e-mail address (lockout with backoff)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 23:30:00.000000

"""
from alembic import op
import sqlalchemy as sa

import oversight.dbtypes


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('login_throttle',
    sa.Column('account_key', sa.String(length=64), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('lockouts', sa.Integer(), nullable=False),
    sa.Column('locked_until', oversight.dbtypes.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_failure_at', oversight.dbtypes.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('failures >= 0 AND lockouts >= 0', name=op.f('ck_login_throttle_counts_not_negative')),
    sa.PrimaryKeyConstraint('account_key', name=op.f('pk_login_throttle'))
    )
    with op.batch_alter_table('login_throttle', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_throttle_last_failure_at'), ['last_failure_at'], unique=False)


def downgrade():
    with op.batch_alter_table('login_throttle', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_throttle_last_failure_at'))

    op.drop_table('login_throttle')
