"""What an import does, row by row, as previewed or as applied (stored with the upload as JSON)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field


@dataclass
class RowOutcome:
    """What importing one row does: create, update, unchanged or error, with the details to show."""

    row: int
    sheet: str = ""
    action: str = "error"
    label: str = ""
    note: str = ""
    status: str = ""
    state: str = ""
    changes: list[list[str]] = field(default_factory=list)  # [heading, before, after]
    errors: list[list[str]] = field(default_factory=list)  # [heading, message]

    def fail(self, heading: str, message) -> None:
        self.errors.append([heading, str(message)])
        self.action = "error"


@dataclass
class ImportResult:
    """The outcome of every row, as previewed or as applied."""

    kind: str
    rows: list[RowOutcome]
    notices: list[str] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        counts = {"create": 0, "update": 0, "unchanged": 0, "error": 0}
        for outcome in self.rows:
            counts[outcome.action] += 1
        return counts

    @property
    def has_errors(self) -> bool:
        return any(outcome.action == "error" for outcome in self.rows)

    @property
    def has_work(self) -> bool:
        return any(outcome.action in ("create", "update") for outcome in self.rows)

    def digest(self) -> str:
        """A fingerprint of what the import does (not of the wording), to tell if the registry moved on."""
        plan = [(o.sheet, o.row, o.action, o.label, o.status, o.state, o.changes) for o in self.rows]
        return hashlib.sha256(json.dumps([self.kind, plan], ensure_ascii=False).encode()).hexdigest()

    def to_json(self) -> dict:
        return {"kind": self.kind, "rows": [asdict(o) for o in self.rows], "notices": self.notices,
                "digest": self.digest()}

    @classmethod
    def from_json(cls, data: dict) -> ImportResult:
        return cls(data["kind"], [RowOutcome(**o) for o in data["rows"]], list(data.get("notices", [])))
