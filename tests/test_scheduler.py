"""The scheduler: ticks, the poller lock, faults that must not stop it, the jobs it registers.

Time is a controllable clock passed to the scheduler (and on to the poller's due check);
nothing here sleeps to wait for a schedule.
"""

from __future__ import annotations

import asyncio
import dataclasses
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from briefer.config import Config, DigestSettings, FeedConfig, Paths, load_config
from briefer.lock import PollerLock
from briefer.models import PollReport
from briefer.scheduler import (
    MISFIRE_GRACE,
    BrieferScheduler,
    DigestJob,
    PollerState,
    SchedulerHooks,
    ScheduleSettings,
    TickOutcome,
)
from briefer.store import Store
from tests.factory import add_feed, item


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> datetime:
        self.now += timedelta(**kw)
        return self.now


def make_config(tmp_path: Path, feeds: tuple[FeedConfig, ...] = (), **digest: object) -> Config:
    config = load_config(Paths.resolve(env={"BRIEFER_HOME": str(tmp_path)}))
    return dataclasses.replace(
        config,
        feeds=feeds,
        digest=dataclasses.replace(DigestSettings(), **digest),  # type: ignore[arg-type]
    )


class FakePoll:
    """A poll function recording the `now` it was given; can fail or hang on demand."""

    def __init__(self) -> None:
        self.calls: list[datetime | None] = []
        self.overrides: list[dict[str, object]] = []
        self.fail: Exception | None = None
        self.release = threading.Event()
        self.release.set()
        self.report = PollReport()
        self.cancelled = threading.Event()

    def cancel(self) -> None:
        self.cancelled.set()

    def __call__(self, now: datetime | None, **overrides: object) -> PollReport:
        self.calls.append(now)
        self.overrides.append(overrides)
        self.release.wait(10)
        if self.fail is not None:
            raise self.fail
        return self.report


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return make_config(tmp_path)


@pytest.fixture
def lock(config: Config) -> Iterator[PollerLock]:
    lock = PollerLock(config.paths.lock)
    yield lock
    lock.release()


async def test_tick_polls_with_the_clock_and_reports(config: Config, lock: PollerLock) -> None:
    clock = Clock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    poll = FakePoll()
    reports: list[PollReport] = []
    states: list[PollerState] = []
    sched = BrieferScheduler(
        config,
        poll,
        lock=lock,
        hooks=SchedulerHooks(on_report=reports.append, on_status=states.append),
        settings=ScheduleSettings(clock=clock),
    )
    assert await sched.tick() is TickOutcome.POLLED
    clock.advance(minutes=1)
    assert await sched.tick() is TickOutcome.POLLED
    assert poll.calls == [datetime(2026, 11, 23, 9, 0, tzinfo=UTC), clock.now]
    assert reports == [poll.report, poll.report]
    assert states == [PollerState(True, None, "polling here")]  # reported once, on change
    assert lock.held
    await sched.aclose()
    assert not lock.held


async def test_another_poller_holds_the_lock(config: Config, lock: PollerLock) -> None:
    # Stands in for the daemon (flock is per open file).
    daemon = PollerLock(config.paths.lock, role="daemon")
    assert daemon.acquire()
    poll = FakePoll()
    states: list[PollerState] = []
    sched = BrieferScheduler(config, poll, lock=lock, hooks=SchedulerHooks(on_status=states.append))
    assert await sched.tick() is TickOutcome.OTHER_POLLER
    assert await sched.tick() is TickOutcome.OTHER_POLLER
    assert poll.calls == []
    pid = daemon.holder_pid()
    assert states == [PollerState(False, pid, f"polling by the daemon (pid {pid})")]
    daemon.release()  # the daemon exits: the next tick takes over
    assert await sched.tick() is TickOutcome.POLLED
    assert states[-1].polling_here
    await sched.aclose()


