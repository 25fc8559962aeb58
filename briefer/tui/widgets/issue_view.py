"""The main panel: the selected issue's heading, its baseline, and its stories."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from briefer.store import StoryRow
from briefer.tui.briefing import STORY_LIMIT, IssueQuery
from briefer.tui.text import clean
from briefer.tui.widgets.baseline_panel import BaselinePanel
from briefer.tui.widgets.story_table import StoryTable
from briefer.watchlist import DescribedIssue


def issue_heading(issue: DescribedIssue, query: IssueQuery, count: int | None) -> Text:
    text = Text(clean(issue.title), style="bold")
    order = "newest first" if query.order == "new" else "best first"
    shown = "starred stories" if query.starred_only else "stories"
    counted = "…" if count is None else f"{count}{'+' if count >= STORY_LIMIT else ''}"
    return text.append(f"  {counted} {shown}, {order}", style="dim")


class IssueView(Vertical):
    """Updates only what changed: a text update re-lays out the screen (the baseline's
    Markdown included), and stories reload after every change the reader makes."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._shown: dict[str, object] = {}

    def _update(self, widget_id: str, content: Text) -> None:
        if self._shown.get(widget_id) != content.markup:
            self._shown[widget_id] = content.markup
            widget = self.query_one(f"#{widget_id}", Static)
            # A line that still fits on its one line (a count going from 12 to 11) needs
            # no new layout of the screen, which would redraw the whole screen.
            one_line = widget.size.height == 1 and content.cell_len <= widget.size.width
            widget.update(content, layout=not one_line)

    def compose(self) -> ComposeResult:
        yield Static(id="issue-heading")
        yield Static(id="issue-description")
        yield BaselinePanel(id="baseline")
        yield Static(id="empty-note")
        yield StoryTable(id="stories")

    def show_issue(self, issue: DescribedIssue, query: IssueQuery, baseline: str) -> None:
        """Heading and baseline come from files, so they show before any query returns."""
        self._update("issue-heading", issue_heading(issue, query, None))
        description = Text(clean(issue.description), style="italic")
        self.query_one("#issue-description", Static).update(description)
        notes = baseline.count("### From:")
        self.query_one(BaselinePanel).show(baseline, notes)

    def show_stories(
        self, issue: DescribedIssue, query: IssueQuery, stories: Sequence[StoryRow], now: datetime
    ) -> None:
        self._update("issue-heading", issue_heading(issue, query, len(stories)))
        note = self.query_one("#empty-note", Static)
        if note.display != (not stories):
            note.display = not stories
        if not stories:
            what = "No starred stories" if query.starred_only else "No matched stories yet"
            self._update(
                "empty-note",
                Text(f"{what} for this issue. New ones appear here as feeds are polled."),
            )
        self.query_one(StoryTable).show(stories, now)
