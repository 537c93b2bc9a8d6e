"""Approval states along the chain (APPI Art. 25 supervision; 事前承認制 from reference 000)."""

import subprocess
import sys

import pytest

from oversight.registry.chain import Link, approval_state, assess, path_to_root, would_cycle


def link(id, parent=None, status="active", terms="prior_approval", origin="planned", approved=False, a=1, b=2):
    return Link(id, parent, a, b, status, terms, origin, approved)


@pytest.mark.parametrize(("name", "child", "parent_terms", "state"), [
    ("a direct entrustment needs no approval", link(1), None, "direct"),
    ("approved by the original consignor", link(2, 1, approved=True), "prior_approval", "approved"),
    ("proposed and waiting", link(2, 1, status="proposed"), "prior_approval", "pending"),
    ("rejected", link(2, 1, status="rejected"), "prior_approval", "rejected"),
    ("found in an audit (the UF Japan shape)", link(2, 1, origin="audit"), "prior_approval", "unapproved"),
    ("declared late by the contractor", link(2, 1, origin="declared_late"), "prior_approval", "unapproved"),
    ("active without approval", link(2, 1, status="active"), "prior_approval", "unapproved"),
    ("notice-after terms, notified in the normal course", link(2, 1), "notice_after", "notified"),
    ("notice-after terms, but found in an audit", link(2, 1, origin="audit"), "notice_after", "unapproved"),
    ("prohibited even if someone approved it", link(2, 1, approved=True), "prohibited", "prohibited"),
])
def test_approval_state(name, child, parent_terms, state):
    assert approval_state(child, parent_terms) == state, name


def test_an_approved_tier_below_an_unapproved_one_is_not_settled():
    states = assess([link(1, a=1, b=2), link(2, 1, origin="audit", a=2, b=3),
                     link(3, 2, approved=True, a=3, b=4)])
    assert states[3].state == "approved" and not states[3].settled
    assert states[2].violation and states[3].depth == 2


def test_paths_and_cycles():
    links = {1: link(1, a=10, b=20), 2: link(2, 1, a=20, b=30), 3: link(3, 2, a=30, b=40)}
    path = path_to_root(3, links)
    assert [x.id for x in path] == [1, 2, 3]
    assert would_cycle(path, 10) and would_cycle(path, 40) and not would_cycle(path, 50)


def test_the_chain_rules_import_neither_flask_nor_the_database():
    code = ("import sys; import oversight.registry.chain; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'sqlalchemy', 'flask_sqlalchemy')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
