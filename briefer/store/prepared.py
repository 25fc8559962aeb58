"""What the poll write path needs of each item beyond the item itself, worked out before
the write: its content hash, date as stored, language, story features and matches as
stored.

None of it needs the database, so a poll works it out where it parses and matches (in a
worker process for a large poll), and the write transaction is left with SQL and a look-up
in the StoryIndex. `record_poll` works it out itself when not given it.
"""

from __future__ import annotations

import copyreg
from collections.abc import Sequence
from dataclasses import fields
from typing import NamedTuple

from briefer.match import language
from briefer.models import Item, Match
from briefer.store.rows import hits_to_json, to_db_time
from briefer.stories import StoryItem
from briefer.stories.features import Features, features

__all__ = ["PreparedItem", "PreparedMatch", "prepare_items", "story_item_of"]


class PreparedMatch(NamedTuple):
    issue_id: str
    score: float  # as matched; stored rounded to one decimal
    terms: tuple[str, ...]  # Match.terms
    hits: str  # hits_to_json(Match.hits)


class PreparedItem(NamedTuple):
    content_hash: str
    published: str  # to_db_time(Item.published)
    lang: str  # guessed from the text, else the feed's configured language
    features: Features  # of the item as grouping sees it (StoryItem with `lang`)
    matches: list[PreparedMatch]


_FEATURE_FIELDS = tuple(f.name for f in fields(Features))


def _rebuild_features(found: Features) -> tuple[type[Features], tuple[object, ...]]:
    return Features, tuple(getattr(found, name) for name in _FEATURE_FIELDS)


# Worker processes send Features back: through __init__, not dataclasses' field-by-field
# __setstate__ for slots classes, which cost more than the rest of the unpickling.
copyreg.pickle(Features, _rebuild_features)


def story_item_of(item: Item, lang: str, item_id: int = 0) -> StoryItem:
    """The item as grouping sees it."""
    return StoryItem(
        id=item_id,
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
        found = features(story_item_of(item, lang))  # features read neither id nor date
        encoded = [
            PreparedMatch(m.issue_id, m.score, tuple(m.terms), hits_to_json(m.hits))
            for m in (matches[index] if matches else ())
        ]
        out.append(
            PreparedItem(item.content_hash, to_db_time(item.published), lang, found, encoded)
        )
    return out
