"""Reading stories back: an issue's stories, one story's items, counts for the panel.

A story is the set of items sharing `items.story_id` (the id of its first item). An item
not grouped yet (story_id NULL: stored before stories, or by a poll without a story index)
is a story of its own, with its own id, until `briefer.regroup` runs.

For an issue, a story is made of its items matched to the issue and not dismissed; a story
dismissed for the issue (`story_dismissals`) is left out whole, with items that join later.
"""

from __future__ import annotations

import heapq
import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from briefer.clock import utcnow
from briefer.models import MatchRow, StoryActivity, StoryMember, StoryRow
from briefer.store.connection import StoreBase
from briefer.store.rows import (
    ITEM_COLUMNS,
    ITEM_JOINS,
    ITEM_WIDTH,
    NOT_DISMISSED,
    STORY_ITEM_COLUMNS,
    from_db_time,
    hits_from_json,
    item_row,
    story_item,
    to_db_time,
)
from briefer.stories import StoryItem
from briefer.stories.rank import story_rank

# An item's story: its own id while it is not grouped.
STORY = "coalesce(i.story_id, i.id)"
# An item's outlet as coverage counts it: the real outlet, else the feed.
OUTLET = "coalesce(nullif(i.outlet, ''), f.title, f.url)"
# Items of story ? (two parameters: the id twice); uses the story_id index.
IN_STORY = "(i.story_id = ? OR (i.story_id IS NULL AND i.id = ?))"

# Where an issue's story rows come from: every match of the issue ...
_ALL = "matches m JOIN items i ON i.id = m.item_id"
# ... or only the items of stories with an item published in [:since, :until), found
# through the published and story_id indexes; most of an issue's stories are old, and
# CROSS JOIN keeps SQLite from starting at the issue's every match instead.
_RECENT = """(
    SELECT id FROM items WHERE story_id IN (
        SELECT story_id FROM items WHERE published >= :since AND published < :until
    )
    UNION SELECT id FROM items
    WHERE story_id IS NULL AND published >= :since AND published < :until
) r CROSS JOIN items i ON i.id = r.id CROSS JOIN matches m ON m.item_id = i.id"""

# ... or only the items of the stories in the JSON list :chosen.
_CHOSEN = """(
    SELECT id FROM items WHERE story_id IN (SELECT value FROM json_each(:chosen))
    UNION SELECT id FROM items
    WHERE story_id IS NULL AND id IN (SELECT value FROM json_each(:chosen))
) r CROSS JOIN items i ON i.id = r.id CROSS JOIN matches m ON m.item_id = i.id"""

# The issue's matched items that count: not dismissed, alone or with their story.
_COUNTED = f"""m.issue_id = :issue AND i.published < :until AND {NOT_DISMISSED}
    AND NOT EXISTS (
        SELECT 1 FROM story_dismissals sd
        WHERE sd.story_id = {STORY} AND sd.issue_id = m.issue_id
    )"""

# One row per story of issue :issue, built from its counted items published before
# :until: story, items, unread, read, starred, score, first_seen, last_update, outlets,
# langs, and the headline item's id, title, link and terms. The headline is the
# best-scored item, the earliest among equals (the original report rather than a copy).
_STORIES = f"""
WITH mi AS (
    SELECT {STORY} AS story, i.id AS item_id, i.title AS title, i.link AS link,
        i.published AS published, {OUTLET} AS outlet, i.lang AS lang,
        coalesce(s.read, 0) AS read, coalesce(s.starred, 0) AS starred,
        m.score AS score, m.terms AS terms,
        row_number() OVER (
            PARTITION BY {STORY} ORDER BY m.score DESC, i.published, i.id
        ) AS pos
    FROM {{source}}
    JOIN feeds f ON f.id = i.feed_id LEFT JOIN item_state s ON s.item_id = i.id
    WHERE {_COUNTED}
), agg AS (
    SELECT story, count(*) AS items, sum(read = 0) AS unread, sum(read) AS nread,
        max(starred) AS starred, max(score) AS score, min(published) AS first_seen,
        max(published) AS last_update, count(DISTINCT outlet) AS outlets,
        group_concat(DISTINCT nullif(lang, '')) AS langs,
        max(CASE WHEN pos = 1 THEN item_id END) AS head_id,
        max(CASE WHEN pos = 1 THEN title END) AS head_title,
        max(CASE WHEN pos = 1 THEN link END) AS head_link,
        max(CASE WHEN pos = 1 THEN terms END) AS head_terms
    FROM mi GROUP BY story
)
SELECT * FROM agg
"""

