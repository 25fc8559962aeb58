"""What the reader did: read, starred, dismissed (feedback), and the notified ledger."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from briefer.clock import utcnow
from briefer.store.connection import StoreBase
from briefer.store.rows import to_db_time


class StateMixin(StoreBase):
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
        at = to_db_time(now or utcnow())
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
        at = to_db_time(now or utcnow())
        with self.transaction() as conn:
            conn.executemany(
                "INSERT INTO item_state(item_id, notified) VALUES (?, ?) "
                "ON CONFLICT(item_id) DO UPDATE SET "
                "notified = coalesce(notified, excluded.notified)",
                [(i, at) for i in item_ids],
            )
