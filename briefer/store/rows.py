"""How values are stored and read back: times, term hits as JSON, rows, shared SQL.

Shared by the store's modules; nothing here opens a connection.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from json.encoder import encode_basestring
from math import isfinite
from typing import Any

from briefer.models import FeedRow, ItemRow, Match, Span, TermHit
from briefer.stories import StoryItem


def to_db_time(dt: datetime) -> str:
    """Fixed-width UTC text, so string order is time order in SQL."""
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def from_db_time(text: str) -> datetime:
    # fromisoformat is ~20x faster than strptime, which dominated reading 5,000 matches.
    return datetime.fromisoformat(text).astimezone(UTC)


def hits_to_json(hits: Sequence[TermHit]) -> str:
    """Term hits as stored: exactly what `_json_hits` (json.dumps) writes, built directly
    (a poll stores one an item matched; json.dumps built a dict a hit and an encoder a call).
    Anything the direct path does not write the way json does (a score that is not a finite
    float, a position that is not an int, a text that is not a string) goes through json."""
    try:
        return "[" + ", ".join(map(_hit_json, hits)) + "]"
    except TypeError:
        return _json_hits(hits)


def _hit_json(h: TermHit) -> str:
    score = round(h.score, 1)
    if type(score) is not float or not isfinite(score):
        raise TypeError("left to json")
    spans = ", ".join(map(_span_json, h.spans))
    return (
        f'{{"term": {_string(h.term)}, "kind": {_string(h.kind)}, '
        f'"score": {_FLOAT(score)}, "spans": [{spans}]}}'
    )


def _span_json(s: Span) -> str:
    if type(s.start) is not int or type(s.end) is not int:
        raise TypeError("left to json")
    return f"[{_string(s.field)}, {s.start}, {s.end}]"


# What json.dumps(..., ensure_ascii=False) writes a string and a finite float with (a
# string that is not a str raises TypeError).
_string = encode_basestring
_FLOAT = float.__repr__


def _json_hits(hits: Sequence[TermHit]) -> str:
    return json.dumps(
        [
            {
                "term": h.term,
                "kind": h.kind,
                "score": round(h.score, 1),
                "spans": [[s.field, s.start, s.end] for s in h.spans],
            }
            for h in hits
        ],
        ensure_ascii=False,
    )


# A match as stored: issue id, score (rounded), terms and spans as JSON. Cheap to pickle,
# unlike Match, so worker processes send these back (pickling Matches cost more than
# matching them).
EncodedMatch = tuple[str, float, str]


def encode_matches(found: Sequence[Match]) -> list[EncodedMatch]:
    return [(m.issue_id, round(m.score, 1), hits_to_json(m.hits)) for m in found]


def hits_from_json(text: str | None) -> tuple[TermHit, ...]:
    if not text:
        return ()
    return tuple(
        TermHit(
            term=h["term"],
            kind=h.get("kind", "phrase"),
            score=float(h.get("score", 0)),
            spans=tuple(Span(f, int(a), int(b)) for f, a, b in h.get("spans", [])),
        )
        for h in json.loads(text)
    )


def fts_query(text: str) -> str:
    """Quote each word so user input can never be FTS5 syntax; a trailing * keeps prefix search."""
    words = []
    for raw in text.split():
        prefix = raw.endswith("*")
        word = raw.rstrip("*").replace('"', '""')
        if word:
            words.append(f'"{word}"' + ("*" if prefix else ""))
    return " ".join(words)


# An item as the app shows it: select ITEM_COLUMNS from "items i" with ITEM_JOINS, read
# with item_row.
ITEM_COLUMNS = (
    "i.id, i.title, i.summary, i.link, i.published, coalesce(f.title, f.url), f.url, "
    "coalesce(s.read, 0), coalesce(s.starred, 0), i.outlet"
)
ITEM_WIDTH = 10  # columns in ITEM_COLUMNS: what a query selects after them starts here
ITEM_JOINS = "JOIN feeds f ON f.id = i.feed_id LEFT JOIN item_state s ON s.item_id = i.id"

# The match "m" was not marked not relevant to its issue.
NOT_DISMISSED = (
    "NOT EXISTS (SELECT 1 FROM feedback d WHERE d.item_id = m.item_id "
    "AND d.issue_id = m.issue_id AND d.verdict = 'not_relevant')"
)


def feed_row(r: dict[str, Any]) -> FeedRow:
    return FeedRow(
        id=r["id"],
        url=r["url"],
        title=r["title"] or r["url"],
        etag=r["etag"],
        last_modified=r["last_modified"],
        last_polled=from_db_time(r["last_polled"]) if r["last_polled"] else None,
        last_status=r["last_status"],
        last_error=r["last_error"],
        error_count=r["error_count"] or 0,
        next_due=from_db_time(r["next_due"]) if r["next_due"] else None,
        disabled=bool(r["disabled"]),
        disabled_reason=r["disabled_reason"],
        item_count=r["item_count"],
        warning=r["last_warning"],
    )


def item_row(r: Sequence[Any]) -> ItemRow:
    return ItemRow(
        id=r[0],
        title=r[1],
        summary=r[2],
        link=r[3],
        published=from_db_time(r[4]),
        feed_title=r[5],
        feed_url=r[6],
        read=bool(r[7]),
        starred=bool(r[8]),
        outlet=r[9] or "",
    )


# What grouping reads of an item; `story_item` decodes a row of these columns.
STORY_ITEM_COLUMNS = "id, title, published, coalesce(summary, ''), outlet, lang, story_id"


def story_item(r: Sequence[Any]) -> tuple[StoryItem, int | None]:
    """(the item as grouping sees it, its story or None when not grouped yet)."""
    item_id, title, published, summary, outlet, lang, story = r
    item = StoryItem(
        id=int(item_id),
        title=title,
        published=from_db_time(published),
        summary=summary,
        outlet=outlet,
        lang=lang,
    )
    return item, None if story is None else int(story)
