"""What the reader did to a story for an issue (read, starred, dismissed) and the ledger
of story notifications.

Read and starred apply to every item of the story matched to the issue. Dismissing a story
hides it for the issue, including items that join it later, and writes the per-item
feedback rows that term statistics count; undoing it removes exactly those rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from briefer.clock import utcnow
from briefer.store.connection import StoreBase
from briefer.store.rows import to_db_time
from briefer.store.story_queries import IN_STORY

NOTICE_KINDS = ("new", "spreading")

# From the items of story ? (the id twice) matched to issue ?.
_MATCHED = f"FROM items i JOIN matches m ON m.item_id = i.id AND m.issue_id = ? WHERE {IN_STORY}"


class StoryStateMixin(StoreBase):
    def _set_story_state(self, story_id: int, issue_id: str, column: str, value: int) -> None:
        with self.transaction() as conn:
            conn.execute(
                f"INSERT INTO item_state(item_id, {column}) SELECT i.id, ? {_MATCHED} "
                f"ON CONFLICT(item_id) DO UPDATE SET {column} = excluded.{column}",
                (value, issue_id, story_id, story_id),
            )

    def set_story_read(self, story_id: int, issue_id: str, read: bool = True) -> None:
        self._set_story_state(story_id, issue_id, "read", int(read))

    def set_story_starred(self, story_id: int, issue_id: str, starred: bool = True) -> None:
        self._set_story_state(story_id, issue_id, "starred", int(starred))

    def dismiss_story(self, story_id: int, issue_id: str, *, now: datetime | None = None) -> None:
        """Not relevant to this issue: the story is hidden for it, now and as it grows."""
        at = to_db_time(now or utcnow())
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO story_dismissals(story_id, issue_id, at) VALUES (?, ?, ?) "
                "ON CONFLICT(story_id, issue_id) DO NOTHING",
                (story_id, issue_id, at),
            )
            # An item dismissed on its own before keeps its own row (and its own undo).
            conn.execute(
                "INSERT INTO feedback(item_id, issue_id, verdict, at) "
                f"SELECT i.id, m.issue_id, 'not_relevant', ? {_MATCHED} "
                "ON CONFLICT(item_id, issue_id) DO NOTHING",
                (at, issue_id, story_id, story_id),
            )

    def undismiss_story(self, story_id: int, issue_id: str) -> None:
        """Undo `dismiss_story`: the story and the feedback rows it wrote go back."""
        with self.transaction() as conn:
            row = conn.execute(
                "SELECT at FROM story_dismissals WHERE story_id = ? AND issue_id = ?",
                (story_id, issue_id),
            ).fetchone()
            if row is None:
                return
            conn.execute(
                "DELETE FROM story_dismissals WHERE story_id = ? AND issue_id = ?",
                (story_id, issue_id),
            )
            conn.execute(
                "DELETE FROM feedback WHERE issue_id = ? AND verdict = 'not_relevant' "
                f"AND at = ? AND item_id IN (SELECT i.id FROM items i WHERE {IN_STORY})",
                (issue_id, row[0], story_id, story_id),
            )

    def unnotified_stories(
        self, pairs: Iterable[tuple[int, str]], kind: str = "new"
    ) -> set[tuple[int, str]]:
        """The (story id, issue id) pairs not yet notified as `kind` ("new" or "spreading")."""
        _check_kind(kind)
        wanted = set(pairs)
        if not wanted:
            return set()
        done = {
            (int(story), str(issue))
            for story, issue in self.conn.execute(
                "SELECT story_id, issue_id FROM story_notices WHERE kind = ? "
                f"AND story_id IN ({','.join('?' * len({s for s, _ in wanted}))})",
                [kind, *sorted({s for s, _ in wanted})],
            )
        }
        return wanted - done

    def mark_story_notified(
        self, story_id: int, issue_id: str, kind: str = "new", *, now: datetime | None = None
    ) -> None:
        """Record that (story, issue) was notified as `kind`; the first time is kept."""
        self.mark_stories_notified([(story_id, issue_id)], kind, now=now)

    def mark_stories_notified(
        self, pairs: Iterable[tuple[int, str]], kind: str = "new", *, now: datetime | None = None
    ) -> None:
        """`mark_story_notified` for many pairs in one transaction."""
        _check_kind(kind)
        at = to_db_time(now or utcnow())
        with self.transaction() as conn:
            conn.executemany(
                "INSERT INTO story_notices(story_id, issue_id, kind, at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(story_id, issue_id, kind) DO NOTHING",
                [(story, issue, kind, at) for story, issue in pairs],
            )


def _check_kind(kind: str) -> None:
    if kind not in NOTICE_KINDS:
        raise ValueError(f"unknown story notice {kind!r} (expected one of {NOTICE_KINDS})")
