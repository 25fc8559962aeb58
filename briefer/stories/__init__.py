"""Group items into stories: one real-world event, however many outlets and languages.

Pure: plain data in, story ids out; no SQL, no UI. Two ways in:

- `StoryIndex` (incremental): the poller keeps one, warmed from the store with the items
  of the last `WINDOW`; each new item joins the best story active within the window or
  starts its own.
- `group()` (batch): any list of items, e.g. `briefer stories --jsonl` or re-grouping
  stored items after `METHOD` changed.

A story's id is the id of its first item, so ids stay stable as stories grow.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

__all__ = ["METHOD", "WINDOW", "StoryIndex", "StoryItem", "group"]

# Bumped whenever grouping changes: stored items are then grouped again (resumable).
METHOD = "0"
# How long a story stays open to new items.
WINDOW = timedelta(days=3)

StoryId = Hashable


@dataclass(frozen=True, slots=True)
class StoryItem:
    """What grouping needs to know of one item."""

    id: StoryId
    title: str  # without the outlet suffix
    published: datetime  # timezone-aware UTC
    summary: str = ""
    outlet: str = ""  # the real outlet, "" when unknown
    lang: str = ""  # "en", "es" or "" (unknown)


def _key(item: StoryItem) -> str:
    folded = unicodedata.normalize("NFKD", item.title.casefold())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    return " ".join(re.findall(r"\w+", folded))


@dataclass(slots=True)
class StoryIndex:
    """Stories active in the last `window`, for assigning new items one at a time."""

    window: timedelta = WINDOW
    _open: dict[str, tuple[StoryId, datetime]] = field(default_factory=dict)

    def add(self, item: StoryItem, story: StoryId | None = None) -> StoryId:
        """The item's story: `story` when given (warming from the store), else the best
        story active within the window of `item.published`, else a new one (`item.id`)."""
        key = _key(item)
        if story is None:
            found = self._open.get(key)
            if found is not None and abs(item.published - found[1]) <= self.window:
                story = found[0]
            else:
                story = item.id
        last = self._open.get(key, (story, item.published))[1]
        self._open[key] = (story, max(item.published, last))
        return story

    def forget_before(self, when: datetime) -> None:
        """Drop stories whose last item is older than `when` (keeps memory bounded)."""
        self._open = {k: v for k, v in self._open.items() if v[1] >= when}


def group(items: Sequence[StoryItem]) -> list[StoryId]:
    """The story id of every item, in input order."""
    index = StoryIndex()
    order = sorted(range(len(items)), key=lambda i: items[i].published)
    out: list[StoryId] = [None] * len(items)
    for i in order:
        out[i] = index.add(items[i])
    return out
