"""Full-text search over every stored item, one row per story found; each row shows which
issues its items match. Enter opens the story."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Static
from textual.worker import get_current_worker

from briefer.tui.briefing import search_stories
from briefer.tui.messages import SearchFinished
from briefer.tui.screens.story import StoryScreen
from briefer.tui.services_mixin import ServicesMixin
from briefer.tui.text import WHEN_WIDTH, clean, short_title, short_when

ISSUES_WIDTH = 16
SOURCE_WIDTH = 16
ITEMS_WIDTH = 5
WIDE = 120


class SearchScreen(ServicesMixin, Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("ctrl+f", "focus_input", "Edit search", show=False),
    ]

    def __init__(self, text: str = "") -> None:
        super().__init__(id="search-screen")
        self.initial_text = text
        self.story_rows: list[tuple[int, str]] = []  # (story id, headline) per row
        self.last_results: SearchFinished | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(
            self.initial_text, placeholder="Search every stored item (Enter)", id="search-input"
        )
        yield Static(id="search-summary")
        yield DataTable(cursor_type="row", id="search-results")
        yield Footer()

    def on_resize(self) -> None:
        # Titles get whatever the other columns leave, so every column stays on screen.
        # A wide screen has room for a row's every issue and an outlet's whole name.
        table = self.query_one("#search-results", DataTable)
        wide = 2 if self.size.width >= WIDE else 1
        issues, source = ISSUES_WIDTH + 8 * (wide - 1), SOURCE_WIDTH + 8 * (wide - 1)
        spare = self.size.width - issues - source - WHEN_WIDTH - ITEMS_WIDTH - 14
        table.clear(columns=True)
        table.add_column(Text("Title"), key="title", width=max(24, spare))
        table.add_column(Text("Items", justify="right"), key="items", width=ITEMS_WIDTH)
        table.add_column(Text("Issues"), key="issues", width=issues)
        table.add_column(Text("Source"), key="source", width=source)
        table.add_column(Text("Date"), key="date", width=WHEN_WIDTH)
        if self.last_results is not None:
            self.on_search_finished(self.last_results)

    def on_mount(self) -> None:
        self.query_one(Input).focus()
        if self.initial_text:
            self.run_search(self.initial_text)

    def action_focus_input(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted, "#search-input")
    def _submitted(self, event: Input.Submitted) -> None:
        self.run_search(event.value)

    def run_search(self, text: str) -> None:
        self.query_one("#search-summary", Static).update(Text("Searching…", style="dim"))
        self._search(text)

    @work(thread=True, exclusive=True, group="search", exit_on_error=False)
    def _search(self, text: str) -> None:
        with self.services.open_store() as store:
            results = search_stories(store, text)
        if not get_current_worker().is_cancelled:
            self.post_message(SearchFinished(text, results))

    def on_search_finished(self, message: SearchFinished) -> None:
        self.last_results = message
        now = self.services.now()
        table = self.query_one("#search-results", DataTable)
        table.clear()
        self.story_rows = []
        titles = {issue.id: short_title(issue.title) for issue in self.services.issues}
        for row in message.results:
            item = row.lead
            issues = ", ".join(titles.get(issue_id, issue_id) for issue_id in row.issue_ids)
            table.add_row(
                Text(clean(item.title), style="dim" if row.read else "bold"),
                Text(str(row.items), justify="right", style="" if row.items > 1 else "dim"),
                Text(clean(issues), style="cyan"),
                Text(clean(item.source)),
                Text(short_when(item.published, now)),
                key=str(row.story_id),
            )
            self.story_rows.append((row.story_id, item.title))
        count = len(message.results)
        summary = Text(f"{count} stor{'ies' if count != 1 else 'y'} for ")
        summary.append(clean(message.text), style="bold")
        self.query_one("#search-summary", Static).update(summary)
        if count:
            table.focus()

    @on(DataTable.RowSelected, "#search-results")
    def _open(self, event: DataTable.RowSelected) -> None:
        story_id, headline = self.story_rows[event.cursor_row]
        self.app.push_screen(StoryScreen(story_id, None, headline))
