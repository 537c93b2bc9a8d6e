"""Jinja filters and globals: Japan-time display, bilingual labels, permission checks in templates."""

from __future__ import annotations

from datetime import date, datetime

from flask import request, url_for
from flask_babel import get_locale
from flask_login import current_user

from oversight import permissions as perm
from oversight.choices import ALL_CHOICE_SETS
from oversight.timeutil import to_jst, today_jst
from oversight.vocabulary import cite, data_item_label, data_items


def lang() -> str:
    locale = get_locale()
    return "ja" if locale is None or locale.language == "ja" else "en"


def format_datetime(value: datetime | str | None) -> str:
    """Japan time, e.g. 2026-11-23 18:04 JST (an ISO string with its zone, as facts store moments, too)."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
        if value.tzinfo is None:  # a bare date: that day in Japan
            return value.strftime("%Y-%m-%d")
    local = to_jst(value)
    return local.strftime("%Y-%m-%d %H:%M JST") if local else ""


def format_date(value: date | str | None) -> str:
    """A day as people write it: 2026年11月23日 (Japanese) or 2026-11-23 (an ISO string is read first)."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            return value
    if lang() == "ja":
        return f"{value.year}年{value.month}月{value.day}日"
    return value.isoformat()


def label(code: str | None, choice_set: str) -> str:
    return ALL_CHOICE_SETS[choice_set].label(code, lang())


def url_with(**changes) -> str:
    """The current URL with some query arguments changed (pagination, filters)."""
    args = request.args.to_dict()
    args.update({k: v for k, v in changes.items() if v is not None})
    return url_for(request.endpoint, **(request.view_args or {}), **args)


_sections: dict[str, list[str]] = {}


def register_section(page: str, template: str) -> None:
    """Add a section to a page that another area renders: the page includes each registered template, in the order
    registered (so an area shows its part of, say, the organisation page without the page's area importing it)."""
    if template not in _sections.setdefault(page, []):
        _sections[page].append(template)


def sections(page: str) -> list[str]:
    """The templates registered for `page`."""
    return list(_sections.get(page, ()))


def init_app(app) -> None:
    app.jinja_env.filters.update(
        jst=format_datetime,
        jdate=format_date,
        label=label,
        item_label=lambda code: data_item_label(code, lang()),
        number=lambda n: f"{n:,}" if n is not None else "",
        cite=lambda source: cite(source, lang()),
    )
    app.jinja_env.globals.update(
        lang=lang,
        url_with=url_with,
        choice_sets=ALL_CHOICE_SETS,
        data_items=data_items,
        today_jst=today_jst,
        allows=lambda action: current_user.is_authenticated and perm.allows(current_user, action),
        perm=perm,
        page_sections=sections,
    )
