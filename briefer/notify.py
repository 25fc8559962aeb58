"""Desktop notifications for new matches: coalesced per issue, never twice for an item.

The flow, after each poll: new matches -> drop the ones below the issue's minimum score and
the items already notified (persisted in the store, so restarts never repeat) -> one
`Alert` per issue ("5 new on Tariffs", headlines and sources in the body) -> deliver.

Delivery, in order of preference:
1. the desktop, through desktop-notifier (D-Bus on Linux, native on macOS and Windows),
   probed once and re-probed at most every 10 minutes, because a failed send leaks a
   D-Bus connection and reports nothing;
2. a `fallback` the caller passes: the TUI writes the terminal's notification escape
   (`terminal_escape()`: OSC 9 / OSC 777 / OSC 99, wrapped for tmux, plus the bell) and
   shows a toast; the daemon just logs.
An item counts as notified only once one of them delivered it.

Only the async desktop-notifier API is used (its sync class fails inside a running loop),
on the caller's loop, which must stay running for clicks to arrive. No Textual, no click.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import os
import platform
import stat
import sys
import time
import webbrowser
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from datetime import time as clock_time
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from briefer import sanitize
from briefer.config import Config, NotifySettings
from briefer.models import NewMatch

if TYPE_CHECKING:
    from desktop_notifier import DesktopNotifier

log = logging.getLogger(__name__)

APP_NAME = "briefer"
MAX_LINES = 3
MAX_HEADLINE = 140
MAX_TITLE = 120
PROBE_TIMEOUT = 2.0
SEND_TIMEOUT = 5.0
REPROBE_SECONDS = 600.0


class IssueLike(Protocol):
    """What notify needs from a watchlist issue (briefer.watchlist.Issue fits)."""

    @property
    def id(self) -> str: ...

    @property
    def title(self) -> str: ...


class NotifiedLedger(Protocol):
    """The store's bookkeeping of which items were notified (briefer.store.Store fits)."""

    def unnotified(self, item_ids: Sequence[int]) -> set[int]: ...

    def mark_notified(self, item_ids: Sequence[int], *, now: datetime | None = None) -> None: ...


class Channel(StrEnum):
    """How a notification reaches the user."""

    DESKTOP = "desktop"  # the platform's notification service
    TERMINAL = "terminal"  # the terminal's notification escape (and the bell), in the TUI
    LOG = "log"  # nowhere visible: the daemon's log only


class TerminalProtocol(StrEnum):
    OSC9 = "osc9"  # iTerm2, Ghostty, WezTerm, kitty
    OSC777 = "osc777"  # WezTerm, foot, urxvt, VTE with Fedora's patch, new Windows Terminal
    OSC99 = "osc99"  # kitty's own protocol
    BELL = "bell"  # everything else: only the bell is safe


# -- building alerts (pure) -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Alert:
    """One notification: one issue, one or more new items."""

    issue_id: str
    title: str  # plain text, e.g. "5 new on Tariffs"
    lines: tuple[str, ...]  # plain text: "headline — source", then "+N more"
    item_ids: tuple[int, ...]
    links: tuple[str | None, ...]  # per item, same order as item_ids
    score: float  # the best score among the items

    @property
    def count(self) -> int:
        return len(self.item_ids)

    @property
    def body(self) -> str:
        """Plain text, for terminals, toasts and logs."""
        return "\n".join(self.lines)

    @property
    def markup_body(self) -> str:
        """For notification servers, which render a subset of HTML in the body."""
        return escape_markup(self.body)

    @property
    def link(self) -> str | None:
        """The link a click opens: the best item's, if it is http(s)."""
        for link in self.links:
            if link and sanitize.safe_link(link) is not None:
                return link
        return None


def clean_text(text: str, limit: int) -> str:
    """One line of plain text, capped: stored text is clean already; this one is going out."""
    return sanitize.clean_text(text, limit, html=False)


def escape_markup(text: str) -> str:
    return html.escape(text, quote=False)


