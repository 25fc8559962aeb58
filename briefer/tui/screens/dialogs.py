"""Small modal dialogs, each returning its answer through dismiss()."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static


class AddFeedDialog(ModalScreen[tuple[str, str | None] | None]):
    """Asks for a feed address and an optional title."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Add a feed", classes="dialog-title")
            yield Input(placeholder="https://example.org/feed.xml", id="feed-url")
            yield Input(placeholder="Title (optional)", id="feed-title")
            yield Static(id="feed-error", classes="dialog-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Add", variant="primary", id="add")
                yield Button("Cancel", id="cancel")

    @on(Button.Pressed, "#add")
    @on(Input.Submitted)
    def _add(self) -> None:
        url = self.query_one("#feed-url", Input).value.strip()
        title = self.query_one("#feed-title", Input).value.strip() or None
        if not url.lower().startswith(("http://", "https://")):
            error = Text("Enter an http:// or https:// address.", style="bold red")
            self.query_one("#feed-error", Static).update(error)
            return
        self.dismiss((url, title))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmDialog(ModalScreen[bool]):
    """A yes/no question; the question is a Text so it may quote untrusted titles."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,n", "answer(False)", "No"),
        Binding("y", "answer(True)", "Yes"),
    ]

    def __init__(self, question: Text) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.question)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Yes (y)", variant="error", id="yes")
                yield Button("No (n)", id="no")

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)
