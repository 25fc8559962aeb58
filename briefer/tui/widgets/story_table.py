"""The issue's stories: one row per event, however many outlets carried it.

Each row: an unread mark (● never seen, "+3 new" when a story already read has grown) and ★
if starred, the best headline with the matched words highlighted, how many outlets carried
it, EN ES when both languages did, and when it was first seen and last updated.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from rich.text import Text
from textual.widgets import DataTable

from briefer.store import StoryRow
from briefer.tui.text import WHEN_WIDTH, highlighted, short_when

FIXED_WIDTHS = {"flag": 2, "outlets": 3, "langs": 5, "first": WHEN_WIDTH, "last": WHEN_WIDTH}
MIN_HEADLINE_WIDTH = 20
# Below this table width "first seen" gives its room to the headline (the story screen
# still shows every item's time).
FIRST_SEEN_MIN_TABLE_WIDTH = 70
BOTH_LANGUAGES = frozenset({"en", "es"})


def flag(row: StoryRow) -> Text:
    text = Text("●" if row.unread and not row.new_since_read else " ", style="bold cyan")
    return text.append("★" if row.starred else "", style="bold yellow")


def headline(row: StoryRow) -> Text:
    style = "bold" if row.unread else "dim"
    text = Text()
    if row.new_since_read:
        text.append(f"+{row.new_since_read} new ", style="bold cyan")
    return text.append_text(highlighted(row.headline, row.hits, "title", style=style))


def languages(row: StoryRow) -> Text:
    if row.langs >= BOTH_LANGUAGES:
        return Text("EN ES", style="bold green")
    return Text(" ".join(sorted(lang.upper() for lang in row.langs)), style="dim")


class StoryTable(DataTable[Text]):
    """Rows are keyed by story id, so a reload keeps the cursor on the same story."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=False, **kwargs)  # type: ignore[arg-type]
        self.rows_by_key: dict[str, StoryRow] = {}
        self.stories: list[StoryRow] = []
        self._now: datetime | None = None
        self._headline_width = 0
        self._signature: list[tuple[object, ...]] = []

    def on_mount(self) -> None:
        self._add_columns()

    @property
    def show_first_seen(self) -> bool:
        return self.size.width >= FIRST_SEEN_MIN_TABLE_WIDTH

    def _widths(self) -> dict[str, int]:
        widths = dict(FIXED_WIDTHS)
        if not self.show_first_seen:
            del widths["first"]
        return widths

    def _add_columns(self) -> None:
        widths = self._widths()
        padding = 2 * self.cell_padding * (len(widths) + 1)
        scrollbar = 2
        spare = self.size.width - sum(widths.values()) - padding - scrollbar
        self._headline_width = max(MIN_HEADLINE_WIDTH, spare)
        self.add_column(Text(""), width=widths["flag"], key="flag")
        self.add_column(Text("Story"), width=self._headline_width, key="headline")
        self.add_column(Text("Out", justify="right"), width=widths["outlets"], key="outlets")
        self.add_column(Text("Lang"), width=widths["langs"], key="langs")
        if "first" in widths:
            self.add_column(Text("First"), width=widths["first"], key="first")
        self.add_column(Text("Last"), width=widths["last"], key="last")

    def on_resize(self) -> None:
        if self.columns and (
            self.show_first_seen != ("first" in [c.value for c in self.columns])
            or self._headline_width != self._fit()
        ):
            self.clear(columns=True)
            self._add_columns()
            self._signature = []
            if self._now is not None:
                self.show(self.stories, self._now)

    def _fit(self) -> int:
        widths = self._widths()
        padding = 2 * self.cell_padding * (len(widths) + 1)
        return max(MIN_HEADLINE_WIDTH, self.size.width - sum(widths.values()) - padding - 2)

    def show(self, stories: Sequence[StoryRow], now: datetime) -> None:
        """Refill the table; the cursor stays on the same story and the scroll where it was."""
        signature: list[tuple[object, ...]] = [
            (s.story_id, s.unread, s.new_since_read, s.starred, s.outlets, s.langs,
             s.headline, short_when(s.first_seen, now), short_when(s.last_update, now))
            for s in stories
        ]  # fmt: skip
        if signature == self._signature and self.row_count == len(stories):
            return  # nothing a reader could see has changed: no refill, no repaint
        self._signature = signature
        current = self.selected
        row = self.cursor_row
        scroll_y = self.scroll_y
        self._now = now
        self.stories = list(stories)
        self.rows_by_key = {str(s.story_id): s for s in stories}
        self.clear()
        first_seen = self.show_first_seen
        for story in stories:
            cells = [flag(story), headline(story)]
            cells.append(Text(str(story.outlets), justify="right"))
            cells.append(languages(story))
            if first_seen:
                cells.append(Text(short_when(story.first_seen, now), style="dim"))
            cells.append(Text(short_when(story.last_update, now)))
            self.add_row(*cells, key=str(story.story_id))
        if current is None or not stories:
            return
        if str(current.story_id) in self.rows_by_key:
            row = self.get_row_index(str(current.story_id))
        # A row that left (dismissed) hands the cursor to the one that took its place.
        self.move_cursor(row=min(row, len(stories) - 1), animate=False, scroll=False)
        self.call_after_refresh(self.scroll_to, y=scroll_y, animate=False)

    @property
    def selected(self) -> StoryRow | None:
        if not self.stories or not self.is_valid_row_index(self.cursor_row):
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return self.rows_by_key.get(key or "")
