"""App-wide events, named for what already happened. Workers post them; handlers own the UI."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from briefer.lock import Holder
from briefer.models import NewMatch, PollReport
from briefer.store import FeedRow, MatchRow, SearchRow
from briefer.tui.briefing import IssueQuery, WatchRow


@dataclass
class PollStarted(Message):
    feed_count: int
    first_run: bool


@dataclass
class FeedsPolled(Message):
    report: PollReport


@dataclass
class PollSkipped(Message):
    """Another process (a running `briefer daemon`) holds the poller lock."""

    holder_pid: int | None
    holder: Holder | None = None  # what its lock file says: its poll in flight, next check
    asked: bool = False  # the user asked for this poll (a key), not the schedule


@dataclass
class MatchesFound(Message):
    matches: list[NewMatch]


@dataclass
class BriefingLoaded(Message):
    watchlist: list[WatchRow]
    query: IssueQuery | None
    matches: list[MatchRow]


@dataclass
class SearchFinished(Message):
    text: str
    results: list[SearchRow]


@dataclass
class FeedsLoaded(Message):
    feeds: list[FeedRow]


@dataclass
class DigestExported(Message):
    paths: list[str]


@dataclass
class SchedulerPrepared(Message):
    """The scheduler is built (a BrieferScheduler; typed loosely so that this module does
    not load APScheduler): starting it on the loop is now quick."""

    scheduler: object


@dataclass
class RematchStarted(Message):
    """Stored items are being matched again: these issues' watchlists changed."""

    issue_ids: list[str]


@dataclass
class WatchlistsRematched(Message):
    issue_ids: list[str]
    scanned: int
