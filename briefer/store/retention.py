"""Retention: old items nobody needs are pruned in small transactions, and the space freed
goes back to the file system.

An item may go when it is older than the cut-off (both its date and when briefer first
saw it, so a feed re-dating an old item does not bring it back the next poll) and nothing
holds it: no match for any issue, not starred, not dismissed (dismissals feed the term
statistics). A story goes whole or not at all: while any of its items is kept or younger
than the cut-off, every item of it stays, so a story's id (its first item's id) always
belongs to a stored item and regrouping sees the story as it was. When a story's last
item goes, its dismissals and notices go with it: SQLite may hand a deleted id to a new
item, which must not find itself already dismissed or notified.

Each batch re-checks its items inside its own short write transaction (a poll may have
matched or starred one meanwhile), deletes them with their item_state rows (the FTS
rows go through the items_ad trigger), and commits; a batch is all or nothing, so a
prune stopped anywhere (killed, shut down) leaves a consistent database, and running
again carries on.

Space: the full-text index keeps deleted text until its segments are merged
(`compact_search_index`, worth it once a good share of the items went). A database
created by this briefer uses `auto_vacuum = INCREMENTAL` (set before
its first table, the only time it can be set without a VACUUM), and `reclaim_space`
returns the free pages a few megabytes at a time. An older database needs one full
VACUUM to switch; that rewrites the whole file while holding the write lock, so it runs
only when asked (`reclaim_space(convert=True)`), never implicitly at start-up.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from briefer.store.connection import StoreBase
from briefer.store.rows import to_db_time

PRUNE_BATCH = 500  # rows per write transaction: tens of milliseconds each
VACUUM_PAGES = 256  # pages (4 KiB) moved per incremental-vacuum transaction
MERGE_PAGES = 256  # full-text index pages written per merge transaction
AUTO_VACUUM = {0: "none", 1: "full", 2: "incremental"}

# Item `a` may be pruned (parameters :cut, the cut-off time).
_PRUNABLE = """(
    {a}.published < :cut AND coalesce({a}.fetched, {a}.published) < :cut
    AND NOT EXISTS (SELECT 1 FROM matches m WHERE m.item_id = {a}.id)
    AND NOT EXISTS (SELECT 1 FROM item_state s WHERE s.item_id = {a}.id AND s.starred)
    AND NOT EXISTS (SELECT 1 FROM feedback f WHERE f.item_id = {a}.id)
)"""
PRUNABLE_I = _PRUNABLE.format(a="i")
PRUNABLE_J = _PRUNABLE.format(a="j")

# Stories among json array :stories that still have an item that must stay.
_BLOCKED = f"""
SELECT DISTINCT coalesce(j.story_id, j.id) FROM items j
WHERE (j.story_id IN (SELECT value FROM json_each(:stories))
    OR j.id IN (SELECT value FROM json_each(:stories)))
