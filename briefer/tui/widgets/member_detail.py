"""Below an opened story's items: the selected item's link and why it matched."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from briefer.store import StoryMember
from briefer.tui.text import clean
from briefer.tui.widgets.item_detail import why_it_matched


def member_text(
    member: StoryMember, issue_titles: dict[str, str], issue_id: str | None = None
) -> Text:
    """`issue_id`: the issue the story was opened from; None from search, where an item's
    match is its best of any issue."""
    item = member.item
    text = Text("Link: ", style="bold")
    text.append(clean(item.link or "none"), style="underline")
    text.append("  (o opens, enter shows the item)\n", style="dim")
    matches = [member.match] if member.match is not None else []
    if issue_id is None:
        return text.append_text(why_it_matched(matches, issue_titles))
    title = clean(issue_titles.get(issue_id, issue_id))
    unmatched = f"Listed as part of the story; this item does not match {title}."
    return text.append_text(why_it_matched(matches, issue_titles, unmatched=unmatched))


class MemberDetail(Static):
    def show(
        self, member: StoryMember | None, issue_titles: dict[str, str], issue_id: str | None
    ) -> None:
        shown = member_text(member, issue_titles, issue_id) if member is not None else Text("")
        self.update(shown)
