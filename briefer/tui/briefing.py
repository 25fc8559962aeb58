"""What the screens show, computed from the store without any Textual: testable alone.

`Services` is everything the app needs from the outside world, built once by `run_app`
(or by a test with a fixture database and a fixed clock). The loaders run in worker threads,
each with its own Store, and return plain rows for the widgets.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from briefer.clock import utcnow
from briefer.store import FeedRow, ItemRow, SearchRow, Store, StoryMember, StoryRow
from briefer.trend import is_surging
from briefer.watchlist import DescribedIssue

if TYPE_CHECKING:
    from briefer.cli.context import AppContext
    from briefer.config import Config

SPARK_DAYS = 30
STORY_LIMIT = 200  # a screenful many times over; filling a table costs the UI thread
SEARCH_LIMIT = 300  # items; grouped into stories, usually far fewer rows


@dataclass
class Services:
    """The app's view of the world: config, watched issues, baselines, database, clock."""

    config: Config
    issues: Sequence[DescribedIssue]
    baselines: dict[str, str]  # issue id -> baseline Markdown with seed citations
    db_path: Path
    matcher_factory: Callable[[], Any] | None = None  # builds a briefer.match.Matcher
    issue_versions: dict[str, str] = field(default_factory=dict)
    now: Callable[[], datetime] = utcnow

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

    def issue(self, issue_id: str) -> DescribedIssue | None:
        return next((i for i in self.issues if i.id == issue_id), None)


@dataclass(frozen=True, slots=True)
class WatchRow:
    """One line of the watchlist panel; it counts stories, not copies of them."""

    issue_id: str
    title: str
    unread: int  # stories with items not seen yet
    daily: tuple[int, ...]  # stories first seen in each 24 hours up to now, oldest first
    new_outlets: int  # outlets that carried the stories first seen in the last 24 hours

    @property
    def last_day(self) -> int:
        """Stories first seen in the last 24 hours."""
        return self.daily[-1] if self.daily else 0

    @property
    def surging(self) -> bool:
        return is_surging(self.daily, self.new_outlets)


def watch_rows(store: Store, issues: Sequence[DescribedIssue], now: datetime) -> list[WatchRow]:
    rows = []
    for issue in issues:
        activity = store.story_activity(issue.id, days=SPARK_DAYS, now=now)
        rows.append(
            WatchRow(
                issue_id=issue.id,
                title=issue.title,
                unread=activity.unread,
                daily=activity.daily,
                new_outlets=activity.new_outlets,
            )
        )
    return rows


@dataclass(frozen=True, slots=True)
class IssueQuery:
    """Which stories the issue view lists."""

    issue_id: str
    order: str = "new"  # newest first by last update, or "best" (StoryRow.rank)
    starred_only: bool = False


def issue_stories(store: Store, query: IssueQuery, now: datetime) -> list[StoryRow]:
    return store.stories(
        query.issue_id,
        order=query.order,
        starred_only=query.starred_only,
        limit=STORY_LIMIT,
        now=now,
    )


@dataclass(frozen=True, slots=True)
class StoryView:
    """An opened story: its items, earliest first, each with why it matched the issue."""

    story_id: int
    issue_id: str | None  # None when opened from search: each item's best match then
    members: list[StoryMember]


def story_view(store: Store, story_id: int, issue_id: str | None) -> StoryView:
    return StoryView(story_id, issue_id, store.story_members(story_id, issue_id))


@dataclass(frozen=True, slots=True)
class StorySummary:
    """What the opened story's heading says: how many items and outlets, in which
    languages, from when to when. Items of the story that did not match the issue are
    listed but not counted, as in the issue's list."""

    items: int
    outlets: int
    langs: frozenset[str]
    first_seen: datetime
    last_update: datetime
    unmatched: int


def story_summary(view: StoryView) -> StorySummary | None:
    counted = [m for m in view.members if m.match is not None or view.issue_id is None]
    if not counted:
        return None
    published = [m.item.published for m in counted]
    return StorySummary(
        items=len(counted),
        outlets=len({m.outlet for m in counted}),
        langs=frozenset(m.lang for m in counted if m.lang),
        first_seen=min(published),
        last_update=max(published),
        unmatched=len(view.members) - len(counted),
    )


@dataclass(frozen=True, slots=True)
class SearchStory:
    """Search results of one story: the best-ranked item stands for the others."""

    story_id: int
    lead: ItemRow
    items: int
    issue_ids: tuple[str, ...]
    read: bool  # every found item read


def search_stories(store: Store, text: str) -> list[SearchStory]:
    """Results grouped by story, in the order of each story's best result."""
    groups: dict[int, list[SearchRow]] = {}
    for row in store.search(text, limit=SEARCH_LIMIT):
        groups.setdefault(row.story_id, []).append(row)
    return [
        SearchStory(
            story_id=story_id,
            lead=rows[0].item,
            items=len(rows),
            issue_ids=tuple(sorted({i for r in rows for i in r.issue_ids})),
            read=all(r.item.read for r in rows),
        )
        for story_id, rows in groups.items()
    ]


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
