"""One poll cycle off the caller's loop: its own thread, event loop and Store.

`BrieferScheduler` runs every poll through a `PollRunner` (the schedule's ticks, the app's
poll keys, `briefer poll --once`, the daemon), so what a cycle does is the same for all:

1. open the database (retrying while another process is creating it);
2. record which watchlist versions the stored matches reflect, where nothing is recorded
   yet (`briefer.rematch.stale_issues`): without it a database built by one process would
   take a watchlist added later as already applied, and `rematch` would match nothing;
3. fetch, parse, match and store the due feeds (or every feed, or just some) with
   `briefer.poller.Poller`, in transactions of one or a few feeds.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from briefer.config import Config
from briefer.models import FeedOutcome, PollReport

if TYPE_CHECKING:
    from briefer.match import Matcher
    from briefer.poller import StoryCache
    from briefer.store import Store

POLL_TIMEOUT = 600.0  # a whole cycle; each feed has its own much shorter fetch timeout


class PollCancelled(Exception):
    """The poll was cancelled (shutdown or timeout) before it finished."""


class PollRunner:
    """One poll cycle, run in the calling thread: its own event loop, its own Store.

    `runner(now)` blocks until the cycle is done and returns its PollReport; call it from a
    worker thread (the scheduler does: `await loop.run_in_executor(pool, runner, now)`).
    `cancel()` (from any thread) stops the cycle at its next await: feeds already stored
    stay stored, each feed's write is one transaction, so nothing is half-written.
    `on_outcome(outcome)` is called in that thread as each feed is stored.
    """

    def __init__(
        self,
        config: Config,
        matcher: Matcher,
        *,
        issue_versions: dict[str, str] | None = None,
        executor: Executor | None = None,
        timeout: float | None = POLL_TIMEOUT,
        every: bool = False,
        on_outcome: Callable[[FeedOutcome], None] | None = None,
    ) -> None:
        self.config = config
        self.matcher = matcher
        self.issue_versions = issue_versions or {i.id: i.version for i in matcher.issues}
        self.executor = executor
        self.timeout = timeout
        self.every = every
        self.on_outcome = on_outcome
        # The story index, kept from one cycle to the next (the daemon's, the app's).
        self.story_cache: StoryCache | None = None
        self._guard = threading.Lock()
        self._running: tuple[asyncio.AbstractEventLoop, asyncio.Task[Any]] | None = None
        self._cancelled = False

    def __call__(
        self,
        now: datetime | None = None,
        *,
        every: bool | None = None,
        urls: Sequence[str] | None = None,
    ) -> PollReport:
        """Poll due feeds (or `every` feed, or just `urls`, for this call only)."""
        with self._guard:
            self._cancelled = False
        every = self.every if every is None else every
        try:
            return asyncio.run(self._main(now, every, urls))
        except asyncio.CancelledError:
            # Not CancelledError across threads: the waiting loop would take it for its own.
            raise PollCancelled("the poll was cancelled before it finished") from None

    async def _main(
        self, now: datetime | None, every: bool, urls: Sequence[str] | None
    ) -> PollReport:
        from briefer.poller import Poller, StoryCache
        from briefer.rematch import stale_issues

        task = asyncio.current_task()
        assert task is not None
        with self._guard:
            if self._cancelled:
                raise asyncio.CancelledError
            self._running = (asyncio.get_running_loop(), task)
        try:
            if self.story_cache is None:
                self.story_cache = StoryCache()
            with await open_store(self.config.paths.db) as store:
                stale_issues(store, self.matcher.issues)  # records versions where none are
                poller = Poller(
                    self.config,
                    store,
                    self.matcher,
                    issue_versions=self.issue_versions,
                    executor=self.executor,
                    story_cache=self.story_cache,
                )
                cycle = poller.poll(now=now, every=every, urls=urls, on_outcome=self.on_outcome)
                if self.timeout is None:
                    return await cycle
                return await asyncio.wait_for(cycle, self.timeout)
        finally:
            with self._guard:
                self._running = None

    def cancel(self) -> None:
        with self._guard:
            self._cancelled = True
            running = self._running
        if running is not None:
            loop, task = running
            # RuntimeError: that loop just closed, so the cycle is over anyway.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(task.cancel)


async def open_store(path: Path, attempts: int = 10, pause: float = 0.3) -> Store:
    """Open the Store, retrying briefly: another process (the app starting beside the
    daemon, two cron runs) may be creating the same new database at this very moment."""
    from briefer.errors import DatabaseError
    from briefer.store import Store

    for attempt in range(attempts):
        try:
            return Store(path)
        except DatabaseError:
            if attempt == attempts - 1:
                raise
            await asyncio.sleep(pause)
    raise AssertionError("unreachable")
