"""The migrations build exactly the schema the models describe (on whichever database the suite runs)."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from oversight.extensions import db


def test_the_models_and_the_migrations_agree():
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []
