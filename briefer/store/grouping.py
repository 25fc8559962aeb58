"""Bulk work for regrouping stored items into stories: items in time order, assignments
written a batch per transaction with the progress that describes them."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from briefer.store.connection import StoreBase, put_meta
from briefer.store.rows import STORY_ITEM_COLUMNS, from_db_time, story_item, to_db_time
from briefer.stories import StoryItem

_CHUNK = 500  # ids per IN (...) list

# Where a walk in time order stands: (published, item id) of the last item read.
TimeKey = tuple[datetime, int]


def _in_time(
    *, since: datetime | None = None, after: TimeKey | None = None, upto: TimeKey | None = None
) -> tuple[list[str], list[object]]:
    """WHERE terms and their parameters for items published at or after `since`, past
    `after` and up to and including `upto`, in (published, id) order."""
    where = ["1"]
    params: list[object] = []
    if since is not None:
        where.append("published >= ?")
        params.append(to_db_time(since))
    if after is not None:
        where.append("(published, id) > (?, ?)")
        params += [to_db_time(after[0]), after[1]]
    if upto is not None:
        where.append("(published, id) <= (?, ?)")
        params += [to_db_time(upto[0]), upto[1]]
    return where, params


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
        where, params = _in_time(since=since, upto=upto)
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
        where, params = _in_time(since=since, after=after)
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
        where none is stored; rows that would not change are not rewritten.

        What the reader did to a story (its dismissals per issue, its notices) follows its
        items into their new stories in the same transaction: a story made of items from
        several old stories gets what applied to any of them, and each part of a story
        that split keeps what applied to the whole. What a batch carries over is read as
        it stood when the batch started, so a story can not pass on what it was given in
        the same batch; an old story id that names no story any more loses its rows.
        """
        with self.transaction() as conn:
            moves = _moves(conn, assignments)
            carried = _story_rows(conn, {old for old, _ in moves})
            conn.executemany(
                "UPDATE items SET story_id = ?, lang = CASE WHEN lang = '' THEN ? ELSE lang END "
                "WHERE id = ? AND (story_id IS NOT ? OR (lang = '' AND ? != ''))",
                [(story, lang, item_id, story, lang) for item_id, story, lang in assignments],
            )
            _carry_story_rows(conn, moves, carried)
            if meta:
                put_meta(conn, meta)


# The tables keyed by story id, each with its columns after story_id.
_STORY_TABLES = {
    "story_dismissals": ("issue_id", "at"),
    "story_notices": ("issue_id", "kind", "at"),
}


def _moves(
    conn: sqlite3.Connection, assignments: Sequence[tuple[int, int, str]]
) -> set[tuple[int, int]]:
    """(old story, new story) for each item the assignments move to another story."""
    new = {item_id: story for item_id, story, _ in assignments}
    moves: set[tuple[int, int]] = set()
    ids = list(new)
    for at in range(0, len(ids), _CHUNK):
        chunk = ids[at : at + _CHUNK]
        marks = ",".join("?" * len(chunk))
        rows = conn.execute(
            f"SELECT id, coalesce(story_id, id) FROM items WHERE id IN ({marks})", chunk
        )
        moves.update((int(old), new[item_id]) for item_id, old in rows if old != new[item_id])
    return moves


def _story_rows(conn: sqlite3.Connection, stories: set[int]) -> dict[str, list[tuple[Any, ...]]]:
    """The rows of each story-keyed table for `stories`, story id first."""
    rows: dict[str, list[tuple[Any, ...]]] = {}
    wanted = sorted(stories)
    for table, columns in _STORY_TABLES.items():
        found = rows.setdefault(table, [])
        for at in range(0, len(wanted), _CHUNK):
            chunk = wanted[at : at + _CHUNK]
            found += conn.execute(
                f"SELECT story_id, {', '.join(columns)} FROM {table} "
                f"WHERE story_id IN ({','.join('?' * len(chunk))})",
                chunk,
            ).fetchall()
    return rows


def _carry_story_rows(
    conn: sqlite3.Connection,
    moves: set[tuple[int, int]],
    carried: dict[str, list[tuple[Any, ...]]],
) -> None:
    targets: dict[int, set[int]] = {}
    for old, new in moves:
        targets.setdefault(old, set()).add(new)
    for table, columns in _STORY_TABLES.items():
        keys = ", ".join(["story_id", *columns[:-1]])
        # Where two old stories bring the same row, the earlier time is kept.
        conn.executemany(
            f"INSERT INTO {table}(story_id, {', '.join(columns)}) "
            f"VALUES ({', '.join('?' * (len(columns) + 1))}) "
            f"ON CONFLICT({keys}) DO UPDATE SET at = min(at, excluded.at)",
            [(new, *row[1:]) for row in carried[table] for new in targets[row[0]]],
        )
        conn.executemany(
            f"DELETE FROM {table} WHERE story_id = ? AND NOT EXISTS ("
            "SELECT 1 FROM items WHERE story_id = ?) AND NOT EXISTS ("
            "SELECT 1 FROM items WHERE id = ? AND story_id IS NULL)",
            [(old, old, old) for old in targets],
        )