# The same stories, only what the panel counts: story, first_seen, unread (0 or 1).
_SPANS = f"""
SELECT {STORY} AS story, min(i.published) AS first_seen,
    max(coalesce(s.read, 0) = 0) AS unread
FROM {{source}} LEFT JOIN item_state s ON s.item_id = i.id
WHERE {_COUNTED}
GROUP BY story
"""

_END_OF_TIME = "9999-12-31T23:59:59Z"

# The issue's stories by how many whole 24-hour windows before :now each was first seen
# (0: the last 24 hours, or later; at most :days), with how many have unread items.
_ACTIVITY = f"""
SELECT min(max(0, (CAST(strftime('%s', :now) AS INTEGER)
        - CAST(strftime('%s', first_seen) AS INTEGER) - 1) / 86400), :days) AS ago,
    count(*), sum(unread)
FROM ({_SPANS.format(source=_ALL)}) GROUP BY ago
"""

# The distinct outlets of the issue's counted items published since :day_ago whose story
# began then: no counted item of it is older. Found from the recent items and each one's
# story (their indexes; CROSS JOIN keeps SQLite from walking the issue's every match).
_NEW_OUTLETS = f"""
SELECT count(DISTINCT {OUTLET})
FROM items i CROSS JOIN matches m ON m.item_id = i.id JOIN feeds f ON f.id = i.feed_id
WHERE i.published >= :day_ago AND {_COUNTED} AND NOT EXISTS (
    SELECT 1 FROM items j CROSS JOIN matches mj ON mj.item_id = j.id AND mj.issue_id = m.issue_id
    WHERE j.story_id = i.story_id AND j.published < :day_ago AND NOT EXISTS (
        SELECT 1 FROM feedback d WHERE d.item_id = j.id AND d.issue_id = mj.issue_id
        AND d.verdict = 'not_relevant'
    )
)
"""


