"""One line under the panels: what the poller is doing, or why feeds failed."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


class StatusLine(Static):
    """Shows the app's `status` (a Text, since it may quote feed titles and errors)."""

    def on_mount(self) -> None:
        self.watch(self.app, "status", self._show_status)

    def _show_status(self, status: Text) -> None:
        # One line, always (briefer.tcss): no layout pass, which would cost the whole screen.
        self.update(status, layout=False)
