"""The app's polling: the background schedule and the poll keys, through one BrieferScheduler.

Every poll the app runs (the schedule's ticks, `r`/`R` for all feeds, `r` on one feed in
the feeds screen, a feed just added) is a request to the same `BrieferScheduler` as the
daemon's and `poll --once`'s: the same poller lock, the same notify step, the same report.
While another process (the daemon) holds the lock, the app says who polls and when it
expects that poll to end, and picks up the new rows as they land (`App._watch_database`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual import work

from briefer.lock import Holder
from briefer.models import FetchStatus, PollReport
from briefer.offline import offline_hint
from briefer.tui.briefing import Services
from briefer.tui.garbage import freeze_long_lived
from briefer.tui.messages import (
    FeedsPolled,
    MatchesFound,
    PollSkipped,
    PollStarted,
    SchedulerPrepared,
)
from briefer.tui.text import clean

if TYPE_CHECKING:
    from briefer.notify import Alert
    from briefer.scheduler import BrieferScheduler, PollerState
    from briefer.tui.app import BrieferApp


def enabled_feed_count(services: Services, urls: Sequence[str] | None) -> int:
    if urls is not None:
        return len(urls)
    return sum(feed.enabled for feed in services.config.feeds)


def clock_time(moment: datetime) -> str:
    return moment.astimezone().strftime("%H:%M")


def other_poller_text(pid: int | None, holder: Holder | None) -> str:
    """One sentence on who polls instead of us, and when its new matches should show."""
    from briefer.scheduler import holder_name

    who = holder_name(holder).capitalize() + (f" (pid {pid})" if pid else "")
    if holder is not None and holder.polling_since is not None:
        since = clock_time(holder.polling_since)
        if holder.last_seconds is not None:
            end = holder.polling_since + timedelta(seconds=holder.last_seconds)
            return (
                f"{who} is polling now (since {since}; its last poll took "
                f"{holder.last_seconds:.0f} s, so about {clock_time(end)}): "
                "its new matches appear here when it finishes."
            )
        return (
            f"{who} is polling now (since {since}): its new matches appear here when it finishes."
        )
    if holder is not None and holder.next_check is not None:
        last = (
            f"last poll ended {clock_time(holder.last_finished)}, " if holder.last_finished else ""
        )
        return (
            f"{who} does the polling ({last}next check {clock_time(holder.next_check)}): "
            "its new matches appear here as they land."
        )
    return f"{who} does the polling: its new matches appear here as they land."


class PollsFeeds:
    """For the App: `_start_polling()` on mount, `poll_now()` for the keys, `_stop_polling()`
    on unmount, and the poll messages' handlers."""

    scheduler: BrieferScheduler | None = None
    # feedparser and the matcher hold the GIL for tens of ms per feed: they run in other
    # processes so the screen never stalls while feeds are polled.
    parse_pool: Executor | None = None
    _scheduler_ready: asyncio.Event | None = None

    @property
    def _app(self) -> BrieferApp:
        return cast("BrieferApp", self)

    def _start_polling(self) -> None:
        """The schedule, first poll at once; without `poll_on_start`, polls only on request."""
        app = self._app
        if app.poll_on_start:
            count = enabled_feed_count(app.services, None)
            app.post_message(PollStarted(count, first_run=app.store.count_items() == 0))
            self._scheduler_ready = asyncio.Event()
            self._prepare_scheduler()
        else:
            app.status = Text("Polling is off.", style="dim")

    def _stop_polling(self) -> None:
        if self.scheduler is not None:
            self.scheduler.shutdown()
        if self.parse_pool is not None:
            self.parse_pool.shutdown(wait=False, cancel_futures=True)

    @work(thread=True, exclusive=True, group="startup", exit_on_error=False)
    def _prepare_scheduler(self) -> None:
        # Importing APScheduler and the notifier, building the matcher, starting the parse
        # workers and the schedule take a few hundred ms: here, not on the screen's loop.
        from briefer.notify_step import NotifyOptions
        from briefer.parse_worker import parse_pool
        from briefer.scheduler import SchedulerHooks, ScheduleSettings, create_scheduler

        app = self._app
        services = app.services
        matcher = services.matcher_factory() if services.matcher_factory else None
        if matcher is not None:
            # The workers match with the same watchlists as the app's own matcher.
            self.parse_pool = parse_pool(matcher.issues)
        if app.poll_every:  # the demo: every feed, every few seconds
            settings = ScheduleSettings(tick_seconds=app.poll_seconds, every=True)
        elif app.poll_on_start:
            settings = ScheduleSettings()
        else:
            settings = ScheduleSettings(tick_seconds=None)
        notify = services.config.notify.enabled
        scheduler = create_scheduler(
            services.config,
            services.issues,
            matcher,  # type: ignore[arg-type]
            role="app",
            executor=self.parse_pool,
            hooks=SchedulerHooks(
                on_report=self._polled, on_status=self._poller_status, on_error=self._failed
            ),
            settings=settings,
            notify=NotifyOptions(fallback=self._terminal_notification()) if notify else None,
        )
        scheduler.prepare(poll_first=app.poll_on_start)
        app.post_message(SchedulerPrepared(scheduler))

    def on_scheduler_prepared(self, message: SchedulerPrepared) -> None:
        """APScheduler on Textual's loop: it can only start once the loop runs (here)."""
        app = self._app
        self.scheduler = cast("BrieferScheduler", message.scheduler)
        self.scheduler.start(poll_first=app.poll_on_start)
        freeze_long_lived()  # APScheduler, the poller and the matcher live on too
        if self._scheduler_ready is not None:
            self._scheduler_ready.set()
        if app.poll_on_start:
            app._rematch_changed()
            app._regroup_stories()

    def _terminal_notification(self) -> Callable[[Alert], bool]:
        """With no desktop notification service: the terminal's own escape, and a toast."""
        from briefer.notify import terminal_fallback

        app = self._app

        def write(escape: str) -> None:
            if not app.is_headless and app._driver is not None:
                app._driver.write(escape)

        def toast(title: str, body: str) -> None:
            app.notify(body, title=title, markup=False)

        return terminal_fallback(write, toast=toast)

    # -- polling on request: the `r`/`R` keys and the feeds screen -------------------------

    def poll_now(self, *, urls: Sequence[str] | None = None, every: bool = False) -> None:
        """Poll every feed (or just `urls`) now, through the scheduler."""
        app = self._app
        app.post_message(PollStarted(enabled_feed_count(app.services, urls), False))
        self._request_poll(list(urls) if urls is not None else None, every)

    def action_poll_all(self) -> None:
        self.poll_now(every=True)

    @work(group="poll", exit_on_error=False)
    async def _request_poll(self, urls: list[str] | None, every: bool) -> None:
        if self.scheduler is None:
            if self._scheduler_ready is None:  # polling was off: start it for this request
                self._scheduler_ready = asyncio.Event()
                self._prepare_scheduler()
            await self._scheduler_ready.wait()
        from briefer.scheduler import TickOutcome  # loaded by now, by _prepare_scheduler

        scheduler = self.scheduler
        assert scheduler is not None
        outcome = await scheduler.poll_now(every=every, urls=urls)
        if outcome is TickOutcome.OTHER_POLLER:
            state = scheduler.state
            self._app.post_message(PollSkipped(state.holder_pid, state.holder, asked=True))
        elif outcome in (TickOutcome.FAILED, TickOutcome.TIMED_OUT):
            self._app.status = Text("Polling failed (see the message); press r to try again.")

    # Scheduler hooks run on this loop's thread; they hand over to the message handlers.
    def _polled(self, report: PollReport) -> None:
        self._app.post_message(FeedsPolled(report))
        if report.new_matches:
            self._app.post_message(MatchesFound(report.new_matches))

    def _poller_status(self, state: PollerState) -> None:
        if not state.polling_here:
            self._app.post_message(PollSkipped(state.holder_pid, state.holder))

    def _failed(self, error: BaseException) -> None:
        self._app.notify(
            f"Background job failed: {clean(str(error))}", severity="error", markup=False
        )

    # -- what the user sees ----------------------------------------------------------------

    def on_poll_started(self, message: PollStarted) -> None:
        lead = "First run: " if message.first_run else ""
        feeds = "1 feed" if message.feed_count == 1 else f"{message.feed_count} feeds"
        self._app.status = Text(f"{lead}polling {feeds}…", style="italic")

    def on_poll_skipped(self, message: PollSkipped) -> None:
        text = other_poller_text(message.holder_pid, message.holder)
        self._app.status = Text(text)
        if message.asked:  # a key press deserves an answer even if the status line had it
            self._app.notify(text, title="Not polling here", markup=False, timeout=8)

    def on_feeds_polled(self, message: FeedsPolled) -> None:
        app = self._app
        report = message.report
        if not report.outcomes:  # a scheduled tick found no feed due: nothing was fetched
            app.status = Text("Nothing due: every feed was checked recently.", style="dim")
            return
        failed = [o for o in report.outcomes if o.status is FetchStatus.ERROR]
        status = Text(f"Polled {len(report.outcomes)} feeds at {clock_time(app.services.now())}: ")
        status.append(f"{report.new_items} new items, {len(report.new_matches)} new matches")
        if offline_hint(report, first_run=False) is not None:
            # Sixty identical errors say less than one sentence about the network.
            offline = offline_hint(report, first_run=app.store.count_items() == 0) or ""
            status.append(f"; {offline}", style="bold red")
            app.notify(offline, title="Offline", severity="warning", markup=False, timeout=15)
        elif failed:
            status.append(f"; {len(failed)} failed (f shows why)", style="bold red")
            lines = [f"{clean(o.title)}: {clean(o.error or 'failed')}" for o in failed[:3]]
            more = f"\n…and {len(failed) - 3} more" if len(failed) > 3 else ""
            app.notify(
                "\n".join(lines) + more,
                title=f"{len(failed)} feeds failed",
                severity="warning",
                markup=False,
            )
        app.status = status
        app._reload_if_changed()  # now, and only if the poll wrote anything

    def on_matches_found(self, message: MatchesFound) -> None:
        app = self._app
        titles = {issue.id: issue.title for issue in app.services.issues}
        best = max(message.matches, key=lambda m: m.score)
        body = f"{clean(best.title)}\n({titles.get(best.issue_id, best.issue_id)})"
        count = len(message.matches)
        app.notify(body, title=f"{count} new match{'es' if count != 1 else ''}", markup=False)
