"""incidents: each consignor's own facts, notices per consignor, the entrustments behind each chain,
the contractor's window to notify, and timeline entries that say which party they concern

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 00:00:00

A contractor's notice exempts it only towards the consignor it reached (法26条1項ただし書): the single
`notified_consignor_at` becomes a map {consignor organisation id: moment}. Existing notices are kept as sent
to every direct consignor on the party's chains, which is what they meant before.
"""
import json
from datetime import UTC

from alembic import op
import sqlalchemy as sa

import oversight.dbtypes


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def _json(value):
    if value is None:
        return None
    return value if isinstance(value, (list, dict)) else json.loads(value)


def _iso(value):
    if value is None:
        return None
    if isinstance(value, str):
        from datetime import datetime
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat()


def _entrustment_path(org_path, entrustments):
    """The entrustment ids behind a chain of organisation ids, original consignor first (None if not found)."""
    found = []
    for consignor, contractor in zip(org_path, org_path[1:]):
        parent = found[-1] if found else None
        match = [e for e in entrustments if e[1] == consignor and e[2] == contractor and e[3] == parent]
        if not match:
            return None
        found.append(match[0][0])
    return found


def upgrade():
    with op.batch_alter_table('incident_party', schema=None) as batch_op:
        batch_op.add_column(sa.Column('facts', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('consignor_notices', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('entrustment_paths', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('notice_from', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('notice_to', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('next_due', sa.Date(), nullable=True))
        batch_op.create_index('ix_incident_party_next_due', ['next_due'], unique=False)
    with op.batch_alter_table('incident_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('concerns_organisation_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_incident_event_concerns_organisation_id_organisation'), 'organisation',
            ['concerns_organisation_id'], ['id'], ondelete='SET NULL')

    connection = op.get_bind()
    entrustments = [tuple(row) for row in connection.execute(
        sa.text("SELECT id, consignor_id, contractor_id, parent_id FROM entrustment ORDER BY id"))]
    parties = connection.execute(sa.text(
        "SELECT id, incident_id, organisation_id, role, paths, notified_consignor_at, must_report, quick_to, "
        "final_due, quick_reported_at, final_reported_at FROM incident_party")).all()
    by_incident = {}
    for row in parties:
        by_incident.setdefault(row.incident_id, []).append(row)
    update = sa.text("UPDATE incident_party SET facts = :facts, consignor_notices = :notices, "
                     "entrustment_paths = :entrustment_paths, next_due = :next_due WHERE id = :id")
    for rows in by_incident.values():
        org_paths = [list(p) for row in rows if row.role == 'consignor' for p in (_json(row.paths) or [])]
        for row in rows:
            notices = {}
            if row.notified_consignor_at is not None:
                for path in org_paths:
                    for i, org_id in enumerate(path):
                        if org_id == row.organisation_id and i > 0:
                            notices[str(path[i - 1])] = _iso(row.notified_consignor_at)
            own_paths = (_json(row.paths) or []) if row.role == 'consignor' else []
            entrustment_paths = [_entrustment_path(list(p), entrustments) or [] for p in own_paths]
            owed = []
            if row.must_report and row.final_reported_at is None:
                if row.quick_reported_at is None and row.quick_to is not None:
                    owed.append(row.quick_to)
                if row.final_due is not None:
                    owed.append(row.final_due)
            connection.execute(update, {"facts": json.dumps({}), "notices": json.dumps(notices),
                                        "entrustment_paths": json.dumps(entrustment_paths),
                                        "next_due": min(owed) if owed else None, "id": row.id})

    with op.batch_alter_table('incident_party', schema=None) as batch_op:
        batch_op.alter_column('facts', existing_type=sa.JSON(), nullable=False)
        batch_op.alter_column('consignor_notices', existing_type=sa.JSON(), nullable=False)
        batch_op.alter_column('entrustment_paths', existing_type=sa.JSON(), nullable=False)
        batch_op.drop_column('notified_consignor_at')


def downgrade():
    with op.batch_alter_table('incident_party', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notified_consignor_at', oversight.dbtypes.UTCDateTime(timezone=True),
                                      nullable=True))
    connection = op.get_bind()
    from datetime import datetime
    for row in connection.execute(sa.text("SELECT id, consignor_notices FROM incident_party")).all():
        notices = _json(row.consignor_notices) or {}
        if notices:
            earliest = min(datetime.fromisoformat(v) for v in notices.values())
            connection.execute(sa.text("UPDATE incident_party SET notified_consignor_at = :at WHERE id = :id"),
                               {"at": earliest.replace(tzinfo=None) if connection.dialect.name == 'sqlite'
                                else earliest, "id": row.id})
    with op.batch_alter_table('incident_event', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_incident_event_concerns_organisation_id_organisation'),
                                 type_='foreignkey')
        batch_op.drop_column('concerns_organisation_id')
    with op.batch_alter_table('incident_party', schema=None) as batch_op:
        batch_op.drop_index('ix_incident_party_next_due')
        batch_op.drop_column('next_due')
        batch_op.drop_column('notice_to')
        batch_op.drop_column('notice_from')
        batch_op.drop_column('entrustment_paths')
        batch_op.drop_column('consignor_notices')
        batch_op.drop_column('facts')
