"""Small text formats shared by the digest's templates and its JSON form."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from briefer.digest.model import Digest, DigestStory
from briefer.trend import sparkline

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def clock(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%d %H:%M")


def iso(dt: datetime) -> str:
    return dt.isoformat(timespec="seconds")


def long_day(day: date) -> str:
    return f"{_DAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]} {day.year}"


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"


def score(value: float) -> str:
    return f"{value:.0f}"


def digest_day(d: Digest) -> date:
    """A calendar-day digest is named for its day; any other for the day it ends."""
    return d.start.date() if d.period_kind == "day" else d.end.date()


def spark(daily: Sequence[int]) -> str:
    return sparkline(daily)


def langs(codes: Sequence[str]) -> str:
    """ "EN/ES": the languages a story was reported in."""
    return "/".join(code.upper() for code in codes)


def when(story: DigestStory) -> str:
    """ "2026-11-23 10:05" or "2026-11-22 18:00 to 2026-11-23 10:05" (first seen to last)."""
    first, last = clock(story.first_seen), clock(story.last_update)
    return first if first == last else f"{first} to {last}"
