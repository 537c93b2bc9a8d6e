"""The subcontractors a vendor declares in an answer, one a line: the name and its 法人番号 (pure).

    株式会社北斗オペレーション, 6010001000001
    有限会社さくら印刷　3010001000004
    山田太郎（個人事業主）

The corporate number is the last run of eight or more digits on the line (full-width digits, dashes and spaces as
people type them); a line without digits declares a subcontractor without a number (a sole trader, or one the
vendor could not identify — the cross-check asks about it). A number of the wrong length or with a wrong check
digit (法人番号の指定等に関する省令 2条) is an error on the answer, naming the line: the cross-check can only
compare what identifies a company.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from oversight import corporate_number

MAX_LINES = 200
NUMBER_LIKE = 8  # a run of this many digits is meant as a corporate number; a shorter one is part of the name
# A run of digits, possibly broken by the dashes and spaces people type inside a corporate number.
_DIGITS = re.compile(r"[0-9][0-9\s\-‐‑‒–—―ー−]*[0-9]|[0-9]")
_SEPARATORS = " \t,、，;；:：()（）[]［］「」"
SOLE_TRADER_WORDS = ("個人事業主", "sole trader", "sole proprietor")


@dataclass(frozen=True)
class Declared:
    """One declared subcontractor: its name as written, its corporate number ("" if none), its line (1-based)."""

    name: str
    corporate_number: str
    line: int

    @property
    def sole_trader(self) -> bool:
        """Whether the line says it is a sole trader (who has no corporate number)."""
        lowered = self.name.lower()
        return any(word in lowered for word in SOLE_TRADER_WORDS)


@dataclass(frozen=True)
class LineProblem:
    """What is wrong on one line: `code` is format | check_digit | no_name | too_many."""

    line: int
    code: str
    number: str = ""


def name_key(name: str) -> str:
    """A name as compared across spellings: NFKC, no spaces, lower case."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", name or "") if not ch.isspace()).lower()


def parse_subcontractors(text: str) -> tuple[list[Declared], list[LineProblem]]:
    """The subcontractors declared in `text`, and the problems of its lines (nothing declared from a bad line)."""
    declared: list[Declared] = []
    problems: list[LineProblem] = []
    lines = [(n, line.strip()) for n, line in enumerate((text or "").splitlines(), start=1) if line.strip()]
    if len(lines) > MAX_LINES:
        return [], [LineProblem(lines[MAX_LINES][0], "too_many")]
    for number, line in lines:
        normal = unicodedata.normalize("NFKC", line)
        runs = [m for m in _DIGITS.finditer(normal) if len(corporate_number.normalise(m.group())) >= NUMBER_LIKE]
        if not runs:
            declared.append(Declared(line, "", number))
            continue
        last = runs[-1]
        digits = corporate_number.normalise(last.group())
        name = (normal[:last.start()] + normal[last.end():]).strip(_SEPARATORS + " ")
        problem = corporate_number.problem(digits)
        if problem is not None:
            problems.append(LineProblem(number, problem, digits))
        elif not name:
            problems.append(LineProblem(number, "no_name", digits))
        else:
            declared.append(Declared(name, digits, number))
    return declared, problems