def build_alerts(
    matches: Sequence[NewMatch],
    issue_titles: Mapping[str, str],
    *,
    max_lines: int = MAX_LINES,
) -> list[Alert]:
    """Coalesce matches into one alert per issue, best issue first.

    An item matching several issues appears once, under its best-scoring issue, so no item
    is announced twice even within one cycle.
    """
    best: dict[int, NewMatch] = {}
    for m in matches:
        seen = best.get(m.item_id)
        if seen is None or m.score > seen.score:
            best[m.item_id] = m
    by_issue: dict[str, list[NewMatch]] = {}
    for m in best.values():
        by_issue.setdefault(m.issue_id, []).append(m)
    alerts = []
    for issue_id, group in by_issue.items():
        group.sort(key=lambda m: (-m.score, -m.published.timestamp(), m.item_id))
        name = clean_text(issue_titles.get(issue_id) or issue_id, MAX_TITLE)
        title = f"New on {name}" if len(group) == 1 else f"{len(group)} new on {name}"
        lines = []
        for m in group[:max_lines]:
            headline = clean_text(m.title, MAX_HEADLINE) or "(untitled)"
            source = clean_text(m.feed_title, 60)
            lines.append(f"{headline} — {source}" if source else headline)
        if len(group) > max_lines:
            lines.append(f"+{len(group) - max_lines} more")
        alerts.append(
            Alert(
                issue_id=issue_id,
                title=title,
                lines=tuple(lines),
                item_ids=tuple(m.item_id for m in group),
                links=tuple(m.link for m in group),
                score=group[0].score,
            )
        )
    alerts.sort(key=lambda a: (-a.score, a.issue_id))
    return alerts


def in_quiet_hours(quiet: tuple[clock_time, clock_time] | None, now: datetime) -> bool:
    """Whether `now` (converted to local time) falls in the quiet window; it may wrap midnight."""
    if quiet is None:
        return False
    start, end = quiet
    if start == end:
        return False
    local = now.astimezone().time().replace(tzinfo=None)
    if start < end:
        return start <= local < end
    return local >= start or local < end


def eligible(matches: Sequence[NewMatch], settings: NotifySettings) -> tuple[list[NewMatch], int]:
    """The matches scoring at least their issue's minimum, and how many fell short."""
    keep = [m for m in matches if m.score >= settings.min_score_for(m.issue_id)]
    return keep, len(matches) - len(keep)


