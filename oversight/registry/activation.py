"""Checks an entrustment must pass when a person starts it (its status becomes active), which other areas plug in.

The registry knows no area: an area registers a check from its `init_app` (audits: a direct entrustment to a
contractor no selection review approved). A check returns None when it has nothing to say, an `Override` when
the entrustment may start on the reason given (recorded in the trail with it), or raises ValidationFailed naming
the field (`override_reason` when a reason is missing, another when its policy forbids the start).

Where an entrustment becomes active: a direct entrustment when it is recorded (it starts active), a subcontract
when it is activated after its approval or proposed under notice-after terms. Recording entrustments as they
stand — the registry import, the demo and other system loads — is not starting them, and is not checked: the
gap analysis shows what they lack.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from oversight.errors import ValidationFailed

MAX_REASON = 1000


@dataclass(frozen=True)
class Override:
    """An activation allowed on the reason given: which check, what is missing (ja / en) and its ground."""

    code: str
    missing_ja: str
    missing_en: str
    ground: str

    def to_dict(self) -> dict:
        return {"code": self.code, "missing": self.missing_ja, "missing_en": self.missing_en, "ground": self.ground}


ActivationCheck = Callable[[object, object, str], "Override | None"]
_checks: dict[str, ActivationCheck] = {}


def register_activation_check(name: str, check: ActivationCheck) -> None:
    """Plug in a check `check(actor, entrustment, reason) -> Override | None` (registering a name again replaces
    it)."""
    _checks[name] = check


def clean_reason(raw) -> str:
    """The override reason as given (trimmed; "" when none), or ValidationFailed naming `override_reason`."""
    if raw is None:
        return ""
    if not isinstance(raw, str):
        raise ValidationFailed({"override_reason": [_l("Must be text.")]})
    reason = raw.strip()
    if len(reason) > MAX_REASON:
        raise ValidationFailed({"override_reason": [_l("At most %(max)s characters.", max=MAX_REASON)]})
    if any(ord(c) < 32 and c not in "\n\t" for c in reason):
        raise ValidationFailed({"override_reason": [_l("Remove the control characters.")]})
    return reason


def check_activation(actor, entrustment, reason: str) -> list[Override]:
    """Run every registered check on an entrustment about to start; the overrides its reason covers."""
    found = []
    for check in list(_checks.values()):
        override = check(actor, entrustment, reason)
        if override is not None:
            found.append(override)
    return found
