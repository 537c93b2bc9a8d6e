"""company identity: each tenant's private record of an organisation beside its shared identity and own profile

An organisation keeps its identity (corporate number, name, address …) and its own profile (contacts and
certifications its own users keep). Trading status, notes, and the contacts and certifications a tenant
recorded about a company move to that tenant's organisation_record:

- registered by a tenant: the tenant gets a record with the status and notes; the contacts and certifications
  go into it too, unless the organisation has users of its own (then they are its own profile);
- registered by no tenant (an operator, the command line, the demo): contacts and certifications are the
  company's profile; status and notes, when they say anything, are copied to a record of every tenant that
  could see the organisation (a party to an entrustment it sees), so nobody loses what it saw.

Revision ID: 0011
Revises: 0012
Create Date: 2026-12-06 23:28:39.478921

"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import oversight.dbtypes

# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0012'
branch_labels = None
depends_on = None

organisation = sa.table("organisation", sa.column("id", sa.Integer), sa.column("status", sa.String),
                        sa.column("notes", sa.Text), sa.column("registered_by_org_id", sa.Integer))
record = sa.table("organisation_record", sa.column("id", sa.Integer), sa.column("tenant_id", sa.Integer),
                  sa.column("organisation_id", sa.Integer), sa.column("status", sa.String),
                  sa.column("notes", sa.Text), sa.column("created_at", oversight.dbtypes.UTCDateTime()),
                  sa.column("updated_at", oversight.dbtypes.UTCDateTime()))
contact = sa.table("contact", sa.column("organisation_id", sa.Integer), sa.column("record_id", sa.Integer))
certification = sa.table("certification", sa.column("organisation_id", sa.Integer),
                         sa.column("record_id", sa.Integer))
user = sa.table("user", sa.column("organisation_id", sa.Integer))
entrustment = sa.table("entrustment", sa.column("id", sa.Integer), sa.column("parent_id", sa.Integer),
                       sa.column("consignor_id", sa.Integer), sa.column("contractor_id", sa.Integer))


def upgrade():
    op.create_table('organisation_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created_at', oversight.dbtypes.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', oversight.dbtypes.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('active', 'candidate', 'suspended', 'ended')", name=op.f('ck_organisation_record_status')),
    sa.CheckConstraint('tenant_id <> organisation_id', name=op.f('ck_organisation_record_not_of_itself')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_organisation_record_organisation_id_organisation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['organisation.id'], name=op.f('fk_organisation_record_tenant_id_organisation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation_record')),
    sa.UniqueConstraint('tenant_id', 'organisation_id', name='uq_organisation_record_tenant')
    )
    with op.batch_alter_table('organisation_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organisation_record_organisation_id'), ['organisation_id'], unique=False)

    with op.batch_alter_table('certification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('record_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('verified_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('verified_by_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_certification_record_id'), ['record_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_certification_verified_by_id_user'), 'user', ['verified_by_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_certification_record_id_organisation_record'), 'organisation_record', ['record_id'], ['id'], ondelete='CASCADE')

    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.add_column(sa.Column('record_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_contact_record_id'), ['record_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_contact_record_id_organisation_record'), 'organisation_record', ['record_id'], ['id'], ondelete='CASCADE')

    _move_to_records(op.get_bind())

    # Not in batch mode: on SQLite a batch rebuild drops and recreates the table, and dropping `organisation`
    # with foreign keys on would cascade into every table that references it. Neither column is constrained,
    # so SQLite (3.35+) drops them in place.
    op.drop_column('organisation', 'status')
    op.drop_column('organisation', 'notes')


def _move_to_records(connection) -> None:
    now = datetime.now(UTC)
    with_users = set(connection.scalars(sa.select(user.c.organisation_id).where(
        user.c.organisation_id.is_not(None)).distinct()))
    rows = connection.execute(sa.select(organisation.c.id, organisation.c.status, organisation.c.notes,
                                        organisation.c.registered_by_org_id)).all()
    viewers = None
    for org_id, status, notes, registrar in rows:
        if registrar is not None and registrar != org_id:
            record_id = _insert_record(connection, registrar, org_id, status, notes, now)
            if org_id not in with_users:
                for table in (contact, certification):
                    connection.execute(table.update().where(table.c.organisation_id == org_id)
                                       .values(record_id=record_id))
        elif notes or status != "active":
            viewers = viewers if viewers is not None else _viewers_by_organisation(connection, with_users)
            for tenant in sorted(viewers.get(org_id, ())):
                _insert_record(connection, tenant, org_id, status, notes, now)


def _insert_record(connection, tenant_id, org_id, status, notes, now) -> int:
    return connection.execute(record.insert().values(
        tenant_id=tenant_id, organisation_id=org_id, status=status, notes=notes or "", created_at=now,
        updated_at=now).returning(record.c.id)).scalar_one()


def _viewers_by_organisation(connection, tenants) -> dict[int, set[int]]:
    """For each organisation, the tenants that could see it: parties to an entrustment each sees (its own, and
    everything below them in the chain), the same rule the application applied before this revision."""
    links = connection.execute(sa.select(entrustment.c.id, entrustment.c.parent_id, entrustment.c.consignor_id,
                                         entrustment.c.contractor_id)).all()
    children: dict[int, list] = {}
    for link in links:
        children.setdefault(link.parent_id, []).append(link)
    viewers: dict[int, set[int]] = {}
    for tenant in tenants:
        stack = [link for link in links if tenant in (link.consignor_id, link.contractor_id)]
        seen = set()
        while stack:
            link = stack.pop()
            if link.id in seen:
                continue
            seen.add(link.id)
            stack.extend(children.get(link.id, ()))
            for party in (link.consignor_id, link.contractor_id):
                if party != tenant:
                    viewers.setdefault(party, set()).add(tenant)
    return viewers


def downgrade():
    """Back to one row per organisation. The registering tenant's record returns to the organisation; other
    tenants' records have no place in the old schema and are dropped (with their contacts and certifications)."""
    op.add_column('organisation', sa.Column('status', sa.String(length=20), nullable=False, server_default='active'))
    op.add_column('organisation', sa.Column('notes', sa.Text(), nullable=False, server_default=''))
    connection = op.get_bind()
    rows = connection.execute(sa.select(record.c.id, record.c.tenant_id, record.c.organisation_id, record.c.status,
                                        record.c.notes)).all()
    registrars = dict(connection.execute(sa.select(organisation.c.id, organisation.c.registered_by_org_id)).all())
    for record_id, tenant_id, org_id, status, notes in rows:
        if registrars.get(org_id) == tenant_id:
            connection.execute(organisation.update().where(organisation.c.id == org_id)
                               .values(status=status, notes=notes))
            for table in (contact, certification):
                connection.execute(table.update().where(table.c.record_id == record_id).values(record_id=None))
    for table in (contact, certification):
        connection.execute(table.delete().where(table.c.record_id.is_not(None)))

    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_contact_record_id_organisation_record'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_contact_record_id'))
        batch_op.drop_column('record_id')

    with op.batch_alter_table('certification', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_certification_record_id_organisation_record'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_certification_verified_by_id_user'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_certification_record_id'))
        batch_op.drop_column('verified_by_id')
        batch_op.drop_column('verified_on')
        batch_op.drop_column('record_id')

    with op.batch_alter_table('organisation_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisation_record_organisation_id'))

    op.drop_table('organisation_record')
