"""Times are stored in UTC and shown in Japan time; this is the one place that converts."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.types import DateTime, TypeDecorator

JST = ZoneInfo("Asia/Tokyo")


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


class UTCDateTime(TypeDecorator):
    """A DateTime column that always stores and returns aware UTC values (SQLite returns naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
