"""The terminal's own notification escape (OSC 9 / OSC 777 / OSC 99, or just the bell) (pure).

The TUI's fallback when the desktop cannot be reached: the escape is written through the
app's driver, never to /dev/tty, so it does not interleave with Textual's output.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from enum import StrEnum

from briefer.notify.alerts import Alert, clean_text


class TerminalProtocol(StrEnum):
    OSC9 = "osc9"  # iTerm2, Ghostty, WezTerm, kitty
    OSC777 = "osc777"  # WezTerm, foot, urxvt, VTE with Fedora's patch, new Windows Terminal
    OSC99 = "osc99"  # kitty's own protocol
    BELL = "bell"  # everything else: only the bell is safe


def terminal_protocol(env: Mapping[str, str] | None = None) -> TerminalProtocol:
    """Pick the notification escape this terminal understands, from its environment."""
    env = os.environ if env is None else env
    program = env.get("TERM_PROGRAM", "")
    term = env.get("TERM", "")
    if program in ("iTerm.app", "ghostty"):
        return TerminalProtocol.OSC9
    if program == "WezTerm":
        return TerminalProtocol.OSC777
    if env.get("KITTY_WINDOW_ID") or term == "xterm-kitty":
        return TerminalProtocol.OSC99
    if term.startswith("foot"):
        return TerminalProtocol.OSC777
    if env.get("WT_SESSION"):
        return TerminalProtocol.BELL  # OSC 9 means something else there; 777 only in new builds
    if env.get("VTE_VERSION"):
        return TerminalProtocol.OSC777  # ignored silently where unsupported
    return TerminalProtocol.BELL


def terminal_escape(
    title: str,
    body: str,
    *,
    env: Mapping[str, str] | None = None,
    protocol: TerminalProtocol | None = None,
    bell: bool = True,
) -> str:
    """The bytes (as str) to write to the terminal for one notification.

    Inside tmux the sequence is wrapped in DCS passthrough (tmux needs
    `set -g allow-passthrough on`).
    """
    env = os.environ if env is None else env
    protocol = protocol or terminal_protocol(env)
    title = clean_text(title, 256)
    body = clean_text(body.replace("\n", " · "), 1024)
    if protocol is TerminalProtocol.OSC9:
        seq = f"\x1b]9;{title}: {body}\x07"
    elif protocol is TerminalProtocol.OSC777:
        seq = f"\x1b]777;notify;{title.replace(';', ',')};{body.replace(';', ',')}\x07"
    elif protocol is TerminalProtocol.OSC99:
        seq = f"\x1b]99;i=briefer:d=0;{title}\x1b\\\x1b]99;i=briefer:d=1:p=body;{body}\x1b\\"
    else:
        seq = ""
    if seq and env.get("TMUX"):
        seq = "\x1bPtmux;" + seq.replace("\x1b", "\x1b\x1b") + "\x1b\\"
    return seq + ("\a" if bell else "")


def terminal_fallback(
    write: Callable[[str], object],
    *,
    toast: Callable[[str, str], object] | None = None,
    env: Mapping[str, str] | None = None,
    bell: bool = True,
) -> Callable[[Alert], bool]:
    """A `fallback` for notify_new_matches: the terminal's escape, then a toast.

    In the TUI: `write` wraps the app driver's write, `toast(title, body)` wraps `App.notify`.
    """

    def deliver(alert: Alert) -> bool:
        write(terminal_escape(alert.title, alert.body, env=env, bell=bell))
        if toast is not None:
            toast(alert.title, alert.body)
        return True

    return deliver
