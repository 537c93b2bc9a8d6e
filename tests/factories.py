"""Factories with defaults: each builds through the services, so test data obeys the same rules."""

from __future__ import annotations

import itertools

from oversight.accounts import services as accounts
from oversight.cli import SystemActor
from oversight.corporate_number import with_check_digit
from oversight.registry import services as registry

PASSWORD = "correct horse battery staple"  # noqa: S105
SYSTEM = SystemActor(name="tests")
_seq = itertools.count(1)


def corporate_number() -> str:
    return with_check_digit(f"{next(_seq):012d}")


def gen_organisation(name: str | None = None, **fields):
    n = next(_seq)
    data = {"name": name or f"テスト株式会社{n}", "name_kana": f"テスト{n}",
            "corporate_number": corporate_number(), **fields}
    return registry.create_organisation(SYSTEM, data)


def gen_user(organisation=None, role: str = "privacy_office", email: str | None = None, **fields):
    n = next(_seq)
    return accounts.create_user(None, {
        "email": email or f"user{n}@example.jp", "name": fields.pop("name", f"利用者{n}"), "role": role,
        "password": PASSWORD, "organisation_id": organisation.id if organisation else None, **fields})


def gen_entrustment(consignor, contractor, **fields):
    data = {"consignor_id": consignor.id, "contractor_id": contractor.id, "data_set": fields.pop(
        "data_set", f"顧客データ{next(_seq)}"), "person_count": fields.pop("person_count", 1000), **fields}
    return registry.create_entrustment(SYSTEM, data)


def gen_subcontract(parent, contractor, *, approve: bool = True, origin: str = "planned", **fields):
    """A subcontract under `parent`, approved by the original consignor unless told otherwise."""
    data = {"contractor_id": contractor.id, "data_set": fields.pop("data_set", f"再委託データ{next(_seq)}"),
            "person_count": fields.pop("person_count", parent.person_count), **fields}
    e = registry.propose_subcontract(SYSTEM, parent.id, data, origin=origin)
    if approve and e.status == "proposed":
        e = registry.decide_subcontract(SYSTEM, e.id, approve=True)
        e = registry.transition_entrustment(SYSTEM, e.id, "activate")
    return e


def gen_chain(depth: int, consignor=None):
    """Organisations A → B → C … and the approved entrustments between them; returns (orgs, entrustments)."""
    orgs = [consignor or gen_organisation()] + [gen_organisation() for _ in range(depth)]
    entrustments = [gen_entrustment(orgs[0], orgs[1])]
    for org in orgs[2:]:
        entrustments.append(gen_subcontract(entrustments[-1], org))
    return orgs, entrustments
