"""One poll cycle: fetch due feeds -> parse -> match -> store -> what was new.

Both the CLI (`briefer poll --once`), the daemon and the TUI call this. Fetching overlaps
with parsing: each body is parsed, matched and prepared for storing (each item's
language, story features and matches as stored) as soon as it arrives, in-line, or in
worker processes (workers.pool_wanted), which take that work to another core. Feeds are
then stored one turn at a time, each turn one transaction of a few feeds (BATCH at most),
so a crash loses at most the feeds still in flight.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING

from briefer.clock import utcnow
from briefer.config import Config, FeedConfig
from briefer.match import Matcher
from briefer.models import (
    FeedOutcome,
    FeedRequest,
    FetchResult,
    FetchStatus,
    NewMatch,
    ParsedFeed,
    PollReport,
)
from briefer.parse_worker import Parsed, parse_and_match
from briefer.store import FeedRow, Store
from briefer.stories import WINDOW, StoryIndex, StoryItem
from briefer.timing import due_feeds, next_check
from briefer.workers import LazyPool, pool_wanted

if TYPE_CHECKING:
    from briefer.fetch import FetchSettings

OnOutcome = Callable[[FeedOutcome], None]


def fetch_settings(config: Config) -> FetchSettings:
    from briefer.fetch import FetchSettings

    poll = config.poll
    return FetchSettings(
        concurrency=poll.concurrency,
        per_host=poll.per_host,
        read_timeout=min(20.0, poll.timeout_seconds),
        connect_timeout=min(10.0, poll.timeout_seconds),
        total_timeout=poll.timeout_seconds,
        max_bytes=int(poll.max_feed_mb * 1024 * 1024),
    )


async def story_index(store: Store, since: datetime) -> StoryIndex:
    """A StoryIndex holding the stories of the items published since `since`, as stored.

    The rows are read here (the store belongs to this thread); building the index is pure
    work, done in a thread so a large warm-up does not hold the event loop.
    """
    recent = store.recent_story_items(since)
    return await asyncio.to_thread(_warm, recent)


def _warm(recent: list[tuple[StoryItem, int]]) -> StoryIndex:
    index = StoryIndex(WINDOW)
    for item, story in recent:
        index.add(item, story)
    return index


class StoryCache:
    """The story index a process that polls again and again (the daemon, the app) keeps
    between its polls. Built from the items of the last two windows, it took about a second
    of CPU per 10,000 of them, for every poll that stored anything: most of a daemon's
    ticks, each polling a feed or two.

    It is built again when the store changed under it (another process stored or regrouped
    items: `Store.stories_mark`), when a poll that used it failed (the index may hold items
    whose transaction rolled back), and after REBUILD_AFTER, so that it drops items that
    have left the window and its rarity counts stay those of a fresh index. Keeping it
    costs memory: about 18 MiB per 10,000 items."""

    REBUILD_AFTER = timedelta(hours=6)

    def __init__(self) -> None:
        self._index: StoryIndex | None = None
        self._since = datetime.min
        self._built = datetime.min
        self._mark: tuple[int, int, int] | None = None

    async def index(self, store: Store, now: datetime) -> StoryIndex:
        index = self._index
        if (
            index is not None
            and now - self._built < self.REBUILD_AFTER
            and store.stories_mark(self._since) == self._mark
        ):
            return index
        self._index = None
        since = now - WINDOW * 2
        self._index = await story_index(store, since)
        self._since, self._built = since, now
        self._mark = store.stories_mark(since)
        return self._index

    def kept(self, store: Store) -> None:
        """After a poll that got the index from `index()` ended cleanly: what it stored is in
        the index. (Called after a poll that did not check the mark, it would take another
        process's items for its own.)"""
        if self._index is not None:
            self._mark = store.stories_mark(self._since)

    def drop(self) -> None:
        self._index = None


# Feeds stored in one transaction at most, when parsed in workers (see Poller.poll), and
# how long a turn waits for that many.
BATCH = 8
LINGER = 0.05


@dataclass
class _Ready:
    """A fetched feed waiting for its turn to be stored."""

    feed: FeedConfig
    row: FeedRow | None
    result: FetchResult
    parsed: Parsed
    fetched_at: datetime


class Poller:
    def __init__(
        self,
        config: Config,
        store: Store,
        matcher: Matcher,
        *,
        issue_versions: dict[str, str] | None = None,
        executor: Executor | None = None,
        jitter: float = 0.1,
        story_cache: StoryCache | None = None,
    ) -> None:
        self.config = config
        # Spread each feed's next check by up to this fraction of its wait, so feeds added
        # together do not stay in lockstep and hit their sites all at once.
        self.jitter = jitter
        self.store = store
        self.matcher = matcher
        self.issue_versions = issue_versions or {}
        self.executor = executor
        # The stories new items join: built for this poll, or kept from the last one in
        # `story_cache` (the caller's, when it polls again) while the store has not changed.
        self.stories: StoryIndex | None = None
        self.story_cache = story_cache or StoryCache()

    async def poll(
        self,
        *,
        every: bool = False,
        urls: Sequence[str] | None = None,
        now: datetime | None = None,
        on_outcome: OnOutcome | None = None,
    ) -> PollReport:
        """Poll due feeds (or `every` feed, or just `urls`) once and store the results."""
        now = now or utcnow()
        self.store.sync_feeds((f.url, f.title) for f in self.config.feeds)
        rows = self.store.feeds()
        if urls is not None:
            wanted = set(urls)
            feeds = [f for f in self.config.feeds if f.url in wanted]
        else:
            feeds = due_feeds(self.config, rows, now, every=every)
        state = {row.url: row for row in rows}
        report = PollReport()
        if not feeds:
            return report
        self.stories = None
        # The index is built on the first body, not before the poll: a poll whose feeds all
        # answer 304 (or fail) stores no item and never needs it, and building it from the
        # items of the last six days takes about a second of CPU per 10,000 of them. Every
        # body waits for it before its turn.
        warming: asyncio.Task[StoryIndex] | None = None

        def warm() -> asyncio.Task[StoryIndex]:
            nonlocal warming
            if warming is None:
                warming = asyncio.ensure_future(self.story_cache.index(self.store, now))
            return warming

        executor = self.executor
        # Workers forked before the poll cost nothing more to use; a lazy pool starts its
        # processes (0.3-0.5 s) only for a poll large enough to pay for them.
        if isinstance(executor, LazyPool) and not pool_wanted(len(feeds)):
            executor = None

        # Storing a feed (and parsing it, in-line) holds the loop for milliseconds, so the
        # loop goes round between feeds and requests waiting to go out and bodies still
        # arriving move on in between. Done all at once as bodies came in, a burst of twenty
        # bodies held back the next twenty requests, and the poll waited on the network for
        # a second in waves. Feeds parsed in workers are stored up to BATCH to a transaction
        # (a commit costs about as much as storing a feed's items), a turn waiting up to
        # LINGER for that many: workers send feeds back a few milliseconds apart, and
        # turns that took whatever was waiting committed 190 times for 200 feeds.
        turn = asyncio.Lock()
        waiting: list[_Ready] = []
        batch = BATCH if executor is not None else 1
        arriving = len(feeds)  # feeds not yet waiting for a turn
        filled = asyncio.Event()  # a batch is waiting, or nothing more will come

        # Here, not with the module: aiohttp's import (it builds two TLS contexts) was half
        # of a cron poll that finds nothing due.
        from briefer.fetch import Fetcher

        async with Fetcher(fetch_settings(self.config)) as fetcher:

            async def one(feed: FeedConfig) -> None:
                row = state.get(feed.url)
                request = FeedRequest(
                    feed.url, row.etag if row else None, row.last_modified if row else None
                )
                result = await fetcher.fetch(request)
                fetched_at = utcnow()
                parsed: Parsed = (None, None)
                if result.status is FetchStatus.OK and result.body is not None:
                    index = warm()  # built while this body is parsed
                    if executor is not None:
                        parsed = await self._parse(feed, result, fetched_at, executor)
                    # Shielded: one feed's task cancelled must not cancel the others' index.
                    self.stories = await asyncio.shield(index)
                waiting.append(_Ready(feed, row, result, parsed, fetched_at))
                nonlocal arriving
                arriving -= 1
                if len(waiting) >= batch or not arriving:
                    filled.set()
                async with turn:
                    if not waiting:
                        return  # an earlier turn stored this feed with its own
                    if not filled.is_set():
                        with contextlib.suppress(TimeoutError):
                            await asyncio.wait_for(filled.wait(), LINGER)
                    ready = waiting[:batch]
                    del waiting[:batch]
                    if len(waiting) < batch and arriving:
                        filled.clear()
                    done = []
                    with self.store.transaction():
                        for n, r in enumerate(ready):
                            if n:
                                # One commit, but the loop goes round between its feeds.
                                await asyncio.sleep(0)
                            if executor is None:
                                r.parsed = await self._parse(r.feed, r.result, r.fetched_at, None)
                            done.append(self._store(r))
                    for outcome, new in done:
                        report.outcomes.append(outcome)
                        report.new_matches.extend(new)
                        if on_outcome is not None:
                            on_outcome(outcome)
                    await asyncio.sleep(0)  # the loop goes round before the next turn

            tasks = [asyncio.create_task(one(feed)) for feed in feeds]
            try:
                await asyncio.gather(*tasks)
            except BaseException:
                self.story_cache.drop()
                raise
            finally:
                for task in tasks:
                    task.cancel()
                if warming is not None:
                    warming.cancel()
        if warming is not None:
            self.story_cache.kept(self.store)  # only a poll that checked it: see kept()
        return report

    async def _parse(
        self,
        feed: FeedConfig,
        result: FetchResult,
        fetched_at: datetime,
        executor: Executor | None,
    ) -> Parsed:
        """The body parsed, matched and prepared for storing, in `executor` or in-line;
        (None, None) when there is no body."""
        if result.status is not FetchStatus.OK or result.body is None:
            return None, None
        work = partial(
            parse_and_match,
            result.body,
            url=result.final_url or feed.url,
            fetched_at=fetched_at,
            content_type=result.content_type,
            feed_lang=feed.lang or "",
        )
        try:
            if executor is None:
                return work(matcher=self.matcher)
            return await asyncio.get_running_loop().run_in_executor(executor, work)
        except Exception as exc:  # a parser crash is one feed's problem, not the poll's
            error = f"could not parse: {exc or type(exc).__name__}"
            return ParsedFeed(title="", link=None, items=[], error=error), None

    def _store(self, ready: _Ready) -> tuple[FeedOutcome, list[NewMatch]]:
        feed, row, result, fetched_at = ready.feed, ready.row, ready.result, ready.fetched_at
        parsed, prepared = ready.parsed
        failed = result.status is FetchStatus.ERROR or (parsed is not None and bool(parsed.error))
        errors = (row.error_count if row else 0) + 1 if failed else 0
        interval = timedelta(minutes=feed.interval_minutes or self.config.poll.interval_minutes)
        ttl = parsed.ttl_minutes if parsed else None
        error_result = result
        if parsed is not None and parsed.error:
            error_result = FetchResult(url=result.url, status=FetchStatus.ERROR)
        due = next_check(
            fetched_at,
            interval=interval,
            result=error_result,
            ttl_minutes=ttl,
            error_count=errors,
            jitter=self.jitter,
        )
        outcome, new = self.store.record_poll(
            feed.url,
            result,
            parsed,
            None,
            next_due=due,
            now=fetched_at,
            issue_versions=self.issue_versions,
            stories=self.stories,
            feed_lang=feed.lang,
            prepared=prepared,
        )
        if feed.title and outcome.title == feed.url:
            outcome.title = feed.title
        return outcome, new
