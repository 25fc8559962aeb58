"""One item in full. Opening it marks it read; n/p walk the issue's list without leaving."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, Header

from briefer.store import ItemRow
from briefer.tui.pending import Change
from briefer.tui.services_mixin import ServicesMixin
from briefer.tui.widgets.item_detail import ItemDetail


class ItemScreen(ServicesMixin, Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,backspace", "app.pop_screen", "Back"),
        Binding("o", "open_link", "Open link"),
        Binding("m", "toggle_read", "Read/unread"),
        Binding("s", "toggle_star", "Star"),
        Binding("x", "dismiss_match", "Not relevant"),
        Binding("u", "undo_dismiss", "Undo not relevant", show=False),
        Binding("n", "step(1)", "Next"),
        Binding("p", "step(-1)", "Previous"),
    ]

    def __init__(self, item_ids: Sequence[int], index: int, issue_id: str | None) -> None:
        super().__init__(id="item-screen")
        self.item_ids = list(item_ids)
        self.index = max(0, min(index, len(self.item_ids) - 1))
        self.issue_id = issue_id
        self.item: ItemRow | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield ItemDetail(id="item")
        yield Footer()

    def on_mount(self) -> None:
        self.show_current(mark_read=True)

    def show_current(self, *, mark_read: bool = False) -> None:
        if not self.item_ids:
            self.app.pop_screen()
            return
        item_id = self.item_ids[self.index]
        # One row and its few matches: small enough for the UI thread.
        stored = self.store.item(item_id)
        if stored is None:
            return
        item = self.briefer.pending.show_item(stored)
        if mark_read and not item.read:
            self.briefer.save(Change("read", item.id, value=True))
            item = self.briefer.pending.show_item(stored)
        self.item = item
        titles = {issue.id: issue.title for issue in self.services.issues}
        detail = self.query_one(ItemDetail)
        detail.show(item, self.store.item_matches(item_id), titles, self.services.now())
        self.sub_title = f"item {self.index + 1} of {len(self.item_ids)}"

    def action_step(self, step: int) -> None:
        target = self.index + step
        if 0 <= target < len(self.item_ids):
            self.index = target
            self.show_current(mark_read=True)
        else:
            self.notify("No more items this way.", timeout=2)

    def action_open_link(self) -> None:
        if self.item is not None:
            self.open_item_link(self.item)
            self.show_current()

    def action_toggle_read(self) -> None:
        if self.item is not None:
            self.briefer.save(Change("read", self.item.id, value=not self.item.read))
            self.show_current()

    def action_toggle_star(self) -> None:
        if self.item is not None:
            self.briefer.save(Change("starred", self.item.id, value=not self.item.starred))
            self.show_current()

    def action_dismiss_match(self) -> None:
        if self.item is None or self.issue_id is None:
            self.notify("Open the item from an issue to dismiss it there.", timeout=3)
            return
        dismissal = Change("dismissed", self.item.id, self.issue_id)
        self.briefer.save(dismissal, title=self.item.title)
        self.notify("Marked not relevant to this issue (u undoes)", timeout=3)
        del self.item_ids[self.index]
        self.index = min(self.index, len(self.item_ids) - 1)
        self.show_current(mark_read=True)

    def action_undo_dismiss(self) -> None:
        undone = self.briefer.undo_dismissal()
        if undone is None or undone.issue_id != self.issue_id:
            return
        item_id = int(undone.target)
        if item_id not in self.item_ids:
            self.index = max(self.index, 0)
            self.item_ids.insert(self.index, item_id)
        self.index = self.item_ids.index(item_id)
        self.show_current()
