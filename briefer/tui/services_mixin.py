"""What every screen reaches through the app: services, the UI thread's store, opening links."""

from __future__ import annotations

import webbrowser
from typing import TYPE_CHECKING, cast

from textual.worker import Worker

from briefer.sanitize import safe_link
from briefer.store import ItemRow, Store
from briefer.tui.briefing import Services
from briefer.tui.pending import Change

if TYPE_CHECKING:
    from briefer.tui.app import BrieferApp


class ServicesMixin:
    """For Screens: `self.services`, `self.store`, `self.open_item_link(item)`."""

    @property
    def briefer(self) -> BrieferApp:
        return cast("BrieferApp", self.app)  # type: ignore[attr-defined]

    @property
    def services(self) -> Services:
        return self.briefer.services

    @property
    def store(self) -> Store:
        # The UI thread's own connection: only single-row reads go here. Writes may wait
        # on another program's lock, so they go through `self.briefer.save`.
        return self.briefer.store

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # Worker events do not bubble: hand the screen's ones to the app's single handler.
        self.briefer.on_worker_state_changed(event)

    def open_link(self, link: str | None) -> bool:
        """Open a web link in the browser; say so when there is none. True if opened."""
        safe = safe_link(link)
        if safe is not None and not self._browser_found():
            # Textual's open_url fails silently: say so, and show the link to copy.
            self.briefer.notify(
                safe, title="No web browser could be opened", severity="warning",
                markup=False, timeout=20,
            )  # fmt: skip
            return False
        if safe is not None:
            self.briefer.open_url(safe)
            return True
        self.briefer.notify("This item has no web link.", severity="warning", timeout=3)
        return False

    def _browser_found(self) -> bool:
        """A browser of the web driver's user, or one `webbrowser` can start here (none on
        a server over ssh, say: no display and no text browser)."""
        driver = self.briefer._driver
        if driver is not None and driver.is_web:
            return True
        try:
            webbrowser.get()
        except webbrowser.Error:
            return False
        return True

    def open_item_link(self, item: ItemRow) -> None:
        if self.open_link(item.link) and not item.read:
            self.briefer.save(Change("read", item.id, value=True))
