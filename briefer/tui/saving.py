"""Saving the user's changes off the event loop, and saying plainly when they cannot be saved.

Screens call `app.save(change)` and show the change at once (through `app.pending`); one
worker at a time writes what is pending, retrying while another program holds the write
lock and, more slowly, while the database refuses writes for another reason (read-only,
full disk). Nothing pressed is lost while the app runs; quitting with changes still
unsaved asks once, and the command line then says what was not saved.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual import work
from textual.worker import get_current_worker

from briefer.tui.messages import ChangesHeldBack, ChangesSaved
from briefer.tui.pending import Change, PendingChanges, save_pending
from briefer.tui.text import clean

if TYPE_CHECKING:
    from briefer.tui.app import BrieferApp

LOCK_RETRY_SECONDS = (0.1, 0.2, 0.5, 1.0)  # then every second while the lock is held
REFUSED_RETRY_SECONDS = 15.0  # read-only or full: the user may fix it; a new change retries now


def changes(count: int) -> str:
    return f"{count} change{'s' if count != 1 else ''}"


class SavesChanges:
    """For the App: `pending`, `save(change)`, `undo_dismissal()`, and the quit guard."""

    pending: PendingChanges
    dismissals: list[tuple[Change, str]]  # (the dismissal, the item's title), newest last
    _quit_warned: bool = False

    @property
    def _app(self) -> BrieferApp:
        return cast("BrieferApp", self)

    def _init_saving(self) -> None:
        self.pending = PendingChanges()
        self.dismissals = []

    def save(self, change: Change, *, title: str = "") -> None:
        """Keep the change (screens show it from `pending` at once) and have it written.

        A dismissal's `title` is what `u` names when it undoes it."""
        if change.kind in ("dismissed", "story_dismissed") and change.value is True:
            self.dismissals.append((change, title))
        if self.pending.add(change):
            self._save_pending()

    def undo_dismissal(self) -> Change | None:
        """Undo the newest dismissal and say so; the dismissal undone, or None."""
        if not self.dismissals:
            self._app.notify("Nothing to undo.", timeout=2)
            return None
        change, title = self.dismissals.pop()
        self.save(Change(change.kind, change.target, change.issue_id, value=False))
        issue = self._app.services.issue(change.issue_id)
        name = issue.title if issue is not None else change.issue_id
        self._app.notify(f"Back in {clean(name)}: {clean(title)}", markup=False, timeout=4)
        return change

    @work(thread=True, group="save", exit_on_error=False)
    def _save_pending(self) -> None:
        app, pending, worker = self._app, self.pending, get_current_worker()
        services = app.services
        total, tries, told = 0, 0, False
        while not worker.is_cancelled:
            attempt = save_pending(services.db_path, pending, services.now)
            total += attempt.saved
            if attempt.left == 0:
                if pending.finish():
                    app.post_message(ChangesSaved(total, after_trouble=told))
                    return
                continue  # the user made another change meanwhile
            tries += 1
            problem = None if attempt.waiting_for_lock else attempt.problem
            if not told or problem != pending.problem:
                pending.problem = problem
                app.post_message(ChangesHeldBack(attempt.left, problem))
                told = True
            pause = REFUSED_RETRY_SECONDS
            if problem is None:
                pause = LOCK_RETRY_SECONDS[min(tries, len(LOCK_RETRY_SECONDS)) - 1]
            pending.wait_for_change(pause, lambda: worker.is_cancelled)
        pending.stopped()

    def on_changes_held_back(self, message: ChangesHeldBack) -> None:
        count = changes(message.count)
        if message.problem is None:
            self._app.status = Text(
                f"{count} not saved yet: another program is writing the database. Trying again…",
                style="bold yellow",
            )
            self._app.notify(
                f"{count} not saved yet: another program is writing the database. They stay "
                "on screen and are saved when it finishes.",
                title="Waiting to save",
                severity="warning",
                markup=False,
                timeout=6,
            )
            return
        self._app.status = Text(f"{count} not saved: {clean(message.problem)}.", style="bold red")
        self._app.notify(
            f"{count} not saved: {clean(message.problem)}. They stay on screen and are saved "
            "as soon as the database can be written; quitting now loses them.",
            title="Cannot save",
            severity="error",
            markup=False,
            timeout=12,
        )

    def on_changes_saved(self, message: ChangesSaved) -> None:
        if message.after_trouble:
            self._app.status = Text(f"Saved {changes(message.count)}.")
            self._app.notify(f"Saved {changes(message.count)}.", markup=False, timeout=4)
        self._quit_warned = False
        self._app.data_changed.publish(None)

    async def action_quit(self) -> None:
        count = len(self.pending)
        if count and not self._quit_warned:
            self._quit_warned = True
            why = self.pending.problem or "another program is writing the database"
            self._app.notify(
                f"{changes(count)} not saved yet ({clean(why)}). Press q again to quit anyway.",
                severity="warning",
                markup=False,
                timeout=8,
            )
            return
        self._app.exit()

    def unsaved_report(self) -> str | None:
        """After the app ends: what was not saved, for the command line to print."""
        count = len(self.pending)
        if not count:
            return None
        why = self.pending.problem or "another program was writing the database"
        verb = "was" if count == 1 else "were"
        return f"{changes(count)} {verb} not saved: {why}."