class StoryQueriesMixin(StoreBase):
    def stories(
        self,
        issue_id: str,
        *,
        order: str = "best",
        starred_only: bool = False,
        unread_only: bool = False,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int | None = None,
        now: datetime | None = None,
    ) -> list[StoryRow]:
        """The issue's stories, best first (order="best", see stories.rank) or by last
        update (order="new").

        `until` shows stories as they stood then (items published before it); `since`
        keeps the stories with an item published since then. `now` is the time recency is
        measured from (default: the current time).
        """
        if order not in ("best", "new"):
            raise ValueError(f"unknown story order {order!r} (expected 'best' or 'new')")
        params: dict[str, Any] = {
            "issue": issue_id,
            "until": to_db_time(until) if until is not None else _END_OF_TIME,
        }
        having: list[str] = []
        if since is not None:
            having.append("last_update >= :since")
            params["since"] = to_db_time(since)
        if starred_only:
            having.append("starred = 1")
        if unread_only:
            having.append("unread > 0")
        at = now or utcnow()
        source = _RECENT if since is not None else _ALL
        if limit is not None:
            # Headlines, outlets and languages cost most to gather: pick the stories to
            # show from what orders them, then gather the rest for those alone.
            top = self._top_stories(
                source, order, having, params, limit, at, state=starred_only or unread_only
            )
            params["chosen"] = json.dumps(top)
            source = _CHOSEN
        sql = _STORIES.format(source=source)
        sql += f" WHERE {' AND '.join(having)}" if having else ""
        rows = [_story_row(issue_id, r, at) for r in self.conn.execute(sql, params)]
        if order == "new":
            rows.sort(key=lambda s: (s.last_update, s.score, s.story_id), reverse=True)
        else:
            rows.sort(key=lambda s: (-s.rank, -s.last_update.timestamp(), -s.story_id))
        return rows

    def _top_stories(
        self,
        source: str,
        order: str,
        having: list[str],
        params: dict[str, Any],
        limit: int,
        now: datetime,
        *,
        state: bool,
    ) -> list[int]:
        """The first `limit` stories in `order`, from one grouped pass over the issue's
        matches that reads only what orders and filters them."""
        columns = [f"{STORY} AS story", "max(i.published) AS last_update", "max(m.score) AS score"]
        joins = ""
        if order == "best":
            columns.append(f"count(DISTINCT {OUTLET}) AS outlets")
            joins += " JOIN feeds f ON f.id = i.feed_id"
        if state:  # starred or unread stories only
            columns += [
                "max(coalesce(s.starred, 0)) AS starred",
                "sum(coalesce(s.read, 0) = 0) AS unread",
            ]
            joins += " LEFT JOIN item_state s ON s.item_id = i.id"
        sql = (
            f"SELECT {', '.join(columns)} FROM {source}{joins} WHERE {_COUNTED} GROUP BY story"
            + (f" HAVING {' AND '.join(having)}" if having else "")
        )
        if order == "new":
            sql += " ORDER BY last_update DESC, score DESC, story DESC LIMIT :limit"
            return [int(r[0]) for r in self.conn.execute(sql, {**params, "limit": limit})]
        # Best first is a product of logarithm and decay (stories.rank), so it is ranked
        # here, and only the first `limit` are sorted.
        ranked = (
            (story_rank(int(outlets), from_db_time(last), float(score), now), last, story)
            for story, last, score, outlets, *_ in self.conn.execute(sql, params)
        )
        return [int(story) for _, _, story in heapq.nlargest(limit, ranked)]

    def story_members(self, story_id: int, issue_id: str | None = None) -> list[StoryMember]:
        """Every item of the story, earliest first, each with its match for `issue_id` (with
        no issue: its best match of any issue)."""
        if issue_id is not None:
            pick = "m.issue_id = ?"
            params: list[Any] = [issue_id]
        else:
            pick = (
                "m.issue_id = (SELECT b.issue_id FROM matches b WHERE b.item_id = i.id "
                "ORDER BY b.score DESC, b.issue_id LIMIT 1)"
            )
            params = []
        sql = (
            f"SELECT {ITEM_COLUMNS}, {OUTLET}, i.lang, m.issue_id, m.score, m.terms, "
            f"m.matched_at FROM items i {ITEM_JOINS} "
            f"LEFT JOIN matches m ON m.item_id = i.id AND {pick} "
            f"WHERE {IN_STORY} ORDER BY i.published, i.id"
        )
        members = []
        for r in self.conn.execute(sql, [*params, story_id, story_id]):
            w = ITEM_WIDTH
            item = item_row(r[:w])
            match = None
            if r[w + 2] is not None:
                match = MatchRow(
                    item,
                    r[w + 2],
                    float(r[w + 3]),
                    hits_from_json(r[w + 4]),
                    from_db_time(r[w + 5]),
                )
            members.append(
                StoryMember(item=item, outlet=str(r[w]), lang=str(r[w + 1]), match=match)
            )
        return members

    def story_of(self, item_id: int) -> int | None:
        """The item's story (its own id while not grouped); None when there is no such item."""
        row = self.conn.execute(
            "SELECT coalesce(story_id, id) FROM items WHERE id = ?", (item_id,)
        ).fetchone()
        return None if row is None else int(row[0])

    def story_counts(self, issue_id: str, *, since: datetime) -> tuple[int, int, int]:
        """(stories with unread items, stories first seen since `since`, all stories)."""
        row = self.conn.execute(
            "SELECT sum(unread), sum(first_seen >= :since), count(*) "
            f"FROM ({_SPANS.format(source=_ALL)})",
            {"issue": issue_id, "until": _END_OF_TIME, "since": to_db_time(since)},
        ).fetchone()
        return int(row[0] or 0), int(row[1] or 0), int(row[2] or 0)

    def story_activity(
        self, issue_id: str, *, days: int, now: datetime, until: datetime | None = None
    ) -> StoryActivity:
        """How the issue moves up to `now`, in stories: those with unread items, those first
        seen in each of the last `days` 24-hour windows (the last ends at `now`; a story
        dated later counts in it), and the outlets of the last window's new stories.

        Stories as they stood at `until` (items published before it; default: all).
        One grouped pass over the issue's matches, in item order (their index), and a
        look at the items of the last 24 hours.
        """
        params: dict[str, Any] = {
            "issue": issue_id,
            "until": to_db_time(until) if until is not None else _END_OF_TIME,
            "now": to_db_time(now),
            "day_ago": to_db_time(now - timedelta(days=1)),
            "days": days,
        }
        daily = [0] * days
        unread = 0
        for ago, stories, unread_stories in self.conn.execute(_ACTIVITY, params):
            unread += int(unread_stories or 0)
            if ago < days:
                daily[days - 1 - int(ago)] = int(stories)
        outlets = 0
        if daily and daily[-1]:  # no new story, no outlet to count
            outlets = int(self.conn.execute(_NEW_OUTLETS, params).fetchone()[0] or 0)
        return StoryActivity(unread=unread, daily=tuple(daily), new_outlets=outlets)

    def daily_story_counts(self, issue_id: str, *, days: int, now: datetime) -> list[int]:
        """Stories first seen in each of the last `days` 24-hour windows up to `now`,
        oldest first (see `story_activity`)."""
        return list(self.story_activity(issue_id, days=days, now=now).daily)

    def stories_mark(self, since: datetime) -> tuple[int, int, int]:
        """The grouped items published since `since` (what `recent_story_items` reads) in
        three numbers: the newest, how many, the sum of their stories. Another process
        storing an item there or regrouping them changes it."""
        row = self.conn.execute(
            "SELECT coalesce(max(id), 0), count(*), coalesce(sum(story_id), 0) FROM items "
            "WHERE published >= ? AND story_id IS NOT NULL",
            (to_db_time(since),),
        ).fetchone()
        return int(row[0]), int(row[1]), int(row[2])

    def recent_story_items(self, since: datetime) -> list[tuple[StoryItem, int]]:
        """Grouped items published since `since`, oldest first, each with its story: what
        warms a StoryIndex (`index.add(item, story)`)."""
        rows = self.conn.execute(
            f"SELECT {STORY_ITEM_COLUMNS} FROM items "
            "WHERE published >= ? AND story_id IS NOT NULL ORDER BY published, id",
            (to_db_time(since),),
        )
        return [(item, story) for item, story in map(story_item, rows) if story is not None]


def _story_row(issue_id: str, r: Sequence[Any], now: datetime) -> StoryRow:
    (story, items, unread, nread, starred, score, first, last, outlets, langs) = r[:10]
    head_id, title, link, terms = r[10:]
    last_update = from_db_time(last)
    return StoryRow(
        story_id=int(story),
        issue_id=issue_id,
        headline=title,
        headline_item_id=int(head_id),
        link=link,
        outlets=int(outlets),
        langs=frozenset(langs.split(",")) if langs else frozenset(),
        items=int(items),
        unread=int(unread),
        new_since_read=int(unread) if nread else 0,
        starred=bool(starred),
        score=float(score),
        first_seen=from_db_time(first),
        last_update=last_update,
        rank=story_rank(int(outlets), last_update, float(score), now),
        hits=hits_from_json(terms),
    )