async def test_a_failing_poll_is_logged_and_the_next_tick_still_runs(
    config: Config, caplog: pytest.LogCaptureFixture
) -> None:
    poll = FakePoll()
    poll.fail = RuntimeError("disk on fire")
    errors: list[BaseException] = []
    sched = BrieferScheduler(config, poll, hooks=SchedulerHooks(on_error=errors.append))
    assert await sched.tick() is TickOutcome.FAILED
    assert [str(e) for e in errors] == ["disk on fire"]
    assert "disk on fire" in caplog.text
    poll.fail = None
    assert await sched.tick() is TickOutcome.POLLED
    await sched.aclose()


async def test_failing_hooks_do_not_stop_the_schedule(config: Config) -> None:
    poll = FakePoll()
    poll.report = PollReport(new_matches=[object()])  # type: ignore[list-item]
    errors: list[BaseException] = []

    def bad_report(report: PollReport) -> None:
        raise ValueError("widget gone")

    async def bad_notify(report: PollReport) -> None:
        raise OSError("no bus")

    hooks = SchedulerHooks(on_report=bad_report, on_error=errors.append)
    sched = BrieferScheduler(config, poll, notify=bad_notify, hooks=hooks)
    assert await sched.tick() is TickOutcome.POLLED
    assert await sched.tick() is TickOutcome.POLLED
    assert [type(e) for e in errors] == [ValueError, OSError] * 2
    await sched.aclose()


async def test_a_hanging_poll_times_out_and_ticks_skip_until_it_ends(config: Config) -> None:
    poll = FakePoll()
    poll.release.clear()
    sched = BrieferScheduler(config, poll, settings=ScheduleSettings(poll_timeout=0.05))
    assert await sched.tick() is TickOutcome.TIMED_OUT
    assert poll.cancelled.is_set()  # the poll was asked to stop at its next await
    assert await sched.tick() is TickOutcome.BUSY  # never two polls at once
    poll.release.set()
    assert sched._in_flight is not None
    await asyncio.wait_for(asyncio.shield(sched._in_flight), 5)
    assert await sched.tick() is TickOutcome.POLLED
    assert len(poll.calls) == 2
    await sched.aclose()


async def test_start_registers_jobs_with_safe_defaults(tmp_path: Path) -> None:
    config = make_config(tmp_path, time=time(7, 0))
    polled = asyncio.Event()
    sched = BrieferScheduler(
        config,
        FakePoll(),
        digest=DigestJob(lambda: None),
        hooks=SchedulerHooks(on_report=lambda r: polled.set()),
    )
    sched.start()
    try:
        await asyncio.wait_for(polled.wait(), 5)  # the first tick runs at once
        assert sched.scheduler is not None
        jobs = {job.id: job for job in sched.scheduler.get_jobs()}
        assert set(jobs) == {"tick", "digest"}
        for job in jobs.values():
            assert job.coalesce is True
            assert job.max_instances == 1
            assert job.misfire_grace_time >= MISFIRE_GRACE
        digest = jobs["digest"]
        fire = digest.trigger.get_next_fire_time(None, datetime.now(UTC).astimezone())
        assert (fire.hour, fire.minute) == (7, 0)
        assert fire.utcoffset() == datetime.now().astimezone().utcoffset()  # local time
        assert sched.next_tick() is not None
    finally:
        await sched.aclose()
    assert sched.scheduler is None


async def test_poll_now_polls_at_once_what_was_asked(config: Config) -> None:
    poll = FakePoll()
    reports: list[PollReport] = []
    hooks = SchedulerHooks(on_report=reports.append)
    sched = BrieferScheduler(
        config, poll, hooks=hooks, settings=ScheduleSettings(tick_seconds=None)
    )
    try:
        waiter = sched.poll_now(urls=["http://127.0.0.1:1/a.xml"])
        assert await asyncio.wait_for(waiter, 5) is TickOutcome.POLLED
        assert await asyncio.wait_for(sched.poll_now(every=True), 5) is TickOutcome.POLLED
        assert await asyncio.wait_for(sched.tick(), 5) is TickOutcome.POLLED  # a scheduled one
        assert poll.overrides == [
            {"every": False, "urls": ["http://127.0.0.1:1/a.xml"]},
            {"every": True, "urls": None},
            {"every": False, "urls": None},  # an ordinary tick: due feeds
        ]
        assert reports == [poll.report] * 3
    finally:
        await sched.aclose()


