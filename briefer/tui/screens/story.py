"""One story opened: every item of it, with its outlet, language, time, link and why it
matched. Opening a story marks it read for the issue; m, s and x act on the whole story."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static
from textual.worker import get_current_worker

from briefer.tui.briefing import StorySummary, StoryView, story_summary, story_view
from briefer.tui.messages import StoryLoaded
from briefer.tui.pending import Change
from briefer.tui.screens.item import ItemScreen
from briefer.tui.services_mixin import ServicesMixin
from briefer.tui.text import ago_or_date, clean
from briefer.tui.widgets.member_detail import MemberDetail
from briefer.tui.widgets.member_table import MemberTable


def summary_text(summary: StorySummary | None, now: datetime) -> Text:
    if summary is None:
        return Text("No item of this story matches the issue now.", style="dim")
    items = f"{summary.items} item{'s' if summary.items != 1 else ''}"
    outlets = f"{summary.outlets} outlet{'s' if summary.outlets != 1 else ''}"
    text = Text(f"{items} from {outlets}")
    if summary.langs:
        text.append(" · " + " ".join(sorted(lang.upper() for lang in summary.langs)))
    text.append(f" · first seen {ago_or_date(summary.first_seen, now)}", style="dim")
    text.append(f" · last update {ago_or_date(summary.last_update, now)}", style="dim")
    if summary.unmatched:
        text.append(f" · {summary.unmatched} more not matching this issue", style="dim")
    return text


class StoryScreen(ServicesMixin, Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,backspace", "app.pop_screen", "Back"),
        Binding("o", "open_link", "Open link"),
        Binding("m", "toggle_read", "Read/unread"),
        Binding("s", "toggle_star", "Star"),
        Binding("x", "dismiss_story", "Not relevant"),
        Binding("u", "undo_dismiss", "Undo not relevant", show=False),
    ]

    def __init__(self, story_id: int, issue_id: str | None, headline: str) -> None:
        super().__init__(id="story-screen")
        self.story_id = story_id
        self.issue_id = issue_id
        self.headline = headline
        self.view: StoryView | None = None
        self._marked_read = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Text(clean(self.headline), style="bold"), id="story-headline")
        yield Static(Text("loading…", style="dim"), id="story-meta")
        yield MemberTable(id="members")
        yield MemberDetail(id="member-detail")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "story"
        self.query_one(MemberTable).focus()
        self.reload()

    def on_screen_resume(self) -> None:
        self.reload()

    def reload(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="story", exit_on_error=False)
    def _load(self) -> None:
        with self.services.open_store() as store:
            view = story_view(store, self.story_id, self.issue_id)
        if not get_current_worker().is_cancelled:
            self.post_message(StoryLoaded(view))

    def on_story_loaded(self, message: StoryLoaded) -> None:
        view = message.view
        members = self.briefer.pending.show_members(view.members, view.story_id, view.issue_id)
        self.view = StoryView(view.story_id, view.issue_id, members)
        if not members:
            self.notify("This story has no items left.", timeout=3)
            self.app.pop_screen()
            return
        summary = summary_text(story_summary(self.view), self.services.now())
        self.query_one("#story-meta", Static).update(summary)
        self.query_one(MemberTable).show(members)
        self._show_selected()
        if not self._marked_read and self.issue_id is not None:
            self._marked_read = True  # opening the story is reading it, once
            # Its items that did not match the issue are listed too: read as well, or
            # their unread mark would never clear (m and s act on the matched ones).
            others = [m.item.id for m in members if m.match is None and not m.item.read]
            for item_id in others:
                self.briefer.save(Change("read", item_id, value=True))
            if any(not m.item.read for m in members if m.match is not None):
                self._change(Change("story_read", self.story_id, self.issue_id, value=True))
            elif others:
                self.post_message(StoryLoaded(self.view))

    @on(DataTable.RowHighlighted, "#members")
    def _show_selected(self) -> None:
        titles = {issue.id: issue.title for issue in self.services.issues}
        selected = self.query_one(MemberTable).selected
        self.query_one(MemberDetail).show(selected, titles, self.issue_id)

    @on(DataTable.RowSelected, "#members")
    def _open_item(self, event: DataTable.RowSelected) -> None:
        table = self.query_one(MemberTable)
        ids = [member.item.id for member in table.members]
        self.app.push_screen(ItemScreen(ids, event.cursor_row, self.issue_id))

    def _change(self, change: Change, *, title: str = "") -> None:
        self.briefer.save(change, title=title)
        if self.view is not None:
            self.post_message(StoryLoaded(self.view))  # shown again through `pending`

    def action_open_link(self) -> None:
        member = self.query_one(MemberTable).selected
        if member is not None:
            self.open_item_link(member.item)
            if self.view is not None:
                self.post_message(StoryLoaded(self.view))

    def _story_change(self, kind: str, value: bool) -> None:
        if self.issue_id is not None:
            self._change(Change(kind, self.story_id, self.issue_id, value=value))
            return
        # Opened from search: no issue to mark the story for, so the item is marked.
        member = self.query_one(MemberTable).selected
        if member is not None:
            self._change(Change(kind.removeprefix("story_"), member.item.id, value=value))

    def action_toggle_read(self) -> None:
        if self.view is not None:
            unread = any(not m.item.read for m in self.view.members if m.match is not None)
            member = self.query_one(MemberTable).selected
            if self.issue_id is None and member is not None:
                unread = not member.item.read
            self._story_change("story_read", unread)

    def action_toggle_star(self) -> None:
        if self.view is not None:
            starred = any(m.item.starred for m in self.view.members if m.match is not None)
            member = self.query_one(MemberTable).selected
            if self.issue_id is None and member is not None:
                starred = member.item.starred
            self._story_change("story_starred", not starred)

    def action_dismiss_story(self) -> None:
        if self.issue_id is None:
            self.notify("Open the story from an issue to dismiss it there.", timeout=3)
            return
        self.briefer.save(
            Change("story_dismissed", self.story_id, self.issue_id), title=self.headline
        )
        self.notify("Story marked not relevant to this issue (u undoes)", timeout=3)
        self.app.pop_screen()

    def action_undo_dismiss(self) -> None:
        self.briefer.undo_dismissal()
