"""Times are stored in UTC and shown in Japan time; this is the one place that converts.

Pure: it imports neither Flask nor the database, so the Art. 26 engine counts its legal days with the same JST.
"""

from datetime import UTC, date, datetime, timedelta, timezone

JST = timezone(timedelta(hours=9), "JST")  # UTC+9 all year: Japan keeps no daylight saving


def utcnow() -> datetime:
    """The current instant, timezone-aware, in UTC."""
    return datetime.now(UTC)


def today_jst(now: datetime | None = None) -> date:
    """The calendar date in Japan at `now` (default: the current instant)."""
    return (now or utcnow()).astimezone(JST).date()


def to_jst(value: datetime | None) -> datetime | None:
    """Convert an aware (or naive-UTC) datetime to Japan time."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(JST)

