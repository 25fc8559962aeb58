"""One item in full: title, source, date, why it matched, summary and link."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from briefer.models import TermHit
from briefer.store import ItemRow, MatchRow
from briefer.tui.text import ago, clean, highlighted

NO_MATCH = "No watchlist issue matches this item."


def why_it_matched(
    matches: Sequence[MatchRow], issue_titles: dict[str, str], *, unmatched: str = NO_MATCH
) -> Text:
    """Why the item matched each issue; for an item that matched none, `unmatched`."""
    if not matches:
        return Text("Not matched", style="bold underline").append(f"\n{unmatched}", style="dim")
    text = Text()
    text.append("Why it matched", style="bold underline")
    for match in matches:
        title = issue_titles.get(match.issue_id, match.issue_id)
        text.append(f"\n{clean(title)}", style="bold")
        text.append(f"  score {match.score:.0f}")
        for hit in match.hits:
            text.append("\n  • ")
            text.append(clean(hit.term), style="bold reverse")
            text.append(f"  {hit.kind}, {hit.score:.0f}", style="dim")
    return text


def item_meta(item: ItemRow, now: datetime) -> Text:
    text = Text(clean(item.source), style="bold")
    if item.outlet and item.outlet != item.feed_title:
        text.append(f" via {clean(item.feed_title)}", style="dim")  # the aggregator
    stamp = item.published.strftime("%Y-%m-%d %H:%M UTC")
    since = ago(item.published, now)
    text.append(f" · {stamp} · {since}" if since else f" · {stamp}")
    if item.starred:
        text.append(" · ★ starred", style="yellow")
    text.append(" · read" if item.read else " · unread", style="dim")
    return text


class ItemDetail(VerticalScroll):
    def compose(self) -> ComposeResult:
        yield Static(id="item-title")
        yield Static(id="item-meta")
        yield Static(id="item-why")
        yield Static(id="item-summary")
        yield Static(id="item-link")

    def show(
        self,
        item: ItemRow,
        matches: Sequence[MatchRow],
        issue_titles: dict[str, str],
        now: datetime,
    ) -> None:
        hits: list[TermHit] = [hit for match in matches for hit in match.hits]
        self.query_one("#item-title", Static).update(highlighted(item.title, hits, "title"))
        self.query_one("#item-meta", Static).update(item_meta(item, now))
        self.query_one("#item-why", Static).update(why_it_matched(matches, issue_titles))
        summary = highlighted(item.summary, hits, "summary", one_line=False)
        self.query_one("#item-summary", Static).update(summary or Text("(no summary)", "dim"))
        link = Text("Link: ", style="bold") + Text(clean(item.link or "none"), style="underline")
        self.query_one("#item-link", Static).update(link.append("  (o opens)", style="dim"))
        self.scroll_home(animate=False)
