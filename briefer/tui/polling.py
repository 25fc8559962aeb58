"""One poll from the app, run inside a worker thread: lock, own Store, poller, report.

No Textual here: the worker wraps this and posts what it returns as messages.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import dataclass

from briefer.lock import PollerLock
from briefer.models import PollReport
from briefer.tui.briefing import Services


@dataclass(frozen=True, slots=True)
class PollAttempt:
    report: PollReport | None  # None when another process holds the poller lock
    holder_pid: int | None = None


def poll_once(
    services: Services,
    *,
    urls: Sequence[str] | None = None,
    every: bool = False,
    lock_held: bool = False,
    executor: Executor | None = None,
) -> PollAttempt:
    """Poll due feeds (or `urls`, or `every` feed) unless a daemon is already polling.

    `lock_held`: this process's scheduler already holds the poller lock (a second flock on
    the same file from this process would fail), so the manual poll may go ahead.
    """
    from briefer.poller import Poller  # fetch and parse load only when the app polls

    lock = PollerLock(services.config.paths.lock)
    if not lock_held and not lock.acquire():
        return PollAttempt(None, lock.holder_pid())
    try:
        matcher = services.matcher_factory() if services.matcher_factory else None
        # sqlite connections belong to their thread: this poll opens and closes its own.
        with services.open_store() as store:
            poller = Poller(
                services.config,
                store,
                matcher,  # type: ignore[arg-type]
                issue_versions=services.issue_versions,
                executor=executor,
            )
            report = asyncio.run(poller.poll(every=every, urls=urls))
        return PollAttempt(report)
    finally:
        if not lock_held:
            lock.release()


def enabled_feed_count(services: Services, urls: Sequence[str] | None) -> int:
    if urls is not None:
        return len(urls)
    return sum(feed.enabled for feed in services.config.feeds)
