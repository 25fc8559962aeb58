"""The main panel: the selected issue's heading, its baseline, and its matched items."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from briefer.store import MatchRow
from briefer.tui.briefing import MATCH_LIMIT, IssueLike, IssueQuery
from briefer.tui.text import clean
from briefer.tui.widgets.baseline_panel import BaselinePanel
from briefer.tui.widgets.match_table import MatchTable


def issue_heading(issue: IssueLike, query: IssueQuery, count: int | None) -> Text:
    text = Text(clean(issue.title), style="bold")
    order = "newest first" if query.order == "newest" else "best first"
    shown = "starred" if query.starred_only else "matches"
    counted = "…" if count is None else f"{count}{'+' if count >= MATCH_LIMIT else ''}"
    return text.append(f"  {counted} {shown}, {order}", style="dim")


class IssueView(Vertical):
    def compose(self) -> ComposeResult:
        yield Static(id="issue-heading")
        yield Static(id="issue-description")
        yield BaselinePanel(id="baseline")
        yield Static(id="empty-note")
        yield MatchTable(id="matches")

    def show_issue(self, issue: IssueLike, query: IssueQuery, baseline: str) -> None:
        """Heading and baseline come from files, so they show before any query returns."""
        self.query_one("#issue-heading", Static).update(issue_heading(issue, query, None))
        description = Text(clean(issue.description), style="italic")
        self.query_one("#issue-description", Static).update(description)
        notes = baseline.count("### From:")
        self.query_one(BaselinePanel).show(baseline, notes)

    def show_matches(
        self, issue: IssueLike, query: IssueQuery, matches: Sequence[MatchRow], now: datetime
    ) -> None:
        heading = issue_heading(issue, query, len(matches))
        self.query_one("#issue-heading", Static).update(heading)
        note = self.query_one("#empty-note", Static)
        if matches:
            note.display = False
        else:
            note.display = True
            what = "No starred items" if query.starred_only else "No matched items yet"
            note.update(Text(f"{what} for this issue. New ones appear here as feeds are polled."))
        self.query_one(MatchTable).show(matches, now)
