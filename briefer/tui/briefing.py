"""What the screens show, computed from the store without any Textual: testable alone.

`Services` is everything the app needs from the outside world, built once by `run_app`
(or by a test with a fixture database and a fixed clock). The loaders run in worker threads,
each with its own Store, and return plain rows for the widgets.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from briefer.store import FeedRow, MatchRow, SearchRow, Store

if TYPE_CHECKING:
    from briefer.cli.context import AppContext
    from briefer.config import Config

SPARK_DAYS = 30
SURGE_RATIO = 3.0
SURGE_MIN_MATCHES = 3
SURGE_MIN_SOURCES = 2
MATCH_LIMIT = 200  # a screenful many times over; filling a table costs the UI thread


class IssueLike(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def description(self) -> str: ...


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Services:
    """The app's view of the world: config, watched issues, baselines, database, clock."""

    config: Config
    issues: Sequence[IssueLike]
    baselines: dict[str, str]  # issue id -> baseline Markdown with seed citations
    db_path: Path
    matcher_factory: Callable[[], Any] | None = None  # builds a briefer.match.Matcher
    issue_versions: dict[str, str] = field(default_factory=dict)
    now: Callable[[], datetime] = utc_now

    @classmethod
    def from_context(cls, ctx: AppContext) -> Services:
        from briefer.baseline import baselines, load_seeds

        issues = ctx.issues
        notes = baselines(load_seeds(ctx.config.seed_dirs), [i.id for i in issues])
        return cls(
            config=ctx.config,
            issues=issues,
            baselines={key: value.markdown for key, value in notes.items()},
            db_path=ctx.paths.db,
            matcher_factory=lambda: ctx.matcher,
            issue_versions=ctx.issue_versions,
        )

    def open_store(self) -> Store:
        return Store(self.db_path)

    def issue(self, issue_id: str) -> IssueLike | None:
        return next((i for i in self.issues if i.id == issue_id), None)


@dataclass(frozen=True, slots=True)
class WatchRow:
    """One line of the watchlist panel."""

    issue_id: str
    title: str
    unread: int
    last_day: int
    sources_last_day: int
    week_daily_average: float
    daily: tuple[int, ...]

    @property
    def surging(self) -> bool:
        return is_surging(self.last_day, self.sources_last_day, self.week_daily_average)


def is_surging(last_day: int, sources: int, week_daily_average: float) -> bool:
    """Well above its own usual pace: 3x the previous week's daily average, 2+ sources."""
    return (
        last_day >= SURGE_MIN_MATCHES
        and sources >= SURGE_MIN_SOURCES
        and last_day >= SURGE_RATIO * week_daily_average
    )


def watch_rows(store: Store, issues: Sequence[IssueLike], now: datetime) -> list[WatchRow]:
    rows = []
    day_ago = now - timedelta(days=1)
    for issue in issues:
        unread, last_day, sources = store.issue_counts(issue.id, since=day_ago)
        _, eight_days, _ = store.issue_counts(issue.id, since=now - timedelta(days=8))
        rows.append(
            WatchRow(
                issue_id=issue.id,
                title=issue.title,
                unread=unread,
                last_day=last_day,
                sources_last_day=sources,
                week_daily_average=(eight_days - last_day) / 7,
                daily=tuple(store.daily_counts(issue.id, days=SPARK_DAYS, now=now)),
            )
        )
    return rows


@dataclass(frozen=True, slots=True)
class IssueQuery:
    """Which matches the issue view lists."""

    issue_id: str
    order: str = "newest"  # or "score"
    starred_only: bool = False


def issue_matches(store: Store, query: IssueQuery) -> list[MatchRow]:
    return store.matches(
        query.issue_id,
        order=query.order,
        starred_only=query.starred_only,
        limit=MATCH_LIMIT,
    )


def search_items(store: Store, text: str) -> list[SearchRow]:
    return store.search(text, limit=200)


def feed_rows(store: Store, config: Config) -> list[FeedRow]:
    """The configured feeds (with their stored state), then any other stored feed."""
    stored = {row.url: row for row in store.feeds()}
    rows = []
    for feed in config.feeds:
        row = stored.pop(feed.url, None)
        if row is None:
            row = FeedRow(
                id=0, url=feed.url, title=feed.title or feed.url, etag=None,
                last_modified=None, last_polled=None, last_status=None, last_error=None,
                error_count=0, next_due=None, disabled=not feed.enabled,
                disabled_reason=None if feed.enabled else "disabled in config", item_count=0,
            )  # fmt: skip
        elif feed.title and row.title == row.url:
            row = replace(row, title=feed.title)
        rows.append(row)
    return rows
