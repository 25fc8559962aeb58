"""Turning SQLite's faults into sentences: damage, a full disk, a vanished or read-only file.

`CheckedConnection` is the sqlite3 connection every Store uses. Its statements and rows
pass SQLite errors through `classify`, so a damaged page met halfway through a query
surfaces as `DamagedDatabaseError` wherever it happens, and is recorded in a marker file
beside the database so that no process writes to that file again until `briefer doctor`
finds it sound (or the file is replaced).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any, NoReturn

from briefer.errors import (
    DamagedDatabaseError,
    DatabaseError,
    DatabaseGoneError,
    DiskFullError,
    ReadOnlyDatabaseError,
)

# SQLite's primary result codes (the low byte of an extended code).
SQLITE_READONLY = 8
SQLITE_IOERR = 10
SQLITE_CORRUPT = 11
SQLITE_FULL = 13
SQLITE_NOTADB = 26
SQLITE_READONLY_DBMOVED = SQLITE_READONLY | (4 << 8)

# Below this much free space an I/O error is taken to mean the disk filled up.
NEARLY_FULL_BYTES = 1024 * 1024

FileIdentity = tuple[int, int] | None


def file_identity(path: Path) -> FileIdentity:
    """(device, inode) of the file now at `path`, or None if there is none."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return (st.st_dev, st.st_ino)


def damage_marker(path: Path) -> Path:
    return path.with_name(path.name + ".damaged")


def mark_damaged(path: Path, reason: str) -> None:
    """Record that the file now at `path` is damaged (best effort: the disk may be full)."""
    identity = file_identity(path)
    if identity is None:
        return
    with contextlib.suppress(OSError):
        damage_marker(path).write_text(f"{identity[0]} {identity[1]}\n{reason}\n", "utf-8")


def marked_damaged(path: Path) -> bool:
    """True if a marker says the file now at `path` is damaged. A marker left for another
    file (the damaged one was moved aside, perhaps with a recovered copy put in its place)
    is stale and is removed."""
    marker = damage_marker(path)
    try:
        first = marker.read_text("utf-8").split("\n", 1)[0].split()
    except FileNotFoundError:
        return False
    except OSError:
        return True
    try:
        recorded: FileIdentity = (int(first[0]), int(first[1]))
    except (IndexError, ValueError):
        return True  # unreadable marker: trust it
    if file_identity(path) != recorded:  # moved aside (and perhaps replaced)
        marker.unlink(missing_ok=True)
        return False
    return True


def gone_error(path: Path) -> DatabaseGoneError:
    state = "deleted" if not path.exists() else "replaced by another file"
    return DatabaseGoneError(
        f"The database {path} was {state} while briefer had it open; nothing more was "
        "written to it. Quit briefer and start it again."
    )


def classify(path: Path, exc: sqlite3.Error) -> DatabaseError | None:
    """The user's sentence for a fault SQLite reported, or None for ordinary errors
    (locks, constraint violations) that the caller handles."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is None:
        return None
    primary = code & 0xFF
    if primary == SQLITE_CORRUPT:
        mark_damaged(path, str(exc))
        return DamagedDatabaseError(
            f"The database {path} is damaged; briefer will not write to it. "
            "Run `briefer doctor` to see how to recover it or start fresh."
        )
    if primary == SQLITE_NOTADB:
        return DamagedDatabaseError(
            f"{path} is damaged or is not a briefer database; it was left as it is. "
            "Move it aside to start fresh, or point --db at another file."
        )
    if primary == SQLITE_FULL or (primary == SQLITE_IOERR and _nearly_full(path)):
        return DiskFullError(
            f"The disk is full: briefer could not write to {path}. Free some space and try "
            "again; what was saved before is intact."
        )
    if code == SQLITE_READONLY_DBMOVED:
        return gone_error(path)
    if primary == SQLITE_READONLY:
        return ReadOnlyDatabaseError(
            f"The database {path} is read-only, so nothing could be saved. Check the "
            "permissions of the file and its folder."
        )
    if primary == SQLITE_IOERR:
        return DatabaseError(
            f"The disk reported an error reading or writing {path}. Check that the disk "
            "is still connected and has space, then run `briefer doctor`."
        )
    return None


def _nearly_full(path: Path) -> bool:
    try:
        return shutil.disk_usage(path.parent).free < NEARLY_FULL_BYTES
    except OSError:
        return False


class CheckedCursor(sqlite3.Cursor):
    """A cursor whose statements and rows raise the user's sentence for faults.

    Each method catches and re-raises in place (no context manager): `__next__` runs once
    a row, and a generator-based wrapper would cost more than the check."""

    def _reraise(self, exc: sqlite3.Error) -> NoReturn:
        path = getattr(self.connection, "path", None)
        fault = classify(path, exc) if path is not None else None
        if fault is None:
            raise exc
        raise fault from exc

    def execute(self, sql: str, parameters: Any = (), /) -> CheckedCursor:
        try:
            super().execute(sql, parameters)
        except sqlite3.Error as exc:
            self._reraise(exc)
        return self

    def executemany(self, sql: str, seq_of_parameters: Iterable[Any], /) -> CheckedCursor:
        try:
            super().executemany(sql, seq_of_parameters)
        except sqlite3.Error as exc:
            self._reraise(exc)
        return self

    def executescript(self, sql_script: str, /) -> CheckedCursor:
        try:
            super().executescript(sql_script)
        except sqlite3.Error as exc:
            self._reraise(exc)
        return self

    def __next__(self) -> Any:
        try:
            return super().__next__()
        except sqlite3.Error as exc:
            self._reraise(exc)

    def fetchone(self) -> Any:
        try:
            return super().fetchone()
        except sqlite3.Error as exc:
            self._reraise(exc)

    def fetchmany(self, size: int | None = None) -> list[Any]:
        try:
            return super().fetchmany(self.arraysize if size is None else size)
        except sqlite3.Error as exc:
            self._reraise(exc)

    def fetchall(self) -> list[Any]:
        try:
            return super().fetchall()
        except sqlite3.Error as exc:
            self._reraise(exc)


class CheckedConnection(sqlite3.Connection):
    """sqlite3.connect(..., factory=CheckedConnection); set `path` after connecting."""

    path: Path | None = None

    def cursor(self, factory: Any = CheckedCursor) -> Any:
        return super().cursor(factory)

    def execute(self, sql: str, parameters: Any = (), /) -> CheckedCursor:
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql: str, parameters: Iterable[Any], /) -> CheckedCursor:
        return self.cursor().executemany(sql, parameters)

    def executescript(self, sql_script: str, /) -> CheckedCursor:
        return self.cursor().executescript(sql_script)
