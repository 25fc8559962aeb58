"""The SQLite store: schema, migrations, idempotent writes, and every query the app makes.

Only this module talks SQL. One Store per thread (sqlite3 connections belong to the thread
that opened them); WAL lets readers in other threads and processes carry on while a poll
writes, and each feed's results are committed in one short transaction.
"""

from __future__ import annotations

import json
import random
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlite_utils

from briefer.errors import DatabaseError
from briefer.models import (
    FeedOutcome,
    FetchResult,
    FetchStatus,
    Item,
    Match,
    NewMatch,
    ParsedFeed,
    Span,
    TermHit,
)

SCHEMA_VERSION = 1
BUSY_TIMEOUT_MS = 10_000
MIGRATION_ATTEMPTS = 20


def to_db_time(dt: datetime) -> str:
    """Fixed-width UTC text, so string order is time order in SQL."""
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def from_db_time(text: str) -> datetime:
    # fromisoformat is ~20x faster than strptime, which dominated reading 5,000 matches.
    return datetime.fromisoformat(text).astimezone(UTC)


@dataclass(frozen=True, slots=True)
class FeedRow:
    id: int
    url: str
    title: str
    etag: str | None
    last_modified: str | None
    last_polled: datetime | None
    last_status: str | None
    last_error: str | None
    error_count: int
    next_due: datetime | None
    disabled: bool
    disabled_reason: str | None
    item_count: int
    warning: str | None = None

    @property
    def failing(self) -> bool:
        return self.disabled or self.error_count > 0


@dataclass(frozen=True, slots=True)
class ItemRow:
    id: int
    title: str
    summary: str
    link: str | None
    published: datetime
    feed_title: str
    feed_url: str
    read: bool
    starred: bool


@dataclass(frozen=True, slots=True)
class MatchRow:
    item: ItemRow
    issue_id: str
    score: float
    hits: tuple[TermHit, ...]
    matched_at: datetime

    @property
    def terms(self) -> list[str]:
        """The terms that made the match (context hits only support it; see Match.terms)."""
        return [h.term for h in self.hits if h.kind != "context"]


@dataclass(frozen=True, slots=True)
class SearchRow:
    item: ItemRow
    issue_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TermStat:
    """How one term of an issue did over the stored matches."""

    term: str
    kind: str  # "phrase", "word", "weak" or "context" (context only gates weak terms)
    hits: int  # stored matches of the issue this term took part in
    last_matched: datetime | None  # publication time of the newest of them
    dismissed: int  # of those, how many the user marked not relevant


@dataclass(slots=True)
class MatchChanges:
    """What replacing one issue's matches did: pairs that appeared, went, or stayed."""

    added: int = 0
    removed: int = 0
    kept: int = 0


def hits_to_json(hits: Sequence[TermHit]) -> str:
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


