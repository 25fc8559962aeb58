"""The digest as plain data: `Digest` -> `IssueSection` -> `DigestEntry` with its `DigestSource`s.

Everything in it is already plain one-line text (briefer.sanitize.clean_text) and http(s)
links only (briefer.sanitize.safe_link); renderers still escape for their format.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol


class IssueLike(Protocol):
    """What the digest needs from a watchlist Issue."""

    @property
    def id(self) -> str: ...

    @property
    def title(self) -> str: ...


class HasSummary(Protocol):
    """What the digest needs from a baseline.Baseline: its one-paragraph plain text."""

    @property
    def summary(self) -> str: ...


@dataclass(frozen=True, slots=True)
class DigestSource:
    """One feed that carried a story: its name, and its own link to it."""

    feed_title: str
    feed_url: str
    link: str | None
    published: datetime
    title: str
    item_id: int


@dataclass(frozen=True, slots=True)
class DigestEntry:
    """One story: the best-scored item, plus every feed that carried it (itself first)."""

    item_id: int
    title: str
    summary: str
    link: str | None
    published: datetime
    score: float
    terms: tuple[str, ...]
    sources: tuple[DigestSource, ...]

    @property
    def source_names(self) -> list[str]:
        return [s.feed_title for s in self.sources]


@dataclass(frozen=True, slots=True)
class IssueSection:
    issue_id: str
    title: str
    baseline: str
    entries: tuple[DigestEntry, ...]
    match_count: int  # matched items before near-duplicates were merged
    omitted: int = 0  # stories left out by max_per_issue

    @property
    def story_count(self) -> int:
        return len(self.entries) + self.omitted


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
    def item_count(self) -> int:
        """Distinct items shown across issues (an item on two issues counts once)."""
        return len({src.item_id for s in self.sections for e in s.entries for src in e.sources})

    @property
    def source_count(self) -> int:
        return len({src.feed_url for s in self.sections for e in s.entries for src in e.sources})

    @property
    def active_issue_count(self) -> int:
        return sum(1 for s in self.sections if s.story_count)

    @property
    def is_empty(self) -> bool:
        return self.story_count == 0
