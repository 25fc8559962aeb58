"""Group items into stories: one real-world event, however many outlets and languages.

Pure: plain data in, story ids out; no SQL, no UI. Two ways in:

- `StoryIndex` (incremental): the poller keeps one, warmed from the store with the items
  of the last `WINDOW`; each new item joins the best story active within the window or
  starts its own.
- `group()` (batch): any list of items, e.g. `briefer stories --jsonl` or re-grouping
  stored items after `METHOD` changed.

A story's id is the id of its first item, so ids stay stable as stories grow.

Modules: item.py (StoryItem, WINDOW), glossary.py (English/Spanish news vocabulary),
features.py (text -> weighted features), index.py (incremental index and similarity),
batch.py (group).
"""

from __future__ import annotations

from briefer.stories.batch import group
from briefer.stories.index import StoryIndex
from briefer.stories.item import WINDOW, StoryId, StoryItem

__all__ = ["METHOD", "WINDOW", "StoryId", "StoryIndex", "StoryItem", "group"]

# Bumped whenever grouping changes: stored items are then grouped again (resumable).
METHOD = "3"
