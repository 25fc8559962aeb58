"""The screen the analyst lives in: the watchlist on the left, the selected issue on the right."""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, OptionList
from textual.worker import get_current_worker

from briefer.store import StoryRow
from briefer.tui.briefing import IssueQuery, issue_stories, watch_rows
from briefer.tui.garbage import freeze_long_lived
from briefer.tui.messages import BriefingLoaded
from briefer.tui.pending import Change
from briefer.tui.screens.story import StoryScreen
from briefer.tui.services_mixin import ServicesMixin
from briefer.tui.widgets.baseline_panel import BaselinePanel
from briefer.tui.widgets.issue_view import IssueView
from briefer.tui.widgets.status_line import StatusLine
from briefer.tui.widgets.story_table import StoryTable
from briefer.tui.widgets.watchlist_panel import WatchlistPanel

WATCHLIST_LAG_SECONDS = 0.02  # a frame or so after the stories


class BriefingScreen(ServicesMixin, Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("v", "toggle_order", "Newest/Best"),
        Binding("S", "toggle_starred", "Starred"),
        Binding("c", "toggle_baseline", "Fold baseline", show=False),
        Binding("o", "open_link", "Open link", show=False),
        Binding("m", "toggle_read", "Read/unread", show=False),
        Binding("s", "toggle_star", "Star", show=False),
        Binding("x", "dismiss_story", "Not relevant", show=False),
        Binding("u", "undo_dismiss", "Undo not relevant", show=False),
        Binding("n", "cursor(1)", "Next story", show=False),
        Binding("p", "cursor(-1)", "Previous story", show=False),
    ]
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]  # noqa: RUF012 (see HelpScreen)

    def __init__(self) -> None:
        super().__init__(id="briefing")
        self.issue_query: IssueQuery | None = None
        self._painted = False

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
            # The first issue's stories load with the counts: one load at start, not one
            # for the counts alone and another when the highlight arrives.
            self.issue_query = IssueQuery(self.services.issues[0].id)
            watchlist.highlighted = 0
        watchlist.focus()

    def on_screen_resume(self) -> None:
        # Also sent when the screen is first shown, after on_mount: that is the first load.
        self.reload()

    # -- loading -------------------------------------------------------------------------

    def reload(self) -> None:
        self._load(self.issue_query)

    @work(thread=True, exclusive=True, group="load", exit_on_error=False)
    def _load(self, query: IssueQuery | None) -> None:
        # Counting stories is bulk SQL: it runs here, on a Store owned by this thread.
        services = self.services
        worker = get_current_worker()
        with services.open_store() as store:
            now = services.now()
            rows = watch_rows(store, services.issues, now)
            if worker.is_cancelled:
                return  # a newer load (another issue, another order) replaced this one
            stories = issue_stories(store, query, now) if query is not None else []
        stories = self.briefer.pending.show_stories(stories)  # changes not saved yet
        if not worker.is_cancelled:
            self.post_message(BriefingLoaded(rows, query, stories))

    def on_briefing_loaded(self, message: BriefingLoaded) -> None:
        # The stories first, the watchlist's counts a few frames later: drawn together,
        # after a mark or a dismissal, they held the loop twice as long.
        panel = self.query_one(WatchlistPanel)
        self.set_timer(WATCHLIST_LAG_SECONDS, partial(panel.show, message.watchlist))
        query = self.issue_query
        if query is None or message.query != query:
            return  # a newer selection's load is on its way
        issue = self.services.issue(query.issue_id)
        if issue is not None:
            view = self.query_one(IssueView)
            view.show_stories(issue, query, message.stories, self.services.now())
            if not self._painted:
                # Textual, briefer, this screen and what it has drawn: they live on.
                self._painted = True
                self.call_after_refresh(freeze_long_lived)

    @on(OptionList.OptionHighlighted, "#watchlist")
    def _issue_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        issue = self.services.issue(event.option.id or "")
        if issue is None:
            return
        old = self.issue_query
        self.issue_query = IssueQuery(
            issue.id,
            order=old.order if old else "new",
            starred_only=old.starred_only if old else False,
        )
        baseline = self.services.baselines.get(issue.id, "_No baseline for this issue._")
        self.query_one(IssueView).show_issue(issue, self.issue_query, baseline)
        if self.issue_query != old:
            self.reload()

    @on(OptionList.OptionSelected, "#watchlist")
    def _issue_selected(self) -> None:
        self.query_one(StoryTable).focus()

    @on(DataTable.RowSelected, "#stories")
    def _story_selected(self) -> None:
        self.action_open_story()

    # -- actions on the issue -------------------------------------------------------------

    def _requery(self, **changes: object) -> None:
        if self.issue_query is not None:
            self.issue_query = replace(self.issue_query, **changes)  # type: ignore[arg-type]
            self.reload()

    def action_toggle_order(self) -> None:
        if self.issue_query is not None:
            order = "best" if self.issue_query.order == "new" else "new"
            self._requery(order=order)  # the heading says which order is in force

    def action_toggle_starred(self) -> None:
        if self.issue_query is not None:
            self._requery(starred_only=not self.issue_query.starred_only)

    def action_toggle_baseline(self) -> None:
        panel = self.query_one(BaselinePanel)
        panel.collapsed = not panel.collapsed

    def action_cursor(self, step: int) -> None:
        table = self.query_one(StoryTable)
        table.focus()
        table.move_cursor(row=table.cursor_row + step)

    # -- actions on the selected story ----------------------------------------------------

    @property
    def selected(self) -> StoryRow | None:
        return self.query_one(StoryTable).selected

    def action_open_story(self) -> None:
        story = self.selected
        if story is not None:
            self.app.push_screen(StoryScreen(story.story_id, story.issue_id, story.headline))

    def action_open_link(self) -> None:
        story = self.selected
        if story is not None and self.open_link(story.link) and story.unread:
            self._change(Change("story_read", story.story_id, story.issue_id, value=True))

    def _change(self, change: Change, *, title: str = "") -> None:
        """Show the change at once; the app saves it in the background."""
        self.briefer.save(change, title=title)
        table = self.query_one(StoryTable)
        table.show(self.briefer.pending.show_stories(table.stories), self.services.now())

    def action_toggle_read(self) -> None:
        story = self.selected
        if story is not None:
            read = bool(story.unread)  # a story with anything unseen is marked read
            self._change(Change("story_read", story.story_id, story.issue_id, value=read))

    def action_toggle_star(self) -> None:
        story = self.selected
        if story is not None:
            starred = not story.starred
            self._change(Change("story_starred", story.story_id, story.issue_id, value=starred))

    def action_dismiss_story(self) -> None:
        story = self.selected
        if story is not None:
            dismissal = Change("story_dismissed", story.story_id, story.issue_id)
            self._change(dismissal, title=story.headline)
            self.notify("Story marked not relevant to this issue (u undoes)", timeout=3)

    def action_undo_dismiss(self) -> None:
        if self.briefer.undo_dismissal() is not None:
            self.reload()
