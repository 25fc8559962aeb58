"""The issue's matched items: highlighted title, source, age and score, unread in bold."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from rich.text import Text
from textual.widgets import DataTable

from briefer.store import MatchRow
from briefer.tui.text import age, clean, highlighted

FIXED_WIDTHS = {"flag": 1, "source": 16, "age": 4, "score": 5}
MIN_TITLE_WIDTH = 20
# Below this table width the source column gives its room to the title (the item view
# still names the source).
SOURCE_MIN_TABLE_WIDTH = 70


def flag(row: MatchRow) -> Text:
    if row.item.starred:
        return Text("★", style="bold yellow")
    return Text("●", style="bold cyan") if not row.item.read else Text("")


class MatchTable(DataTable[Text]):
    """Rows are keyed by item id, so a reload keeps the cursor on the same item."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=False, **kwargs)  # type: ignore[arg-type]
        self.rows_by_key: dict[str, MatchRow] = {}
        self.matches: list[MatchRow] = []
        self._now: datetime | None = None
        self._title_width = 0
        self._signature: list[tuple[int, bool, bool, float, str]] = []

    def on_mount(self) -> None:
        self._add_columns()

    @property
    def show_source(self) -> bool:
        return self.size.width >= SOURCE_MIN_TABLE_WIDTH

    def _add_columns(self) -> None:
        self._title_width = self._fit_title_width()
        self.add_column(Text(""), width=FIXED_WIDTHS["flag"], key="flag")
        self.add_column(Text("Title"), width=self._title_width, key="title")
        if self.show_source:
            self.add_column(Text("Source"), width=FIXED_WIDTHS["source"], key="source")
        self.add_column(Text("Age"), width=FIXED_WIDTHS["age"], key="age")
        self.add_column(Text("Score"), width=FIXED_WIDTHS["score"], key="score")

    def _fit_title_width(self) -> int:
        widths = dict(FIXED_WIDTHS)
        if not self.show_source:
            del widths["source"]
        padding = 2 * self.cell_padding * (len(widths) + 1)
        scrollbar = 2
        spare = self.size.width - sum(widths.values()) - padding - scrollbar
        return max(MIN_TITLE_WIDTH, spare)

    def on_resize(self) -> None:
        if self.columns and (
            self._fit_title_width() != self._title_width
            or self.show_source != ("source" in [c.value for c in self.columns])
        ):
            self.clear(columns=True)
            self._add_columns()
            self._signature = []
            if self._now is not None:
                self.show(self.matches, self._now)

    def show(self, matches: Sequence[MatchRow], now: datetime) -> None:
        """Refill the table; the cursor stays on the same item and the scroll where it was."""
        signature = [
            (m.item.id, m.item.read, m.item.starred, m.score, age(m.item.published, now))
            for m in matches
        ]
        if signature == self._signature and self.row_count == len(matches):
            return  # nothing a reader could see has changed: no refill, no repaint
        self._signature = signature
        current = self.selected
        row = self.cursor_row
        scroll_y = self.scroll_y
        self._now = now
        self.matches = list(matches)
        self.rows_by_key = {str(m.item.id): m for m in matches}
        self.clear()
        for match in matches:
            item = match.item
            style = "bold" if not item.read else "dim"
            cells = [flag(match), highlighted(item.title, match.hits, "title", style=style)]
            if self.show_source:
                cells.append(Text(clean(item.feed_title), style="dim" if item.read else ""))
            cells.append(Text(age(item.published, now)))
            cells.append(Text(f"{match.score:.0f}", justify="right"))
            self.add_row(*cells, key=str(item.id))
        if current is None or not matches:
            return
        if str(current.item.id) in self.rows_by_key:
            row = self.get_row_index(str(current.item.id))
        # A row that left (dismissed) hands the cursor to the one that took its place.
        self.move_cursor(row=min(row, len(matches) - 1), animate=False, scroll=False)
        self.call_after_refresh(self.scroll_to, y=scroll_y, animate=False)

    @property
    def selected(self) -> MatchRow | None:
        if not self.matches or not self.is_valid_row_index(self.cursor_row):
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return self.rows_by_key.get(key or "")
