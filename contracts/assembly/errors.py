"""The refusals of assembly: a request it cannot assemble, a clause library that does not hold together."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One refusal: the field it concerns (a parameter name, `template`, `omit`, `variants.<clause>` …)."""

    field: str
    en: str
    ja: str

    def message(self, lang: str = "en") -> str:
        return self.ja if lang.startswith("ja") else self.en


class AssemblyError(ValueError):
    """The request cannot be assembled; `problems` says why, naming each parameter or clause."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("; ".join(f"{p.field}: {p.en}" for p in self.problems))

    def by_field(self, lang: str = "en") -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for p in self.problems:
            out.setdefault(p.field, []).append(p.message(lang))
        return out


class LibraryError(ValueError):
    """The clause library itself is inconsistent (a lawyer's edit broke it); lists every problem found."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("clause library: " + "; ".join(problems))
