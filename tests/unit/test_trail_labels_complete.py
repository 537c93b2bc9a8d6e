"""Every action and kind of object the code writes to the trail reads in words on the trail page: a new action
without a label would show as its code (the what-users-see issue)."""

import ast
from pathlib import Path

from oversight.trail import display

ROOT = Path(__file__).resolve().parents[2]


def _strings(node: ast.AST) -> list[str]:
    """The literal codes an argument can take: a string, or either branch of `a if c else b`."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _strings(node.body) + _strings(node.orelse)
    return []


def _written() -> tuple[set[str], set[str]]:
    """(actions, object types) of every `trail.record(actor, action, object_type, …)` call and of the helpers that
    wrap it (`_draft_trail(actor, action, …)`)."""
    actions, kinds = set(), set()
    for path in [*ROOT.glob("oversight/**/*.py"), *ROOT.glob("contracts/**/*.py"), *ROOT.glob("audits/**/*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or len(node.args) < 2:
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            owner = node.func.value.id if isinstance(node.func, ast.Attribute) and isinstance(
                node.func.value, ast.Name) else ""
            if name == "record" and owner in ("trail", "trail_services") and len(node.args) >= 3:
                actions.update(_strings(node.args[1]))
                kinds.update(_strings(node.args[2]))
            elif name.endswith("_trail") and name != "record":
                actions.update(_strings(node.args[1]))
    return actions, kinds


def test_every_action_and_object_type_written_to_the_trail_has_japanese_and_english_words():
    actions, kinds = _written()
    assert len(actions) > 20 and {"incident_open", "notification_draft_create"} <= actions
    labels = display.labels()
    assert sorted(a for a in actions if a not in labels["actions"]) == []
    assert sorted(k for k in kinds if k not in labels["object_types"]) == []
    for entry in [*labels["actions"].values(), *labels["object_types"].values()]:
        assert entry["ja"] and entry["en"]


def test_a_tenants_record_of_a_vendor_reads_with_the_organisations_field_names():
    record = type("Record", (), {"action": "update", "object_type": "organisation_record"})()
    assert display.field_table(record) == "organisation"
    assert display.object_type_label("organisation_record", "ja") == "組織についての自組織の記録"
