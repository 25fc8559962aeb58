"""Which period a digest covers, in the reader's time zone, and the last-export mark."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfoNotFoundError

import tzlocal

if TYPE_CHECKING:
    from briefer.store import Store

LAST_EXPORT_KEY = "digest.last_export"


@dataclass(frozen=True, slots=True)
class Period:
    """[start, end) as aware datetimes; `kind` says how it was chosen (shown in the header)."""

    start: datetime
    end: datetime
    kind: str = "since"  # "day", "since", "since-last-export", "last-24h"


def local_tz() -> tzinfo:
    """The machine's local time zone (what the analyst's clock says), from tzlocal.

    An IANA zone, so a period that crosses a daylight-saving change is still right; a TZ
    that names no zone falls back to the current fixed offset rather than failing.
    """
    try:
        return tzlocal.get_localzone()
    except (ZoneInfoNotFoundError, ValueError, OSError):
        tz = datetime.now().astimezone().tzinfo
        return tz if tz is not None else UTC


def period_for_day(day: date, tz: tzinfo) -> Period:
    """One calendar day in `tz`: local midnight to the next local midnight."""
    start = datetime.combine(day, time(0), tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
    return Period(start=start, end=end, kind="day")


def period_since(start: datetime, now: datetime, tz: tzinfo) -> Period:
    """From `start` (naive means local time in `tz`) until `now`."""
    if start.tzinfo is None:
        start = start.replace(tzinfo=tz)
    return Period(start=start.astimezone(tz), end=now.astimezone(tz), kind="since")


def last_export(store: Store) -> datetime | None:
    text = store.get_meta(LAST_EXPORT_KEY)
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None  # a damaged mark means "first time", not a crash
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def record_export(store: Store, end: datetime) -> None:
    """Remember that everything before `end` was exported; the mark never moves back."""
    previous = last_export(store)
    if previous is not None and previous >= end:
        return
    store.set_meta(LAST_EXPORT_KEY, end.astimezone(UTC).isoformat(timespec="seconds"))


def default_period(store: Store, now: datetime, tz: tzinfo) -> Period:
    """Since the last exported digest, or the last 24 hours the first time."""
    now = now.astimezone(tz)
    previous = last_export(store)
    if previous is not None and previous <= now:
        return Period(start=previous.astimezone(tz), end=now, kind="since-last-export")
    return Period(start=now - timedelta(hours=24), end=now, kind="last-24h")