async def test_requests_during_a_poll_wait_their_turn_and_are_not_doubled(
    config: Config,
) -> None:
    poll = FakePoll()
    poll.release.clear()
    sched = BrieferScheduler(config, poll, settings=ScheduleSettings(tick_seconds=None))
    try:
        first = sched.poll_now(every=True)
        await asyncio.sleep(0.05)  # the first poll is now running in its thread
        assert await sched.tick() is TickOutcome.BUSY  # a scheduled tick just skips
        again = [sched.poll_now(urls=["http://127.0.0.1:1/a.xml"]) for _ in range(3)]
        assert len(poll.calls) == 1 and not any(w.done() for w in again)
        poll.release.set()
        outcomes = await asyncio.wait_for(asyncio.gather(first, *again), 5)
        assert outcomes == [TickOutcome.POLLED] * 4
        assert poll.overrides == [
            {"every": True, "urls": None},
            {"every": False, "urls": ["http://127.0.0.1:1/a.xml"]},  # once, for all three
        ]
    finally:
        await sched.aclose()


async def test_shutdown_answers_waiting_requests(config: Config) -> None:
    poll = FakePoll()
    poll.release.clear()
    sched = BrieferScheduler(config, poll, settings=ScheduleSettings(tick_seconds=None))
    running = sched.poll_now()
    await asyncio.sleep(0.05)
    waiting = sched.poll_now(every=True)
    poll.release.set()
    await sched.aclose()
    assert await asyncio.wait_for(waiting, 5) is TickOutcome.STOPPED
    assert await asyncio.wait_for(running, 5) in (TickOutcome.POLLED, TickOutcome.STOPPED)
    assert sched.poll_now().result() is TickOutcome.STOPPED


async def test_a_request_while_another_process_polls_says_who_and_how_it_goes(
    config: Config, lock: PollerLock
) -> None:
    """`r` in the app while the daemon polls: the daemon's lock file says when it started
    and how long its last poll took, and the waiter hears OTHER_POLLER with that."""
    daemon_poll = FakePoll()
    daemon = BrieferScheduler(
        config,
        daemon_poll,
        lock=PollerLock(config.paths.lock, role="daemon"),
        settings=ScheduleSettings(tick_seconds=None),
    )
    app = BrieferScheduler(
        config, FakePoll(), lock=lock, settings=ScheduleSettings(tick_seconds=None)
    )
    try:
        assert await daemon.tick() is TickOutcome.POLLED  # an earlier poll: its length noted
        before = datetime.now(UTC)
        daemon_poll.release.clear()
        running = daemon.poll_now()
        await asyncio.sleep(0.05)
        assert await asyncio.wait_for(app.poll_now(every=True), 5) is TickOutcome.OTHER_POLLER
        holder = app.state.holder
        assert holder is not None and holder.role == "daemon" and holder.pid == app.state.holder_pid
        assert holder.polling_since is not None and holder.polling_since >= before
        assert holder.last_seconds is not None and holder.last_finished is not None
        assert app.state.message.startswith("polling by the daemon (pid ")
        daemon_poll.release.set()
        assert await asyncio.wait_for(running, 5) is TickOutcome.POLLED
        holder_after = PollerLock(config.paths.lock).holder()
        assert holder_after is not None and holder_after.polling_since is None  # done now
    finally:
        daemon_poll.release.set()
        await daemon.aclose()
        await app.aclose()


async def test_no_digest_job_without_a_time(config: Config) -> None:
    sched = BrieferScheduler(config, FakePoll(), digest=DigestJob(lambda: None))
    sched.start(poll_first=False)
    try:
        assert sched.scheduler is not None
        assert [j.id for j in sched.scheduler.get_jobs()] == ["tick"]
    finally:
        sched.shutdown()


async def test_start_needs_a_running_loop(config: Config) -> None:
    sched = BrieferScheduler(config, FakePoll())

    def outside() -> None:
        sched.start()

    with pytest.raises(RuntimeError):
        await asyncio.to_thread(outside)  # no loop in that thread, as before Textual runs
    sched.shutdown()


