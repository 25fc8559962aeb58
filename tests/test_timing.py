"""next_check: interval vs what the server says, clamping, backoff and jitter (pure, no clock)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from briefer.models import FetchResult, FetchStatus
from briefer.timing import MAX_INTERVAL, MIN_INTERVAL, backoff, next_check

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
URL = "http://127.0.0.1/feed.xml"
THIRTY = timedelta(minutes=30)


def ok(**kw: object) -> FetchResult:
    return FetchResult(url=URL, status=FetchStatus.OK, http_status=200, **kw)  # type: ignore[arg-type]


def error() -> FetchResult:
    return FetchResult(url=URL, status=FetchStatus.ERROR, http_status=500, error="server error")


def wait(result: FetchResult, **kw: object) -> timedelta:
    return next_check(NOW, interval=kw.pop("interval", THIRTY), result=result, **kw) - NOW  # type: ignore[arg-type]


def test_plain_success_waits_the_interval() -> None:
    assert wait(ok()) == THIRTY
    assert wait(FetchResult(url=URL, status=FetchStatus.NOT_MODIFIED, http_status=304)) == THIRTY


@pytest.mark.parametrize(
    ("kw", "expected"),
    [
        ({"ttl_minutes": 60}, timedelta(minutes=60)),  # ttl longer than the interval wins
        ({"ttl_minutes": 10}, THIRTY),  # shorter ttl: our interval still wins
        ({"max_age": 7200}, timedelta(hours=2)),  # Cache-Control max-age / Expires
        ({"max_age": 60}, THIRTY),
        ({"ttl_minutes": 45, "max_age": 3000}, timedelta(minutes=50)),  # the latest of all
    ],
)
def test_server_hints_only_lengthen_the_wait(kw: dict[str, int], expected: timedelta) -> None:
    ttl = kw.pop("ttl_minutes", None)
    assert wait(ok(**kw), ttl_minutes=ttl) == expected


def test_waits_are_clamped_to_5_minutes_and_24_hours() -> None:
    assert wait(ok(), interval=timedelta(minutes=1)) == MIN_INTERVAL
    assert wait(ok(max_age=3 * 86400)) == MAX_INTERVAL  # DOJ's 3-day max-age: still daily
    assert wait(ok(), ttl_minutes=10_000) == MAX_INTERVAL


def test_retry_after_is_followed_when_later_than_the_interval() -> None:
    deferred = FetchResult(
        url=URL, status=FetchStatus.DEFERRED, http_status=429, retry_after=NOW + timedelta(hours=3)
    )
    assert wait(deferred) == timedelta(hours=3)
    soon = FetchResult(
        url=URL,
        status=FetchStatus.DEFERRED,
        http_status=503,
        retry_after=NOW + timedelta(minutes=2),
    )
    assert wait(soon) == THIRTY  # the latest of interval and Retry-After
    far = FetchResult(
        url=URL, status=FetchStatus.DEFERRED, http_status=503, retry_after=NOW + timedelta(days=9)
    )
    assert wait(far) == MAX_INTERVAL
    no_header = FetchResult(url=URL, status=FetchStatus.DEFERRED, http_status=429)
    assert wait(no_header, interval=timedelta(minutes=5)) == timedelta(minutes=15)


def test_errors_back_off_exponentially_up_to_the_cap() -> None:
    waits = [wait(error(), error_count=n) for n in range(1, 9)]
    assert waits[:6] == [THIRTY * 2**k for k in range(6)]  # 30m 1h 2h 4h 8h 16h
    assert waits[6:] == [MAX_INTERVAL, MAX_INTERVAL]  # capped, never dropped
    assert wait(error(), error_count=500) == MAX_INTERVAL


def test_success_after_errors_resets_to_the_interval() -> None:
    assert wait(error(), error_count=4) == THIRTY * 8
    assert wait(ok(), error_count=0) == THIRTY


def test_an_error_with_retry_after_waits_for_the_later_of_both() -> None:
    res = FetchResult(
        url=URL, status=FetchStatus.ERROR, http_status=500, retry_after=NOW + timedelta(hours=5)
    )
    assert wait(res, error_count=1) == timedelta(hours=5)
    assert wait(res, error_count=6) == THIRTY * 32  # 16 h of backoff beats 5 h


def test_backoff_helper() -> None:
    assert backoff(THIRTY, 0) == THIRTY
    assert backoff(THIRTY, 3) == timedelta(hours=2)
    assert backoff(THIRTY, 10, cap=timedelta(hours=6)) == timedelta(hours=6)


def test_gone_is_a_placeholder_day() -> None:
    assert wait(FetchResult(url=URL, status=FetchStatus.GONE, http_status=410)) == MAX_INTERVAL


def test_jitter_only_lengthens_and_is_bounded() -> None:
    assert wait(ok(), jitter=0.1, rand=lambda: 0.0) == THIRTY
    assert wait(ok(), jitter=0.1, rand=lambda: 1.0) == THIRTY * 1.1
    assert wait(ok(), jitter=0.1, rand=lambda: 0.5) == THIRTY * 1.05
    # never earlier than the server asked, never past the clamp
    assert wait(ok(max_age=7200), jitter=0.1, rand=lambda: 0.0) == timedelta(hours=2)
    assert wait(ok(max_age=86400), jitter=0.5, rand=lambda: 1.0) == MAX_INTERVAL
