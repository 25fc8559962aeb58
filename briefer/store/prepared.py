"""What the poll write path needs of each item, worked out before the write: the fields it
stores, its content hash, date as stored, language, story features and matches as stored.

None of it needs the database, so a poll works it out where it parses and matches (in a
worker process for a large poll), and the write transaction is left with SQL and a look-up
in the StoryIndex. `record_poll` works it out itself when not given it. A worker sends
these, not the Items: named tuples of strings and numbers cost the receiving process the
least to unpickle.
"""

from __future__ import annotations

import copyreg
from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple

from briefer.match import language
from briefer.models import Item, Match
from briefer.store.rows import hits_to_json, to_db_time
from briefer.stories import StoryItem
from briefer.stories.features import Features, features

__all__ = ["PreparedItem", "PreparedMatch", "prepare_items"]


class PreparedMatch(NamedTuple):
    issue_id: str
    score: float  # as matched; stored rounded to one decimal
    terms: tuple[str, ...]  # Match.terms
    hits: str  # hits_to_json(Match.hits)


class PreparedItem(NamedTuple):
    """One item as the write path reads it: the Item's fields it stores, then what was
    worked out for it. A worker sends these instead of the Items (see _as_tuple)."""

    guid: str
    link: str | None
    title: str
    summary: str
    author: str
    outlet: str
    outlet_url: str | None
    published: datetime  # Item.published, for the new matches
    published_s: str  # to_db_time(Item.published), as stored
    content_hash: str
    lang: str  # guessed from the text, else the feed's configured language
    features: Features  # of the item as grouping sees it (StoryItem with `lang`)
    matches: tuple[PreparedMatch, ...]


def _as_tuple(value: tuple[Any, ...]) -> tuple[Any, tuple[type, tuple[Any, ...]]]:
    return _TUPLE_NEW, (type(value), tuple(value))


# Worker processes send these back by the thousand: each is rebuilt by tuple.__new__ (C)
# from its fields, not by the named tuple's __new__ (Python) nor, for Features, through
# __init__; unpickling was the poll's main process's largest cost after storing.
_TUPLE_NEW = tuple.__new__
for _kind in (PreparedItem, PreparedMatch, Features):
    copyreg.pickle(_kind, _as_tuple)


def _story_item(item: Item, lang: str) -> StoryItem:
    """The item as grouping sees it, for its features (which read neither id nor date)."""
    return StoryItem(
        id=0,
        title=item.title,
        published=item.published,
        summary=item.summary,
        outlet=item.outlet,
        lang=lang,
    )


def prepare_items(
    items: Sequence[Item], matches: Sequence[Sequence[Match]] | None, feed_lang: str = ""
) -> list[PreparedItem]:
    """`matches[i]` are the matches of `items[i]` (None: no matches at all)."""
    out = []
    for index, item in enumerate(items):
        lang = language(f"{item.title} {item.summary}") or feed_lang
        found = features(_story_item(item, lang))
        encoded = tuple(
            [
                PreparedMatch(m.issue_id, m.score, tuple(m.terms), hits_to_json(m.hits))
                for m in (matches[index] if matches else ())
            ]
        )
        out.append(
            PreparedItem(
                item.guid,
                item.link,
                item.title,
                item.summary,
                item.author,
                item.outlet,
                item.outlet_url,
                item.published,
                to_db_time(item.published),
                item.content_hash,
                lang,
                found,
                encoded,
            )
        )
    return out
