"""The pack's sections, contributed by the areas: each registers a builder from its own init_app
(`register_section`), and the build calls them in order with a `PackContext` — who builds (every query goes through
that user's visibility), the contractor, the period, the entrustments in scope — and writes what each returns into
the summary. A builder puts its files in the zip through `ctx.writer` (a large file one at a time: `ctx.add_blob`),
and names the objects it covered (`ctx.cover`) so the trail extract can take their records."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from oversight.packs.document import Section
from oversight.packs.writer import PackWriter
from oversight.timeutil import JST


@dataclass
class PackContext:
    """What a section builder gets."""

    actor: object  # the user the pack is built as (the job's submitter)
    contractor: object  # registry Organisation
    period_from: date
    period_to: date
    entrustment_ids: list[int]  # visible entrustments to the contractor
    subcontract_ids: list[int]  # visible entrustments below those, at any depth
    writer: PackWriter
    lang: str = "ja"
    covered: dict[str, set[int]] = field(default_factory=dict)

    @property
    def all_entrustment_ids(self) -> list[int]:
        return [*self.entrustment_ids, *self.subcontract_ids]

    @property
    def starts(self) -> datetime:
        """The first moment of the period (Japan time)."""
        return datetime.combine(self.period_from, time(), tzinfo=JST)

    @property
    def ends(self) -> datetime:
        """The moment after the period's last day ends (Japan time): the bound is exclusive."""
        return datetime.combine(self.period_to + timedelta(days=1), time(), tzinfo=JST)

    def cover(self, object_type: str, ids) -> None:
        """Note objects the pack shows, so the trail extract takes their records."""
        self.covered.setdefault(object_type, set()).update(int(i) for i in ids if i is not None)

    def add_blob(self, path: str, statement, *, size: int = 0):
        """Write one large binary value (a select of one LargeBinary column of one row) as a file, loading only it
        and letting it go once written: evidence is read one file at a time."""
        from oversight.extensions import db

        content = db.session.execute(statement).scalar_one()
        try:
            return self.writer.add_bytes(path, bytes(content) if not isinstance(content, bytes) else content)
        finally:
            del content


Builder = Callable[[PackContext], Section]


@dataclass(frozen=True)
class SectionKind:
    key: str
    order: int
    builder: Builder


_sections: dict[str, SectionKind] = {}


def register_section(key: str, builder: Builder, *, order: int) -> None:
    """Add (or replace) a section: `builder(ctx)` returns its Section. Lower `order` comes first; the trail extract
    (which reads what the others covered) comes last."""
    _sections[key] = SectionKind(key, order, builder)


def sections() -> list[SectionKind]:
    """The registered sections in their order."""
    return sorted(_sections.values(), key=lambda s: (s.order, s.key))
