"""The schema and its migrations: each one forward, keeping data, safe to run again."""

from __future__ import annotations

import random
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from briefer.errors import DatabaseError
from briefer.stories import METHOD

if TYPE_CHECKING:
    import sqlite_utils

SCHEMA_VERSION = 4
MIGRATION_ATTEMPTS = 20


def schema_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection, path: Path) -> None:
    """Bring the database at `path` up to SCHEMA_VERSION; refuse one from a newer briefer."""
    version = schema_version(conn)
    if version > SCHEMA_VERSION:
        raise DatabaseError(
            f"{path} was written by a newer briefer (schema {version}; this one knows "
            f"up to {SCHEMA_VERSION}). Upgrade briefer; the database was left untouched."
        )
    if version == SCHEMA_VERSION:
        return
    if version == 0 and create_current(conn):
        return
    run_migrations(conn)


def run_migrations(conn: sqlite3.Connection) -> None:
    """Every migration from the database's version up to SCHEMA_VERSION, in order."""
    # Imported only when there is something to migrate: it costs every process that opens
    # a database (a cron poll) about 30 ms, and loads its plugins.
    import sqlite_utils

    db = sqlite_utils.Database(conn)
    # sqlite-utils commits as it goes (its FTS setup runs a script), so a migration
    # cannot be one transaction. Each is written to be safe to run again instead, and
    # two processes migrating the same database (the app and a cron poll) retry until
    # one of them has finished.
    for attempt in range(MIGRATION_ATTEMPTS):
        try:
            for target in range(schema_version(conn) + 1, SCHEMA_VERSION + 1):
                MIGRATIONS[target](db)
                conn.execute(f"PRAGMA user_version = {target}")
            return
        except sqlite3.OperationalError:
            if attempt == MIGRATION_ATTEMPTS - 1:
                raise
            time.sleep(0.05 + random.random() * 0.2)


def create_current(conn: sqlite3.Connection) -> bool:
    """Give a database without tables the current schema (schema.sql) in one transaction;
    False, with nothing written, if it has tables (another process may have just made
    them), which leaves it to the migrations.

    The migrations need sqlite-utils: its import and their steps were 0.1 s of a first
    poll, and of the app's first start."""
    if conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
        return False
    script = (Path(__file__).parent / "schema.sql").read_text(encoding="utf-8")
    try:
        conn.executescript(
            f"BEGIN IMMEDIATE; {script}\n"
            f"INSERT INTO meta(key, value) VALUES ('stories_method', '{METHOD}');\n"
            f"PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;"
        )
    except sqlite3.OperationalError:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        if conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
            return False  # made by another process meanwhile
        raise
    return True


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


_ITEM_COLUMNS_2 = {
    "outlet": "TEXT NOT NULL DEFAULT ''",
    "outlet_url": "TEXT",
    "lang": "TEXT NOT NULL DEFAULT ''",
    "story_id": "INTEGER",  # the id of the story's first item; NULL: not grouped yet
}


def _migration_2(db: sqlite_utils.Database) -> None:
    """Stories: each item's outlet, language and story; per-story dismissals and notices.

    Plain SQL, so unlike the first migration this one is a single transaction. Stored items
    keep story_id NULL until `briefer.regroup` groups them; a database without items has
    nothing to regroup, so it records the grouping method now.
    """
    conn = db.conn
    conn.execute("BEGIN IMMEDIATE")
    try:
        have = {row[1] for row in conn.execute("PRAGMA table_info(items)")}
        for name, decl in _ITEM_COLUMNS_2.items():
            if name not in have:
                conn.execute(f"ALTER TABLE items ADD COLUMN {name} {decl}")
        conn.execute("CREATE INDEX IF NOT EXISTS idx_items_story_id ON items(story_id)")
        conn.execute("CREATE INDEX IF NOT EXISTS idx_items_published ON items(published)")
        conn.execute(
            "CREATE TABLE IF NOT EXISTS story_dismissals (story_id INTEGER NOT NULL, "
            "issue_id TEXT NOT NULL, at TEXT NOT NULL, PRIMARY KEY (story_id, issue_id))"
        )
        conn.execute(
            "CREATE TABLE IF NOT EXISTS story_notices (story_id INTEGER NOT NULL, "
            "issue_id TEXT NOT NULL, kind TEXT NOT NULL, at TEXT NOT NULL, "
            "PRIMARY KEY (story_id, issue_id, kind))"
        )
        # sqlite-utils' trigger re-indexes an item on any update; assigning stories (a whole
        # database when regrouping) changes neither title nor summary.
        conn.execute("DROP TRIGGER IF EXISTS items_au")
        conn.execute(
            "CREATE TRIGGER items_au AFTER UPDATE OF title, summary ON items BEGIN "
            "INSERT INTO items_fts (items_fts, rowid, title, summary) "
            "VALUES ('delete', old.rowid, old.title, old.summary); "
            "INSERT INTO items_fts (rowid, title, summary) "
            "VALUES (new.rowid, new.title, new.summary); END"
        )
        if conn.execute("SELECT NOT EXISTS (SELECT 1 FROM items)").fetchone()[0]:
            conn.execute(
                "INSERT OR IGNORE INTO meta(key, value) VALUES ('stories_method', ?)", (METHOD,)
            )
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _migration_3(db: sqlite_utils.Database) -> None:
    """An index of each issue's matches in item order, with their scores.

    An issue's stories are counted and ranked by reading its every match's item. Read in
    score order (the other index), those items are scattered over the whole table, a page
    read for nearly every match; read in item order, neighbours share pages.
    """
    db.conn.execute(
        "CREATE INDEX IF NOT EXISTS idx_matches_issue_item ON matches(issue_id, item_id, score)"
    )


def _migration_4(db: sqlite_utils.Database) -> None:
    """The name the user gave a feed (config `title`, `feeds add --title`, an OPML outline's
    text), kept apart from the title shown, which falls back to the feed's own."""
    have = {row[1] for row in db.conn.execute("PRAGMA table_info(feeds)")}
    if "chosen_title" not in have:
        db.conn.execute("ALTER TABLE feeds ADD COLUMN chosen_title TEXT")


MIGRATIONS: dict[int, Callable[[sqlite_utils.Database], None]] = {
    1: _migration_1,
    2: _migration_2,
    3: _migration_3,
    4: _migration_4,
}
