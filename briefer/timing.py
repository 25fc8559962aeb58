"""When a feed should next be checked: a pure function of what the last poll learned; and
which feeds are due now (`due_feeds`).

The server is followed too: the next check is the latest of our interval and what the feed
asks for (RSS ttl, Cache-Control max-age / Expires, Retry-After), clamped to 5 min .. 24 h.
Failures back off exponentially from the interval (x2 per consecutive failure) up to a cap
and reset on success; a failing feed keeps being retried at the cap, never dropped. Only
410 Gone stops polling (the store disables the feed and keeps the reason).

Jitter, when asked for, only ever lengthens the wait (by up to `jitter` x the wait) so that
feeds configured together drift apart instead of hitting their hosts in the same minute,
and it never makes a check earlier than what the server asked for.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from briefer.config import Config, FeedConfig
from briefer.models import FeedRow, FetchResult, FetchStatus

MIN_INTERVAL = timedelta(minutes=5)
MAX_INTERVAL = timedelta(hours=24)
BACKOFF_CAP = MAX_INTERVAL
# A 429/503 without Retry-After: wait at least this long before knocking again.
DEFERRED_DEFAULT = timedelta(minutes=15)


def clamp(wait: timedelta) -> timedelta:
    """Keep a wait inside the 5 min .. 24 h window."""
    return min(max(wait, MIN_INTERVAL), MAX_INTERVAL)


def backoff(interval: timedelta, error_count: int, *, cap: timedelta = BACKOFF_CAP) -> timedelta:
    """interval x 2^(failures-1), capped: 1 failure waits the interval, 2 wait twice it, ..."""
    if error_count <= 0:
        return interval
    exponent = min(error_count - 1, 20)  # 2^20 intervals is far past any cap
    return min(interval * (2**exponent), max(cap, interval))


def server_wait(
    now: datetime, *, result: FetchResult, ttl_minutes: int | None = None
) -> timedelta | None:
    """The longest wait the server asked for (RSS ttl, max-age/Expires, Retry-After), if any."""
    waits: list[timedelta] = []
    if ttl_minutes and ttl_minutes > 0:
        waits.append(timedelta(minutes=ttl_minutes))
    if result.max_age and result.max_age > 0:
        waits.append(timedelta(seconds=result.max_age))
    if result.retry_after is not None:
        waits.append(result.retry_after - now)
    return max(waits) if waits else None


def next_check(
    now: datetime,
    *,
    interval: timedelta,
    result: FetchResult,
    ttl_minutes: int | None = None,
    error_count: int = 0,
    jitter: float = 0.0,
    rand: Callable[[], float] = random.random,
) -> datetime:
    """When to check this feed next.

    `error_count` counts consecutive failures including this one when it failed (the
    store resets it on success). `ttl_minutes` and the result's `max_age` only count for a
    successful fetch (a 304 included); `retry_after` counts whatever the status.
    `jitter` (0..1) adds up to that fraction of the wait, drawn from `rand()`.
    """
    if result.status is FetchStatus.GONE:
        return now + MAX_INTERVAL  # the store disables the feed, so this date is never used
    if result.status is FetchStatus.ERROR:
        wait = backoff(interval, max(error_count, 1))
        asked = result.retry_after - now if result.retry_after is not None else None
    elif result.status is FetchStatus.DEFERRED:
        wait = max(interval, DEFERRED_DEFAULT) if result.retry_after is None else interval
        asked = result.retry_after - now if result.retry_after is not None else None
    else:
        wait = interval
        asked = server_wait(now, result=result, ttl_minutes=ttl_minutes)
    if jitter > 0:
        wait += wait * (min(jitter, 1.0) * min(max(rand(), 0.0), 1.0))
    if asked is not None:
        wait = max(wait, asked)
    return now + clamp(wait)


def due_feeds(
    config: Config, rows: Sequence[FeedRow], now: datetime, *, every: bool = False
) -> list[FeedConfig]:
    """Configured, enabled feeds whose next check has come (all of them with `every`).

    A feed the server said is gone (410) stays disabled until the user adds it again.
    """
    state = {row.url: row for row in rows}
    due = []
    for feed in config.feeds:
        row = state.get(feed.url)
        if not feed.enabled or (row is not None and row.disabled):
            continue
        if every or row is None or row.next_due is None or row.next_due <= now:
            due.append(feed)
    return due
