"""Times: stored in UTC, shown in the organisation's time zone in UK format."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)


def to_local(dt: datetime, tz: str) -> datetime:
    return _aware(dt).astimezone(ZoneInfo(tz))


def local_input_to_utc(value: str, tz: str) -> datetime:
    """'2026-11-22T14:05' typed in the organisation's zone -> aware UTC. Raises ValueError."""
    local = datetime.fromisoformat(value.strip())
    if local.tzinfo is None:
        local = local.replace(tzinfo=ZoneInfo(tz))
    try:
        return local.astimezone(UTC)
    except OverflowError as exc:  # "0001-01-01T00:00+05:00" is before the first UTC date
        raise ValueError("date out of range") from exc


def utc_to_local_input(dt: datetime, tz: str) -> str:
    return to_local(dt, tz).strftime("%Y-%m-%dT%H:%M")


def format_datetime(dt: datetime | None, tz: str) -> str:
    if dt is None:
        return ""
    local = to_local(dt, tz)
    return f"{local.day} {local:%b %Y, %H:%M}"


def format_date(d: date | None) -> str:
    return f"{d.day} {d:%b %Y}" if d else ""


def relative(dt: datetime | None, now: datetime | None = None) -> str:
    """'just now', '5 minutes ago', '3 days ago', 'in 2 days' (a future time is shown honestly)."""
    if dt is None:
        return "Never"
    delta = _aware(now or datetime.now(UTC)) - _aware(dt)
    future = delta < timedelta(0)
    seconds = abs(int(delta.total_seconds()))
    if seconds < 60:
        return "just now"
    for unit, size in (("year", 365 * 86400), ("month", 30 * 86400), ("week", 7 * 86400),
                       ("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = seconds // size
            text = f"{n} {unit}{'' if n == 1 else 's'}"
            return f"in {text}" if future else f"{text} ago"
    return "just now"  # pragma: no cover - loop always returns
