"""The issue's stories: one row per event, however many outlets carried it.

Each row: an unread mark (● never seen, "+3 new" when a story already read has grown) and ★
if starred, the best headline with the matched words highlighted, how many outlets carried
it, EN ES when both languages did, and when it was first seen and last updated.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from rich.text import Text
from textual.widgets import DataTable
from textual.widgets.data_table import RowKey

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


def look(story: StoryRow, now: datetime) -> tuple[object, ...]:
    """Everything a row shows; the story id first."""
    return (
        story.story_id, story.unread, story.new_since_read, story.starred, story.outlets,
        story.langs, story.headline, story.hits, short_when(story.first_seen, now),
        short_when(story.last_update, now),
    )  # fmt: skip


def is_subsequence(items: Sequence[object], of: Sequence[object]) -> bool:
    """True when `items` is `of` with some entries left out, the order kept."""
    rest = iter(of)
    return all(any(item == other for other in rest) for item in items)


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

    def cells(self, story: StoryRow, now: datetime) -> list[Text]:
        """The row's cells, for the columns the table has now."""
        cells = [flag(story), headline(story)]
        cells.append(Text(str(story.outlets), justify="right"))
        cells.append(languages(story))
        if "first" in self.columns:
            cells.append(Text(short_when(story.first_seen, now), style="dim"))
        cells.append(Text(short_when(story.last_update, now)))
        return cells

    def show(self, stories: Sequence[StoryRow], now: datetime) -> None:
        """Show these stories; the cursor stays on the same story and the scroll where it was.

        A mark or a dismissal changes a row or two: those rows are updated in place, as
        refilling the table re-measures and redraws every row while the reader waits.
        New stories or another order refill it."""
        signature = [look(s, now) for s in stories]
        if signature == self._signature and self.row_count == len(stories):
            # Nothing a reader could see has changed: no redraw, but the rows behind the
            # keys (a link, a rank) are kept fresh.
            self.stories = list(stories)
            self.rows_by_key = {str(s.story_id): s for s in stories}
            return
        shown = {look[0]: look for look in self._signature}
        in_place = self.row_count == len(self._signature) and is_subsequence(
            [s.story_id for s in stories], [look[0] for look in self._signature]
        )
        current = self.selected
        row = self.cursor_row
        self._signature = signature
        self._now = now
        self.stories = list(stories)
        self.rows_by_key = {str(s.story_id): s for s in stories}
        if in_place:
            self._update_rows(stories, signature, shown, now)
        else:
            self._refill(stories, now)
        if current is None or not stories:
            return
        if str(current.story_id) in self.rows_by_key:
            row = self.get_row_index(str(current.story_id))
        # A row that left (dismissed) hands the cursor to the one that took its place.
        row = min(row, len(stories) - 1)
        if row != self.cursor_row or not in_place:
            self.move_cursor(row=row, animate=False, scroll=False)

    def _update_rows(
        self,
        stories: Sequence[StoryRow],
        signature: list[tuple[object, ...]],
        shown: dict[object, tuple[object, ...]],
        now: datetime,
    ) -> None:
        for story_id in shown.keys() - {s.story_id for s in stories}:
            self.remove_row(str(story_id))
        changed = {
            str(story.story_id): self.cells(story, now)
            for story, new_look in zip(stories, signature, strict=True)
            if shown[story.story_id] != new_look
        }
        if changed:
            self._replace_rows(changed)

    def _replace_rows(self, rows: dict[str, list[Text]]) -> None:
        """New cells for some rows, redrawing those rows alone.

        `update_cell` would redraw every visible row: DataTable keys all its cached renders
        by one update counter, which it bumps. Dropping only these rows' cached renders
        keeps the others (a full list costs 30 ms and more to redraw). Should Textual's
        DataTable no longer keep these caches, `update_cell` does it the slow way."""
        try:
            data = self._data
            by_row_key: tuple[Any, ...] = (self._cell_render_cache, self._row_render_cache)
            renderables, lines = self._row_renderable_cache, self._line_cache
        except AttributeError:
            for key, cells in rows.items():
                for column, cell in zip(list(self.columns), cells, strict=True):
                    self.update_cell(key, column, cell)
            return
        keys = {RowKey(key) for key in rows}
        for key, cells in rows.items():
            data[RowKey(key)].update(zip(self.columns, cells, strict=True))
        for cache in by_row_key:  # one pass, however many rows changed
            for cache_key in [k for k in cache.keys() if k[0] in keys]:  # noqa: SIM118 (no __iter__)
                cache.discard(cache_key)
        lines.clear()  # keyed by line on screen; rebuilt from the rows' cached renders
        for key in rows:
            index = self.get_row_index(key)
            renderables.discard((self._update_count, index))
            self.refresh_row(index)

    def _refill(self, stories: Sequence[StoryRow], now: datetime) -> None:
        scroll_y = self.scroll_y
        self.clear()
        for story in stories:
            self.add_row(*self.cells(story, now), key=str(story.story_id))
        if stories:
            self.call_after_refresh(self.scroll_to, y=scroll_y, animate=False)

    @property
    def selected(self) -> StoryRow | None:
        if not self.stories or not self.is_valid_row_index(self.cursor_row):
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return self.rows_by_key.get(key or "")