async def test_digest_failure_is_logged_and_survivable(config: Config) -> None:
    calls = []

    def digest() -> None:
        calls.append(threading.current_thread().name)
        if len(calls) == 1:
            raise OSError("disk full")

    errors: list[BaseException] = []
    sched = BrieferScheduler(
        config,
        FakePoll(),
        digest=DigestJob(digest),
        hooks=SchedulerHooks(on_error=errors.append),
    )
    assert await sched.run_digest() is False
    assert await sched.run_digest() is True
    assert calls[0].startswith("briefer-digest")  # off the loop's thread
    assert [str(e) for e in errors] == ["disk full"]
    sched.shutdown()


# -- with the real poller, feeds on a local HTTP server, and a controllable clock --------------


class NoMatches:
    """A matcher that never matches: these tests are about when feeds are fetched."""

    issues = ()

    def match_many(self, texts: object) -> list[list[object]]:
        return [[] for _ in texts]  # type: ignore[attr-defined]


@pytest.fixture
def poller_clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """One clock for the scheduler's due check and the poller's and fetcher's `now`."""
    import briefer.fetch
    import briefer.poller

    clock = Clock(datetime.now(UTC).replace(microsecond=0))
    # Both ask briefer.clock.utcnow, by the name they imported.
    monkeypatch.setattr(briefer.poller, "utcnow", clock)
    monkeypatch.setattr(briefer.fetch, "utcnow", clock)
    # No jitter here: these tests check exact due times.
    real_next_check = briefer.poller.next_check

    def no_jitter(*args: Any, **kwargs: Any) -> datetime:
        return real_next_check(*args, **{**kwargs, "rand": lambda: 0.0})

    monkeypatch.setattr(briefer.poller, "next_check", no_jitter)
    return clock


async def test_intervals_server_hints_backoff_and_retry_after(
    tmp_path: Path, httpserver: object, poller_clock: Clock
) -> None:
    from pytest_httpserver import HTTPServer
    from werkzeug import Request, Response

    from briefer.scheduler import PollRunner
    from tests.feeds import Entry, rss

    server: HTTPServer = httpserver  # type: ignore[assignment]
    hits: dict[str, int] = {}
    broken = {"c": True}
    body = rss([Entry("Quiet day on the border", guid="1", link="https://example.com/1")])

    def handler(request: Request) -> Response:
        name = request.path.strip("/")
        hits[name] = hits.get(name, 0) + 1
        if name == "c" and broken["c"]:
            return Response("boom", status=500)
        if name == "d":
            return Response("slow down", status=429, headers={"Retry-After": "7200"})
        if name == "e":
            return Response(
                rss([Entry("x", guid="1")], ttl=120), content_type="application/rss+xml"
            )
        if name == "f":
            return Response(
                body, content_type="application/rss+xml", headers={"Cache-Control": "max-age=5400"}
            )
        return Response(body, content_type="application/rss+xml")

    for name in "abcdef":
        server.expect_request(f"/{name}").respond_with_handler(handler)
    feeds = tuple(
        FeedConfig(url=server.url_for(f"/{n}"), interval_minutes=60 if n == "b" else None)
        for n in "abcdef"
    )
    config = make_config(tmp_path, feeds)
    assert config.poll.interval_minutes == 30
    clock = poller_clock
    t0 = clock.now
    sched = BrieferScheduler(
        config,
        PollRunner(config, NoMatches()),  # type: ignore[arg-type]
        settings=ScheduleSettings(clock=clock),
    )

    async def at(minutes: float) -> dict[str, int]:
        clock.now = t0 + timedelta(minutes=minutes)
        before = dict(hits)
        assert await sched.tick() is TickOutcome.POLLED
        return {n: hits.get(n, 0) - before.get(n, 0) for n in hits if hits[n] != before.get(n, 0)}

    # a: every 30 min; b: its own 60; c: fails, backs off 30, 60, 120 ...; d: Retry-After 2 h;
    # e: RSS ttl 120 min; f: Cache-Control max-age 90 min.
    assert await at(0) == dict.fromkeys("abcdef", 1)
    assert await at(29) == {}
    assert await at(31) == {"a": 1, "c": 1}  # c's 2nd failure: next in 60 min (at 91)
    assert await at(62) == {"a": 1, "b": 1}
    assert await at(91) == {"c": 1, "f": 1}  # c's 3rd failure: next in 120 min (at 211)
    assert await at(93) == {"a": 1}
    assert await at(121) == {"d": 1, "e": 1}  # Retry-After and ttl: 2 h
    broken["c"] = False
    assert await at(200) == {"a": 1, "b": 1, "f": 1}
    assert await at(212) == {"c": 1}  # succeeds: back to every 30 min
    assert await at(243) == {"a": 1, "c": 1, "d": 1, "e": 1}
    with Store(config.paths.db) as store:
        rows = {row.url.rsplit("/", 1)[1]: row for row in store.feeds()}
    assert rows["c"].error_count == 0 and not rows["c"].disabled
    assert rows["d"].error_count == 0  # rate limiting is not a failure
    await sched.aclose()


