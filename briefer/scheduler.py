"""Always watching: the polling schedule and the daily digest, for the TUI and the daemon alike.

One APScheduler 3.x `AsyncIOScheduler` on the caller's running loop (Textual's, or the
daemon's `asyncio.run`), with async jobs only, `coalesce=True`, `max_instances=1` and a
generous misfire grace (the 1 s default silently drops runs after a laptop sleeps):

- **tick** (every minute, a few seconds of jitter): if this process holds the poller lock,
  poll the feeds whose stored `next_due` has come. Per-feed intervals, server hints
  (ttl, max-age, Retry-After) and error backoff all live in that `next_due`, which the
  poller computes with `briefer.timing.next_check`, so a single tick serves every feed.
  The poll runs in its own thread with its own Store and event loop (`PollRunner`), so the
  caller's loop never blocks; its PollReport comes back to `on_report` and then to the
  notify step, both on the caller's loop. If another process (the daemon) holds the lock,
  the tick only reports "polling by daemon (pid N)".
- **watch** (every few seconds): when the database changed under us (another process
  committed: `PRAGMA data_version`), call `on_external_change` so the TUI reloads.
- **digest** (daily at the configured local time): write the scheduled digest, in a thread.

Faults stay inside their job: an exception is logged (and passed to `on_error`) and the next
run still happens; a poll that overruns its timeout is cancelled at its next await and the
following ticks skip until its thread is done, so one hanging feed never stops the schedule.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import threading
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from briefer.config import Config
from briefer.errors import BrieferError
from briefer.lock import PollerLock
from briefer.models import PollReport
from briefer.notify import (
    DesktopNotifications,
    Fallback,
    IssueLike,
    NotifyResult,
    OnClick,
    deliver,
    digest_alert,
    in_quiet_hours,
    notify_new_matches,
)

if TYPE_CHECKING:
    from briefer.match import Matcher
    from briefer.store import Store

log = logging.getLogger(__name__)

TICK_SECONDS = 60.0
TICK_JITTER = 5  # seconds; ticks from several processes need not line up
WATCH_SECONDS = 5.0
POLL_TIMEOUT = 600.0  # a whole cycle; each feed has its own much shorter fetch timeout
MISFIRE_GRACE = 3600  # a tick missed while the laptop slept runs once on waking
DIGEST_MISFIRE_GRACE = 6 * 3600  # a 07:00 digest still gets written at 09:30

Clock = Callable[[], datetime]
PollFunction = Callable[[datetime | None], PollReport]  # blocking; runs in the poll thread
Hook = Callable[..., object]


def utcnow() -> datetime:
    return datetime.now(UTC)


class PollCancelled(Exception):
    """The poll was cancelled (shutdown or timeout) before it finished."""


# -- the poll, in its own thread ---------------------------------------------------------------


class PollRunner:
    """One poll cycle, run in the calling thread: its own event loop, its own Store.

    `runner(now)` blocks until the cycle is done and returns its PollReport; call it from a
    worker thread (the scheduler does: `await loop.run_in_executor(pool, runner, now)`).
    `cancel()` (from any thread) stops the cycle at its next await: feeds already stored
    stay stored, each feed's write is one transaction, so nothing is half-written.
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
    ) -> None:
        self.config = config
        self.matcher = matcher
        self.issue_versions = issue_versions or {}
        self.executor = executor
        self.timeout = timeout
        self.every = every
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
        from briefer.poller import Poller

        task = asyncio.current_task()
        assert task is not None
        with self._guard:
            if self._cancelled:
                raise asyncio.CancelledError
            self._running = (asyncio.get_running_loop(), task)
        try:
            with await _open_store(self.config.paths.db) as store:
                poller = Poller(
                    self.config,
                    store,
                    self.matcher,
                    issue_versions=self.issue_versions,
                    executor=self.executor,
                )
                cycle = poller.poll(now=now, every=every, urls=urls)
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


async def _open_store(path: Path, attempts: int = 10, pause: float = 0.3) -> Store:
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


def run_poll_in_thread(
    config: Config,
    matcher: Matcher,
    *,
    issue_versions: dict[str, str] | None = None,
    now: datetime | None = None,
) -> PollReport:
    """Blocking: one poll cycle with its own Store. For `asyncio.to_thread(...)` or a worker."""
    return PollRunner(config, matcher, issue_versions=issue_versions)(now)


