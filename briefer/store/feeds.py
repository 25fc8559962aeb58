"""Feed rows: the configured feeds, their poll state and item counts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from briefer.clock import utcnow
from briefer.models import FeedRow
from briefer.store.connection import StoreBase
from briefer.store.rows import feed_row, to_db_time


class FeedsMixin(StoreBase):
    def sync_feeds(self, urls_titles: Iterable[tuple[str, str | None]]) -> None:
        """Make sure every configured feed has a row; removed feeds keep theirs (and items).

        A title given in the config is the feed's name everywhere from now on; without one,
        the feed's own title (from its last poll) is shown."""
        now = to_db_time(utcnow())
        with self.transaction() as conn:
            conn.executemany(
                "INSERT INTO feeds(url, title, chosen_title, added) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(url) DO UPDATE SET chosen_title = excluded.chosen_title, "
                "title = coalesce(excluded.chosen_title, feeds.title)",
                [(url, title or None, title or None, now) for url, title in urls_titles],
            )

    def feeds(self, urls: Sequence[str] | None = None) -> list[FeedRow]:
        sql = (
            "SELECT f.*, (SELECT count(*) FROM items i WHERE i.feed_id = f.id) AS item_count "
            "FROM feeds f"
        )
        params: list[Any] = []
        if urls is not None:
            sql += f" WHERE f.url IN ({','.join('?' * len(urls))})"
            params = list(urls)
        rows = self.conn.execute(sql + " ORDER BY f.id", params)
        names = [d[0] for d in rows.description]
        return [feed_row(dict(zip(names, r, strict=True))) for r in rows]

    def feed(self, url: str) -> FeedRow | None:
        rows = self.feeds([url])
        return rows[0] if rows else None

    def reenable_feed(self, url: str) -> None:
        with self.transaction() as conn:
            conn.execute(
                "UPDATE feeds SET disabled = 0, disabled_reason = NULL, error_count = 0, "
                "next_due = NULL WHERE url = ?",
                (url,),
            )
