"""The changes waiting to be saved: the user's last word wins, and no change is stranded."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from briefer.errors import DatabaseError
from briefer.store import Store
from briefer.tui.pending import Change, PendingChanges, is_lock_wait, problem_of, save_pending
from tests.factory import FIXED_NOW, add_feed, item


def test_a_later_change_to_the_same_thing_replaces_the_waiting_one() -> None:
    pending = PendingChanges()
    assert pending.add(Change("read", 1, value=True))  # the first change starts a saver
    assert not pending.add(Change("starred", 1, value=True))  # one is running already
    assert not pending.add(Change("read", 1, value=False))
    assert pending.snapshot() == [Change("starred", 1, value=True), Change("read", 1, value=False)]


def test_a_change_saved_while_the_user_changed_it_again_stays_pending() -> None:
    pending = PendingChanges()
    pending.add(Change("read", 1, value=True))
    being_saved = pending.snapshot()[0]
    pending.add(Change("read", 1, value=False))
    pending.saved(being_saved)
    assert pending.snapshot() == [Change("read", 1, value=False)]
    assert not pending.finish()  # the saver must go on
    pending.saved(Change("read", 1, value=False))
    assert pending.finish()
    assert pending.add(Change("read", 2))  # the next change starts a new saver


def test_save_pending_writes_everything_in_order(tmp_path: Path) -> None:
    db = tmp_path / "b.db"
    with Store(db) as store:
        add_feed(store, "https://x.example/rss", [(item("a", "A title"), [])])
        row = store.item(1)
    assert row is not None
    pending = PendingChanges()
    pending.add(Change("read", row.id))
    pending.add(Change("starred", row.id))
    pending.add(Change("setting", "tui.theme", value="textual-light"))
    attempt = save_pending(db, pending, lambda: FIXED_NOW)
    assert (attempt.saved, attempt.left, attempt.problem) == (3, 0, None)
    with Store(db) as store:
        saved = store.item(row.id)
        assert saved is not None and saved.read and saved.starred
        assert store.get_meta("tui.theme") == "textual-light"


def test_lock_waits_are_told_apart_from_refusals(tmp_path: Path) -> None:
    def raised(code: int, text: str) -> DatabaseError:
        cause = sqlite3.OperationalError(text)
        cause.sqlite_errorcode = code  # type: ignore[attr-defined]
        try:
            try:
                raise cause
            except sqlite3.OperationalError:
                raise DatabaseError(f"x.db: {text}") from None
        except DatabaseError as exc:
            return exc

    assert is_lock_wait(raised(5, "database is locked"))
    assert not is_lock_wait(raised(8, "attempt to write a readonly database"))
    readonly = raised(8, "attempt to write a readonly database")
    assert problem_of(readonly, tmp_path / "b.db") == f"{tmp_path / 'b.db'} is read-only"
    full = raised(13, "database or disk is full")
    assert problem_of(full, tmp_path / "b.db").endswith("the disk is full")
