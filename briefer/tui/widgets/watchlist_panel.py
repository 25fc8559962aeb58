"""The watchlist: one entry per issue with its stories unread and new in 24 h, and a 30-day
sparkline of new stories."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from briefer.trend import sparkline
from briefer.tui.briefing import WatchRow
from briefer.tui.text import clean
from briefer.watchlist import DescribedIssue

TITLE_WIDTH = 30  # the panel's width in briefer.tcss (36), less border, padding, scrollbar
NARROW = 26  # below this many columns a prompt's counts are spelled shorter


def watch_prompt(row: WatchRow | None, title: str, width: int = TITLE_WIDTH) -> Text:
    # One line each for title, counts and sparkline: long titles end in an ellipsis, and a
    # narrow panel (a small terminal, briefer.tcss) shows fewer days of the sparkline.
    text = Text()
    if row is not None and row.surging:
        text.append("▲ ", style="bold red")
    text.append(clean(title), style="bold")
    text.truncate(width, overflow="ellipsis")
    if row is None:
        return text.append("\nloading…", style="dim")
    # Counts of stories; the issue's heading says so, the panel has no room to.
    last_day = f"{row.last_day} in 24h" if width >= NARROW else f"{row.last_day}/24h"
    text.append(f"\n{row.unread} unread · {last_day}", style="" if row.unread else "dim")
    if row.surging and width >= NARROW:
        text.append(" · surging", style="bold red")
    return text.append("\n" + sparkline(row.daily[-width:]), style="cyan")


class WatchlistPanel(OptionList):
    """Issues in watchlist order; highlighting one shows it in the issue view."""

    BORDER_TITLE = "Watchlist"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("tab", "next_panel", show=False)]

    def __init__(self, issues: Sequence[DescribedIssue], **kwargs: object) -> None:
        options: list[Option | None] = []
        for issue in issues:
            if options:
                options.append(None)  # a rule between issues
            options.append(Option(watch_prompt(None, issue.title), id=issue.id))
        super().__init__(*options, **kwargs)  # type: ignore[arg-type]
        self._titles = {issue.id: issue.title for issue in issues}
        self.rows: dict[str, WatchRow] = {}
        self.prompt_width = TITLE_WIDTH

    def on_resize(self) -> None:
        # Border, padding, the option's padding and room for a scrollbar (briefer.tcss),
        # whether or not one shows: a prompt that wrapped would bring the scrollbar on.
        width = max(8, self.outer_size.width - 6)
        if width != self.prompt_width:
            self.prompt_width = width
            for issue_id, title in self._titles.items():
                row = self.rows.get(issue_id)
                self.replace_option_prompt(issue_id, watch_prompt(row, title, width))

    def show(self, rows: Sequence[WatchRow]) -> None:
        """Replace each prompt in place, so the highlight and scroll never move."""
        for row in rows:
            if row.issue_id not in self._titles or self.rows.get(row.issue_id) == row:
                continue
            self.rows[row.issue_id] = row
            prompt = watch_prompt(row, row.title, self.prompt_width)
            self.replace_option_prompt(row.issue_id, prompt)

    def action_next_panel(self) -> None:
        """Tab goes to the story list, past the baseline's fold toggle in between, so Tab,
        Down, Enter opens a story; Shift+Tab from the list still reaches the baseline."""
        stories = self.screen.query("#stories")
        if stories:
            stories.first().focus()
        else:
            self.screen.focus_next()

    @property
    def issue_id(self) -> str | None:
        option = self.highlighted_option
        return option.id if option is not None else None
