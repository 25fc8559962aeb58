"""An opened story's items, earliest first: outlet, language, time and headline."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import DataTable

from briefer.store import StoryMember
from briefer.tui.text import clean, fit_list, highlighted

FIXED_WIDTHS = {"flag": 2, "outlet": 18, "lang": 4, "time": 12}
OUTLET_WIDTHS = (len("Outlet"), 30)  # the outlet column fits its longest name, within these
WHY_WIDTH = 24
MIN_TITLE_WIDTH = 20
# Wide tables also say, on each row, which watchlist terms matched.
WHY_MIN_TABLE_WIDTH = 110


def flag(member: StoryMember) -> Text:
    text = Text("●" if not member.item.read else " ", style="bold cyan")
    return text.append("★" if member.item.starred else "", style="bold yellow")


def look(member: StoryMember) -> tuple[object, ...]:
    """Everything a row shows."""
    item, match = member.item, member.match
    hits = match.hits if match is not None else None
    return (item.id, item.read, item.starred, member.outlet, member.lang, item.published,
            item.title, hits)  # fmt: skip


class MemberTable(DataTable[Text]):
    """Rows are keyed by item id, so a reload keeps the cursor on the same item."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=False, **kwargs)  # type: ignore[arg-type]
        self.members: list[StoryMember] = []
        self._title_width = 0
        self._signature: list[tuple[object, ...]] = []
        self._outlet_width = FIXED_WIDTHS["outlet"]

    def on_mount(self) -> None:
        self._add_columns()

    @property
    def show_why(self) -> bool:
        return self.size.width >= WHY_MIN_TABLE_WIDTH

    def _fit(self) -> int:
        widths = [*FIXED_WIDTHS.values(), *([WHY_WIDTH] if self.show_why else [])]
        widths[1] = self._outlet_width
        padding = 2 * self.cell_padding * (len(widths) + 1)
        return max(MIN_TITLE_WIDTH, self.size.width - sum(widths) - padding - 2)

    def _add_columns(self) -> None:
        self._title_width = self._fit()
        self.add_column(Text(""), width=FIXED_WIDTHS["flag"], key="flag")
        self.add_column(Text("Outlet"), width=self._outlet_width, key="outlet")
        self.add_column(Text("Lang"), width=FIXED_WIDTHS["lang"], key="lang")
        self.add_column(Text("Published"), width=FIXED_WIDTHS["time"], key="time")
        self.add_column(Text("Headline"), width=self._title_width, key="title")
        if self.show_why:
            self.add_column(Text("Matched on"), width=WHY_WIDTH, key="why")

    def on_resize(self) -> None:
        if self.columns and (
            self._fit() != self._title_width
            or self.show_why != ("why" in [c.value for c in self.columns])
        ):
            self.clear(columns=True)
            self._add_columns()
            self.show(self.members)

    def show(self, members: Sequence[StoryMember]) -> None:
        signature = [look(m) for m in members]
        unchanged = signature == self._signature and self.row_count == len(members)
        self.members = list(members)  # what the detail below shows, however fresh
        if unchanged:
            return  # coming back from an item or the help unchanged: no refill, no repaint
        self._signature = signature
        low, high = OUTLET_WIDTHS
        high = min(high, max(low, self.size.width // 4))  # a narrow table keeps its headlines
        outlet = min(high, max([low, *(len(clean(m.outlet)) for m in members)]))
        if self.columns and outlet != self._outlet_width:
            self._outlet_width = outlet  # the headline gets the rest
            self.clear(columns=True)
            self._add_columns()
        current = self.cursor_row
        self.clear()
        for member in members:
            item = member.item
            style = "dim" if item.read else "bold"
            hits = member.match.hits if member.match is not None else ()
            cells = [
                flag(member),
                Text(clean(member.outlet), style="" if member.match else "dim"),
                Text(member.lang.upper(), style="dim"),
                Text(item.published.strftime("%d %b %H:%M")),
                highlighted(item.title, hits, "title", style=style),
            ]
            if self.show_why:
                terms = fit_list(member.match.terms, WHY_WIDTH) if member.match else "not matched"
                cells.append(Text(clean(terms), style="cyan" if member.match else "dim"))
            self.add_row(*cells, key=str(item.id))
        if members:
            self.move_cursor(row=min(current, len(members) - 1), animate=False)

    @property
    def selected(self) -> StoryMember | None:
        if not self.members or not self.is_valid_row_index(self.cursor_row):
            return None
        return self.members[self.cursor_row]
