"""The step after each poll: which new matches to announce, when, and through which channel.

New matches -> drop the ones below the issue's minimum score and the items already
notified (persisted in the store, so restarts never repeat) -> one `Alert` per issue ->
the desktop, else the caller's `fallback` (the TUI's terminal escape and toast; the daemon
just logs). An item counts as notified only once one of them delivered it. In quiet hours
nothing is sent.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from datetime import time as clock_time
from enum import StrEnum
from typing import Protocol

from briefer.config import Config, NotifySettings
from briefer.models import NewMatch
from briefer.notify.alerts import Alert, build_alerts
from briefer.notify.desktop import DesktopNotifications

log = logging.getLogger(__name__)


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


Fallback = Callable[[Alert], bool | Awaitable[bool]]


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
            store.mark_notified(list(alert.item_ids), now=now)
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
