"""`briefer doctor` and `briefer notify`: which notification channel works here, in a sentence."""

from __future__ import annotations

import os
import platform
from collections.abc import Mapping

from briefer.notify.desktop import DesktopNotifications
from briefer.notify.terminal import TerminalProtocol, terminal_protocol


async def probe_channel(*, env: Mapping[str, str] | None = None) -> str:
    """One sentence: which channel works, and why the desktop does not when it does not.

    Starts in lower case, to follow a label ("notify  desktop notifications work (D-Bus).").
    """
    desktop = DesktopNotifications()
    try:
        ok = await desktop.available()
    finally:
        desktop.close()
    system = platform.system()
    if ok:
        where = {"Linux": "D-Bus", "Darwin": "macOS", "Windows": "Windows"}.get(system, system)
        return f"desktop notifications work ({where})."
    protocol = terminal_protocol(env)
    if protocol is TerminalProtocol.BELL:
        fallback = "the app will ring the bell and show its own toast"
    else:
        fallback = f"the app will use the terminal's {protocol.value.upper()} notification"
        if (os.environ if env is None else env).get("TMUX"):
            fallback += " (inside tmux: `set -g allow-passthrough on`)"
    return (
        f"desktop notifications unavailable ({desktop.problem}); {fallback}; "
        "`briefer daemon` will only log matches."
    )
