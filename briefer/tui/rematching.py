"""Apply edited watchlists to the stored items when the app starts.

An analyst who edits a watchlist expects the app to show the new verdicts, not only for
items polled from now on; the CLI offers `briefer rematch`, the app just does it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual import work

from briefer.rematch import RematchReport, pending_issues, rematch
from briefer.tui.briefing import Services
from briefer.tui.messages import RematchStarted, WatchlistsRematched

if TYPE_CHECKING:
    from briefer.tui.app import BrieferApp


def rematch_changed(
    services: Services, *, announce: Callable[[list[str]], object]
) -> RematchReport | None:
    """Rematch the issues whose watchlist changed (or whose rematch was cut short).

    Runs in a worker thread with its own Store; `announce(issue_ids)` is called before the
    work starts, so the app can say what it is doing. Returns None when nothing changed.
    """
    if services.matcher_factory is None:
        return None
    matcher = services.matcher_factory()
    with services.open_store() as store:
        pending = pending_issues(store, matcher.issues)
        if not pending:
            return None
        announce([issue.id for issue in pending])
        return rematch(store, matcher, pending)


class RematchOnStart:
    """For the App: `_rematch_changed()` once the scheduler runs, and its two messages."""

    @property
    def _app(self) -> BrieferApp:
        return cast("BrieferApp", self)

    @work(thread=True, exclusive=True, group="rematch", exit_on_error=False)
    def _rematch_changed(self) -> None:
        app = self._app

        def announce(issue_ids: list[str]) -> None:
            app.post_message(RematchStarted(issue_ids))

        report = rematch_changed(app.services, announce=announce)
        if report is not None:
            app.post_message(WatchlistsRematched(report.issues, report.scanned))

    def on_rematch_started(self, message: RematchStarted) -> None:
        names = ", ".join(self._title(i) for i in message.issue_ids)
        self._app.status = Text(f"Watchlist changed ({names}): matching stored items again…")

    def on_watchlists_rematched(self, message: WatchlistsRematched) -> None:
        # A toast, not the status line: a poll finishing meanwhile would overwrite that.
        names = ", ".join(self._title(i) for i in message.issue_ids)
        self._app.notify(
            f"Applied to {message.scanned} stored items.",
            title=f"Watchlist changed: {names}",
            markup=False,
        )
        self._app.data_changed.publish(None)

    def _title(self, issue_id: str) -> str:
        issue = self._app.services.issue(issue_id)
        return issue.title if issue is not None else issue_id