# -- terminal fallback (pure) -------------------------------------------------------------------


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

    The TUI writes it through its driver (never to /dev/tty directly). Inside tmux the
    sequence is wrapped in DCS passthrough (tmux needs `set -g allow-passthrough on`).
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

    In the TUI: `write` wraps the app driver's write (never /dev/tty: it would interleave
    with Textual's output), `toast(title, body)` wraps `App.notify`.
    """

    def deliver(alert: Alert) -> bool:
        write(terminal_escape(alert.title, alert.body, env=env, bell=bell))
        if toast is not None:
            toast(alert.title, alert.body)
        return True

    return deliver


# -- desktop delivery -----------------------------------------------------------------------------


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


def _close_backend(notifier: Any) -> None:
    """Drop the D-Bus connection a failed probe or send left open (desktop-notifier leaks it)."""
    bus = getattr(getattr(notifier, "_backend", None), "bus", None)
    if bus is not None:
        with contextlib.suppress(Exception):
            bus.disconnect()


OnClick = Callable[[Alert], object]


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
            from desktop_notifier.main import get_backend_class

            backend = get_backend_class()
            if backend.__name__ == "DummyNotificationCenter":
                self.problem = (
                    "macOS notifications need Python inside an app bundle (python.org's build)"
                )
                return False
            notifier = DesktopNotifier(app_name=self.app_name, app_icon=None)
        except Exception as exc:  # an unsupported platform, a missing optional part
            self.problem = f"desktop notifications unavailable ({exc})"
            return False
        try:
            caps = await asyncio.wait_for(notifier.get_capabilities(), self.probe_timeout)
        except Exception as exc:
            _close_backend(notifier)
            self.problem = _describe_failure(exc)
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
            _close_backend(self._notifier)
            self._notifier = None


def _describe_failure(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    if isinstance(exc, TimeoutError | asyncio.TimeoutError):
        return "the notification service did not answer within 2 s"
    if "DBUS_SESSION_BUS_ADDRESS" in text or "InvalidAddress" in type(exc).__name__:
        return "no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set)"
    if "org.freedesktop.Notifications" in text:
        return "no notification server is running on the session bus"
    return text.splitlines()[0][:200]


# -- the step after a poll ----------------------------------------------------------------------

Fallback = Callable[[Alert], bool | Awaitable[bool]]


@dataclass(slots=True)
class NotifyResult:
    alerts: list[Alert] = field(default_factory=list)  # what there was to say this cycle
    delivered: list[Alert] = field(default_factory=list)  # what reached the user
    channel: Channel | None = None  # how the last delivered alert got there
    quiet: bool = False  # quiet hours held everything back
    disabled: bool = False  # [notify] enabled = false
    below_threshold: int = 0  # matches under their issue's min_score
    already_notified: int = 0  # items notified before (another issue, another cycle, a restart)
    problem: str | None = None  # why the desktop was unavailable, if it was

    @property
    def undelivered(self) -> list[Alert]:
        return [a for a in self.alerts if a not in self.delivered]

    def summary(self) -> str:
        if self.disabled:
            return "notifications are off ([notify] enabled = false)"
        if not self.alerts:
            return "nothing to notify"
        if self.quiet:
            return f"{len(self.alerts)} notifications held back: quiet hours"
        text = f"{len(self.delivered)} of {len(self.alerts)} notifications sent"
        if self.channel:
            text += f" ({self.channel})"
        if self.problem and len(self.delivered) < len(self.alerts):
            text += f"; desktop unavailable: {self.problem}"
        return text


async def notify_new_matches(
    config: Config,
    store: NotifiedLedger,
    issues: Sequence[IssueLike],
    new: Sequence[NewMatch],
    *,
    now: datetime | None = None,
    desktop: DesktopNotifications | None = None,
    fallback: Fallback | None = None,
) -> NotifyResult:
    """Notify the user of a poll's new matches; returns what was said and how.

    Pass a long-lived `desktop` from an app or daemon (clicks need it alive); without one, a
    throwaway is used (fine for `briefer poll --once`). `fallback` is tried for each alert
    the desktop did not take; return True when it reached the user (the TUI's terminal
    escape and toast), False when it did not (a log line).
    """
    settings = config.notify
    now = now or datetime.now(UTC)
    result = NotifyResult()
    if not new:
        return result
    if not settings.enabled:
        result.disabled = True
        return result
    keep, result.below_threshold = eligible(new, settings)
    fresh = store.unnotified(sorted({m.item_id for m in keep}))
    result.already_notified = len({m.item_id for m in keep} - fresh)
    keep = [m for m in keep if m.item_id in fresh]
    titles = {issue.id: issue.title for issue in issues}
    result.alerts = build_alerts(keep, titles)
    if not result.alerts:
        return result
    if in_quiet_hours(settings.quiet_hours, now):
        result.quiet = True
        log.info("quiet hours: %d notifications held back", len(result.alerts))
        return result

    own = desktop is None
    channel = desktop or DesktopNotifications()
    try:
        for alert in result.alerts:
            via = await deliver(alert, channel, fallback)
            if via is None:
                continue
            result.delivered.append(alert)
            result.channel = via
            store.mark_notified([i for i in alert.item_ids], now=now)
        result.problem = channel.problem
    finally:
        if own:
            channel.close()
    return result


async def deliver(
    alert: Alert, desktop: DesktopNotifications, fallback: Fallback | None
) -> Channel | None:
    """The desktop first, then `fallback`; None (and a log line) when neither reached anyone."""
    if await desktop.send(alert):
        return Channel.DESKTOP
    if fallback is not None:
        try:
            outcome = fallback(alert)
            if not isinstance(outcome, bool):
                outcome = await outcome
        except Exception:
            log.exception("notification fallback failed")
            outcome = False
        if outcome:
            return Channel.TERMINAL
    log.info("not delivered: %s: %s", alert.title, alert.body.replace("\n", " | "))
    return None


def digest_alert(paths: Sequence[Path]) -> Alert:
    """ "Digest ready", naming the files the scheduled digest wrote."""
    return Alert(
        issue_id="digest",
        title="Digest ready",
        lines=tuple(str(p) for p in paths),
        item_ids=(),
        links=(),
        score=0.0,
    )


async def probe_channel(*, env: Mapping[str, str] | None = None) -> str:
    """One sentence for `briefer doctor`: which notification channel works here, and why.

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
