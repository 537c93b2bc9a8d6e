"""trail: keyed hash chain (switch record sealing the records hashed before the key), the stored check, page indexes

Revision ID: 0009
Revises: 0011
Create Date: 2026-12-07 09:00:00.000000

Records written so far were hashed with plain SHA-256. They are not re-hashed (re-keying an existing chain would
itself be a rewrite that nothing could tell from a forgery): the upgrade appends one record hashed with the key
(action `trail_keyed`, after = {"legacy_until": n}) whose HMAC covers the hash of record n, which seals them.
Downgrading leaves the records as they are: code from before this revision cannot verify keyed records.
"""
from alembic import op
import sqlalchemy as sa

import oversight.dbtypes


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('trail_check',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('checked_at', oversight.dbtypes.UTCDateTime(timezone=True), nullable=False),
    sa.Column('full_checked_at', oversight.dbtypes.UTCDateTime(timezone=True), nullable=True),
    sa.Column('ok', sa.Boolean(), nullable=False),
    sa.Column('verified_seq', sa.Integer(), nullable=False),
    sa.Column('verified_hash', sa.String(length=64), nullable=False),
    sa.Column('broken_seq', sa.Integer(), nullable=True),
    sa.Column('problem', sa.String(length=20), nullable=False),
    sa.Column('anchored_seq', sa.Integer(), nullable=True),
    sa.Column('anchored_at', oversight.dbtypes.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trail_check'))
    )
    with op.batch_alter_table('trail_record', schema=None) as batch_op:
        batch_op.create_index('ix_trail_record_object', ['object_type', 'object_id', 'seq'], unique=False)
        batch_op.create_index('ix_trail_record_actor_user', ['actor_user_id', 'seq'], unique=False)
        batch_op.create_index('ix_trail_record_actor_name', ['actor_name', 'seq'], unique=False)
        batch_op.create_index('ix_trail_record_actor_org', ['actor_org_id', 'seq'], unique=False)
        batch_op.create_index('ix_trail_record_at', ['at'], unique=False)

    from flask import current_app

    from oversight.trail.integrity import seal_legacy

    seal_legacy(op.get_bind(), current_app.config["TRAIL_KEY"])


def downgrade():
    with op.batch_alter_table('trail_record', schema=None) as batch_op:
        batch_op.drop_index('ix_trail_record_at')
        batch_op.drop_index('ix_trail_record_actor_org')
        batch_op.drop_index('ix_trail_record_actor_name')
        batch_op.drop_index('ix_trail_record_actor_user')
        batch_op.drop_index('ix_trail_record_object')
    op.drop_table('trail_check')
