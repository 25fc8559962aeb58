"""The screen the analyst lives in: the watchlist on the left, the selected issue on the right."""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, OptionList
from textual.worker import get_current_worker

from briefer.store import MatchRow
from briefer.tui.briefing import IssueQuery, issue_matches, watch_rows
from briefer.tui.messages import BriefingLoaded
from briefer.tui.pending import Change
from briefer.tui.screens.item import ItemScreen
from briefer.tui.services_mixin import ServicesMixin
from briefer.tui.widgets.baseline_panel import BaselinePanel
from briefer.tui.widgets.issue_view import IssueView
from briefer.tui.widgets.match_table import MatchTable
from briefer.tui.widgets.status_line import StatusLine
from briefer.tui.widgets.watchlist_panel import WatchlistPanel


class BriefingScreen(ServicesMixin, Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("v", "toggle_order", "Newest/Best"),
        Binding("S", "toggle_starred", "Starred"),
        Binding("c", "toggle_baseline", "Fold baseline", show=False),
        Binding("o", "open_link", "Open link", show=False),
        Binding("m", "toggle_read", "Read/unread", show=False),
        Binding("s", "toggle_star", "Star", show=False),
        Binding("x", "dismiss_match", "Not relevant", show=False),
        Binding("u", "undo_dismiss", "Undo not relevant", show=False),
        Binding("n", "cursor(1)", "Next item", show=False),
        Binding("p", "cursor(-1)", "Previous item", show=False),
    ]

    def __init__(self) -> None:
        super().__init__(id="briefing")
        self.issue_query: IssueQuery | None = None

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        with Horizontal(id="panes"):
            yield WatchlistPanel(self.services.issues, id="watchlist")
            yield IssueView(id="issue")
        yield StatusLine(id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.app.data_changed.subscribe(self, lambda _: self.reload())  # type: ignore[attr-defined]
        watchlist = self.query_one(WatchlistPanel)
        if self.services.issues:
            watchlist.highlighted = 0
        watchlist.focus()
        self.reload()

    def on_screen_resume(self) -> None:
        self.reload()

    # -- loading -------------------------------------------------------------------------

    def reload(self) -> None:
        self._load(self.issue_query)

    @work(thread=True, exclusive=True, group="load", exit_on_error=False)
    def _load(self, query: IssueQuery | None) -> None:
        # Counting matches is bulk SQL: it runs here, on a Store owned by this thread.
        services = self.services
        with services.open_store() as store:
            now = services.now()
            rows = watch_rows(store, services.issues, now)
            matches = issue_matches(store, query) if query is not None else []
        matches = self.briefer.pending.show_matches(matches)  # changes not saved yet
        if not get_current_worker().is_cancelled:
            self.post_message(BriefingLoaded(rows, query, matches))

    def on_briefing_loaded(self, message: BriefingLoaded) -> None:
        self.query_one(WatchlistPanel).show(message.watchlist)
        query = self.issue_query
        if query is None or message.query != query:
            return  # a newer selection's load is on its way
        issue = self.services.issue(query.issue_id)
        if issue is not None:
            view = self.query_one(IssueView)
            view.show_matches(issue, query, message.matches, self.services.now())

    @on(OptionList.OptionHighlighted, "#watchlist")
    def _issue_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        issue_id = event.option.id
        issue = self.services.issue(issue_id or "")
        if issue is None:
            return
        old = self.issue_query
        self.issue_query = IssueQuery(
            issue.id,
            order=old.order if old else "newest",
            starred_only=old.starred_only if old else False,
        )
        baseline = self.services.baselines.get(issue.id, "_No baseline for this issue._")
        self.query_one(IssueView).show_issue(issue, self.issue_query, baseline)
        self.reload()

    @on(OptionList.OptionSelected, "#watchlist")
    def _issue_selected(self) -> None:
        self.query_one(MatchTable).focus()

    @on(DataTable.RowSelected, "#matches")
    def _match_selected(self) -> None:
        self.action_open_item()

    # -- actions on the issue -------------------------------------------------------------

    def _requery(self, **changes: object) -> None:
        if self.issue_query is None:
            return
        from dataclasses import replace

        self.issue_query = replace(self.issue_query, **changes)  # type: ignore[arg-type]
        self.reload()

    def action_toggle_order(self) -> None:
        if self.issue_query is not None:
            order = "score" if self.issue_query.order == "newest" else "newest"
            self._requery(order=order)  # the heading says which order is in force

    def action_toggle_starred(self) -> None:
        if self.issue_query is not None:
            self._requery(starred_only=not self.issue_query.starred_only)

    def action_toggle_baseline(self) -> None:
        panel = self.query_one(BaselinePanel)
        panel.collapsed = not panel.collapsed

    def action_cursor(self, step: int) -> None:
        table = self.query_one(MatchTable)
        table.focus()
        table.move_cursor(row=table.cursor_row + step)

    # -- actions on the selected item -----------------------------------------------------

    @property
    def selected(self) -> MatchRow | None:
        return self.query_one(MatchTable).selected

    def action_open_item(self) -> None:
        table = self.query_one(MatchTable)
        if table.selected is None or self.issue_query is None:
            return
        ids = [match.item.id for match in table.matches]
        self.app.push_screen(ItemScreen(ids, table.cursor_row, self.issue_query.issue_id))

    def action_open_link(self) -> None:
        if self.selected is not None:
            self.open_item_link(self.selected.item)

    def _change(self, change: Change, *, title: str = "") -> None:
        """Show the change at once; the app saves it in the background."""
        self.briefer.save(change, title=title)
        table = self.query_one(MatchTable)
        table.show(self.briefer.pending.show_matches(table.matches), self.services.now())

    def action_toggle_read(self) -> None:
        if self.selected is not None:
            item = self.selected.item
            self._change(Change("read", item.id, value=not item.read))

    def action_toggle_star(self) -> None:
        if self.selected is not None:
            item = self.selected.item
            self._change(Change("starred", item.id, value=not item.starred))

    def action_dismiss_match(self) -> None:
        match = self.selected
        if match is not None:
            dismissal = Change("dismissed", match.item.id, match.issue_id)
            self._change(dismissal, title=match.item.title)
            self.notify("Marked not relevant to this issue (u undoes)", timeout=3)

    def action_undo_dismiss(self) -> None:
        if self.briefer.undo_dismissal() is not None:
            self.reload()
