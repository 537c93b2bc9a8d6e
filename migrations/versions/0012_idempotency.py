"""idempotency keys: the first answer to an API call sent with an Idempotency-Key, kept for its retries

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-07 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import oversight.dbtypes


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('idempotency_key',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('request_sha256', sa.String(length=64), nullable=False),
    sa.Column('claimed_at', oversight.dbtypes.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', oversight.dbtypes.UTCDateTime(timezone=True), nullable=False),
    sa.Column('response_status', sa.Integer(), nullable=True),
    sa.Column('response_body', sa.LargeBinary(), nullable=True),
    sa.Column('response_headers', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_idempotency_key_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idempotency_key')),
    sa.UniqueConstraint('user_id', 'key', name=op.f('uq_idempotency_key_user_id'))
    )
    with op.batch_alter_table('idempotency_key', schema=None) as batch_op:
        batch_op.create_index('ix_idempotency_key_expires_at', ['expires_at'], unique=False)


def downgrade():
    with op.batch_alter_table('idempotency_key', schema=None) as batch_op:
        batch_op.drop_index('ix_idempotency_key_expires_at')

    op.drop_table('idempotency_key')
