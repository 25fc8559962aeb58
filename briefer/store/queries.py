"""Reading items and matches back: an issue's list, a digest's window, one item, search."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from briefer.models import ItemRow, MatchRow, SearchRow
from briefer.search_query import search_words
from briefer.store.connection import StoreBase
from briefer.store.rows import (
    ITEM_COLUMNS,
    ITEM_JOINS,
    ITEM_WIDTH,
    NOT_DISMISSED,
    from_db_time,
    fts_query,
    hits_from_json,
    item_row,
    to_db_time,
)


class QueriesMixin(StoreBase):
    def matches(
        self,
        issue_id: str | None = None,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int | None = None,
        order: str = "score",
        unread_only: bool = False,
        starred_only: bool = False,
        include_dismissed: bool = False,
    ) -> list[MatchRow]:
        """Stored matches, best first (order="score") or newest first (order="newest")."""
        where: list[str] = []
        params: list[Any] = []
        if issue_id is not None:
            where.append("m.issue_id = ?")
            params.append(issue_id)
        if since is not None:
            where.append("i.published >= ?")
            params.append(to_db_time(since))
        if until is not None:
            where.append("i.published < ?")
            params.append(to_db_time(until))
        if unread_only:
            where.append("coalesce(s.read, 0) = 0")
        if starred_only:
            where.append("coalesce(s.starred, 0) = 1")
        if not include_dismissed:
            where.append(NOT_DISMISSED)
        order_sql = {
            "score": "m.score DESC, i.published DESC, i.id DESC",
            "newest": "i.published DESC, m.score DESC, i.id DESC",
        }[order]
        sql = (
            f"SELECT {ITEM_COLUMNS}, m.issue_id, m.score, m.terms, m.matched_at "
            f"FROM matches m JOIN items i ON i.id = m.item_id {ITEM_JOINS}"
            + (f" WHERE {' AND '.join(where)}" if where else "")
            + f" ORDER BY {order_sql}"
            + (" LIMIT ?" if limit is not None else "")
        )
        if limit is not None:
            params.append(limit)
        return self._match_rows(sql, params)

    def matches_arrived(
        self,
        issue_id: str,
        *,
        start: datetime,
        end: datetime,
        published_after: datetime,
    ) -> list[MatchRow]:
        """What arrived for a digest, best first; dismissed matches left out.

        Items published in [start, end), plus late arrivals: first fetched in (start, end)
        though published earlier, but after `published_after` so a newly added feed's backlog
        does not flood in (fetched at `start` itself, it was there for the previous digest).
        A feed that stamps an item 06:50 and is polled at 07:10 would otherwise fall between
        a 07:00 digest and the next one.
        """
        s, e = to_db_time(start), to_db_time(end)
        sql = (
            f"SELECT {ITEM_COLUMNS}, m.issue_id, m.score, m.terms, m.matched_at "
            f"FROM matches m JOIN items i ON i.id = m.item_id {ITEM_JOINS} "
            "WHERE m.issue_id = ? AND ((i.published >= ? AND i.published < ?) "
            "OR (i.fetched > ? AND i.fetched < ? AND i.published >= ?)) "
            f"AND {NOT_DISMISSED} "
            "ORDER BY m.score DESC, i.published DESC, i.id DESC"
        )
        params = (issue_id, s, e, s, e, to_db_time(published_after))
        return self._match_rows(sql, params)

    def _match_rows(self, sql: str, params: Sequence[Any]) -> list[MatchRow]:
        """Rows selected as ITEM_COLUMNS + issue_id, score, terms, matched_at."""
        w = ITEM_WIDTH
        return [
            MatchRow(
                item=item_row(r[:w]),
                issue_id=r[w],
                score=float(r[w + 1]),
                hits=hits_from_json(r[w + 2]),
                matched_at=from_db_time(r[w + 3]),
            )
            for r in self.conn.execute(sql, params)
        ]

    def item(self, item_id: int) -> ItemRow | None:
        row = self.conn.execute(
            f"SELECT {ITEM_COLUMNS} FROM items i {ITEM_JOINS} WHERE i.id = ?",
            (item_id,),
        ).fetchone()
        return None if row is None else item_row(row)

    def item_matches(self, item_id: int) -> list[MatchRow]:
        item = self.item(item_id)
        if item is None:
            return []
        return [
            MatchRow(item, issue, float(score), hits_from_json(terms), from_db_time(at))
            for issue, score, terms, at in self.conn.execute(
                "SELECT issue_id, score, terms, matched_at FROM matches WHERE item_id = ? "
                "ORDER BY score DESC",
                (item_id,),
            )
        ]

    def count_items(self, *, after: int = 0) -> int:
        """Stored items, or those with id > `after` (what a resumed rematch has left)."""
        return int(
            self.conn.execute("SELECT count(*) FROM items WHERE id > ?", (after,)).fetchone()[0]
        )

    def count_matches(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM matches").fetchone()[0])

    def search(self, query: str, *, limit: int = 100) -> list[SearchRow]:
        """Full-text search; every word must appear (in any form FTS5 folds to the same).
        Raises QueryTooLongError past the limits in briefer.search_query."""
        fts = fts_query(" ".join(search_words(query)))
        if not fts:
            return []
        rows = self.conn.execute(
            f"SELECT {ITEM_COLUMNS}, "
            "(SELECT group_concat(issue_id) FROM matches m WHERE m.item_id = i.id), "
            "coalesce(i.story_id, i.id) "
            f"FROM items_fts JOIN items i ON i.id = items_fts.rowid {ITEM_JOINS} "
            "WHERE items_fts MATCH ? ORDER BY bm25(items_fts), i.published DESC LIMIT ?",
            (fts, limit),
        )
        w = ITEM_WIDTH
        return [
            SearchRow(
                item_row(r[:w]), tuple(sorted(r[w].split(","))) if r[w] else (), int(r[w + 1])
            )
            for r in rows
        ]
