"""The poll write path: one feed's poll (feed state, items, matches) in one transaction, or
in the caller's, which stores a few feeds together."""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Sequence
from datetime import datetime
from typing import cast

from briefer.models import FeedOutcome, FetchResult, FetchStatus, Match, NewMatch, ParsedFeed
from briefer.store.connection import StoreBase
from briefer.store.prepared import PreparedItem, prepare_items
from briefer.store.rows import to_db_time
from briefer.stories import StoryIndex

# New items go in by the statement-full, not one statement each: the full-text index's
# trigger makes FTS5 write out a segment at the end of every statement, and merging
# thousands of one-item segments was a third of storing a first poll (10,000 items: 0.26
# s one by one, 0.06 s in statements of many rows).
ROWS_PER_INSERT = 64  # x 14 columns: under the 999 parameters of SQLite before 3.32
_ITEM_COLUMNS = (
    "guid, link, title, summary, author, outlet, outlet_url, published, content_hash, lang, "
    "id, feed_id, fetched, story_id"
)


@functools.lru_cache(maxsize=ROWS_PER_INSERT)
def _insert_items(rows: int) -> str:
    values = "(" + ", ".join("?" * len(_ITEM_COLUMNS.split(","))) + ")"
    return f"INSERT INTO items({_ITEM_COLUMNS}) VALUES " + ", ".join([values] * rows)


class WritesMixin(StoreBase):
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
        stories: StoryIndex | None = None,
        feed_lang: str | None = None,
        prepared: Sequence[PreparedItem] | None = None,
    ) -> tuple[FeedOutcome, list[NewMatch]]:
        """Store one feed's poll in one transaction: feed state, items, matches.

        `matches[i]` are the matches for `parsed.items[i]`. Items already stored with the same
        content are left alone; changed ones are updated in place and rematched. Returns the
        feed's outcome line and the (item, issue) matches that are new.

        With `stories`, each new or changed item is given its story in the same
        transaction. An item's language is guessed from its text, else `feed_lang` (the
        feed's configured language). `prepared` is `prepare_items` of the items, when the
        caller worked it out already: then the items are read from it, not from `parsed`
        (a worker sends them there only), and `matches` and `feed_lang` are not read.
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
                "SELECT id, title, chosen_title, error_count FROM feeds WHERE url = ?", (url,)
            ).fetchone()
            if feed is None:
                conn.execute("INSERT INTO feeds(url, added) VALUES (?, ?)", (url, now_s))
                feed = conn.execute(
                    "SELECT id, title, chosen_title, error_count FROM feeds WHERE url = ?", (url,)
                ).fetchone()
            feed_id, feed_title, chosen_title, error_count = feed
            if chosen_title:
                feed_title = chosen_title  # the user's name for the feed beats its own
            elif parsed is not None and parsed.title:
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
            if parsed is not None and not parsed.error:
                if prepared is None and parsed.items:
                    prepared = prepare_items(parsed.items, matches, feed_lang or "")
                if prepared:
                    new_matches = self._store_items(
                        conn, feed_id, outcome, prepared, now_s, versions, stories
                    )
        return outcome, new_matches

    def _store_items(
        self,
        conn: sqlite3.Connection,
        feed_id: int,
        outcome: FeedOutcome,
        prepared: Sequence[PreparedItem],
        now_s: str,
        versions: dict[str, str],
        stories: StoryIndex | None,
    ) -> list[NewMatch]:
        known = {
            guid: (item_id, digest, story)
            for item_id, guid, digest, story in conn.execute(
                "SELECT id, guid, content_hash, story_id FROM items WHERE feed_id = ?", (feed_id,)
            )
        }
        # New items are written in batches (executemany) with ids given here: the write
        # lock is held, so max(id) + 1 is the id SQLite would give, and knowing it up front
        # puts the story in the same INSERT instead of an UPDATE after it.
        next_id = int(conn.execute("SELECT coalesce(max(id), 0) FROM items").fetchone()[0]) + 1
        new_rows: list[tuple[object, ...]] = []
        match_rows: list[tuple[object, ...]] = []

        def flush() -> None:
            for start in range(0, len(new_rows), ROWS_PER_INSERT):
                rows = new_rows[start : start + ROWS_PER_INSERT]
                conn.execute(_insert_items(len(rows)), [value for row in rows for value in row])
            new_rows.clear()
            if match_rows:
                conn.executemany(
                    "INSERT INTO matches(item_id, issue_id, score, terms, version, matched_at) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    match_rows,
                )
                match_rows.clear()

        new_matches: list[NewMatch] = []
        for item in prepared:
            guid = item.guid
            digest = item.content_hash
            existing = known.get(guid)
            if existing and existing[1] == digest:
                continue
            lang = item.lang
            # guid, link, title, summary, author, outlet, outlet_url, published, hash, lang
            row = (*item[:7], item.published_s, digest, lang)
            if existing is None:
                item_id = next_id
                next_id += 1
                story_id = None
                previous: set[str] = set()
                outcome.new_items += 1
            else:
                flush()  # the row may be one of this batch (a guid given twice)
                item_id, _, story_id = existing
                conn.execute(
                    "UPDATE items SET link = ?, title = ?, summary = ?, author = ?, "
                    "outlet = ?, outlet_url = ?, published = ?, content_hash = ?, lang = ? "
                    "WHERE id = ?",
                    (*row[1:], item_id),
                )
                previous = {
                    r[0]
                    for r in conn.execute(
                        "SELECT issue_id FROM matches WHERE item_id = ?", (item_id,)
                    )
                }
                conn.execute("DELETE FROM matches WHERE item_id = ?", (item_id,))
                outcome.updated_items += 1
            if stories is not None and story_id is None:
                # A new item, or one stored before stories, joins a story or starts its own.
                # A changed item stays in the story it has (the index, warmed from the
                # store, already holds it).
                story_id = cast(int, stories.place(item_id, item.published, lang, item.features))
                if existing is not None:
                    conn.execute("UPDATE items SET story_id = ? WHERE id = ?", (story_id, item_id))
            if existing is None:
                new_rows.append((*row, item_id, feed_id, now_s, story_id))
            known[guid] = (item_id, digest, story_id)
            for match in item.matches:
                issue_id = match.issue_id
                match_rows.append(
                    (
                        item_id,
                        issue_id,
                        round(match.score, 1),
                        match.hits,
                        versions.get(issue_id, ""),
                        now_s,
                    )
                )
                if issue_id not in previous:
                    outcome.new_matches += 1
                    new_matches.append(
                        NewMatch(
                            item_id=item_id,
                            issue_id=issue_id,
                            score=match.score,
                            title=item.title,
                            link=item.link,
                            feed_title=outcome.title,
                            terms=match.terms,
                            published=item.published,
                            story_id=story_id or item_id,
                            outlet=item.outlet,
                            lang=lang,
                        )
                    )
        flush()
        return new_matches
