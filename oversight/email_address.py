"""E-mail addresses: the one check for users, contacts and the outbox (syntax only: no DNS at run time).

Refused: a malformed address, and one at a special-use domain that can never receive mail — .local,
.localhost, .invalid, .test, .arpa, .onion (RFC 6761 and the IANA registry, email_validator's list).
Accepted: .example and example.jp/.com/.net (RFC 2606), the documentation domains the demo and the tests
use; they pass the syntax check, and a real relay refuses them, which the outbox records on the message.
"""

from __future__ import annotations

from email_validator import SPECIAL_USE_DOMAIN_NAMES, EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l

REASONS = {
    "syntax": ("メールアドレスの形式が正しくありません。", "Not a valid e-mail address."),
    "reserved": ("予約済みのドメイン（.local、.test、.invalid など）で、メールを受け取れません。",
                 "A reserved domain (.local, .test, .invalid …) that can never receive mail."),
}
MESSAGES = {
    "syntax": _l("Not a valid e-mail address."),
    "reserved": _l("The e-mail address is at a reserved domain (.local, .localhost, .invalid, .test …) that "
                   "can never receive mail."),
}


class InvalidAddress(ValueError):
    """An address that cannot receive mail; `reason` is "syntax" or "reserved"."""

    def __init__(self, address: str, reason: str):
        super().__init__(f"{address}: {REASONS[reason][1]}")
        self.address = address
        self.reason = reason

    @property
    def message(self):
        """The reason in the user's language, for a form or an API answer."""
        return MESSAGES[self.reason]

    @property
    def stored_reason(self) -> str:
        """The reason in both languages (Japanese first), for records read by users of either."""
        ja, en = REASONS[self.reason]
        return f"{ja} / {en}"


def normalise(address: str) -> str:
    """The address as mail is sent to it (domain in lower case, Unicode normalised); InvalidAddress if mail
    can never reach it."""
    address = str(address or "").strip()
    domain = address.rpartition("@")[2].rstrip(".").lower()
    if any(domain == name or domain.endswith("." + name) for name in SPECIAL_USE_DOMAIN_NAMES):
        raise InvalidAddress(address, "reserved")
    try:
        return validate_email(address, check_deliverability=False).normalized
    except EmailNotValidError:
        raise InvalidAddress(address, "syntax") from None
