"""Every key, screen by screen, read from the bindings themselves so it never goes stale."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

KEY_NAMES = {
    "question_mark": "?",
    "slash": "/",
    "escape": "Esc",
    "backspace": "Backspace",
    "delete": "Del",
    "enter": "Enter",
    "tab": "Tab",
    "ctrl+p": "Ctrl+P",
    "ctrl+f": "Ctrl+F",
    "ctrl+q": "Ctrl+Q",
}


def key_label(keys: str) -> str:
    return " ".join(KEY_NAMES.get(k.strip(), k.strip()) for k in keys.split(","))


def bindings_table(sections: Sequence[tuple[str, Iterable[BindingType]]]) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold cyan", no_wrap=True)
    table.add_column()
    for heading, bindings in sections:
        table.add_row(Text(heading, style="bold underline"), "")
        for binding in bindings:
            if isinstance(binding, Binding):
                table.add_row(Text(key_label(binding.key)), Text(binding.description))
        table.add_row("", "")
    return table


def halves(
    sections: Sequence[tuple[str, Iterable[BindingType]]],
) -> list[list[tuple[str, list[BindingType]]]]:
    """The sections in two columns of about as many lines each, in order."""
    listed = [(heading, list(bindings)) for heading, bindings in sections]
    total = sum(len(bindings) + 2 for _, bindings in listed)
    left: list[tuple[str, list[BindingType]]] = []
    lines = 0
    for section in listed:
        if left and lines + (len(section[1]) + 2) / 2 > total / 2:
            break
        left.append(section)
        lines += len(section[1]) + 2
    return [left, listed[len(left) :]]


class HelpScreen(ModalScreen[None]):
    """Two columns where the terminal is wide enough, so every key shows without scrolling."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,question_mark", "dismiss", "Close")]
    # Screen declares it an instance variable: a ClassVar annotation would not type-check.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]  # noqa: RUF012

    def __init__(self, sections: Sequence[tuple[str, Iterable[BindingType]]]) -> None:
        super().__init__(id="help-screen")
        self.sections = sections

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog", id="help"):
            yield Static(Text("briefer keys (Esc closes)", style="bold"))
            with Container(id="help-columns"):
                for half in halves(self.sections):
                    yield Static(bindings_table(half), classes="help-column")

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
