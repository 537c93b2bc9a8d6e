"""法人番号 (corporate number): 13 digits whose first digit is a check digit.

Rule: 法人番号の指定等に関する省令 2条 — check = 9 − (Σ Pn × Qn mod 9), where Pn is the n-th digit of the
12-digit base counted from the right and Qn is 1 for odd n, 2 for even n.
"""

import unicodedata

# Long-vowel marks and the minus sign are not dashes to Unicode (Lm, Sm), but people type them as such.
_DASH_LIKE = frozenset("ー−")


def check_digit(base12: str) -> int:
    """The check digit for a 12-digit base number."""
    total = sum(int(d) * (1 if n % 2 == 1 else 2) for n, d in enumerate(reversed(base12), start=1))
    return 9 - total % 9


def normalise(value: str) -> str:
    """Full-width digits to ASCII; spaces (any width, tabs) and dashes of every kind removed, as people type
    or paste it from 登記簿 or the 法人番号公表サイト. Whatever else is left is for `problem` to judge."""
    value = unicodedata.normalize("NFKC", value or "")
    return "".join(ch for ch in value
                   if not ch.isspace() and unicodedata.category(ch) != "Pd" and ch not in _DASH_LIKE)


def problem(value: str) -> str | None:
    """None if `value` is a valid corporate number, otherwise the code of what is wrong."""
    if len(value) != 13 or not value.isascii() or not value.isdigit():
        return "format"
    if int(value[0]) != check_digit(value[1:]):
        return "check_digit"
    return None


def with_check_digit(base12: str) -> str:
    """The full 13-digit number for a 12-digit base (used by demo data and factories)."""
    return f"{check_digit(base12)}{base12}"
