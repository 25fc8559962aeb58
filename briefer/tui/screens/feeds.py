"""Every configured feed: last poll, status or error, item count, next poll; add, remove, poll."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static
from textual.worker import get_current_worker

from briefer.errors import BrieferError
from briefer.store import FeedRow
from briefer.tui.briefing import feed_rows
from briefer.tui.messages import FeedsLoaded
from briefer.tui.screens.dialogs import AddFeedDialog, ConfirmDialog
from briefer.tui.services_mixin import ServicesMixin
from briefer.tui.text import age, ago_or_date, clean
from briefer.tui.widgets.status_line import StatusLine


def feed_status(row: FeedRow) -> Text:
    if row.disabled:
        return Text(f"disabled: {clean(row.disabled_reason or '')}", style="dim")
    if row.last_error:
        return Text(f"error: {clean(row.last_error)}", style="bold red")
    if row.last_status is None:
        return Text("not polled yet", style="dim")
    if row.warning:
        return Text(f"ok, {clean(row.warning)}", style="yellow")
    return Text(row.last_status.replace("_", " "), style="green")


def fit(text: Text, width: int) -> Text:
    text.truncate(width, overflow="ellipsis")
    return text


def when(moment: datetime | None, now: datetime, *, future: bool = False) -> Text:
    if moment is None:
        return Text("—", style="dim")
    if future:
        return Text("due" if moment <= now else f"in {age(now, moment)}")
    return Text(ago_or_date(moment, now))


class FeedsScreen(ServicesMixin, Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("a", "add_feed", "Add"),
        Binding("x,delete", "remove_feed", "Remove"),
        Binding("r", "poll_selected", "Poll feed"),
        Binding("R", "app.poll_all", "Poll all"),
    ]

    def __init__(self) -> None:
        super().__init__(id="feeds-screen")
        self.urls: list[str] = []
        self.rows: dict[str, FeedRow] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        table: DataTable[Text] = DataTable(cursor_type="row", id="feeds")
        for label in ("Feed", "Last poll", "Status", "Items", "Next poll"):
            table.add_column(Text(label), key=label.lower())
        yield table
        yield Static(id="feed-detail")
        yield StatusLine(id="feeds-status")
        yield Footer()

    def on_mount(self) -> None:
        self.briefer.data_changed.subscribe(self, lambda _: self.reload())
        self.query_one(DataTable).focus()
        self.reload()

    def reload(self) -> None:
        self._load()

    def on_resize(self) -> None:
        self.reload()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail(str(event.row_key.value))

    def _show_detail(self, url: str | None) -> None:
        """The whole status of the feed under the cursor: the table cuts long errors short."""
        row = self.rows.get(url) if url else None
        detail = self.query_one("#feed-detail", Static)
        if row is None:
            detail.update("")
            return
        line = Text(clean(row.title), style="bold")
        line.append(": ")
        line.append_text(feed_status(row))
        detail.update(line)

    @work(thread=True, exclusive=True, group="feeds", exit_on_error=False)
    def _load(self) -> None:
        with self.services.open_store() as store:
            rows = feed_rows(store, self.services.config)
        if not get_current_worker().is_cancelled:
            self.post_message(FeedsLoaded(rows))

    def on_feeds_loaded(self, message: FeedsLoaded) -> None:
        table = self.query_one(DataTable)
        selected = self.selected_url
        now = self.services.now()
        table.clear()
        self.urls = []
        self.rows = {row.url: row for row in message.feeds}
        # Long addresses and error sentences are cut to fit, so every column stays on screen:
        # what is left after the short columns and cell padding goes 3:2 to feed and status.
        rest = (self.size.width or 80) - 38
        feed_width = max(20, rest * 3 // 5)
        status_width = max(12, rest - feed_width)
        for row in message.feeds:
            title = fit(Text(clean(row.title)), feed_width)
            title.append("\n")
            title.append_text(fit(Text(clean(row.url), style="dim"), feed_width))
            table.add_row(
                title,
                when(row.last_polled, now),
                fit(feed_status(row), status_width),
                Text(str(row.item_count), justify="right"),
                when(row.next_due, now, future=True),
                key=row.url,
                height=2,
            )
            self.urls.append(row.url)
        if selected in self.urls:
            table.move_cursor(row=self.urls.index(selected), animate=False)
        self._show_detail(self.selected_url)
        self.sub_title = f"{len(self.urls)} feeds"

    @property
    def selected_url(self) -> str | None:
        table = self.query_one(DataTable)
        if not self.urls or not table.is_valid_row_index(table.cursor_row):
            return None
        return self.urls[table.cursor_row]

    def action_poll_selected(self) -> None:
        url = self.selected_url
        if url is not None:
            self.briefer.poll_now(urls=[url])

    def action_add_feed(self) -> None:
        def added(answer: tuple[str, str | None] | None) -> None:
            if answer is not None:
                self.add_feed(*answer)
                self.reload()

        self.app.push_screen(AddFeedDialog(), added)

    # Feeds live in the user's config file; the database only keeps their state.
    def add_feed(self, url: str, title: str | None) -> None:
        from briefer.feeds_file import add_feed

        try:
            added = add_feed(self.services.config.paths.config_file, url, title)
            self._reload_config()
        except BrieferError as exc:
            self.notify(str(exc), severity="error", markup=False)
            return
        self.notify("Feed added" if added else "That feed is already in your config", timeout=3)
        if added:
            self.briefer.poll_now(urls=[url])

    def remove_feed(self, url: str) -> None:
        from briefer.feeds_file import remove_feed

        try:
            removed = remove_feed(self.services.config.paths.config_file, url)
            self._reload_config()
        except BrieferError as exc:
            self.notify(str(exc), severity="error", markup=False)
            return
        self.notify("Feed removed" if removed else "That feed was not in your config", timeout=3)

    def _reload_config(self) -> None:
        from briefer.config import load_config

        self.services.config = load_config(self.services.config.paths)

    def action_remove_feed(self) -> None:
        url = self.selected_url
        if url is None:
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.remove_feed(url)
                self.reload()

        question = Text("Remove this feed from your config?\n\n") + Text(clean(url), "bold")
        self.app.push_screen(ConfirmDialog(question), confirmed)
