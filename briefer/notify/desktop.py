"""The desktop channel: desktop-notifier (D-Bus on Linux, native on macOS and Windows).

Only the async desktop-notifier API is used (its sync class fails inside a running loop),
on the caller's loop, which must stay running for clicks to arrive. The one place that
reaches past desktop-notifier's public API is `briefer.notify.backend`.
"""

from __future__ import annotations

import asyncio
import logging
import os
import stat
import sys
import time
import webbrowser
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from briefer.notify import backend
from briefer.notify.alerts import MAX_TITLE, Alert, clean_text

if TYPE_CHECKING:
    from desktop_notifier import DesktopNotifier

log = logging.getLogger(__name__)

APP_NAME = "briefer"
PROBE_TIMEOUT = 2.0
SEND_TIMEOUT = 5.0
REPROBE_SECONDS = 600.0

OnClick = Callable[[Alert], object]


def fix_session_bus_address(env: os._Environ[str] | dict[str, str] | None = None) -> bool:
    """dbus-fast ignores $XDG_RUNTIME_DIR/bus (libdbus does not): point it there if needed."""
    env = os.environ if env is None else env
    if not sys.platform.startswith("linux") or env.get("DBUS_SESSION_BUS_ADDRESS"):
        return False
    runtime = env.get("XDG_RUNTIME_DIR")
    if not runtime:
        return False
    bus = Path(runtime) / "bus"
    try:
        if not stat.S_ISSOCK(bus.stat().st_mode):
            return False
    except OSError:
        return False
    env["DBUS_SESSION_BUS_ADDRESS"] = f"unix:path={bus}"
    return True


class DesktopNotifications:
    """The desktop channel, kept for the life of the app or daemon (clicks need it alive).

    `available()` probes the service (2 s), remembers the answer, and after a failure asks
    again at most every `reprobe_seconds`. `send()` sends only when available and returns
    whether the server took the notification. Clicking opens the alert's link (http(s)
    only), unless `on_click` is given (the TUI can open the item instead).
    """

    def __init__(
        self,
        *,
        app_name: str = APP_NAME,
        on_click: OnClick | None = None,
        reprobe_seconds: float = REPROBE_SECONDS,
        probe_timeout: float = PROBE_TIMEOUT,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.app_name = app_name
        self.on_click = on_click
        self.reprobe_seconds = reprobe_seconds
        self.probe_timeout = probe_timeout
        self.clock = clock
        self.problem: str | None = None  # why the desktop is unavailable, for the user
        self.capabilities: frozenset[str] = frozenset()
        self._notifier: DesktopNotifier | None = None
        self._ok: bool | None = None
        self._probed_at: float | None = None
        self._opening: set[asyncio.Future[Any]] = set()

    async def available(self, *, force: bool = False) -> bool:
        now = self.clock()
        recent = self._probed_at is not None and now - self._probed_at < self.reprobe_seconds
        if not force and self._ok is not None and (self._ok or recent):
            return self._ok
        self._probed_at = now
        self._ok = await self._probe()
        return self._ok

    async def _probe(self) -> bool:
        self.close()
        fix_session_bus_address()
        try:
            from desktop_notifier import DesktopNotifier

            problem = backend.backend_problem()
            if problem:
                self.problem = problem
                return False
            notifier = DesktopNotifier(app_name=self.app_name, app_icon=None)
        except Exception as exc:  # an unsupported platform, a missing optional part
            self.problem = f"desktop notifications unavailable ({exc})"
            return False
        try:
            caps = await asyncio.wait_for(notifier.get_capabilities(), self.probe_timeout)
        except Exception as exc:
            backend.close_connection(notifier)
            self.problem = describe_failure(exc)
            log.info("desktop notifications unavailable: %s", self.problem)
            return False
        self._notifier = notifier
        self.capabilities = frozenset(c.name for c in caps)
        self.problem = None
        return True

    async def send(self, alert: Alert, *, timeout: float = SEND_TIMEOUT) -> bool:
        if not await self.available():
            return False
        notifier = self._notifier
        assert notifier is not None
        from desktop_notifier import Button

        dispatched: list[bool] = []
        buttons: list[Button] = []
        on_clicked: Callable[[], None] | None = None
        if self._can_open(alert):
            if "ON_CLICKED" in self.capabilities:
                on_clicked = lambda: self._clicked(alert)  # noqa: E731
            elif "BUTTONS" in self.capabilities:  # xfce4-notifyd: no click on the body
                buttons.append(
                    Button(title="Open", on_pressed=lambda: self._clicked(alert), identifier="open")
                )
        try:
            await asyncio.wait_for(
                notifier.send(
                    clean_text(alert.title, MAX_TITLE),
                    alert.markup_body,
                    buttons=buttons,
                    on_clicked=on_clicked,
                    on_dispatched=lambda: dispatched.append(True),
                    thread=f"briefer-{alert.issue_id}",
                ),
                timeout,
            )
        except Exception as exc:
            log.warning("desktop notification failed: %s", exc)
        if not dispatched:
            # The service went away: stop sending into the void, ask again later.
            self.problem = "the notification service stopped answering"
            self._ok = False
            self._probed_at = self.clock()
            self.close()
        return bool(dispatched)

    def _can_open(self, alert: Alert) -> bool:
        return self.on_click is not None or alert.link is not None

    def _clicked(self, alert: Alert) -> None:
        try:
            if self.on_click is not None:
                self.on_click(alert)
            elif alert.link:
                future = asyncio.get_running_loop().run_in_executor(
                    None, webbrowser.open, alert.link
                )
                self._opening.add(future)
                future.add_done_callback(self._opening.discard)
        except Exception:  # a click must never take the loop down
            log.exception("could not open the notification's item")

    def close(self) -> None:
        if self._notifier is not None:
            backend.close_connection(self._notifier)
            self._notifier = None


def describe_failure(exc: BaseException) -> str:
    """Why the probe failed, in the user's words."""
    text = str(exc) or type(exc).__name__
    if isinstance(exc, TimeoutError | asyncio.TimeoutError):
        return "the notification service did not answer within 2 s"
    if "DBUS_SESSION_BUS_ADDRESS" in text or "InvalidAddress" in type(exc).__name__:
        return "no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set)"
    if "org.freedesktop.Notifications" in text:
        return "no notification server is running on the session bus"
    return text.splitlines()[0][:200]
