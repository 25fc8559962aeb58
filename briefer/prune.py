"""The daily prune: retention as the app, the daemon and `briefer prune` run it.

The store does the work (`briefer.store.retention`); this module decides when. The
scheduler checks every hour, in the process that polls, whether a day has passed since
the last prune (kept in the database, so restarts and sleeping laptops do not matter);
if so it prunes in a thread of its own with its own Store, in short transactions with
pauses between them so polls and the app keep writing, then returns the space.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from briefer.clock import utcnow
from briefer.config import Config

if TYPE_CHECKING:
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    from briefer.store import PruneResult, SpaceResult

log = logging.getLogger(__name__)

PRUNE_EVERY = timedelta(days=1)
CHECK_SECONDS = 3600.0
FIRST_CHECK = timedelta(minutes=5)  # not while the app is starting and polling
PAUSE = 0.05  # seconds between batches: a waiting poll takes the lock in between
LAST_PRUNE_KEY = "retention_last_run"
# Items pruned since the full-text index was last compacted; it is compacted once they
# reach this share of the stored items (about every three weeks in steady state).
PENDING_KEY = "retention_index_pending"
COMPACT_SHARE = 0.1


@dataclass(frozen=True, slots=True)
class PruneReport:
    pruned: PruneResult
    space: SpaceResult


def prune_database(
    config: Config,
    *,
    now: datetime | None = None,
    convert: bool = False,
    pause: float = PAUSE,
    should_stop: Callable[[], bool] | None = None,
) -> PruneReport | None:
    """Prune now (blocking, with its own Store); None when retention is off
    (`[retention] max_age_days = 0`)."""
    from briefer.store import Store
    from briefer.store.rows import to_db_time

    max_age = config.retention.max_age
    if max_age is None:
        return None
    now = now or utcnow()
    with Store(config.paths.db) as store:
        pruned = store.prune(now - max_age, pause=pause, should_stop=should_stop)
        pending = int(store.get_meta(PENDING_KEY) or 0) + pruned.items
        compacted = pending >= COMPACT_SHARE * max(store.count_items(), 1)
        if compacted:
            store.compact_search_index(should_stop=should_stop)
            compacted = not (should_stop is not None and should_stop())
        space = store.reclaim_space(convert=convert, should_stop=should_stop)
        store.update_meta(
            {PENDING_KEY: "0" if compacted else str(pending)}
            | ({} if pruned.stopped else {LAST_PRUNE_KEY: to_db_time(now)})
        )
    log.info(
        "retention: pruned %d items in %.1f s (longest transaction %.0f ms); %d bytes returned",
        pruned.items,
        pruned.seconds,
        pruned.longest_batch * 1000,
        space.freed_bytes,
    )
    return PruneReport(pruned, space)


class RetentionJob:
    """Prune once a day, from the scheduler; `stop()` ends a prune in flight between two
    batches (the app quitting)."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self._stop = threading.Event()

    def due(self, now: datetime) -> bool:
        from briefer.store import Store
        from briefer.store.rows import from_db_time

        if self.config.retention.max_age is None or not self.config.paths.db.exists():
            return False
        with Store(self.config.paths.db) as store:
            last = store.get_meta(LAST_PRUNE_KEY)
        return last is None or now - from_db_time(last) >= PRUNE_EVERY

    def run_if_due(self, now: datetime | None = None) -> PruneReport | None:
        """Blocking: prune if a day has passed since the last prune."""
        now = now or utcnow()
        if self._stop.is_set() or not self.due(now):
            return None
        return prune_database(self.config, now=now, should_stop=self._stop.is_set)

    def stop(self) -> None:
        self._stop.set()


def schedule_retention(
    scheduler: AsyncIOScheduler,
    job: RetentionJob,
    *,
    may_run: Callable[[], bool],
    on_error: Callable[[str, BaseException], object],
) -> None:
    """Add the hourly "is a prune due?" check to `scheduler`. It runs only while
    `may_run()` (this process polls), so two processes never prune at once."""

    async def check() -> None:
        if not may_run():
            return
        try:
            await asyncio.to_thread(job.run_if_due)
        except Exception as exc:
            on_error("pruning old items", exc)

    from apscheduler.triggers.interval import IntervalTrigger  # see BrieferScheduler.prepare

    scheduler.add_job(
        check,
        IntervalTrigger(seconds=CHECK_SECONDS, jitter=60),
        id="retention",
        name="prune old items",
        next_run_time=utcnow() + FIRST_CHECK,
    )
