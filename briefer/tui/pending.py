"""Changes made from the screen (read, starred, not relevant, the theme), kept until saved.

The screen shows a change at once and a worker saves it. Another program may hold the
database's write lock for longer than SQLite waits (the daemon's big transaction, a
rematch batch), or the file may be read-only: the change then waits here, still shown on
screen, and is saved as soon as the database lets us. A later change to the same thing
replaces the waiting one, so what is saved is always the user's last word.

No Textual here: the app's saving worker (tui/saving.py) drives `save_pending`.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from briefer.errors import DatabaseError
from briefer.store import ItemRow, Store, StoryMember, StoryRow

# The saver asks SQLite to wait this long for the write lock before it tries again
# itself: short, so that quitting never waits on a write that cannot happen.
SAVER_BUSY_TIMEOUT_MS = 400
# SQLite result codes (the low byte of extended codes).
SQLITE_BUSY, SQLITE_LOCKED = 5, 6
PROBLEMS = {
    8: "is read-only",  # SQLITE_READONLY
    10: "could not be written (disk error)",  # SQLITE_IOERR
    11: "is damaged (`briefer doctor` says what to do)",  # SQLITE_CORRUPT
    13: "could not be written: the disk is full",  # SQLITE_FULL
    14: "could not be opened",  # SQLITE_CANTOPEN
    26: "is damaged (`briefer doctor` says what to do)",  # SQLITE_NOTADB
}


@dataclass(frozen=True, slots=True)
class Change:
    """One change the user made. `kind` says what it sets; `value` is the new setting."""

    # read | starred | dismissed (an item; dismissed is for an issue), story_read |
    # story_starred | story_dismissed (a story, for an issue), setting (a meta key)
    kind: str
    target: int | str  # the item or story id, or the setting's key
    issue_id: str = ""
    value: bool | str = True

    @property
    def key(self) -> tuple[str, int | str, str]:
        return (self.kind, self.target, self.issue_id)


def apply(store: Store, change: Change, now: datetime) -> None:
    """Write one change in its own short transaction."""
    kind, target, value = change.kind, change.target, change.value
    if kind == "read":
        store.set_read(int(target), bool(value))
    elif kind == "starred":
        store.set_starred(int(target), bool(value))
    elif kind == "dismissed" and value:
        store.dismiss(int(target), change.issue_id, now=now)
    elif kind == "dismissed":
        store.undismiss(int(target), change.issue_id)
    elif kind == "story_read":
        store.set_story_read(int(target), change.issue_id, bool(value))
    elif kind == "story_starred":
        store.set_story_starred(int(target), change.issue_id, bool(value))
    elif kind == "story_dismissed" and value:
        store.dismiss_story(int(target), change.issue_id, now=now)
    elif kind == "story_dismissed":
        store.undismiss_story(int(target), change.issue_id)
    elif kind == "setting":
        store.set_meta(str(target), str(value))
    else:
        raise ValueError(f"unknown change {kind!r}")


class PendingChanges:
    """Thread-safe: the UI thread adds and reads; the saving worker saves and removes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._changes: dict[tuple[str, int | str, str], Change] = {}
        self._saver_running = False
        self._added = 0  # counts changes, so a waiting saver sees that one arrived
        self.problem: str | None = None  # why the last attempt failed, for the user

    def __len__(self) -> int:
        with self._lock:
            return len(self._changes)

    def add(self, change: Change) -> bool:
        """Keep the change; True when no saver is running and one must be started."""
        with self._lock:
            self._changes.pop(change.key, None)  # the newest goes last, as it was made
            self._changes[change.key] = change
            self._added += 1
            self._wake.notify_all()
            start = not self._saver_running
            self._saver_running = True
            return start

    def snapshot(self) -> list[Change]:
        with self._lock:
            return list(self._changes.values())

    def saved(self, change: Change) -> None:
        """Drop a saved change, unless the user changed the same thing again meanwhile."""
        with self._lock:
            if self._changes.get(change.key) == change:
                del self._changes[change.key]

    def finish(self) -> bool:
        """The saver stops if nothing is left (atomically, so no change is stranded)."""
        with self._lock:
            if self._changes:
                return False
            self._saver_running = False
            self.problem = None
            return True

    def stopped(self) -> None:
        """The saver was cancelled (the app is quitting) with changes left."""
        with self._lock:
            self._saver_running = False

    def wait_for_change(self, seconds: float, cancelled: Callable[[], bool]) -> None:
        """Sleep between attempts; wake early for a new change or when the saver is cancelled
        (checked every tenth of a second: cancelling a worker only sets its flag)."""
        with self._lock:
            added = self._added
            remaining = seconds
            while remaining > 0 and self._added == added and not cancelled():
                self._wake.wait(min(remaining, 0.1))
                remaining -= 0.1

    # -- how the screen shows what is not saved yet -----------------------------------------

    def _value(self, kind: str, target: int, issue_id: str = "") -> bool | str | None:
        with self._lock:
            change = self._changes.get((kind, target, issue_id))
        return None if change is None else change.value

    def show_item(self, item: ItemRow) -> ItemRow:
        read = self._value("read", item.id)
        starred = self._value("starred", item.id)
        if read is None and starred is None:
            return item
        return replace(
            item,
            read=item.read if read is None else bool(read),
            starred=item.starred if starred is None else bool(starred),
        )

    def show_stories(self, rows: Sequence[StoryRow]) -> list[StoryRow]:
        """Stories as the user left them: marks applied, dismissed ones left out."""
        if not len(self):
            return list(rows)
        shown = []
        for row in rows:
            if self._value("story_dismissed", row.story_id, row.issue_id):
                continue
            read = self._value("story_read", row.story_id, row.issue_id)
            starred = self._value("story_starred", row.story_id, row.issue_id)
            if read is not None:
                unread = 0 if read else row.items
                row = replace(row, unread=unread, new_since_read=0)
            if starred is not None:
                row = replace(row, starred=bool(starred))
            shown.append(row)
        return shown

    def show_members(
        self, members: Sequence[StoryMember], story_id: int, issue_id: str | None
    ) -> list[StoryMember]:
        """A story's items as the user left them: the story's marks, then each item's."""
        read = starred = None
        if issue_id is not None:
            read = self._value("story_read", story_id, issue_id)
            starred = self._value("story_starred", story_id, issue_id)
        shown = []
        for member in members:
            item = member.item
            if member.match is not None and (read is not None or starred is not None):
                item = replace(
                    item,
                    read=item.read if read is None else bool(read),
                    starred=item.starred if starred is None else bool(starred),
                )
            item = self.show_item(item)
            shown.append(member if item == member.item else replace(member, item=item))
        return shown


