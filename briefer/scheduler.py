"""Every poll, and the daily digest, for the app, the daemon and `briefer poll --once` alike.

`BrieferScheduler` is the one way to poll. It runs on the caller's running loop (Textual's,
or an `asyncio.run`) and serves two kinds of request through the same steps:

- **ticks** of an APScheduler 3.x `AsyncIOScheduler` (every minute, a few seconds of
  jitter; `coalesce=True`, `max_instances=1` and a generous misfire grace, since the 1 s
  default silently drops runs after a laptop sleeps) poll the feeds whose stored `next_due`
  has come. Per-feed intervals, server hints (ttl, max-age, Retry-After) and error backoff
  all live in that `next_due`, so a single tick serves every feed.
- **`poll_now()`** (the app's poll keys, one feed from the feeds screen, `poll --once`)
  polls every feed or just some, now; requests made while a poll runs wait their turn, so
  two polls never overlap. It returns a future with the request's `TickOutcome`.

The steps, whoever asked: take the poller lock (if another process holds it, report who,
and poll nothing); note in the lock file that a cycle started; run the cycle in its own
thread (`briefer.poll_cycle.PollRunner`), so the loop never blocks; note when it ended;
hand its PollReport to `hooks.on_report`, then to the notify step. The **digest** job
(daily, at the configured local time) writes the digest in a thread and announces it.

Faults stay inside their step: an exception is logged (and passed to `hooks.on_error`) and
the next run still happens; a poll that overruns its timeout is cancelled at its next await
and ticks skip until its thread is done, so one hanging feed never stops the schedule.

Over 500 lines because the request queue, the lock, the two jobs and shutdown share one
state machine; the poll itself (`poll_cycle`), the notify step (`notify_step`) and the
daily prune (`prune`) live apart.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from briefer.clock import Clock, utcnow
from briefer.config import Config
from briefer.errors import BrieferError
from briefer.lock import Holder, PollerLock
from briefer.models import FeedOutcome, PollReport
from briefer.notify import IssueLike
from briefer.notify_step import NotifyOptions, NotifyStep
from briefer.poll_cycle import POLL_TIMEOUT, PollCancelled, PollRunner
from briefer.prune import RetentionJob, schedule_retention

if TYPE_CHECKING:
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    from briefer.match import Matcher

__all__ = [
    "BrieferScheduler",
    "DigestJob",
    "NotifyOptions",
    "NotifyStep",
    "PollCancelled",
    "PollRequest",
    "PollRunner",
    "PollerState",
    "ScheduleSettings",
    "SchedulerHooks",
    "TickOutcome",
    "create_scheduler",
    "holder_name",
    "write_scheduled_digest",
]

log = logging.getLogger(__name__)

TICK_SECONDS = 60.0
TICK_JITTER = 5  # seconds; ticks from several processes need not line up
MISFIRE_GRACE = 3600  # a tick missed while the laptop slept runs once on waking
DIGEST_MISFIRE_GRACE = 6 * 3600  # a 07:00 digest still gets written at 09:30

PollFunction = Callable[..., PollReport]  # poll(now, *, every, urls); blocking, in a thread


class TickOutcome(StrEnum):
    POLLED = "polled"
    OTHER_POLLER = "other_poller"  # another process holds the lock
    BUSY = "busy"  # the previous poll's thread is still running
    TIMED_OUT = "timed_out"
    FAILED = "failed"
    STOPPED = "stopped"


ROLE_NAMES = {"daemon": "the daemon", "app": "the briefer app", "poll": "`briefer poll`"}


def holder_name(holder: Holder | None) -> str:
    """Who holds the lock, in words: "the daemon", or "another briefer" if it did not say."""
    return ROLE_NAMES.get(holder.role, "another briefer") if holder else "another briefer"


@dataclass(frozen=True, slots=True)
class PollerState:
    """What the status bar shows: who polls, and what happened last."""

    polling_here: bool
    holder_pid: int | None = None
    message: str = ""
    # What the holder's lock file said (its cycle in flight, its next check): changes each
    # cycle, so it takes no part in "did the state change".
    holder: Holder | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class PollRequest:
    """Which feeds one poll covers: the due ones, `every` one, or just `urls`."""

    every: bool = False
    urls: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class SchedulerHooks:
    """What the scheduler tells its owner, each on the owner's loop thread (so the app may
    touch its widgets): `on_report(PollReport)` after every poll this process ran,
    `on_status(PollerState)` when who-polls changes, `on_error(exception)` for a step that
    failed (it was logged; the schedule goes on)."""

    on_report: Callable[[PollReport], object] | None = None
    on_status: Callable[[PollerState], object] | None = None
    on_error: Callable[[BaseException], object] | None = None


@dataclass(frozen=True, slots=True)
class ScheduleSettings:
    """`tick_seconds`: how often the schedule looks for due feeds (None: no schedule, polls
    only on request, as `poll --once` does); `every`: each tick polls every feed, due or not
    (the demo); `clock`: the `now` each poll gets (tests pass a controllable one)."""

    tick_seconds: float | None = TICK_SECONDS
    poll_timeout: float | None = POLL_TIMEOUT
    every: bool = False
    clock: Clock = utcnow


@dataclass(frozen=True, slots=True)
class DigestJob:
    """The daily digest: `write()` (blocking, run in a thread) returns the files written;
    `announce(paths)` then says so."""

    write: Callable[[], object]
    announce: Callable[[list[Path]], Awaitable[object]] | None = None


Waiter = asyncio.Future[TickOutcome]


class BrieferScheduler:
    """The app (`start()` in on_mount, `shutdown()` in on_unmount), the daemon (`start()`,
    then `await aclose()` on SIGTERM) and `poll --once` (`await poll_now()`, no `start()`)."""

    def __init__(
        self,
        config: Config,
        poll: PollFunction,
        *,
        lock: PollerLock | None = None,
        notify: Callable[[PollReport], Awaitable[object]] | None = None,
        digest: DigestJob | None = None,
        hooks: SchedulerHooks | None = None,
        settings: ScheduleSettings | None = None,
        retention: RetentionJob | None = None,
    ) -> None:
        self.config = config
        self.retention = retention  # the daily prune, in the process that polls
        self.poll = poll
        self.cancel_poll: Callable[[], object] | None = getattr(poll, "cancel", None)
        self.lock = lock
        self.notify = notify
        self.digest = digest
        self.hooks = hooks or SchedulerHooks()
        self.settings = settings or ScheduleSettings()
        self.state = PollerState(polling_here=False, message="starting")
        self.last_report: PollReport | None = None
        self.scheduler: AsyncIOScheduler | None = None
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="briefer-poll")
        self._digest_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="briefer-digest")
        self._in_flight: asyncio.Future[PollReport] | None = None
        self._requests: list[tuple[PollRequest, list[Waiter]]] = []
        self._serving: asyncio.Task[None] | None = None
        self._last: tuple[datetime, float] | None = None  # last cycle: ended at, took (s)
        self._stopping = False

    # -- lifecycle --

    def prepare(self, *, poll_first: bool = True) -> None:
        """Build the schedule without starting it. Any thread may call this: the app does,
        from a worker, so its loop never pays for APScheduler's set-up (the local zone is
        read from disk) nor for starting the poll thread."""
        if self.scheduler is not None:
            return
        # Imported here, not with the module: `briefer poll --once` polls through this class
        # but schedules nothing, and APScheduler's import (it reads its package metadata and
        # every installed package's entry points) was a sixth of that command's start.
        from apscheduler.schedulers.asyncio import AsyncIOScheduler
        from apscheduler.triggers.cron import CronTrigger
        from apscheduler.triggers.interval import IntervalTrigger

        scheduler = AsyncIOScheduler(
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": MISFIRE_GRACE,
            }
        )
        if self.settings.tick_seconds is not None:
            scheduler.add_job(
                self._tick_job,
                IntervalTrigger(seconds=self.settings.tick_seconds, jitter=TICK_JITTER),
                id="tick",
                name="poll due feeds",
                next_run_time=utcnow() if poll_first else None,
            )
        at = self.config.digest.time
        if self.digest is not None and at is not None:
            scheduler.add_job(
                self._digest_job,
                CronTrigger(hour=at.hour, minute=at.minute),  # the scheduler's zone: local
                id="digest",
                name="daily digest",
                misfire_grace_time=DIGEST_MISFIRE_GRACE,
            )
        if self.retention is not None:
            schedule_retention(
                scheduler,
                self.retention,
                may_run=lambda: self.state.polling_here,
                on_error=self._failed,
            )
        self.scheduler = scheduler
        self._pool.submit(_nothing)  # its thread starts here, not in the first poll's step

    def start(self, *, poll_first: bool = True) -> None:
        """Start on the running loop (raises outside one, as APScheduler does)."""
        asyncio.get_running_loop()
        self.prepare(poll_first=poll_first)
        assert self.scheduler is not None
        self.scheduler.start()

    def poll_now(self, *, every: bool = False, urls: Sequence[str] | None = None) -> Waiter:
        """Poll `every` feed, or just `urls`, or the due ones, as soon as no poll runs.

        Returns a future with the outcome (OTHER_POLLER: another process polls; see
        `state.holder`). The report arrives through `hooks.on_report` like any other.
        The same request already waiting is not queued twice.
        """
        loop = asyncio.get_running_loop()
        waiter: Waiter = loop.create_future()
        if self._stopping:
            waiter.set_result(TickOutcome.STOPPED)
            return waiter
        request = PollRequest(every, tuple(urls) if urls is not None else None)
        for queued, waiters in self._requests:
            if queued == request:
                waiters.append(waiter)
                break
        else:
            self._requests.append((request, [waiter]))
        if self._serving is None or self._serving.done():
            self._serving = loop.create_task(self._serve_requests())
        return waiter

    @property
    def polling(self) -> bool:
        """Whether a poll of this process is running now."""
        return self._in_flight is not None and not self._in_flight.done()

    def next_tick(self) -> datetime | None:
        job = self.scheduler.get_job("tick") if self.scheduler is not None else None
        return None if job is None else job.next_run_time

    def shutdown(self) -> None:
        """Stop scheduling, cancel the poll in flight, release the lock. Never blocks."""
        self._stopping = True
        if self.retention is not None:
            self.retention.stop()
        if self.scheduler is not None:
            if self.scheduler.running:
                self.scheduler.shutdown(wait=False)
            self.scheduler = None
        if self._serving is not None:
            self._serving.cancel()
        for _, waiters in self._requests:
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_result(TickOutcome.STOPPED)
        self._requests.clear()
        if self._in_flight is not None and not self._in_flight.done() and self.cancel_poll:
            self.cancel_poll()
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._digest_pool.shutdown(wait=False, cancel_futures=True)
        if isinstance(self.notify, NotifyStep):
            self.notify.close()
        if self.lock is not None:
            self.lock.release()

    async def aclose(self, timeout: float = 3.0) -> bool:
        """shutdown(), then wait up to `timeout` s for the poll in flight; True if it ended."""
        in_flight = self._in_flight
        self.shutdown()
        if in_flight is None or in_flight.done():
            return True
        done, _ = await asyncio.wait({in_flight}, timeout=timeout)
        if not done:
            log.warning("the poll in flight did not stop within %.0f s; abandoning it", timeout)
        return bool(done)

    # -- the jobs (each one catches everything: a failing job never stops the schedule) --

    async def _tick_job(self) -> None:
        await self.tick()

    async def _digest_job(self) -> None:
        await self.run_digest()

    async def _serve_requests(self) -> None:
        """Run the requested polls one after another, after any poll already running."""
        while self._requests:
            in_flight = self._in_flight
            if in_flight is not None and not in_flight.done():
                await asyncio.wait({in_flight})
                continue
            request, waiters = self._requests.pop(0)
            if all(waiter.done() for waiter in waiters):  # every asker gave up
                continue
            outcome = await self.tick(request)
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_result(outcome)

    async def tick(self, request: PollRequest | None = None) -> TickOutcome:
        """One poll step: the tick job runs this with no request (the due feeds, or every
        feed with `settings.every`); `poll_now` with its own; tests with a fake clock."""
        if self._stopping:
            return TickOutcome.STOPPED
        try:
            if self._in_flight is not None and not self._in_flight.done():
                log.warning("the previous poll is still running; skipping this tick")
                return TickOutcome.BUSY
            if self.lock is not None and not self.lock.acquire():
                holder = self.lock.holder()
                pid = holder.pid if holder else None
                who = f"pid {pid}" if pid else "pid unknown"
                message = f"polling by {holder_name(holder)} ({who})"
                self._set_state(PollerState(False, pid, message, holder))
                return TickOutcome.OTHER_POLLER
            if not self.state.polling_here:
                self._set_state(PollerState(True, None, "polling here"))
            return await self._poll_once(request or PollRequest(every=self.settings.every))
        except Exception as exc:
            self._failed("polling", exc)
            return TickOutcome.FAILED

    async def _poll_once(self, request: PollRequest) -> TickOutcome:
        loop = asyncio.get_running_loop()
        urls = list(request.urls) if request.urls is not None else None
        poll = functools.partial(self.poll, self.settings.clock(), every=request.every, urls=urls)
        started = time.monotonic()
        self._note(polling_since=utcnow())
        future = loop.run_in_executor(self._pool, poll)
        future.add_done_callback(_retrieve)  # a result nobody awaits after a timeout or stop
        future.add_done_callback(lambda _: self._finished(started))
        self._in_flight = future
        timeout = self.settings.poll_timeout
        try:
            if timeout is None:
                report = await asyncio.shield(future)
            else:
                report = await asyncio.wait_for(asyncio.shield(future), timeout)
        except TimeoutError:
            log.error("a poll ran past %.0f s; cancelling it", timeout or 0)
            if self.cancel_poll is not None:
                self.cancel_poll()
            return TickOutcome.TIMED_OUT
        except PollCancelled:
            log.info("the poll in flight was cancelled; feeds already read are stored")
            return TickOutcome.STOPPED
        except asyncio.CancelledError:
            if self._stopping or future.cancelled():
                return TickOutcome.STOPPED
            raise
        self.last_report = report
        _log_report(report)
        if self.hooks.on_report is not None:
            try:
                self.hooks.on_report(report)
            except Exception as exc:
                self._failed("reporting the poll", exc)
        if self.notify is not None:  # even with nothing new: quiet hours may have ended
            try:
                await self.notify(report)
            except Exception as exc:
                self._failed("notifying", exc)
        return TickOutcome.POLLED

    def _finished(self, started: float) -> None:
        self._last = (utcnow(), time.monotonic() - started)
        if not self._stopping:
            self._note()

    def _note(self, *, polling_since: datetime | None = None) -> None:
        """Tell others, through the lock file, how our polling goes (who asks: `r` elsewhere)."""
        if self.lock is None:
            return
        ended, took = self._last if self._last is not None else (None, None)
        self.lock.note(
            polling_since=polling_since,
            last_finished=ended,
            last_seconds=took,
            next_check=self.next_tick(),
        )

    async def run_digest(self) -> bool:
        """Write the scheduled digest now (in a thread); False if it failed (and was logged)."""
        if self.digest is None:
            return False
        try:
            loop = asyncio.get_running_loop()
            written = await loop.run_in_executor(self._digest_pool, self.digest.write)
        except Exception as exc:
            self._failed("writing the daily digest", exc)
            return False
        log.info("daily digest written")
        if self.digest.announce is not None and isinstance(written, list) and written:
            try:
                await self.digest.announce(written)
            except Exception as exc:  # the digest is written; only the announcement failed
                self._failed("announcing the daily digest", exc)
        return True

    def _set_state(self, state: PollerState) -> None:
        changed = state != self.state
        self.state = state
        if changed:
            log.info("poller: %s", state.message)
            if self.hooks.on_status is not None:
                try:
                    self.hooks.on_status(state)
                except Exception as exc:
                    self._failed("reporting the poller's state", exc)

    def _failed(self, doing: str, exc: BaseException) -> None:
        # A BrieferError is already the user's sentence (a full disk, a damaged or deleted
        # database): the log gets that, not a traceback.
        trace = None if isinstance(exc, BrieferError) else exc
        log.error("error while %s: %s", doing, exc, exc_info=trace)
        if self.hooks.on_error is not None:
            try:
                self.hooks.on_error(exc)
            except Exception:
                log.exception("on_error hook failed")


def _nothing() -> None:
    pass


def _retrieve(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()


def _log_report(report: PollReport) -> None:
    if not report.outcomes:
        log.debug("tick: no feed due")
        return
    failed = len(report.outcomes) - report.succeeded
    log.info(
        "polled %d feeds (%d failed): %d new items, %d new matches",
        len(report.outcomes),
        failed,
        report.new_items,
        len(report.new_matches),
    )
    for outcome in report.outcomes:
        if outcome.error:
            log.warning("%s: %s: %s", outcome.title, outcome.status, outcome.error)


# -- the daily digest --------------------------------------------------------------------------


def write_scheduled_digest(config: Config, issues: Sequence[IssueLike]) -> list[Path]:
    """The daily digest job (blocking, in a thread, with its own Store)."""
    from briefer.baseline import baselines, load_seeds
    from briefer.digest import write_daily_digest
    from briefer.store import Store

    notes = baselines(load_seeds(config.seed_dirs), [issue.id for issue in issues])
    with Store(config.paths.db) as store:
        written = write_daily_digest(config, store, issues, notes)
    log.info("digest written: %s", ", ".join(str(p) for p in written))
    return written


# -- wiring it all: what the app, the daemon and `poll --once` call ----------------------------


def create_scheduler(
    config: Config,
    issues: Sequence[IssueLike],
    matcher: Matcher,
    *,
    role: str,
    executor: Executor | None = None,
    hooks: SchedulerHooks | None = None,
    settings: ScheduleSettings | None = None,
    notify: NotifyOptions | None = None,
    digest: bool = True,
    on_outcome: Callable[[FeedOutcome], None] | None = None,
) -> BrieferScheduler:
    """The standard wiring: the poller lock in the data folder (noted with `role`: "daemon",
    "app" or "poll"), a PollRunner thread parsing in `executor`, the notify step (None: no
    notifications) and the digest job. `on_outcome` hears each feed as it is stored, in the
    poll's thread. Call `.start()` once the loop runs, for the schedule."""
    settings = settings or ScheduleSettings()
    runner = PollRunner(
        config,
        matcher,
        executor=executor,
        timeout=settings.poll_timeout,
        on_outcome=on_outcome,
    )
    step = NotifyStep.with_options(config, issues, notify) if notify is not None else None
    job = None
    if digest:
        job = DigestJob(
            functools.partial(write_scheduled_digest, config, issues),
            step.announce_digest if step is not None else None,
        )
    return BrieferScheduler(
        config,
        runner,
        lock=PollerLock(config.paths.lock, role=role),
        notify=step,
        digest=job,
        hooks=hooks,
        settings=settings,
        retention=RetentionJob(config),
    )
