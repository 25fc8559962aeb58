"""What grouping knows of an item, and how long a story stays open."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from datetime import datetime, timedelta

__all__ = ["WINDOW", "StoryId", "StoryItem"]

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
