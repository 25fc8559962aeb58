"""Group stored items into stories when the app starts, if they need it.

Items stored before stories existed, or by a poll without a story index, have no story
yet, and a new grouping method regroups everything; `briefer rematch` does it from the
command line, the app does it on its own (resumable: quitting midway loses nothing).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual import work

from briefer import regroup
from briefer.tui.briefing import Services
from briefer.tui.messages import RegroupStarted, StoriesRegrouped

if TYPE_CHECKING:
    from briefer.tui.app import BrieferApp


def regroup_if_needed(
    services: Services, *, announce: Callable[[int], object]
) -> regroup.RegroupReport | None:
    """Regroup what needs it, in a worker thread with its own Store; `announce(count)` is
    called before the work starts. None when the stored stories are up to date."""
    with services.open_store() as store:
        count = regroup.pending(store)
        if not count:
            return None
        announce(count)
        return regroup.run(store)


class RegroupOnStart:
    """For the App: `_regroup_stories()` at start, and its two messages."""

    @property
    def _app(self) -> BrieferApp:
        return cast("BrieferApp", self)

    @work(thread=True, exclusive=True, group="regroup", exit_on_error=False)
    def _regroup_stories(self) -> None:
        app = self._app
        report = regroup_if_needed(
            app.services, announce=lambda count: app.post_message(RegroupStarted(count))
        )
        if report is not None:
            app.post_message(StoriesRegrouped(report.scanned, report.grouped))

    def on_regroup_started(self, message: RegroupStarted) -> None:
        self._app.status = Text(f"Grouping {message.count} stored items into stories…")

    def on_stories_regrouped(self, message: StoriesRegrouped) -> None:
        self._app.notify(
            f"{message.grouped} of {message.scanned} stored items grouped.",
            title="Stories up to date",
            markup=False,
        )
        self._app.data_changed.publish(None)