@dataclass(frozen=True, slots=True)
class SaveAttempt:
    saved: int
    left: int
    waiting_for_lock: bool = False
    problem: str | None = None  # a failure that waiting will not fix, in the user's words


def is_lock_wait(exc: BaseException) -> bool:
    """True when another connection holds the write lock: worth trying again soon."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, sqlite3.Error):
            code = getattr(seen, "sqlite_errorcode", None)
            if code is not None:
                return code & 0xFF in (SQLITE_BUSY, SQLITE_LOCKED)
        seen = seen.__cause__ or seen.__context__
    return "locked" in str(exc) or "busy" in str(exc)


def problem_of(exc: BaseException, path: Path) -> str:
    seen: BaseException | None = exc
    while seen is not None:
        code = getattr(seen, "sqlite_errorcode", None)
        if isinstance(seen, sqlite3.Error) and code is not None and code & 0xFF in PROBLEMS:
            return f"{path} {PROBLEMS[code & 0xFF]}"
        seen = seen.__cause__ or seen.__context__
    return str(exc)


@contextmanager
def saving_store(path: Path) -> Iterator[Store]:
    store = Store(path, create=False)
    try:
        # Only the busy wait differs from a normal Store: the caller retries on its own.
        store.conn.execute(f"PRAGMA busy_timeout = {SAVER_BUSY_TIMEOUT_MS}")
        yield store
    finally:
        store.close()


def save_pending(
    path: Path,
    pending: PendingChanges,
    now: Callable[[], datetime],
) -> SaveAttempt:
    """Save what is pending, oldest first; stop at the first change the database refuses."""
    saved = 0
    try:
        with saving_store(path) as store:
            for change in pending.snapshot():
                apply(store, change, now())
                pending.saved(change)
                saved += 1
    except (DatabaseError, sqlite3.Error) as exc:
        if is_lock_wait(exc):
            return SaveAttempt(saved, len(pending), waiting_for_lock=True)
        return SaveAttempt(saved, len(pending), problem=problem_of(exc, path))
    return SaveAttempt(saved, len(pending))
