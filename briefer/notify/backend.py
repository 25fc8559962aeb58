"""The two things briefer needs from desktop-notifier that its public API does not offer.

Kept here, and only here, so a desktop-notifier upgrade breaks one small module whose
tests (tests/test_notify_backend.py, on a real D-Bus session bus) say so at once:

- `backend_problem()`: on macOS outside an app bundle desktop-notifier silently picks a
  dummy backend that drops every notification; say why instead of pretending to work.
- `close_connection(notifier)`: the D-Bus backend opens a bus connection on first use and
  never closes it, not even when the notification server is missing (desktop-notifier
  6.2 has no close()). A daemon re-probing every 10 minutes would leak one connection each
  time, so briefer drops it itself.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from desktop_notifier import DesktopNotifier


def backend_problem() -> str | None:
    """Why this platform's backend cannot show anything, or None when it can."""
    from desktop_notifier.main import get_backend_class

    if get_backend_class().__name__ == "DummyNotificationCenter":
        return "macOS notifications need Python inside an app bundle (python.org's build)"
    return None


def close_connection(notifier: DesktopNotifier) -> None:
    """Disconnect the D-Bus connection the notifier's backend opened, if it opened one."""
    backend = getattr(notifier, "_backend", None)
    bus = getattr(backend, "bus", None)
    if bus is not None:
        with contextlib.suppress(Exception):
            bus.disconnect()
