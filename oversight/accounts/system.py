"""The actor for work done without a user: the command line, the demo loader, scripts (recorded as such in the
trail)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SystemActor:
    """The actor for work done from the command line (recorded as such in the trail)."""

    name: str = "cli"
    role: str = "admin"
    id: int | None = None
    organisation_id: int | None = None
    is_authenticated: bool = True

    @property
    def email(self) -> str:
        return f"system:{self.name}"
