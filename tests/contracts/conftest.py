"""Contract tests run on an app that has the contracts blueprint and CLI, even before the factory lists them.

Once oversight/app.py registers contracts itself, the fixture below changes nothing (it checks first).
"""

from __future__ import annotations

import pytest
from flask_migrate import upgrade

import contracts
import contracts.models  # noqa: F401 - the tables must be in the metadata the suite empties between tests
from contracts import api as contracts_api
from contracts.permissions import ROLE_CONTRACT_ACTIONS
from oversight import create_app
from oversight import permissions as perm
from oversight.config import TestConfig
from oversight.extensions import csrf


@pytest.fixture(scope="session")
def app(database_url):
    app = create_app(TestConfig, {"SQLALCHEMY_DATABASE_URI": database_url})
    if "contracts" not in app.blueprints:
        contracts.init_app(app)
    if "contracts_api" not in app.blueprints:
        # Directly on the app, not on the shared flask-smorest Api: its OpenAPI document (which the API
        # conformance tests walk) must not list routes that other apps in the session do not have.
        csrf.exempt(contracts_api.blp)
        app.register_blueprint(contracts_api.blp)
    with app.app_context():
        upgrade()
    return app


@pytest.fixture(autouse=True)
def contract_actions(monkeypatch):
    """Grant the contract actions proposed for oversight/permissions.py where it does not yet grant them."""
    for role, actions in ROLE_CONTRACT_ACTIONS.items():
        current = perm.ROLE_ACTIONS.get(role, frozenset())
        if not actions <= current:
            monkeypatch.setitem(perm.ROLE_ACTIONS, role, current | actions)


def base_request(**changes) -> dict:
    """A valid full-contract request with the parameters a test usually needs."""
    params = {"consignor_name": "さくら商事株式会社", "contractor_name": "株式会社東都システム",
              "consignor_address": "東京都千代田区丸の内一丁目1番1号",
              "contractor_address": "大阪府大阪市北区梅田二丁目2番2号",
              "service_description": "顧客管理システムの運用保守", "data_items": ["name", "address", "email"],
              "person_count": 12000}
    params.update(changes.pop("params", {}))
    return {"template": "full", "params": params, **changes}
