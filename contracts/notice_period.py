"""The incident notice period a contract's words set (pure): 「24時間以内」, 「7日以内」, 「3営業日以内」, 「直ちに」 …

`find(text)` lists every period a paragraph names, `binding(periods)` picks the one that binds (a number over a
word; the shortest number: 「直ちに、遅くとも24時間以内に」 is 24 hours), and `NoticePeriod.shortfall(max_hours)`
judges it against the policy's maximum:

- hours (民法139条: counted from the moment): the figure itself;
- days: N × 24 hours at least; counted as the Civil Code counts days (民法140条: the first day is not counted
  unless the period starts at midnight) it runs to the end of the N-th following day, up to (N + 1) × 24 hours;
- business days: N × 24 hours at least, and longer whenever a weekend or a holiday falls inside;
- a word without a number (直ちに, 遅滞なく, 速やかに; immediately, without delay, promptly): no fixed period.

Numbers may be ASCII or full-width digits (the text is NFKC-normalised before it comes here) or kanji numerals
(七, 二十四, 七十二); English numbers as digits, "seventy-two (72)" or a small number word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_KANJI_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")}
_EN_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
               "ten": 10, "twelve": 12, "fourteen": 14, "fifteen": 15, "twenty": 20, "twenty-four": 24,
               "thirty": 30, "forty-eight": 48, "seventy-two": 72}

_NUMBER_JA = r"([0-9]+|[〇一二三四五六七八九十百]+)"
_PERIOD_JA = re.compile(_NUMBER_JA + r"\s*(時間|営業日|日)間?\s*以内")
_PERIOD_EN = re.compile(r"within\s+(?:(\d+)|(" + "|".join(sorted(_EN_NUMBERS, key=len, reverse=True))
                        + r")(?:\s*\((\d+)\))?)\s+(business\s+|working\s+)?(hours?|days?)\b", re.IGNORECASE)
# a word as written (lower case) → what it means (ja, en)
WORDS = {
    "直ちに": ("直ちに", "immediately"), "ただちに": ("直ちに", "immediately"), "即時に": ("直ちに", "immediately"),
    "遅滞なく": ("遅滞なく", "without delay"), "遅滞無く": ("遅滞なく", "without delay"),
    "速やかに": ("速やかに", "promptly"), "すみやかに": ("速やかに", "promptly"),
    "immediately": ("直ちに", "immediately"), "without undue delay": ("遅滞なく", "without undue delay"),
    "without delay": ("遅滞なく", "without delay"), "promptly": ("速やかに", "promptly"),
    "as soon as practicable": ("速やかに", "as soon as practicable"),
    "as soon as possible": ("速やかに", "as soon as possible"),
}
_WORDS = re.compile("|".join(re.escape(w) for w in sorted(WORDS, key=len, reverse=True)), re.IGNORECASE)
# what the incident-notice provision must contain to be recognised at all (any period, in either language)
PATTERN_JA = _PERIOD_JA.pattern + "|直ちに|ただちに|即時に|遅滞なく|遅滞無く|速やかに|すみやかに"
PATTERN_EN = _PERIOD_EN.pattern + "|immediately|without (undue )?delay|promptly|as soon as (practicable|possible)"

UNITS = {"時間": "hours", "日": "days", "営業日": "business_days"}


def kanji_to_int(text: str) -> int | None:
    """二十四 → 24, 七十二 → 72, 百二十 → 120, 48 → 48 (small numbers, as used for hours and days)."""
    if text.isdigit():
        return int(text)
    total, current = 0, 0
    for ch in text:
        if ch in _KANJI_DIGITS:
            current = _KANJI_DIGITS[ch]
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
        else:
            return None
    return total + current


@dataclass(frozen=True)
class NoticePeriod:
    """One period the text names: its unit (hours, days, business_days, or none for a word), number and words."""

    unit: str
    amount: int | None
    phrase: str  # as written: "七日以内", "within 3 business days", "直ちに"
    meaning: tuple[str, str] = ("", "")  # for a word: what it means (ja, en)

    @property
    def hours(self) -> int | None:
        """The hours the period amounts to when it is fixed in hours or calendar days (days × 24); else None."""
        if self.unit == "hours":
            return self.amount
        if self.unit == "days":
            return self.amount * 24
        return None

    @property
    def least_hours(self) -> int | None:
        """The shortest the period can be in hours (business days: N × 24); None for a word."""
        return self.amount * (1 if self.unit == "hours" else 24) if self.amount else None

    def label(self, lang: str) -> str:
        """What was found and what it amounts to: 「7日以内（168時間相当）」, 「直ちに（期間の定めなし）」."""
        ja = lang.startswith("ja")
        if self.unit == "hours":
            return self.phrase
        if self.unit == "days":
            return f"{self.phrase}（{self.hours}時間相当）" if ja else f"{self.phrase} ({self.hours} hours)"
        if self.unit == "business_days":
            return (f"{self.phrase}（{self.least_hours}時間以上。週末・祝日を挟むとさらに長くなります）" if ja else
                    f"{self.phrase} ({self.least_hours} hours or more: longer over weekends and holidays)")
        return f"{self.phrase}（期間の定めなし）" if ja else f"{self.phrase} (no fixed period)"

    def shortfall(self, max_hours: int) -> tuple[str, str, str, str] | None:
        """(code, severity, message ja, message en) when the period can exceed `max_hours`; None when it cannot."""
        ja, en = self.label("ja"), self.label("en")
        limit_ja, limit_en = f"方針の上限（{max_hours}時間）", f"the policy maximum of {max_hours} hours"
        if self.unit == "hours" and self.amount > max_hours:
            return ("weak:notice_hours", "high", f"事故の報告期限が{self.amount}時間で、{limit_ja}を超えています。",
                    f"The incident notice period is {self.amount} hours, longer than {limit_en}.")
        if self.unit == "days" and self.hours > max_hours:
            return ("weak:notice_days", "high", f"事故の報告期限が{ja}で、{limit_ja}を超えています。",
                    f"The incident notice period is {en}, longer than {limit_en}.")
        if self.unit == "days" and (self.amount + 1) * 24 > max_hours:
            return ("weak:notice_days", "medium",
                    f"事故の報告期限が{ja}ですが、日による期間は初日を算入しない（民法140条）ため、"
                    f"知った日の翌日から数えて最長{(self.amount + 1) * 24}時間となり、"
                    f"{limit_ja}を超えることがあります。時間で定めてください。",
                    f"The incident notice period is {en}, but a period in days does not count the first day "
                    f"(Civil Code Art. 140), so it can run up to {(self.amount + 1) * 24} hours, longer than "
                    f"{limit_en}. Set it in hours.")
        if self.unit == "business_days":
            severity = "high" if self.least_hours > max_hours else "medium"
            return ("weak:notice_business_days", severity,
                    f"事故の報告期限が{ja}で、{limit_ja}を超え得ます。時間で定めてください。",
                    f"The incident notice period is {en}, which can exceed {limit_en}. Set it in hours.")
        if self.unit == "none":
            return ("weak:notice_hours_unspecified", "medium",
                    f"事故の報告期限が「{self.meaning[0]}」（本文：{self.phrase}）とされ、期間の定めがありません。"
                    f"{limit_ja}以内となるよう時間で定めてください。",
                    f"The incident notice period is “{self.meaning[1]}” (the text says: {self.phrase}) without a "
                    f"fixed period; set it in hours, at most {max_hours}.")
        return None


def find(text: str) -> list[NoticePeriod]:
    """Every notice period `text` names, in the order written (numbers first, then words)."""
    found = []
    for match in _PERIOD_JA.finditer(text):
        amount = kanji_to_int(match.group(1))
        if amount:
            found.append(NoticePeriod(UNITS[match.group(2)], amount, match.group(0)))
    for match in _PERIOD_EN.finditer(text):
        digits, word, bracketed, business, unit = match.groups()
        amount = int(digits or bracketed or 0) or _EN_NUMBERS.get((word or "").lower())
        if amount:
            kind = "hours" if unit.lower().startswith("hour") else "business_days" if business else "days"
            found.append(NoticePeriod(kind, amount, match.group(0)))
    for match in _WORDS.finditer(text):
        found.append(NoticePeriod("none", None, match.group(0), WORDS[match.group(0).lower()]))
    return found


def binding(periods: list[NoticePeriod]) -> NoticePeriod | None:
    """The period that binds: the shortest number (by its least hours), else the first word; None if none."""
    numbers = [p for p in periods if p.amount]
    if numbers:
        return min(numbers, key=lambda p: (p.least_hours, p.unit != "hours"))
    return periods[0] if periods else None
