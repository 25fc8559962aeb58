"""The briefer app: routing, bindings, timers and the background poll. Screens do the rest."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor
from functools import partial
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.reactive import reactive
from textual.screen import Screen
from textual.signal import Signal
from textual.worker import Worker, WorkerState

from briefer.errors import BrieferError
from briefer.models import FetchStatus, PollReport
from briefer.store import Store
from briefer.tui.briefing import Services
from briefer.tui.messages import (
    DigestExported,
    FeedsPolled,
    MatchesFound,
    PollSkipped,
    PollStarted,
    SchedulerPrepared,
)
from briefer.tui.pending import Change
from briefer.tui.polling import enabled_feed_count, poll_once
from briefer.tui.regrouping import RegroupOnStart
from briefer.tui.rematching import RematchOnStart
from briefer.tui.saving import SavesChanges
from briefer.tui.scheduling import build_scheduler
from briefer.tui.screens.briefing import BriefingScreen
from briefer.tui.screens.feeds import FeedsScreen
from briefer.tui.screens.help import HelpScreen
from briefer.tui.screens.item import ItemScreen
from briefer.tui.screens.search import SearchScreen
from briefer.tui.screens.story import StoryScreen
from briefer.tui.text import clean

if TYPE_CHECKING:
    from briefer.cli.context import AppContext
    from briefer.notify import Alert
    from briefer.scheduler import BrieferScheduler, PollerState

THEME_KEY = "tui.theme"
DARK, LIGHT = "textual-dark", "textual-light"
# Another process (a `briefer daemon`) may write the database; this is how often we look.
WATCH_SECONDS = 3.0

NAVIGATION_KEYS = [
    Binding("up,down", "", "Move within a list"),
    Binding("tab", "", "Next panel"),
    Binding("enter", "", "Open the issue or story"),
]


class BrieferApp(SavesChanges, RematchOnStart, RegroupOnStart, App[None]):
    CSS_PATH = "briefer.tcss"
    TITLE = "briefer"
    SUB_TITLE = "US-Mexico security and trade"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit"),
        Binding("question_mark", "help", "Help"),
        Binding("slash", "search", "Search"),
        Binding("f", "feeds", "Feeds"),
        Binding("r", "poll_all", "Poll now"),
        Binding("d", "digest", "Write digest", show=False),
        Binding("t", "toggle_theme", "Light/dark", show=False),
    ]

    status: reactive[Text] = reactive(Text, always_update=True)

    def __init__(
        self,
        services: Services,
        *,
        poll_on_start: bool = True,
        poll_seconds: float | None = None,
        poll_every: bool = False,
    ) -> None:
        super().__init__()
        self.services = services
        self._init_saving()
        self.poll_on_start = poll_on_start
        self.poll_seconds = poll_seconds or services.config.poll.interval_minutes * 60
        self.poll_every = poll_every  # the demo polls all its feeds each time
        self.data_changed: Signal[None] = Signal(self, "data_changed")
        self.store: Store
        self._saved_theme: str | None = None
        self._data_version = 0
        self.scheduler: BrieferScheduler | None = None
        # feedparser and the matcher hold the GIL for tens of ms per feed: they run in
        # other processes so the screen never stalls while feeds are polled.
        self.parse_pool: Executor | None = None
        from briefer.workers import start_worker_server

        start_worker_server()

    def on_mount(self) -> None:
        self.store = self.services.open_store()
        self._saved_theme = self.store.get_meta(THEME_KEY)
        if self._saved_theme in self.available_themes:
            self.theme = self._saved_theme
        self._data_version = self.store.data_version()
        self.push_screen(BriefingScreen())
        self.set_interval(WATCH_SECONDS, self._watch_database)
        if self.poll_on_start:
            count = enabled_feed_count(self.services, None)
            self.post_message(PollStarted(count, first_run=self.store.count_items() == 0))
            self._prepare_scheduler()
        else:
            self.status = Text("Polling is off.", style="dim")

    @work(thread=True, exclusive=True, group="startup", exit_on_error=False)
    def _prepare_scheduler(self) -> None:
        # APScheduler, the notifier and the matcher take a few hundred ms to import and
        # build; doing it here keeps the first screen from waiting for them.
        import briefer.scheduler  # noqa: F401

        if self.services.matcher_factory is not None:
            self.services.matcher_factory()
        self._ensure_parse_pool()
        self.post_message(SchedulerPrepared())

    def _ensure_parse_pool(self) -> Executor | None:
        """Called from worker threads only: starting the pool takes a moment."""
        from briefer.poller import parse_pool

        if self.parse_pool is None and self.services.matcher_factory is not None:
            # The workers match with the same watchlists as the app's own matcher.
            self.parse_pool = parse_pool(self.services.matcher_factory().issues)
        return self.parse_pool

    def on_scheduler_prepared(self) -> None:
        """APScheduler on Textual's loop: it can only start once the loop runs (here)."""
        self.scheduler = build_scheduler(
            self.services,
            on_report=self._polled_by_scheduler,
            on_status=self._scheduler_status,
            on_error=self._scheduler_failed,
            parse_executor=self.parse_pool,
            notify_fallback=self._terminal_notification(),
            every_seconds=self.poll_seconds if self.poll_every else None,
        )
        self.scheduler.start(poll_first=True)
        self._rematch_changed()
        self._regroup_stories()

    def _terminal_notification(self) -> Callable[[Alert], bool]:
        """With no desktop notification service: the terminal's own escape, and a toast."""
        from briefer.notify import terminal_fallback

        def write(escape: str) -> None:
            if not self.is_headless and self._driver is not None:
                self._driver.write(escape)

        def toast(title: str, body: str) -> None:
            self.notify(body, title=title, markup=False)

        return terminal_fallback(write, toast=toast)

    def on_unmount(self) -> None:
        if self.scheduler is not None:
            self.scheduler.shutdown()
        if self.parse_pool is not None:
            self.parse_pool.shutdown(wait=False, cancel_futures=True)
        self.store.close()

    # Scheduler hooks run on this loop's thread; they hand over to the message handlers.
    def _polled_by_scheduler(self, report: PollReport) -> None:
        self.post_message(FeedsPolled(report))
        if report.new_matches:
            self.post_message(MatchesFound(report.new_matches))

    def _scheduler_status(self, state: PollerState) -> None:
        if not state.polling_here and state.holder_pid:
            self.post_message(PollSkipped(state.holder_pid))

    def _scheduler_failed(self, error: BaseException) -> None:
        self.notify(f"Background job failed: {clean(str(error))}", severity="error", markup=False)

    def watch_theme(self, theme: str) -> None:
        if hasattr(self, "store") and theme != self._saved_theme:
            self._saved_theme = theme
            self.save(Change("setting", THEME_KEY, value=theme))

    def _watch_database(self) -> None:
        """Pick up rows a poll worker or a running daemon committed (cheap: one PRAGMA)."""
        version = self.store.data_version()
        if version != self._data_version:
            self._data_version = version
            self.data_changed.publish(None)

    # -- polling ---------------------------------------------------------------------------

    def poll_now(self, *, urls: Sequence[str] | None = None, every: bool = False) -> None:
        """Poll now, in a worker thread: the `r` keys (the schedule polls on its own)."""
        self.post_message(PollStarted(enabled_feed_count(self.services, urls), False))
        held = self.scheduler is not None and bool(self.scheduler.lock and self.scheduler.lock.held)
        self._poll(urls, every, held)

    @work(thread=True, exclusive=True, group="poll", exit_on_error=False)
    def _poll(self, urls: Sequence[str] | None, every: bool, lock_held: bool) -> None:
        executor = self._ensure_parse_pool()
        attempt = poll_once(
            self.services, urls=urls, every=every, lock_held=lock_held, executor=executor
        )
        if attempt.report is None:
            self.post_message(PollSkipped(attempt.holder_pid))
            return
        self.post_message(FeedsPolled(attempt.report))
        if attempt.report.new_matches:
            self.post_message(MatchesFound(attempt.report.new_matches))

    def action_poll_all(self) -> None:
        self.poll_now(every=True)

    def on_poll_started(self, message: PollStarted) -> None:
        lead = "First run: " if message.first_run else ""
        self.status = Text(f"{lead}polling {message.feed_count} feeds…", style="italic")

    def on_poll_skipped(self, message: PollSkipped) -> None:
        who = f"pid {message.holder_pid}" if message.holder_pid else "another briefer"
        self.status = Text(f"{who} is polling; its new matches appear here as they land.")

    def on_feeds_polled(self, message: FeedsPolled) -> None:
        report = message.report
        failed = [o for o in report.outcomes if o.status is FetchStatus.ERROR]
        at = self.services.now().strftime("%H:%M")
        status = Text(f"Polled {len(report.outcomes)} feeds at {at}: ")
        status.append(f"{report.new_items} new items, {len(report.new_matches)} new matches")
        if failed:
            status.append(f"; {len(failed)} failed (f shows why)", style="bold red")
            lines = [f"{clean(o.title)}: {clean(o.error or 'failed')}" for o in failed[:3]]
            more = f"\n…and {len(failed) - 3} more" if len(failed) > 3 else ""
            self.notify(
                "\n".join(lines) + more,
                title=f"{len(failed)} feeds failed",
                severity="warning",
                markup=False,
            )
        self.status = status
        self.data_changed.publish(None)

    def on_matches_found(self, message: MatchesFound) -> None:
        titles = {issue.id: issue.title for issue in self.services.issues}
        best = max(message.matches, key=lambda m: m.score)
        body = f"{clean(best.title)}\n({titles.get(best.issue_id, best.issue_id)})"
        count = len(message.matches)
        self.notify(body, title=f"{count} new match{'es' if count != 1 else ''}", markup=False)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Every worker failure, from any screen, surfaces here."""
        if event.state is not WorkerState.ERROR:
            return
        error = event.worker.error
        what = {"poll": "Polling", "load": "Loading", "search": "Search", "feeds": "Feeds"}
        what.update(digest="The digest", startup="Starting the poller", story="The story")
        what.update(save="Saving your changes", regroup="Grouping stories")
        label = what.get(event.worker.group, event.worker.group or "A background task")
        text = str(error) if isinstance(error, BrieferError) else f"{type(error).__name__}: {error}"
        self.log.error(f"worker {event.worker.name} failed", error)
        self.notify(f"{label} failed: {clean(text)}", severity="error", markup=False, timeout=8)
        if event.worker.group == "poll":
            self.status = Text(f"Polling failed: {clean(text)}", style="bold red")

    # -- digest ----------------------------------------------------------------------------

    def action_digest(self) -> None:
        self.notify("Writing the digest…", timeout=2)
        self._write_digest()

    @work(thread=True, exclusive=True, group="digest", exit_on_error=False)
    def _write_digest(self) -> None:
        from briefer.scheduler import write_scheduled_digest

        written = write_scheduled_digest(self.services.config, self.services.issues)
        paths = [str(p) for p in written] if isinstance(written, list | tuple) else []
        self.post_message(DigestExported(paths))

    def on_digest_exported(self, message: DigestExported) -> None:
        where = "\n".join(message.paths) or "nothing was written"
        self.notify(where, title="Digest written", markup=False, timeout=8)

    # -- navigation ------------------------------------------------------------------------

    def action_search(self) -> None:
        if not isinstance(self.screen, SearchScreen):
            self.push_screen(SearchScreen())

    def action_feeds(self) -> None:
        if not isinstance(self.screen, FeedsScreen):
            self.push_screen(FeedsScreen())

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.help_sections()))

    def action_toggle_theme(self) -> None:
        self.theme = LIGHT if self.current_theme.dark else DARK

    def help_sections(self) -> list[tuple[str, Iterable[BindingType]]]:
        palette = [Binding("ctrl+p", "command_palette", "Command palette: every action")]
        return [
            ("Everywhere", [*self.BINDINGS, *palette]),
            ("Briefing", [*NAVIGATION_KEYS, *BriefingScreen.BINDINGS]),
            ("Story", StoryScreen.BINDINGS),
            ("Item", ItemScreen.BINDINGS),
            ("Search", SearchScreen.BINDINGS),
            ("Feeds", FeedsScreen.BINDINGS),
        ]

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for owner, bindings in ((screen, screen.BINDINGS), (self, self.BINDINGS)):
            for binding in bindings:
                if isinstance(binding, Binding) and binding.action:
                    run = partial(self.run_action, binding.action, owner)
                    yield SystemCommand(binding.description, f"key: {binding.key}", run)


def run_app(ctx: AppContext, **options: object) -> None:
    app = BrieferApp(Services.from_context(ctx), **options)  # type: ignore[arg-type]
    app.run()
    unsaved = app.unsaved_report()
    if unsaved is not None:
        raise BrieferError(unsaved)
