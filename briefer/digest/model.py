"""The digest as plain data: `Digest` -> `IssueSection` -> `DigestStory` -> `DigestOutlet`.

Everything in it is already plain one-line text (briefer.sanitize.clean_text) and http(s)
links only (briefer.sanitize.safe_link); renderers still escape for their format.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol


class HasSummary(Protocol):
    """What the digest needs from a baseline.Baseline: its one-paragraph plain text."""

    @property
    def summary(self) -> str: ...


@dataclass(frozen=True, slots=True)
class DigestOutlet:
    """One outlet that carried a story: its name, and its own (earliest) copy of it."""

    name: str
    link: str | None
    lang: str  # "en", "es", ... or "" when unknown
    published: datetime
    title: str
    item_id: int


@dataclass(frozen=True, slots=True)
class DigestStory:
    """One story: one event across outlets and languages, under its best headline."""

    story_id: int
    headline: str
    summary: str  # the headline item's
    link: str | None  # the headline item's
    first_seen: datetime
    last_update: datetime
    score: float  # the best match score among its items
    terms: tuple[str, ...]  # what matched, in the headline item
    items: int  # matched items, copies included
    outlet_count: int  # distinct outlets (else feeds) that carried it
    langs: tuple[str, ...]  # the languages it was reported in, sorted ("en" before "es")
    # Each outlet with its own copy, earliest first: listed for the stories shown in full
    # only (one query a story; a one-line story says how many outlets, not which).
    outlets: tuple[DigestOutlet, ...] = ()


@dataclass(frozen=True, slots=True)
class IssueSection:
    issue_id: str
    title: str
    baseline: str
    stories: tuple[DigestStory, ...]  # best first: coverage, then recency, then score
    full: int  # how many of the best are shown in full; the rest get one line each
    daily: tuple[int, ...] = ()  # new stories per day up to the period's end, oldest first
    surging: bool = False  # the last day well above its own usual pace (briefer.trend)
    omitted: int = 0  # stories left out by max_per_issue
    match_count: int = 0  # matched items in all its stories, copies included

    @property
    def top(self) -> tuple[DigestStory, ...]:
        return self.stories[: self.full]

    @property
    def rest(self) -> tuple[DigestStory, ...]:
        return self.stories[self.full :]

    @property
    def story_count(self) -> int:
        return len(self.stories) + self.omitted


@dataclass(frozen=True, slots=True)
class FeedProblem:
    title: str
    url: str
    error: str
    error_count: int
    disabled: bool
    disabled_reason: str | None
    last_polled: datetime | None


@dataclass(frozen=True, slots=True)
class Digest:
    start: datetime  # in the reader's time zone
    end: datetime
    generated: datetime
    period_kind: str
    sections: tuple[IssueSection, ...]
    problems: tuple[FeedProblem, ...] = field(default=())

    @property
    def timezone(self) -> str:
        """The zone's name (IANA key when there is one) for the header."""
        tz = self.end.tzinfo
        key = getattr(tz, "key", None)
        return str(key) if key else (self.end.tzname() or "UTC")

    @property
    def utc_offset(self) -> str:
        offset = self.end.utcoffset() or timedelta(0)
        minutes = int(offset.total_seconds() // 60)
        sign = "+" if minutes >= 0 else "-"
        return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"

    @property
    def match_count(self) -> int:
        return sum(s.match_count for s in self.sections)

    @property
    def story_count(self) -> int:
        return sum(s.story_count for s in self.sections)

    @property
    def active_issue_count(self) -> int:
        return sum(1 for s in self.sections if s.story_count)

    @property
    def is_empty(self) -> bool:
        return self.story_count == 0
