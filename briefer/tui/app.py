"""The briefer app: routing, bindings, timers and the background poll. Screens do the rest."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import events, work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.reactive import reactive
from textual.screen import Screen
from textual.signal import Signal
from textual.worker import Worker, WorkerState

from briefer.errors import BrieferError
from briefer.store import Store
from briefer.tui.briefing import Services
from briefer.tui.garbage import Collector
from briefer.tui.messages import DigestExported
from briefer.tui.pending import Change
from briefer.tui.polling import PollsFeeds
from briefer.tui.regrouping import RegroupOnStart
from briefer.tui.rematching import RematchOnStart
from briefer.tui.saving import SavesChanges
from briefer.tui.screens.briefing import BriefingScreen
from briefer.tui.screens.feeds import FeedsScreen
from briefer.tui.screens.help import HelpScreen
from briefer.tui.screens.item import ItemScreen
from briefer.tui.screens.search import SearchScreen
from briefer.tui.screens.story import StoryScreen
from briefer.tui.text import clean

if TYPE_CHECKING:
    from briefer.cli.context import AppContext

THEME_KEY = "tui.theme"
DARK, LIGHT = "textual-dark", "textual-light"
# Another process (a `briefer daemon`) may write the database; this is how often we look.
WATCH_SECONDS = 3.0
IDLE_CHECK_SECONDS = 1.0  # how often to look for a quiet moment to collect garbage

NAVIGATION_KEYS = [
    Binding("up,down", "", "Move within a list"),
    Binding("tab", "", "Next panel"),
    Binding("enter", "", "Open the issue or story"),
]


class BrieferApp(SavesChanges, PollsFeeds, RematchOnStart, RegroupOnStart, App[None]):
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
        self.collector = Collector()
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
        self.collector.start()
        self.set_interval(IDLE_CHECK_SECONDS, self._collect_if_idle)
        self._start_polling()

    def on_unmount(self) -> None:
        self._stop_polling()
        if hasattr(self, "store"):  # not when opening the database failed
            self.store.close()
        self.collector.stop()

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.InputEvent):
            self.collector.input()
        await super().on_event(event)

    def _collect_if_idle(self) -> None:
        polling = self.scheduler is not None and self.scheduler.polling
        self.collector.collect_if_idle(busy=polling)

    def watch_theme(self, theme: str) -> None:
        if hasattr(self, "store") and theme != self._saved_theme:
            self._saved_theme = theme
            self.save(Change("setting", THEME_KEY, value=theme))

    def _watch_database(self) -> None:
        """The timer: reload the screens when a running daemon (or any other process)
        committed. Not while this app polls: each feed commits, and reloading the screens
        every few seconds meanwhile stalls them; the poll's report reloads once, at its end."""
        if self.scheduler is None or not self.scheduler.polling:
            self._reload_if_changed()

    def _reload_if_changed(self) -> None:
        """Reload the screens if another connection committed since we last looked (one PRAGMA)."""
        version = self.store.data_version()
        if version != self._data_version:
            self._data_version = version
            self.data_changed.publish(None)

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
        if event.worker.group in ("poll", "startup"):  # else "polling N feeds…" would stay
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


def run_app(ctx: AppContext, **options: object) -> int:
    """Run the app; returns its exit status (1 when it stopped on an error). Changes it could
    not save are reported as an error after the screen is gone."""
    app = BrieferApp(Services.from_context(ctx), **options)  # type: ignore[arg-type]
    app.run()
    unsaved = app.unsaved_report()
    if unsaved is not None:
        raise BrieferError(unsaved)
    return app.return_code or 0