async def test_a_gone_feed_is_disabled_with_its_reason_and_others_go_on(
    tmp_path: Path, httpserver: object, poller_clock: Clock
) -> None:
    from pytest_httpserver import HTTPServer

    from briefer.scheduler import PollRunner
    from tests.feeds import Entry, rss

    server: HTTPServer = httpserver  # type: ignore[assignment]
    server.expect_request("/gone").respond_with_data("", status=410)
    server.expect_request("/ok").respond_with_data(
        rss([Entry("Tariff news", guid="1")]), content_type="application/rss+xml"
    )
    config = make_config(
        tmp_path, (FeedConfig(server.url_for("/gone")), FeedConfig(server.url_for("/ok")))
    )
    sched = BrieferScheduler(
        config,
        PollRunner(config, NoMatches()),  # type: ignore[arg-type]
        settings=ScheduleSettings(clock=poller_clock),
    )
    assert await sched.tick() is TickOutcome.POLLED
    poller_clock.advance(days=3)
    assert await sched.tick() is TickOutcome.POLLED
    assert sched.last_report is not None
    assert [o.url for o in sched.last_report.outcomes] == [server.url_for("/ok")]
    with Store(config.paths.db) as store:
        gone = store.feed(server.url_for("/gone"))
    assert (
        gone is not None
        and gone.disabled
        and gone.disabled_reason
        and "410" in gone.disabled_reason
    )
    await sched.aclose()


def test_scheduling_modules_load_neither_textual_nor_click() -> None:
    """The daemon must not pay for the UI; the TUI imports these on its own loop."""
    import subprocess
    import sys

    code = (
        "import sys, briefer.scheduler, briefer.notify, briefer.daemon, briefer.lock\n"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('textual', 'click'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


async def test_the_digest_job_writes_the_daily_digest(tmp_path: Path) -> None:
    from briefer.models import Match
    from briefer.scheduler import write_scheduled_digest
    from briefer.watchlist import load_issues

    config = make_config(tmp_path, time=time(7, 0), formats=("md",))
    issues = load_issues(config.watchlist_dirs)
    recent = datetime.now(UTC) - timedelta(hours=1)
    with Store(config.paths.db) as store:
        add_feed(
            store,
            "http://127.0.0.1:1/a.xml",
            [
                (
                    item("a", "Fentanyl seizure at Nogales", published=recent),
                    [Match("fentanyl", 90.0)],
                )
            ],
            now=datetime.now(UTC),
        )
    announced: list[list[Path]] = []

    async def on_digest(paths: list[Path]) -> None:
        announced.append(paths)

    sched = BrieferScheduler(
        config,
        FakePoll(),
        digest=DigestJob(lambda: write_scheduled_digest(config, issues), on_digest),
    )
    assert await sched.run_digest() is True
    written = sorted(config.digest_folder.glob("*.md"))
    assert len(written) == 1
    assert "Fentanyl seizure at Nogales" in written[0].read_text(encoding="utf-8")
    assert announced == [written]  # then "Digest ready" names the file
    sched.shutdown()
