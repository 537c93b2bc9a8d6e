"""How large a request carrying a notification's attachments may be. Which files a notification may carry (PDF and
Office documents, recognised by their bytes) is `oversight.files` with its DOCUMENTS."""

from __future__ import annotations

import math

from flask_babel import lazy_gettext as _l

from oversight.files import MB

__all__ = ["MB", "limit_refusal", "request_limit"]


def request_limit(max_bytes: int, max_files: int, *, base64: bool, other: int) -> int:
    """The largest request that can carry `max_files` files of `max_bytes` each and `other` bytes besides: as
    form uploads, or as base64 in JSON (4 characters per 3 bytes, plus room for a client that writes the "/" of
    base64 as "\\/", as PHP's json_encode does)."""
    per_file = math.ceil(max_bytes / 3) * 4 * 65 // 64 if base64 else max_bytes
    return per_file * max_files + other


def limit_refusal(max_bytes: int, max_files: int):
    """What a request too large to carry its attachments is told: the real limits."""
    return _l("The request is too large: a notification carries at most %(n)s attachments of up to %(mb)s MB each.",
              n=max_files, mb=max_bytes // MB)
