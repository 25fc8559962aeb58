"""Opening the database (WAL, busy timeout, migrations), transactions, errors, and meta.

`StoreBase` is what every part of the store builds on: one sqlite3 connection, used by the
thread that opened it; writes go through `transaction()`.

Faults the user must hear about in one sentence (a damaged file, a full disk, the file
deleted or replaced under a running app, a read-only file) are recognised here, on every
statement and row (see `faults.py`), so no query elsewhere needs to know about them.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Self

from briefer.errors import DamagedDatabaseError, DatabaseError
from briefer.store.faults import (
    CheckedConnection,
    FileIdentity,
    classify,
    damage_marker,
    file_identity,
    gone_error,
    mark_damaged,
    marked_damaged,
)
from briefer.store.schema import migrate, schema_version

BUSY_TIMEOUT_MS = 10_000

# The file this process opened at each path. A later Store at that path (a worker thread
# of the app, the daemon's next poll) must find the same file, not create an empty one
# where the user deleted it: that showed "0 matches" with no warning while other
# connections went on writing to the deleted file.
_opened: dict[str, FileIdentity] = {}
_opened_lock = threading.Lock()


class StoreBase:
    def __init__(self, path: Path | str, *, create: bool = True, verify: bool = False) -> None:
        """Open (and create or migrate) the database at `path`.

        `verify` runs SQLite's integrity check before anything is written, and records the
        verdict: a damaged file is refused from then on, a repaired one accepted again.
        """
        self.path = Path(path)
        self._key = str(self.path.absolute())
        if not create and not self.path.exists():
            raise DatabaseError(f"{self.path}: no database here yet (run `briefer poll --once`)")
        if self.path.exists() and self.path.is_dir():
            raise DatabaseError(f"{self.path}: expected a database file, found a folder")
        with _opened_lock:
            opened = _opened.get(self._key)
        if opened is not None and file_identity(self.path) != opened:
            raise gone_error(self.path)
        if not verify and marked_damaged(self.path):
            raise DamagedDatabaseError(damaged_sentence(self.path))
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._identity: FileIdentity | None = None
        self._in_transaction = False
        conn: CheckedConnection | None = None
        try:
            # Autocommit mode: transactions are explicit (BEGIN IMMEDIATE ... COMMIT) below.
            conn = sqlite3.connect(
                self.path,
                timeout=BUSY_TIMEOUT_MS / 1000,
                isolation_level=None,
                factory=CheckedConnection,
            )
            conn.path = self.path
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            # What sqlite-utils (which builds the schema) sets on every connection it wraps.
            conn.execute("PRAGMA recursive_triggers = ON")
            self._conn: sqlite3.Connection = conn
            # Reading the schema is what fails on a file that is not SQLite; do it before
            # writing.
            if not conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
                # Only a file without tables can take this without a full VACUUM; it lets
                # retention give pruned space back bit by bit (store.retention).
                conn.execute("PRAGMA auto_vacuum = INCREMENTAL")
            if verify:
                self._verify()
            migrate(conn, self.path)
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
        except BaseException as exc:
            if conn is not None:
                conn.close()
            if isinstance(exc, sqlite3.DatabaseError):
                raise database_error(self.path, exc) from None
            raise
        self._identity = file_identity(self.path)
        if self._identity is None:  # deleted while we were opening it
            self.conn.close()
            raise gone_error(self.path)
        with _opened_lock:
            _opened.setdefault(self._key, self._identity)

    def _verify(self) -> None:
        verdict = self.integrity_check()
        if verdict != "ok":
            mark_damaged(self.path, verdict)
            raise DamagedDatabaseError(damaged_sentence(self.path))
        damage_marker(self.path).unlink(missing_ok=True)

    @property
    def conn(self) -> sqlite3.Connection:
        return self._conn

    def close(self) -> None:
        self.conn.close()

    def check_file(self) -> None:
        """Raise DatabaseGoneError if the file at our path is no longer the one we opened
        (deleted, or replaced by another file): writes would go to a file nobody sees."""
        if self._identity is not None and file_identity(self.path) != self._identity:
            raise gone_error(self.path)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        return schema_version(self.conn)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE takes the write lock up front, so writers queue instead of failing.

        Inside another transaction of this Store, writes join it: several feeds a poll
        stores together share one commit (and a failure undoes all of them).
        """
        conn = self.conn
        if self._in_transaction:
            yield conn
            return
        self.check_file()
        if marked_damaged(self.path):
            raise DamagedDatabaseError(damaged_sentence(self.path))
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.DatabaseError as exc:
            raise database_error(self.path, exc) from None
        self._in_transaction = True
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
        finally:
            self._in_transaction = False

    def integrity_check(self) -> str:
        return str(self.conn.execute("PRAGMA integrity_check").fetchone()[0])

    def data_version(self) -> int:
        """Changes when another connection commits: cheap polling for rows the daemon added.

        Callers poll this periodically, so it is also where a deleted or replaced file is
        noticed while nothing is being written."""
        self.check_file()
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


def damaged_sentence(path: Path) -> str:
    return (
        f"The database {path} is damaged; briefer will not write to it. "
        "Run `briefer doctor` to see how to recover it or start fresh."
    )


def database_error(path: Path, exc: sqlite3.Error) -> DatabaseError:
    """The sentence for a SQLite error (one CheckedConnection did not already translate)."""
    fault = classify(path, exc)
    if fault is not None:
        return fault
    text = str(exc)
    if "locked" in text or "busy" in text:
        return DatabaseError(
            f"{path} is locked by another program; nothing was changed. Try again shortly."
        )
    return DatabaseError(f"{path}: {text}")
