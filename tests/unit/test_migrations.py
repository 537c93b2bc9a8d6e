"""The migrations build exactly the schema the models describe (on whichever database the suite runs), and the
company-identity migration moves each tenant's notes, contacts and certifications into its own record."""

from __future__ import annotations

import os
import uuid

import psycopg
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy.engine import make_url

from oversight import create_app
from oversight.config import TestConfig
from oversight.extensions import db


def test_the_models_and_the_migrations_agree():
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


@pytest.fixture
def scratch_app(tmp_path):
    """An app on an empty database of the suite's kind (SQLite, or a new PostgreSQL database)."""
    server = os.environ.get("TEST_DATABASE_URL")
    if server:
        name = f"oversight_migration_{uuid.uuid4().hex[:10]}"
        dsn = make_url(server).set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        url = make_url(server).set(drivername="postgresql", database=name).render_as_string(hide_password=False)
    else:
        url = f"sqlite:///{tmp_path / 'migration.db'}"
    app = create_app(TestConfig, {"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()
    if server:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _revision_before(revision: str) -> str:
    from flask import current_app

    config = current_app.extensions["migrate"].migrate.get_config()
    return ScriptDirectory.from_config(config).get_revision(revision).down_revision


def _filled(table: sa.Table, values: dict) -> dict:
    """`values` plus a plain value for every other required column (the old schema's rows need them all)."""
    row = dict(values)
    for column in table.columns:
        if column.name in row or column.nullable or column.primary_key:
            continue
        python = column.type.python_type if not isinstance(column.type, sa.JSON) else list
        row[column.name] = {str: "", int: 0, bool: False, list: []}.get(python, "")
    return row


def test_each_tenants_notes_contacts_and_certifications_move_into_its_own_record(scratch_app):
    upgrade(revision=_revision_before("0011"))
    old = sa.MetaData()
    old.reflect(bind=db.engine)
    t = old.tables
    with db.engine.begin() as conn:
        def insert(table, **values):
            return conn.execute(t[table].insert().values(_filled(t[table], values))).inserted_primary_key[0]

        def organisation(name, status="active", notes="", **values):
            return insert("organisation", name=name, status=status, notes=notes, kind="company",
                          report_authority="ppc", **values)

        sakura, hanamaru = organisation("さくら"), organisation("はなまる")
        vendor = organisation("北斗データ", "suspended", "さくらの私的メモ", registered_by_org_id=sakura)
        member = organisation("アルバム工房", notes="さくらのメモ（利用者あり）", registered_by_org_id=sakura)
        shared = organisation("運用者が登録した印刷会社", "ended", "運用者のメモ")
        for n, org in enumerate((sakura, hanamaru, member)):
            insert("user", email=f"u{n}@example.jp", name="利用者", password_hash="x", role="privacy_office",
                   organisation_id=org, is_enabled=True, locale="ja_JP", session_token=f"token{n}")
        for org, name in ((vendor, "北斗 太郎"), (member, "アルバム 窓口"), (shared, "印刷 窓口")):
            insert("contact", organisation_id=org, name=name, role="general", email="", phone="",
                   available_24_7=False)
            insert("certification", organisation_id=org, scheme="pmark", number=name, scope="")
        insert("entrustment", consignor_id=sakura, contractor_id=shared, data_set="DM", status="active",
               subcontracting_terms="prior_approval", origin="planned", storage_country="JP")

    upgrade(revision="0011")

    new = sa.MetaData()
    new.reflect(bind=db.engine)
    with db.engine.connect() as conn:
        records = {(r.tenant_id, r.organisation_id): r for r in conn.execute(
            sa.select(new.tables["organisation_record"]))}
        placed = {row.number: row.record_id for row in conn.execute(sa.select(new.tables["certification"]))}
        contacts = {row.name: row.record_id for row in conn.execute(sa.select(new.tables["contact"]))}
        columns = {c.name for c in new.tables["organisation"].columns}

    assert set(records) == {(sakura, vendor), (sakura, member), (sakura, shared)}
    assert (records[sakura, vendor].status, records[sakura, vendor].notes) == ("suspended", "さくらの私的メモ")
    assert records[sakura, member].notes == "さくらのメモ（利用者あり）"
    # The operator's notes stay with whoever could read them before: さくら, a party to its entrustment.
    assert (records[sakura, shared].status, records[sakura, shared].notes) == ("ended", "運用者のメモ")
    # No users of its own: what さくら recorded is さくら's record. With users, or from the operator: the profile.
    assert contacts == {"北斗 太郎": records[sakura, vendor].id, "アルバム 窓口": None, "印刷 窓口": None}
    assert placed == {"北斗 太郎": records[sakura, vendor].id, "アルバム 窓口": None, "印刷 窓口": None}
    assert not {"notes", "status"} & columns


def test_going_back_returns_the_registering_tenants_record_to_the_organisation(scratch_app):
    from oversight.registry import services as registry
    from tests.factories import corporate_number, gen_organisation, gen_user

    upgrade(revision="0011")
    sakura_user = gen_user(gen_organisation("さくら"), role="privacy_office")
    vendor = registry.create_organisation(sakura_user, {"name": "北斗データ", "corporate_number": corporate_number(),
                                                        "record": {"notes": "さくらのメモ", "status": "ended",
                                                                   "contacts": [{"name": "北斗 太郎"}]}})
    other = gen_user(gen_organisation("はなまる"), role="privacy_office")
    registry.create_organisation(other, {"name": "北斗", "corporate_number": vendor.corporate_number,
                                         "record": {"notes": "はなまるのメモ", "contacts": [{"name": "別の担当"}]}})
    vendor_id = vendor.id
    db.session.remove()

    downgrade(revision=_revision_before("0011"))

    old = sa.MetaData()
    old.reflect(bind=db.engine)
    with db.engine.connect() as conn:
        organisation = old.tables["organisation"]
        row = conn.execute(sa.select(organisation).where(organisation.c.id == vendor_id)).one()
        names = set(conn.scalars(sa.select(old.tables["contact"].c.name)))
    assert (row.notes, row.status) == ("さくらのメモ", "ended")
    assert names == {"北斗 太郎"}  # another tenant's record has no place in the old schema
    assert "organisation_record" not in old.tables
