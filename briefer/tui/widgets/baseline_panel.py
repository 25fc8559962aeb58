"""The issue's baseline from the seed documents: Markdown with citations, collapsible."""

from __future__ import annotations

from textual.containers import VerticalScroll
from textual.widgets import Collapsible, Markdown

SHORT_HEIGHT = 36  # terminal rows


class BaselinePanel(Collapsible):
    """Seed notes are the project's own files, so they are rendered as Markdown."""

    def __init__(self, **kwargs: object) -> None:
        body = VerticalScroll(Markdown(id="baseline-markdown"), id="baseline-scroll")
        super().__init__(body, title="Baseline", collapsed=False, **kwargs)  # type: ignore[arg-type]

    def on_mount(self) -> None:
        # On a short terminal the baseline would take half the rows above the stories:
        # folded until asked for (c).
        if self.app.size.height < SHORT_HEIGHT:
            self.collapsed = True

    def show(self, markdown: str, note_count: int) -> None:
        self.title = f"Baseline: {note_count} seed notes (c folds/unfolds)"
        self.query_one("#baseline-scroll", VerticalScroll).scroll_home(animate=False)
        self.query_one("#baseline-markdown", Markdown).update(markdown)