# -- watching the database for rows another process wrote --------------------------------------


class DatabaseWatcher:
    """`changed()` is True when another connection committed since the last call.

    Uses `PRAGMA data_version` on a connection of its own, opened lazily in the thread that
    first calls it (the loop's thread, in the scheduler). The first call only takes a
    baseline and returns False.
    """

    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path
        self._store: Store | None = None
        self._version: int | None = None

    def changed(self) -> bool:
        if self._store is None:
            if not self.db_path.exists():
                return False
            from briefer.store import Store

            self._store = Store(self.db_path)
        version = self._store.data_version()
        seen, self._version = self._version, version
        return seen is not None and version != seen

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


# -- notifying after a poll --------------------------------------------------------------------


class NotifyStep:
    """After each poll: notify its new matches. Lives on the loop's thread, with its own Store
    (the notified-items ledger) and one long-lived desktop channel (clicks need it alive)."""

    def __init__(
        self,
        config: Config,
        issues: Sequence[IssueLike],
        *,
        desktop: DesktopNotifications | None = None,
        fallback: Fallback | None = None,
        on_result: Callable[[NotifyResult], object] | None = None,
    ) -> None:
        self.config = config
        self.issues = list(issues)
        self.desktop = desktop or DesktopNotifications()
        self.fallback = fallback
        self.on_result = on_result
        self._store: Store | None = None

    async def __call__(self, report: PollReport) -> NotifyResult:
        if not report.new_matches:
            return NotifyResult()
        if self._store is None:
            from briefer.store import Store

            self._store = Store(self.config.paths.db)
        result = await notify_new_matches(
            self.config,
            self._store,
            self.issues,
            report.new_matches,
            desktop=self.desktop,
            fallback=self.fallback,
        )
        if result.alerts:
            log.info("notify: %s", result.summary())
        if self.on_result is not None:
            self.on_result(result)
        return result

    async def announce_digest(self, paths: Sequence[Path], *, now: datetime | None = None) -> None:
        """Say "Digest ready" (not in quiet hours, nor with notifications off)."""
        settings = self.config.notify
        if not paths or not settings.enabled:
            return
        if in_quiet_hours(settings.quiet_hours, now or datetime.now(UTC)):
            return
        await deliver(digest_alert(paths), self.desktop, self.fallback)

    def close(self) -> None:
        self.desktop.close()
        if self._store is not None:
            self._store.close()
            self._store = None


# -- the scheduler -----------------------------------------------------------------------------


class TickOutcome(StrEnum):
    POLLED = "polled"
    OTHER_POLLER = "other_poller"  # another process holds the lock
    BUSY = "busy"  # the previous poll's thread is still running
    TIMED_OUT = "timed_out"
    FAILED = "failed"
    STOPPED = "stopped"


@dataclass(frozen=True, slots=True)
class PollerState:
    """What the status bar shows: who polls, and what happened last."""

    polling_here: bool
    holder_pid: int | None = None
    message: str = ""


