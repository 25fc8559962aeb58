"""When a feed should next be checked: a pure function of what the last poll learned.

The server is followed too: the next check is the latest of our interval and what the feed
asks for (RSS ttl, Cache-Control max-age / Expires, Retry-After), clamped to 5 min .. 24 h.
Failures back off exponentially from the interval, up to the cap, and reset on success.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from briefer.models import FetchResult, FetchStatus

MIN_INTERVAL = timedelta(minutes=5)
MAX_INTERVAL = timedelta(hours=24)


def next_check(
    now: datetime,
    *,
    interval: timedelta,
    result: FetchResult,
    ttl_minutes: int | None = None,
    error_count: int = 0,
) -> datetime:
    """`error_count` counts consecutive failures including this one when it failed."""
    wait = interval
    if result.status is FetchStatus.DEFERRED and result.retry_after is not None:
        return now + min(max(result.retry_after - now, MIN_INTERVAL), MAX_INTERVAL)
    if result.status is FetchStatus.ERROR:
        wait = interval * (2 ** min(max(error_count - 1, 0), 10))
    else:
        if ttl_minutes:
            wait = max(wait, timedelta(minutes=ttl_minutes))
        if result.max_age:
            wait = max(wait, timedelta(seconds=result.max_age))
    return now + min(max(wait, MIN_INTERVAL), MAX_INTERVAL)
