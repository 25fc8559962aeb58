"""Statistics for the watchlist panel and `briefer watchlists stats`."""

from __future__ import annotations

from datetime import datetime, timedelta

from briefer.models import TermStat
from briefer.store.connection import StoreBase
from briefer.store.rows import NOT_DISMISSED, from_db_time, to_db_time


class StatsMixin(StoreBase):
    def term_stats(self, issue_id: str) -> list[TermStat]:
        """Per term found in the issue's stored matches: hits, last match, dismissals.

        Terms that never matched are not here (the store does not know the watchlist);
        the caller adds them with zero hits.
        """
        rows = self.conn.execute(
            "SELECT json_extract(t.value, '$.term'), "
            "coalesce(json_extract(t.value, '$.kind'), 'phrase'), "
            "count(DISTINCT m.item_id), max(i.published), count(DISTINCT d.item_id) "
            "FROM matches m JOIN json_each(m.terms) t JOIN items i ON i.id = m.item_id "
            "LEFT JOIN feedback d ON d.item_id = m.item_id AND d.issue_id = m.issue_id "
            "AND d.verdict = 'not_relevant' "
            "WHERE m.issue_id = ? GROUP BY 1, 2 ORDER BY 1, 2",
            (issue_id,),
        )
        return [
            TermStat(
                term=str(term),
                kind=str(kind),
                hits=int(hits),
                last_matched=from_db_time(last) if last else None,
                dismissed=int(dismissed),
            )
            for term, kind, hits, last, dismissed in rows
        ]

    def daily_counts(self, issue_id: str, *, days: int, now: datetime) -> list[int]:
        """Matches per UTC day for the last `days` days, oldest first."""
        start = (now - timedelta(days=days - 1)).replace(hour=0, minute=0, second=0)
        counts = dict(
            self.conn.execute(
                "SELECT substr(i.published, 1, 10), count(*) FROM matches m "
                "JOIN items i ON i.id = m.item_id WHERE m.issue_id = ? AND i.published >= ? "
                "GROUP BY 1",
                (issue_id, to_db_time(start)),
            ).fetchall()
        )
        return [
            int(counts.get((start + timedelta(days=d)).strftime("%Y-%m-%d"), 0))
            for d in range(days)
        ]

    def issue_counts(self, issue_id: str, *, since: datetime) -> tuple[int, int, int]:
        """(unread, matched since `since`, distinct sources since `since`)."""
        row = self.conn.execute(
            "SELECT sum(coalesce(s.read, 0) = 0), sum(i.published >= ?), "
            "count(DISTINCT CASE WHEN i.published >= ? THEN i.feed_id END) "
            "FROM matches m JOIN items i ON i.id = m.item_id "
            "LEFT JOIN item_state s ON s.item_id = i.id "
            f"WHERE m.issue_id = ? AND {NOT_DISMISSED}",
            (to_db_time(since), to_db_time(since), issue_id),
        ).fetchone()
        return int(row[0] or 0), int(row[1] or 0), int(row[2] or 0)
