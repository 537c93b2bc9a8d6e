"""New passwords refused, and why: a length and a blocklist, no composition rules (NIST SP 800-63B-4 3.1.1.2)."""

from __future__ import annotations

import gzip
import re
import unicodedata
from functools import cache
from pathlib import Path

from flask_babel import lazy_gettext as _l

MIN_LENGTH = 12
MAX_LENGTH = 200
BLOCKLIST = Path(__file__).parent / "data" / "common-passwords.txt.gz"
KEYBOARD_ROWS = ("1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm")
# A password whose characters mostly follow from the one before (aaaa, 1234, qwerty, zyxw) has fewer than
# this many it takes a guess to get.
MIN_SURPRISES = 4
MIN_DISTINCT = 5
_EDGES = re.compile(r"^[\d\W_]+|[\d\W_]+$")

TOO_SHORT = _l("At least %(n)s characters.", n=MIN_LENGTH)
TOO_LONG = _l("At most %(n)s characters.", n=MAX_LENGTH)
COMMON = _l("This password is on a list of common passwords that attackers try first. Choose another one.")
TRIVIAL = _l("This password is too easy to guess: one character repeated, a sequence such as 1234, abcd or qwerty, "
             "or a short pattern repeated.")
PERSONAL = _l("This password is mostly your e-mail address or your name.")


def problems(password: str, *, email: str = "", name: str = "") -> list:
    """Why `password` may not be used by the user with this e-mail and name (empty: it may)."""
    if len(password) < MIN_LENGTH:
        return [TOO_SHORT]
    if len(password) > MAX_LENGTH:
        return [TOO_LONG]
    folded = _fold(password)
    if is_common(folded):
        return [COMMON]
    if is_trivial(folded.replace(" ", "")):
        return [TRIVIAL]
    if len(_without_personal(folded, email, name)) < MIN_LENGTH:
        return [PERSONAL]
    return []


def is_common(folded: str) -> bool:
    """On the list, as it is or with digits and punctuation added at either end (password2026!)."""
    words = _blocklist()
    core = _EDGES.sub("", folded)
    return folded in words or folded.replace(" ", "") in words or (bool(core) and core in words)


def is_trivial(folded: str) -> bool:
    """One character repeated, a run along the alphabet, the digits or a keyboard row, or a short pattern repeated."""
    if len(set(folded)) < MIN_DISTINCT:
        return True
    surprises = 1 + sum(1 for prev, ch in zip(folded, folded[1:], strict=False) if not _follows(prev, ch))
    return surprises < MIN_SURPRISES or _period(folded) < MIN_LENGTH


def _follows(prev: str, ch: str) -> bool:
    if ch == prev or abs(ord(ch) - ord(prev)) == 1:
        return True
    return any(prev + ch in row or ch + prev in row for row in KEYBOARD_ROWS)


def _period(text: str) -> int:
    """The length of the shortest block that the text repeats (its own length when it repeats none)."""
    for size in range(1, len(text) // 2 + 1):
        if (text[:size] * (len(text) // size + 1))[: len(text)] == text:
            return size
    return len(text)


def _without_personal(folded: str, email: str, name: str) -> str:
    email = _fold(email or "")
    local = email.partition("@")[0]
    parts = [email, local, *re.split(r"[^\w]+", local), _fold(name or "").replace(" ", ""), *_fold(name or "").split()]
    for part in sorted({p for p in parts if len(p) >= 3}, key=len, reverse=True):
        folded = folded.replace(part, "")
    return folded


def _fold(text: str) -> str:
    """Full-width letters and digits as ASCII (ｐａｓｓ → pass), lower case."""
    return unicodedata.normalize("NFKC", text).lower()


@cache
def _blocklist() -> frozenset[str]:
    with gzip.open(BLOCKLIST, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip() for line in lines if line.strip())
