"""Opening the database (WAL, busy timeout, migrations), transactions, errors, and meta.

`StoreBase` is what every part of the store builds on: one sqlite3 connection, used by the
thread that opened it; writes go through `transaction()`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Self

import sqlite_utils

from briefer.errors import DatabaseError
from briefer.store.schema import migrate, schema_version

BUSY_TIMEOUT_MS = 10_000


class StoreBase:
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
            # Reading the schema is what fails on a file that is not SQLite; do it before
            # writing.
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            migrate(self.db, self.path)
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
        except sqlite3.DatabaseError as exc:
            raise database_error(self.path, exc) from None

    @property
    def conn(self) -> sqlite3.Connection:
        return self.db.conn

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        return schema_version(self.conn)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE takes the write lock up front, so writers queue instead of failing."""
        conn = self.conn
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.DatabaseError as exc:
            raise database_error(self.path, exc) from None
        try:
            yield conn
        except BaseException as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.DatabaseError):
                raise database_error(self.path, exc) from exc
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
            put_meta(conn, {key: value})

    def update_meta(self, values: Mapping[str, str], *, delete: Iterable[str] = ()) -> None:
        """Set and delete meta keys in one transaction."""
        with self.transaction() as conn:
            put_meta(conn, values)
            conn.executemany("DELETE FROM meta WHERE key = ?", [(k,) for k in delete])

    def meta_with_prefix(self, prefix: str) -> dict[str, str]:
        # substr, not LIKE: ids hold "_", which LIKE would take for a wildcard.
        return {
            str(k): str(v)
            for k, v in self.conn.execute(
                "SELECT key, value FROM meta WHERE substr(key, 1, ?) = ?", (len(prefix), prefix)
            )
        }


def put_meta(conn: sqlite3.Connection, values: Mapping[str, str]) -> None:
    conn.executemany(
        "INSERT INTO meta(key, value) VALUES (?, ?) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        list(values.items()),
    )


def database_error(path: Path, exc: sqlite3.DatabaseError) -> DatabaseError:
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
