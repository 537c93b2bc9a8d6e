"""Japanese era dates (和暦): 2019-05-01 → 令和元年5月1日. Pure; no library prints 元年 for the first year.

Era starts are the days the new era name took effect (元号法 and the era-change ordinances): 大正 on
1912-07-30, 昭和 on 1926-12-25, 平成 on 1989-01-08 (政令第1号), 令和 on 2019-05-01 (政令第143号). 明治 is
supported from 1873-01-01, when Japan adopted the Gregorian calendar (明治6年); earlier dates were kept in
the lunisolar calendar and cannot be converted day for day, so they are refused.
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple


class Era(NamedTuple):
    name: str
    romaji: str
    start: date


ERAS: tuple[Era, ...] = (
    Era("令和", "Reiwa", date(2019, 5, 1)),
    Era("平成", "Heisei", date(1989, 1, 8)),
    Era("昭和", "Showa", date(1926, 12, 25)),
    Era("大正", "Taisho", date(1912, 7, 30)),
    Era("明治", "Meiji", date(1868, 10, 23)),
)
GREGORIAN_ADOPTED = date(1873, 1, 1)


def era_of(day: date) -> tuple[Era, int]:
    """The era of `day` and the year within it (1 for the first year, printed 元年)."""
    if day < GREGORIAN_ADOPTED:
        raise ValueError(f"{day.isoformat()} is before 1873-01-01, when Japan adopted the Gregorian calendar")
    for era in ERAS:
        if day >= era.start:
            return era, day.year - era.start.year + 1
    raise AssertionError("unreachable")  # pragma: no cover


def era_year(day: date) -> str:
    """令和元年, 令和8年 … (the year part only)."""
    era, year = era_of(day)
    return f"{era.name}{'元' if year == 1 else year}年"


def format_era(day: date) -> str:
    """令和元年5月1日 — Arabic digits as Japanese contracts usually print them, 元年 for the first year."""
    return f"{era_year(day)}{day.month}月{day.day}日"


def blank_era_date(era_name: str = "令和") -> str:
    """A date line left for the signatories to fill in by hand: 令和　　年　　月　　日."""
    return f"{era_name}\u3000\u3000年\u3000\u3000月\u3000\u3000日"
