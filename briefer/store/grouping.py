"""Bulk work for regrouping stored items into stories: items in time order, assignments
written a batch per transaction with the progress that describes them."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime

from briefer.store.connection import StoreBase, put_meta
from briefer.store.rows import STORY_ITEM_COLUMNS, from_db_time, story_item, to_db_time
from briefer.stories import StoryItem

# Where a walk in time order stands: (published, item id) of the last item read.
TimeKey = tuple[datetime, int]


class GroupingMixin(StoreBase):
    def items_by_time(
        self,
        *,
        since: datetime | None = None,
        after: TimeKey | None = None,
        upto: TimeKey | None = None,
        batch: int = 5_000,
    ) -> Iterator[list[tuple[StoryItem, int | None]]]:
        """Stored items ordered by (published, id), `batch` at a time, each with its story
        (None: not grouped yet): published at or after `since`, past `after`, up to and
        including `upto`.

        Each batch is its own query (keyset on published and id), so the caller may write
        between batches and resume from the last item it read.
        """
        where = ["1"]
        params: list[object] = []
        if since is not None:
            where.append("published >= ?")
            params.append(to_db_time(since))
        if upto is not None:
            where.append("(published, id) <= (?, ?)")
            params += [to_db_time(upto[0]), upto[1]]
        key = (to_db_time(after[0]), after[1]) if after is not None else None
        while True:
            page = [*where, "(published, id) > (?, ?)"] if key else where
            rows = self.conn.execute(
                f"SELECT {STORY_ITEM_COLUMNS} "
                f"FROM items WHERE {' AND '.join(page)} ORDER BY published, id LIMIT ?",
                [*params, *(key or ()), batch],
            ).fetchall()
            if not rows:
                return
            yield [story_item(row) for row in rows]
            key = (rows[-1][2], rows[-1][0])

    def count_items_by_time(
        self, *, since: datetime | None = None, after: TimeKey | None = None
    ) -> int:
        """How many items `items_by_time` would read (a progress bar's length)."""
        where = ["1"]
        params: list[object] = []
        if since is not None:
            where.append("published >= ?")
            params.append(to_db_time(since))
        if after is not None:
            where.append("(published, id) > (?, ?)")
            params += [to_db_time(after[0]), after[1]]
        sql = f"SELECT count(*) FROM items WHERE {' AND '.join(where)}"
        return int(self.conn.execute(sql, params).fetchone()[0])

    def first_ungrouped(self) -> datetime | None:
        """When the earliest item not grouped into a story yet was published, if any."""
        row = self.conn.execute(
            "SELECT min(published) FROM items WHERE story_id IS NULL"
        ).fetchone()
        return None if row[0] is None else from_db_time(row[0])

    def count_ungrouped(self) -> int:
        return int(
            self.conn.execute("SELECT count(*) FROM items WHERE story_id IS NULL").fetchone()[0]
        )

    def assign_stories(
        self,
        assignments: Sequence[tuple[int, int, str]],
        *,
        meta: Mapping[str, str] | None = None,
    ) -> None:
        """Set each (item id, story id, language) in one transaction, with `meta` keys (the
        progress that commits with the batch it describes). A language is only filled in
        where none is stored; rows that would not change are not rewritten."""
        with self.transaction() as conn:
            conn.executemany(
                "UPDATE items SET story_id = ?, lang = CASE WHEN lang = '' THEN ? ELSE lang END "
                "WHERE id = ? AND (story_id IS NOT ? OR (lang = '' AND ? != ''))",
                [(story, lang, item_id, story, lang) for item_id, story, lang in assignments],
            )
            if meta:
                put_meta(conn, meta)