AND NOT {PRUNABLE_J}
"""

# Every prunable item whose whole story may go.
_PRUNABLE_COUNT = f"""
SELECT count(*) FROM items i
WHERE {PRUNABLE_I} AND NOT EXISTS (
    SELECT 1 FROM items j
    WHERE (j.story_id = coalesce(i.story_id, i.id) OR j.id = coalesce(i.story_id, i.id))
    AND NOT {PRUNABLE_J}
)
"""


@dataclass(frozen=True, slots=True)
class PruneEstimate:
    """What a prune would free: items, and roughly how many bytes (their share of the
    used pages, items and their full-text rows being most of a briefer database)."""

    items: int
    bytes: int


@dataclass(slots=True)
class PruneResult:
    items: int = 0  # items deleted
    batches: int = 0  # write transactions committed
    seconds: float = 0.0  # the whole prune, pauses included
    longest_batch: float = 0.0  # the longest write transaction, in seconds
    stopped: bool = False  # asked to stop before the end
    batch_times: list[float] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class SpaceResult:
    freed_bytes: int  # pages returned to the file system
    seconds: float
    longest_step: float  # the longest transaction, in seconds
    mode: str  # auto_vacuum after the call: "incremental", "none", "full"
    converted: bool  # a full VACUUM switched the file to incremental


class RetentionMixin(StoreBase):
    def prunable(self, older_than: datetime) -> PruneEstimate:
        """Items a prune at cut-off `older_than` would delete (reads only; a full scan)."""
        count = int(
            self.conn.execute(_PRUNABLE_COUNT, {"cut": to_db_time(older_than)}).fetchone()[0]
        )
        total = int(self.conn.execute("SELECT count(*) FROM items").fetchone()[0])
        used = self._pages("page_count") - self._pages("freelist_count")
        share = used * self._pages("page_size") * count // total if total else 0
        return PruneEstimate(items=count, bytes=share)

    def prune(
        self,
        older_than: datetime,
        *,
        batch: int = PRUNE_BATCH,
        pause: float = 0.0,
        should_stop: Callable[[], bool] | None = None,
    ) -> PruneResult:
        """Delete the prunable items older than `older_than`, `batch` per transaction, with
        `pause` seconds between transactions so other writers (a poll) get the lock.
        `should_stop()` is asked between batches: True ends the prune there."""
        cut = to_db_time(older_than)
        result = PruneResult()
        started = time.perf_counter()
        # No prunable item has an id above the largest one dated before the cut-off: the
        # scan by id stops there instead of reading through every young item.
        last = self.conn.execute(
            "SELECT max(id) FROM items WHERE published < ?", (cut,)
        ).fetchone()[0]
        after = 0
        while last is not None and after < last:
            if should_stop is not None and should_stop():
                result.stopped = True
                break
            # Finding candidates only reads (WAL: blocks nobody); the write transaction
            # below re-checks them.
            found = self.conn.execute(
                f"SELECT i.id FROM items i WHERE i.id > :after AND i.id <= :last "
                f"AND {PRUNABLE_I} ORDER BY i.id LIMIT :batch",
                {"after": after, "last": last, "cut": cut, "batch": batch},
            ).fetchall()
            if not found:
                break
            after = int(found[-1][0])
            began = time.perf_counter()
            result.items += self._prune_batch([int(r[0]) for r in found], cut)
            took = time.perf_counter() - began
            result.batches += 1
            result.batch_times.append(took)
            result.longest_batch = max(result.longest_batch, took)
            if pause:
                time.sleep(pause)
        result.seconds = time.perf_counter() - started
        return result

    def _prune_batch(self, ids: list[int], cut: str) -> int:
        with self.transaction() as conn:
            params = {"ids": _json(ids), "cut": cut}
            rows = conn.execute(
                "SELECT i.id, coalesce(i.story_id, i.id) FROM items i "
                f"WHERE i.id IN (SELECT value FROM json_each(:ids)) AND {PRUNABLE_I}",
                params,
            ).fetchall()
            stories = sorted({int(s) for _, s in rows})
            blocked = {
                int(r[0]) for r in conn.execute(_BLOCKED, {"stories": _json(stories), "cut": cut})
            }
            doomed = [int(i) for i, s in rows if s not in blocked]
            if not doomed:
                return 0
            gone = _json(doomed)
            conn.execute(
                "DELETE FROM item_state WHERE item_id IN (SELECT value FROM json_each(?))",
                (gone,),
            )
            conn.execute("DELETE FROM items WHERE id IN (SELECT value FROM json_each(?))", (gone,))
            emptied = _json(sorted(set(stories) - blocked))
            for table in ("story_notices", "story_dismissals"):
                conn.execute(
                    f"DELETE FROM {table} WHERE story_id IN (SELECT value FROM json_each(?)) "
                    "AND NOT EXISTS (SELECT 1 FROM items j "
                    f"WHERE j.story_id = {table}.story_id OR j.id = {table}.story_id)",
                    (emptied,),
                )
            return len(doomed)

    def reclaim_space(
        self,
        *,
        convert: bool = False,
        step_pages: int = VACUUM_PAGES,
        should_stop: Callable[[], bool] | None = None,
    ) -> SpaceResult:
        """Give free pages back to the file system.

        Incremental databases return them `step_pages` at a time, each step its own short
        transaction. Others only with `convert`: one full VACUUM that also switches the
        file to incremental (it holds the write lock while it copies the whole database).
        """
        started = time.perf_counter()
        before = self.database_size()
        mode = self.auto_vacuum()
        converted = False
        longest = 0.0
        if mode == "incremental":
            while self._pages("freelist_count"):
                if should_stop is not None and should_stop():
                    break
                began = time.perf_counter()
                self.conn.execute(f"PRAGMA incremental_vacuum({int(step_pages)})").fetchall()
                longest = max(longest, time.perf_counter() - began)
        elif convert:
            self.conn.execute("PRAGMA auto_vacuum = INCREMENTAL")
            self.conn.execute("VACUUM")
            converted = True
        # The file shrinks when the WAL holding the moved pages is copied back.
        self.conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        return SpaceResult(
            freed_bytes=max(0, before - self.database_size()),
            seconds=time.perf_counter() - started,
            longest_step=longest if mode == "incremental" else time.perf_counter() - started,
            mode=self.auto_vacuum(),
            converted=converted,
        )

    def compact_search_index(
        self, *, step_pages: int = MERGE_PAGES, should_stop: Callable[[], bool] | None = None
    ) -> tuple[int, float]:
        """Merge the full-text index's segments, `step_pages` pages per transaction, until
        it is one; returns (steps, longest step in seconds).

        Deleting an item only adds a tombstone to the index (FTS5 before 3.42 has no
        secure-delete); the text it hid stays on disk until the segments holding both are
        merged. Merging everything rewrites the whole index, so the caller does it after
        a large share of the items went, not after every prune.
        """
        steps, longest = 0, 0.0
        while not (should_stop is not None and should_stop()):
            before = self.conn.total_changes
            began = time.perf_counter()
            # A negative count merges segments of any level, down to one.
            self.conn.execute(
                "INSERT INTO items_fts(items_fts, rank) VALUES ('merge', ?)", (-int(step_pages),)
            )
            longest = max(longest, time.perf_counter() - began)
            steps += 1
            if self.conn.total_changes - before < 2:  # FTS5's sign that nothing was left
                break
        return steps, longest

    def auto_vacuum(self) -> str:
        return AUTO_VACUUM.get(self._pages("auto_vacuum"), "unknown")

    def database_size(self) -> int:
        """Bytes on disk: the database file and its write-ahead log."""
        wal = Path(f"{self.path}-wal")
        return self.path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)

    def free_bytes(self) -> int:
        """Bytes of free pages inside the file (what `reclaim_space` can return)."""
        return self._pages("freelist_count") * self._pages("page_size")

    def _pages(self, pragma: str) -> int:
        return int(self.conn.execute(f"PRAGMA {pragma}").fetchone()[0])


def _json(ids: list[int]) -> str:
    return "[" + ",".join(str(int(i)) for i in ids) + "]"