class BrieferScheduler:
    """The schedule, for the TUI (`start()` in on_mount, `shutdown()` in on_unmount) and the
    daemon (`start()`, then `await aclose()` on SIGTERM).

    Hooks run on the caller's loop thread, so the TUI may touch its widgets from them:
    `on_report(PollReport)` after every poll this process ran, `on_status(PollerState)`
    when who-polls changes, `on_external_change()` when another process added rows,
    `on_error(BaseException)` for a job that failed (it was logged; the schedule goes on).
    """

    def __init__(
        self,
        config: Config,
        poll: PollFunction,
        *,
        lock: PollerLock | None = None,
        notify: Callable[[PollReport], Awaitable[object]] | None = None,
        digest: Callable[[], object] | None = None,
        on_digest: Callable[[list[Path]], Awaitable[object]] | None = None,
        on_report: Callable[[PollReport], object] | None = None,
        on_status: Callable[[PollerState], object] | None = None,
        on_external_change: Callable[[], object] | None = None,
        on_error: Callable[[BaseException], object] | None = None,
        watcher: DatabaseWatcher | None = None,
        clock: Clock = utcnow,
        tick_seconds: float = TICK_SECONDS,
        watch_seconds: float = WATCH_SECONDS,
        poll_timeout: float | None = POLL_TIMEOUT,
        cancel_poll: Callable[[], object] | None = None,
        other_poller: str = "daemon",
    ) -> None:
        self.config = config
        self.other_poller = other_poller  # who holds the lock when we don't, for the status
        self.poll = poll
        self.lock = lock
        self.notify = notify
        self.digest = digest
        self.on_digest = on_digest
        self.on_report = on_report
        self.on_status = on_status
        self.on_external_change = on_external_change
        self.on_error = on_error
        self.watcher = watcher
        self.clock = clock
        self.tick_seconds = tick_seconds
        self.watch_seconds = watch_seconds
        self.poll_timeout = poll_timeout
        self.cancel_poll = cancel_poll or getattr(poll, "cancel", None)
        self.state = PollerState(polling_here=False, message="starting")
        self.last_report: PollReport | None = None
        self.scheduler: AsyncIOScheduler | None = None
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="briefer-poll")
        self._digest_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="briefer-digest")
        self._in_flight: asyncio.Future[PollReport] | None = None
        self._pending: tuple[bool, list[str] | None] | None = None  # poll_now(every/urls)
        self._stopping = False

    # -- lifecycle --

    def start(self, *, poll_first: bool = True) -> None:
        """Start on the running loop (raises outside one, as APScheduler does)."""
        asyncio.get_running_loop()
        scheduler = AsyncIOScheduler(
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": MISFIRE_GRACE,
            }
        )
        scheduler.add_job(
            self._tick_job,
            IntervalTrigger(seconds=self.tick_seconds, jitter=TICK_JITTER),
            id="tick",
            name="poll due feeds",
            next_run_time=datetime.now(UTC) if poll_first else None,
        )
        if self.on_external_change is not None and self.watcher is not None:
            scheduler.add_job(
                self._watch_job,
                IntervalTrigger(seconds=self.watch_seconds),
                id="watch",
                name="watch the database",
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
        scheduler.start()
        self.scheduler = scheduler

    def poll_now(self, *, every: bool = False, urls: Sequence[str] | None = None) -> None:
        """Run a tick as soon as possible: the TUI's refresh keys.

        With `every` (all feeds, due or not) or `urls` (just these), that one tick polls
        them instead of the due feeds (the poll function must accept those keywords, as
        PollRunner does). Its report arrives through `on_report` like any other. Use this
        rather than a second poll path: the lock is per open file, so a second PollerLock
        in this process would see this scheduler's lock as someone else's.
        """
        if every or urls is not None:
            self._pending = (every, list(urls) if urls is not None else None)
        if self.scheduler is not None and self.scheduler.get_job("tick") is not None:
            self.scheduler.modify_job("tick", next_run_time=datetime.now(UTC))

    def next_tick(self) -> datetime | None:
        job = self.scheduler.get_job("tick") if self.scheduler is not None else None
        return None if job is None else job.next_run_time

    def shutdown(self) -> None:
        """Stop scheduling, cancel the poll in flight, release the lock. Never blocks."""
        self._stopping = True
        if self.scheduler is not None:
            if self.scheduler.running:
                self.scheduler.shutdown(wait=False)
            self.scheduler = None
        if self._in_flight is not None and not self._in_flight.done() and self.cancel_poll:
            self.cancel_poll()
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._digest_pool.shutdown(wait=False, cancel_futures=True)
        if self.watcher is not None:
            self.watcher.close()
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

    async def _watch_job(self) -> None:
        try:
            if self.state.polling_here or self.watcher is None:
                return
            if self.watcher.changed() and self.on_external_change is not None:
                self.on_external_change()
        except Exception as exc:
            self._failed("watching the database", exc)

    async def _digest_job(self) -> None:
        await self.run_digest()

    async def tick(self) -> TickOutcome:
        """One scheduling step; the tick job runs this, and tests call it with a fake clock."""
        if self._stopping:
            return TickOutcome.STOPPED
        try:
            if self._in_flight is not None and not self._in_flight.done():
                log.warning("the previous poll is still running; skipping this tick")
                return TickOutcome.BUSY
            if self.lock is not None and not self.lock.acquire():
                pid = self.lock.holder_pid()
                who = f"pid {pid}" if pid else "another process"
                message = f"polling by {self.other_poller} ({who})"
                self._set_state(PollerState(False, pid, message))
                return TickOutcome.OTHER_POLLER
            if not self.state.polling_here:
                self._set_state(PollerState(True, None, "polling here"))
            return await self._poll_once()
        except Exception as exc:
            self._failed("polling", exc)
            return TickOutcome.FAILED

    async def _poll_once(self) -> TickOutcome:
        loop = asyncio.get_running_loop()
        poll: Callable[[], PollReport]
        if self._pending is not None:
            every, urls = self._pending
            self._pending = None
            poll = functools.partial(self.poll, self.clock(), every=every, urls=urls)  # type: ignore[call-arg]
        else:
            poll = functools.partial(self.poll, self.clock())
        future = loop.run_in_executor(self._pool, poll)
        future.add_done_callback(_retrieve)  # a result nobody awaits after a timeout or stop
        self._in_flight = future
        try:
            if self.poll_timeout is None:
                report = await asyncio.shield(future)
            else:
                report = await asyncio.wait_for(asyncio.shield(future), self.poll_timeout)
        except TimeoutError:
            log.error("a poll ran past %.0f s; cancelling it", self.poll_timeout or 0)
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
        if self.on_report is not None:
            try:
                self.on_report(report)
            except Exception as exc:
                self._failed("reporting the poll", exc)
        if self.notify is not None and report.new_matches:
            try:
                await self.notify(report)
            except Exception as exc:
                self._failed("notifying", exc)
        return TickOutcome.POLLED

    async def run_digest(self) -> bool:
        """Write the scheduled digest now (in a thread); False if it failed (and was logged)."""
        if self.digest is None:
            return False
        try:
            loop = asyncio.get_running_loop()
            written = await loop.run_in_executor(self._digest_pool, self.digest)
        except Exception as exc:
            self._failed("writing the daily digest", exc)
            return False
        log.info("daily digest written")
        if self.on_digest is not None and isinstance(written, list) and written:
            try:
                await self.on_digest(written)
            except Exception as exc:  # the digest is written; only the announcement failed
                self._failed("announcing the daily digest", exc)
        return True

    def _set_state(self, state: PollerState) -> None:
        changed = state != self.state
        self.state = state
        if changed:
            log.info("poller: %s", state.message)
            if self.on_status is not None:
                try:
                    self.on_status(state)
                except Exception as exc:
                    self._failed("reporting the poller's state", exc)

    def _failed(self, doing: str, exc: BaseException) -> None:
        # A BrieferError is already the user's sentence (a full disk, a damaged or deleted
        # database): the log gets that, not a traceback.
        trace = None if isinstance(exc, BrieferError) else exc
        log.error("error while %s: %s", doing, exc, exc_info=trace)
        if self.on_error is not None:
            try:
                self.on_error(exc)
            except Exception:
                log.exception("on_error hook failed")


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


# -- wiring it all: what the TUI and the daemon call -------------------------------------------


def create_scheduler(
    config: Config,
    issues: Sequence[IssueLike],
    matcher: Matcher,
    *,
    issue_versions: dict[str, str] | None = None,
    parse_executor: Executor | None = None,
    notify: bool = True,
    notify_fallback: Fallback | None = None,
    on_notified: Callable[[NotifyResult], object] | None = None,
    on_click: OnClick | None = None,
    digest: bool = True,
    on_report: Callable[[PollReport], object] | None = None,
    on_status: Callable[[PollerState], object] | None = None,
    on_external_change: Callable[[], object] | None = None,
    on_error: Callable[[BaseException], object] | None = None,
    clock: Clock = utcnow,
    other_poller: str = "daemon",
) -> BrieferScheduler:
    """The standard wiring: the poller lock in the data folder, a PollRunner thread, the
    notify step (desktop, then `notify_fallback`), the database watcher and the digest job.
    Call `.start()` once the loop runs."""
    runner = PollRunner(config, matcher, issue_versions=issue_versions, executor=parse_executor)
    step = (
        NotifyStep(
            config,
            issues,
            desktop=DesktopNotifications(on_click=on_click),
            fallback=notify_fallback,
            on_result=on_notified,
        )
        if notify
        else None
    )
    return BrieferScheduler(
        config,
        runner,
        lock=PollerLock(config.paths.lock),
        notify=step,
        digest=(lambda: write_scheduled_digest(config, issues)) if digest else None,
        on_digest=step.announce_digest if step is not None else None,
        on_report=on_report,
        on_status=on_status,
        on_external_change=on_external_change,
        on_error=on_error,
        watcher=DatabaseWatcher(config.paths.db) if on_external_change else None,
        clock=clock,
        cancel_poll=runner.cancel,
        other_poller=other_poller,
    )
