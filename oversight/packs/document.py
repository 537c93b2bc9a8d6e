"""What a pack's summary says, as plain blocks (no Flask, no database): each section builder returns them and the
.docx and PDF renderers set them. Japanese first, English second."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Heading:
    ja: str
    en: str
    level: int = 2  # 1: a section, 2: an item within it (an audit, an incident)


@dataclass(frozen=True)
class Paragraph:
    ja: str
    en: str = ""


@dataclass(frozen=True)
class Facts:
    """Label / value rows; each label is (ja, en)."""

    rows: tuple[tuple[str, str, str], ...]


@dataclass(frozen=True)
class Table:
    """A table: column titles (ja, en), rows of text, and the relative width of each column."""

    columns: tuple[tuple[str, str], ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...] = ()

    def relative_widths(self) -> tuple[float, ...]:
        widths = self.widths or tuple(1.0 for _ in self.columns)
        total = sum(widths)
        return tuple(w / total for w in widths)


Block = Heading | Paragraph | Facts | Table


@dataclass
class Section:
    """One section of the summary: its title and blocks, and how many files it put in the pack."""

    key: str
    ja: str
    en: str
    blocks: list[Block] = field(default_factory=list)
    files: int = 0


def facts(*rows: tuple[str, str, object]) -> Facts:
    """Facts from (label ja, label en, value) rows; a value of None reads —."""
    return Facts(tuple((ja, en, "—" if value is None or value == "" else str(value)) for ja, en, value in rows))


def table(columns, rows, widths=()) -> Table:
    """A Table from column titles and rows of any values (None reads —)."""
    return Table(tuple(columns), tuple(tuple("—" if v is None or v == "" else str(v) for v in row) for row in rows),
                 tuple(widths))


def none_found(ja: str, en: str) -> Paragraph:
    """The line a section writes when it has nothing in the period."""
    return Paragraph(ja, en)


def both(choice_set, code: str | None) -> str:
    """A coded value in words, Japanese then English (「承認済み / Approved」)."""
    if not code:
        return "—"
    choice = next((c for c in choice_set if c.code == code), None)
    return f"{choice.ja} / {choice.en}" if choice else code


def when(moment) -> str:
    """A stored moment in Japan time (minutes), or —."""
    from oversight.timeutil import to_jst

    return f"{to_jst(moment):%Y-%m-%d %H:%M}" if moment else "—"


def day(value) -> str:
    """A date as YYYY-MM-DD, or —."""
    return value.isoformat() if value else "—"