class Store:
    def __init__(self, path: Path | str, *, create: bool = True) -> None:
        self.path = Path(path)
        if not create and not self.path.exists():
            raise DatabaseError(f"{self.path}: no database here yet (run `briefer poll --once`)")
        if self.path.exists() and self.path.is_dir():
            raise DatabaseError(f"{self.path}: expected a database file, found a folder")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            # Autocommit mode: transactions are explicit (BEGIN IMMEDIATE ... COMMIT) below.
            conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            self.db = sqlite_utils.Database(conn)
            self._check_readable()
            self._migrate()
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
        except sqlite3.DatabaseError as exc:
            raise _database_error(self.path, exc) from None

    @property
    def conn(self) -> sqlite3.Connection:
        return self.db.conn

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- schema -------------------------------------------------------------------------

    def _check_readable(self) -> None:
        # Reading the schema is what fails on a file that is not SQLite; do it before writing.
        self.conn.execute("SELECT count(*) FROM sqlite_master").fetchone()

    @property
    def schema_version(self) -> int:
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    def _migrate(self) -> None:
        version = self.schema_version
        if version > SCHEMA_VERSION:
            raise DatabaseError(
                f"{self.path} was written by a newer briefer (schema {version}; this one knows "
                f"up to {SCHEMA_VERSION}). Upgrade briefer; the database was left untouched."
            )
        # sqlite-utils commits as it goes (its FTS setup runs a script), so a migration
        # cannot be one transaction. Each is written to be safe to run again instead, and
        # two processes creating the same new database (the app and a cron poll) retry
        # until one of them has finished.
        for attempt in range(MIGRATION_ATTEMPTS):
            try:
                for target in range(self.schema_version + 1, SCHEMA_VERSION + 1):
                    _MIGRATIONS[target](self.db)
                    self.conn.execute(f"PRAGMA user_version = {target}")
                return
            except sqlite3.OperationalError:
                if attempt == MIGRATION_ATTEMPTS - 1:
                    raise
                time.sleep(0.05 + random.random() * 0.2)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE takes the write lock up front, so writers queue instead of failing."""
        conn = self.conn
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.DatabaseError as exc:
            raise _database_error(self.path, exc) from None
        try:
            yield conn
        except BaseException as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.DatabaseError):
                raise _database_error(self.path, exc) from exc
            raise
        else:
            conn.execute("COMMIT")

    def integrity_check(self) -> str:
        return str(self.conn.execute("PRAGMA integrity_check").fetchone()[0])

    def data_version(self) -> int:
        """Changes when another connection commits: cheap polling for rows the daemon added."""
        return int(self.conn.execute("PRAGMA data_version").fetchone()[0])

    # -- meta ---------------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO meta(key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    # -- feeds --------------------------------------------------------------------------

    def sync_feeds(self, urls_titles: Iterable[tuple[str, str | None]]) -> None:
        """Make sure every configured feed has a row; removed feeds keep theirs (and items)."""
        now = to_db_time(datetime.now(UTC))
        with self.transaction() as conn:
            conn.executemany(
                "INSERT INTO feeds(url, title, added) VALUES (?, ?, ?) "
                "ON CONFLICT(url) DO UPDATE SET title = coalesce(feeds.title, excluded.title)",
                [(url, title, now) for url, title in urls_titles],
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
        return [_feed_row(dict(zip(names, r, strict=True))) for r in rows]

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

    def record_poll(
        self,
        url: str,
        result: FetchResult,
        parsed: ParsedFeed | None,
        matches: Sequence[Sequence[Match]] | None,
        *,
        next_due: datetime,
        now: datetime,
        issue_versions: dict[str, str] | None = None,
    ) -> tuple[FeedOutcome, list[NewMatch]]:
        """Store one feed's poll in one transaction: feed state, items, matches.

        `matches[i]` are the matches for `parsed.items[i]`. Items already stored with the same
        content are left alone; changed ones are updated in place and rematched. Returns the
        feed's outcome line and the (item, issue) matches that are new.
        """
        status = result.status
        error = result.error
        warning = parsed.warning if parsed else None
        if parsed is not None and parsed.error:
            status, error = FetchStatus.ERROR, parsed.error
        outcome = FeedOutcome(url=url, title=url, status=status, error=error, warning=warning)
        new_matches: list[NewMatch] = []
        versions = issue_versions or {}
        now_s = to_db_time(now)
        with self.transaction() as conn:
            feed = conn.execute(
                "SELECT id, title, error_count FROM feeds WHERE url = ?", (url,)
            ).fetchone()
            if feed is None:
                conn.execute("INSERT INTO feeds(url, added) VALUES (?, ?)", (url, now_s))
                feed = conn.execute(
                    "SELECT id, title, error_count FROM feeds WHERE url = ?", (url,)
                ).fetchone()
            feed_id, feed_title, error_count = feed
            if parsed is not None and parsed.title:
                feed_title = parsed.title
            outcome.title = feed_title or url

            ok = status in (FetchStatus.OK, FetchStatus.NOT_MODIFIED)
            conn.execute(
                # A 304 rarely repeats the validators and a failure has none: keep the old ones.
                "UPDATE feeds SET title = ?, etag = coalesce(?, etag), "
                "last_modified = coalesce(?, last_modified), last_polled = ?, "
                "last_status = ?, last_http_status = ?, last_error = ?, last_warning = ?, "
                "error_count = ?, next_due = ?, disabled = ?, disabled_reason = ?, "
                "ttl_minutes = coalesce(?, ttl_minutes) WHERE id = ?",
                (
                    feed_title,
                    result.etag,
                    result.last_modified,
                    now_s,
                    str(status),
                    result.http_status,
                    error,
                    warning,
                    0 if ok else error_count + (status != FetchStatus.DEFERRED),
                    to_db_time(next_due),
                    int(status == FetchStatus.GONE),
                    error if status == FetchStatus.GONE else None,
                    parsed.ttl_minutes if parsed else None,
                    feed_id,
                ),
            )
            if parsed is not None and not parsed.error and parsed.items:
                new_matches = self._store_items(
                    conn, feed_id, outcome, parsed.items, matches, now_s, versions
                )
        return outcome, new_matches

    def _store_items(
        self,
        conn: sqlite3.Connection,
        feed_id: int,
        outcome: FeedOutcome,
        items: Sequence[Item],
        matches: Sequence[Sequence[Match]] | None,
        now_s: str,
        versions: dict[str, str],
    ) -> list[NewMatch]:
        known = {
            guid: (item_id, digest)
            for item_id, guid, digest in conn.execute(
                "SELECT id, guid, content_hash FROM items WHERE feed_id = ?", (feed_id,)
            )
        }
        new_matches: list[NewMatch] = []
        for index, item in enumerate(items):
            digest = item.content_hash
            existing = known.get(item.guid)
            if existing and existing[1] == digest:
                continue
            row = (
                item.link,
                item.title,
                item.summary,
                item.author,
                to_db_time(item.published),
                digest,
            )
            if existing is None:
                cur = conn.execute(
                    "INSERT INTO items(link, title, summary, author, published, content_hash, "
                    "feed_id, guid, fetched) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (*row, feed_id, item.guid, now_s),
                )
                item_id = int(cur.lastrowid or 0)
                previous: set[str] = set()
                outcome.new_items += 1
            else:
                item_id = existing[0]
                conn.execute(
                    "UPDATE items SET link = ?, title = ?, summary = ?, author = ?, "
                    "published = ?, content_hash = ? WHERE id = ?",
                    (*row, item_id),
                )
                previous = {
                    r[0]
                    for r in conn.execute(
                        "SELECT issue_id FROM matches WHERE item_id = ?", (item_id,)
                    )
                }
                conn.execute("DELETE FROM matches WHERE item_id = ?", (item_id,))
                outcome.updated_items += 1
            known[item.guid] = (item_id, digest)
            for match in matches[index] if matches else ():
                conn.execute(
                    "INSERT INTO matches(item_id, issue_id, score, terms, version, matched_at) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        item_id,
                        match.issue_id,
                        round(match.score, 1),
                        hits_to_json(match.hits),
                        versions.get(match.issue_id, ""),
                        now_s,
                    ),
                )
                if match.issue_id not in previous:
                    outcome.new_matches += 1
                    new_matches.append(
                        NewMatch(
                            item_id=item_id,
                            issue_id=match.issue_id,
                            score=match.score,
                            title=item.title,
                            link=item.link,
                            feed_title=outcome.title,
                            terms=tuple(match.terms),
                            published=item.published,
                        )
                    )
        return new_matches

    # -- items and matches ----------------------------------------------------------------

    _ITEM_COLUMNS = (
        "i.id, i.title, i.summary, i.link, i.published, coalesce(f.title, f.url), f.url, "
        "coalesce(s.read, 0), coalesce(s.starred, 0)"
    )
    _ITEM_JOINS = "JOIN feeds f ON f.id = i.feed_id LEFT JOIN item_state s ON s.item_id = i.id"

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
            where.append(_NOT_DISMISSED)
        order_sql = {
            "score": "m.score DESC, i.published DESC, i.id DESC",
            "newest": "i.published DESC, m.score DESC, i.id DESC",
        }[order]
        sql = (
            f"SELECT {self._ITEM_COLUMNS}, m.issue_id, m.score, m.terms, m.matched_at "
            f"FROM matches m JOIN items i ON i.id = m.item_id {self._ITEM_JOINS}"
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
            f"SELECT {self._ITEM_COLUMNS}, m.issue_id, m.score, m.terms, m.matched_at "
            f"FROM matches m JOIN items i ON i.id = m.item_id {self._ITEM_JOINS} "
            "WHERE m.issue_id = ? AND ((i.published >= ? AND i.published < ?) "
            "OR (i.fetched > ? AND i.fetched < ? AND i.published >= ?)) "
            f"AND {_NOT_DISMISSED} "
            "ORDER BY m.score DESC, i.published DESC, i.id DESC"
        )
        params = (issue_id, s, e, s, e, to_db_time(published_after))
        return self._match_rows(sql, params)

    def _match_rows(self, sql: str, params: Sequence[Any]) -> list[MatchRow]:
        """Rows selected as _ITEM_COLUMNS + issue_id, score, terms, matched_at."""
        return [
            MatchRow(
                item=_item_row(r[:9]),
                issue_id=r[9],
                score=float(r[10]),
                hits=hits_from_json(r[11]),
                matched_at=from_db_time(r[12]),
            )
            for r in self.conn.execute(sql, params)
        ]

    def item(self, item_id: int) -> ItemRow | None:
        row = self.conn.execute(
            f"SELECT {self._ITEM_COLUMNS} FROM items i {self._ITEM_JOINS} WHERE i.id = ?",
            (item_id,),
        ).fetchone()
        return None if row is None else _item_row(row)

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
        """Full-text search; every word must appear (in any form FTS5 folds to the same)."""
        fts = fts_query(query)
        if not fts:
            return []
        rows = self.conn.execute(
            f"SELECT {self._ITEM_COLUMNS}, "
            "(SELECT group_concat(issue_id) FROM matches m WHERE m.item_id = i.id) "
            f"FROM items_fts JOIN items i ON i.id = items_fts.rowid {self._ITEM_JOINS} "
            "WHERE items_fts MATCH ? ORDER BY bm25(items_fts), i.published DESC LIMIT ?",
            (fts, limit),
        )
        return [
            SearchRow(_item_row(r[:9]), tuple(sorted(r[9].split(","))) if r[9] else ())
            for r in rows
        ]

    # -- rematching and rule hygiene -------------------------------------------------------------

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
                _put_meta(conn, meta(changes))
        return changes

    def use_cache(self, mib: int) -> None:
        """A larger page cache for this connection, for a bulk job such as a rematch.

        SQLite's default 2 MiB holds a small fraction of the matches indexes of a large
        database; rewriting a million items' matches then rereads the same pages over and
        over (twice as slow at 1,000,000 items as at 300,000).
        """
        self.conn.execute(f"PRAGMA cache_size = {-int(mib) * 1024}")

    def update_meta(self, values: Mapping[str, str], *, delete: Iterable[str] = ()) -> None:
        """Set and delete meta keys in one transaction."""
        with self.transaction() as conn:
            _put_meta(conn, values)
            conn.executemany("DELETE FROM meta WHERE key = ?", [(k,) for k in delete])

    def meta_with_prefix(self, prefix: str) -> dict[str, str]:
        # substr, not LIKE: ids hold "_", which LIKE would take for a wildcard.
        return {
            str(k): str(v)
            for k, v in self.conn.execute(
                "SELECT key, value FROM meta WHERE substr(key, 1, ?) = ?", (len(prefix), prefix)
            )
        }

    def count_stale_matches(self, issue_id: str, version: str) -> int:
        """Stored matches of an issue made by another version of its watchlist."""
        return int(
            self.conn.execute(
                "SELECT count(*) FROM matches WHERE issue_id = ? AND version IS NOT ?",
                (issue_id, version),
            ).fetchone()[0]
        )

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

    # -- reader state and feedback -----------------------------------------------------------

    def _set_state(self, item_id: int, column: str, value: Any) -> None:
        with self.transaction() as conn:
            conn.execute(
                f"INSERT INTO item_state(item_id, {column}) VALUES (?, ?) "
                f"ON CONFLICT(item_id) DO UPDATE SET {column} = excluded.{column}",
                (item_id, value),
            )

    def set_read(self, item_id: int, read: bool = True) -> None:
        self._set_state(item_id, "read", int(read))

    def set_starred(self, item_id: int, starred: bool = True) -> None:
        self._set_state(item_id, "starred", int(starred))

    def dismiss(self, item_id: int, issue_id: str, *, now: datetime | None = None) -> None:
        """The user says this item is not relevant to this issue; kept as feedback per term."""
        at = to_db_time(now or datetime.now(UTC))
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO feedback(item_id, issue_id, verdict, at) "
                "VALUES (?, ?, 'not_relevant', ?) "
                "ON CONFLICT(item_id, issue_id) DO UPDATE SET verdict = excluded.verdict, "
                "at = excluded.at",
                (item_id, issue_id, at),
            )

    def undismiss(self, item_id: int, issue_id: str) -> None:
        with self.transaction() as conn:
            conn.execute(
                "DELETE FROM feedback WHERE item_id = ? AND issue_id = ?", (item_id, issue_id)
            )

    def unnotified(self, item_ids: Iterable[int]) -> set[int]:
        ids = list(item_ids)
        if not ids:
            return set()
        done = {
            r[0]
            for r in self.conn.execute(
                f"SELECT item_id FROM item_state WHERE notified IS NOT NULL "
                f"AND item_id IN ({','.join('?' * len(ids))})",
                ids,
            )
        }
        return set(ids) - done

    def mark_notified(self, item_ids: Iterable[int], *, now: datetime | None = None) -> None:
        at = to_db_time(now or datetime.now(UTC))
        with self.transaction() as conn:
            conn.executemany(
                "INSERT INTO item_state(item_id, notified) VALUES (?, ?) "
                "ON CONFLICT(item_id) DO UPDATE SET "
                "notified = coalesce(notified, excluded.notified)",
                [(i, at) for i in item_ids],
            )

    # -- per-issue activity, for the watchlist panel ---------------------------------------------

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
            f"WHERE m.issue_id = ? AND {_NOT_DISMISSED}",
            (to_db_time(since), to_db_time(since), issue_id),
        ).fetchone()
        return int(row[0] or 0), int(row[1] or 0), int(row[2] or 0)


def _put_meta(conn: sqlite3.Connection, values: Mapping[str, str]) -> None:
    conn.executemany(
        "INSERT INTO meta(key, value) VALUES (?, ?) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        list(values.items()),
    )


_NOT_DISMISSED = (
    "NOT EXISTS (SELECT 1 FROM feedback d WHERE d.item_id = m.item_id "
    "AND d.issue_id = m.issue_id AND d.verdict = 'not_relevant')"
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


def _feed_row(r: dict[str, Any]) -> FeedRow:
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


def _item_row(r: Sequence[Any]) -> ItemRow:
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
    )


def _database_error(path: Path, exc: sqlite3.DatabaseError) -> DatabaseError:
    text = str(exc)
    if "locked" in text or "busy" in text:
        return DatabaseError(
            f"{path} is locked by another program; nothing was changed. Try again shortly."
        )
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return DatabaseError(
            f"{path} is damaged or is not a briefer database ({text}). It was left as it is: "
            "move it aside to start fresh, or point --db at another file."
        )
    return DatabaseError(f"{path}: {text}")


def _migration_1(db: sqlite_utils.Database) -> None:
    db.table("meta").create({"key": str, "value": str}, pk="key", if_not_exists=True)
    db.table("feeds").create(
        {
            "id": int,
            "url": str,
            "title": str,
            "added": str,
            "etag": str,
            "last_modified": str,
            "last_polled": str,
            "last_status": str,
            "last_http_status": int,
            "last_error": str,
            "last_warning": str,
            "error_count": int,
            "next_due": str,
            "disabled": int,
            "disabled_reason": str,
            "ttl_minutes": int,
        },
        pk="id",
        not_null={"url"},
        defaults={"error_count": 0, "disabled": 0},
        if_not_exists=True,
    )
    db.table("feeds").create_index(["url"], unique=True, if_not_exists=True)
    db.table("items").create(
        {
            "id": int,
            "feed_id": int,
            "guid": str,
            "link": str,
            "title": str,
            "summary": str,
            "author": str,
            "published": str,
            "fetched": str,
            "content_hash": str,
        },
        pk="id",
        foreign_keys=[("feed_id", "feeds", "id")],
        not_null={"feed_id", "guid", "title", "published"},
        if_not_exists=True,
    )
    db.table("items").create_index(["feed_id", "guid"], unique=True, if_not_exists=True)
    db.table("items").create_index(["published"], if_not_exists=True)
    db.table("items").enable_fts(
        ["title", "summary"],
        fts_version="FTS5",
        create_triggers=True,
        tokenize="unicode61 remove_diacritics 2",
        replace=True,
    )
    db.table("matches").create(
        {
            "item_id": int,
            "issue_id": str,
            "score": float,
            "terms": str,
            "version": str,
            "matched_at": str,
        },
        pk=("item_id", "issue_id"),
        foreign_keys=[("item_id", "items", "id")],
        if_not_exists=True,
    )
    db.table("matches").create_index(["issue_id", "score"], if_not_exists=True)
    db.table("item_state").create(
        {"item_id": int, "read": int, "starred": int, "notified": str},
        pk="item_id",
        defaults={"read": 0, "starred": 0},
        if_not_exists=True,
    )
    db.table("feedback").create(
        {"item_id": int, "issue_id": str, "verdict": str, "at": str},
        pk=("item_id", "issue_id"),
        if_not_exists=True,
    )


_MIGRATIONS = {1: _migration_1}
