"""Bulk work over every stored item, for a rematch: batches of texts, match replacement."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime

from briefer.models import MatchChanges
from briefer.store.connection import StoreBase, put_meta
from briefer.store.rows import EncodedMatch, to_db_time


class BulkMixin(StoreBase):
    def item_texts(
        self, *, after: int = 0, batch: int = 5_000
    ) -> Iterator[list[tuple[int, str, str]]]:
        """Every stored item's (id, title, summary) in id order, `batch` at a time.

        Each batch is its own query (keyset on id), not one open cursor, so the caller may
        write between batches on this connection, and `after` resumes where a run stopped.
        """
        while True:
            rows = self.conn.execute(
                "SELECT id, title, coalesce(summary, '') FROM items WHERE id > ? "
                "ORDER BY id LIMIT ?",
                (after, batch),
            ).fetchall()
            if not rows:
                return
            yield rows
            after = rows[-1][0]

    def replace_matches(
        self,
        results: Sequence[tuple[int, Sequence[EncodedMatch]]],
        versions: Mapping[str, str],
        *,
        now: datetime,
        after: Mapping[str, int] | None = None,
        meta: Callable[[dict[str, MatchChanges]], Mapping[str, str]] | None = None,
    ) -> dict[str, MatchChanges]:
        """Replace the matches of the issues in `versions` for the items in `results`.

        `results` holds (item id, every match found for it, as `encode_matches` gives);
        matches of other issues are ignored and left as stored. An issue skips the items
        with id <= `after[issue]` (already done by an interrupted run). A pair that still
        matches keeps its `matched_at`, so it is not new; item_state is not touched, so
        nothing is notified again. `meta(changes)` gives meta keys to write in the same
        transaction: progress that commits with the batch it describes.
        """
        floor = after or {}
        changes = {issue: MatchChanges() for issue in versions}
        now_s = to_db_time(now)
        ids = [item_id for item_id, _ in results]
        if not ids or not versions:
            return changes
        fresh: dict[tuple[int, str], EncodedMatch] = {}
        for item_id, found in results:
            for m in found:
                if m[0] in versions and item_id > floor.get(m[0], 0):
                    fresh[(item_id, m[0])] = m
        with self.transaction() as conn:
            # The batch is a contiguous run of ids, so a range scan on the primary key finds
            # its stored pairs; the set check keeps it exact if it is not. Issues are
            # filtered here: with "issue_id IN" SQLite chose the (issue_id, score) index and
            # read every match of those issues for every batch.
            wanted = set(ids)
            stored = {
                (item_id, issue)
                for item_id, issue in conn.execute(
                    "SELECT item_id, issue_id FROM matches WHERE item_id BETWEEN ? AND ?",
                    (min(ids), max(ids)),
                )
                if issue in versions and item_id in wanted and item_id > floor.get(issue, 0)
            }
            gone = stored.difference(fresh)
            for _, issue in gone:
                changes[issue].removed += 1
            for pair in fresh:
                changes[pair[1]].added += pair not in stored
                changes[pair[1]].kept += pair in stored
            conn.executemany("DELETE FROM matches WHERE item_id = ? AND issue_id = ?", sorted(gone))
            conn.executemany(
                # ON CONFLICT leaves matched_at alone: a pair that still matches is not new.
                # A row that would not change is not rewritten (rematching an unchanged
                # watchlist writes nothing).
                "INSERT INTO matches(item_id, issue_id, score, terms, version, matched_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(item_id, issue_id) DO UPDATE SET "
                "score = excluded.score, terms = excluded.terms, version = excluded.version "
                "WHERE score IS NOT excluded.score OR terms IS NOT excluded.terms "
                "OR version IS NOT excluded.version",
                [
                    (item_id, issue, score, terms, versions[issue], now_s)
                    for (item_id, issue), (_, score, terms) in fresh.items()
                ],
            )
            if meta is not None:
                put_meta(conn, meta(changes))
        return changes

    def use_cache(self, mib: int) -> None:
        """A larger page cache for this connection, for a bulk job such as a rematch.

        SQLite's default 2 MiB holds a small fraction of the matches indexes of a large
        database; rewriting a million items' matches then rereads the same pages over and
        over (twice as slow at 1,000,000 items as at 300,000).
        """
        self.conn.execute(f"PRAGMA cache_size = {-int(mib) * 1024}")

    def count_stale_matches(self, issue_id: str, version: str) -> int:
        """Stored matches of an issue made by another version of its watchlist."""
        return int(
            self.conn.execute(
                "SELECT count(*) FROM matches WHERE issue_id = ? AND version IS NOT ?",
                (issue_id, version),
            ).fetchone()[0]
        )
