"""After each poll: notify its new matches; after the daily digest: say it is ready.

The scheduler calls this on its loop's thread for every poll it runs, whoever asked for
it (the schedule, the app's poll keys, `briefer poll --once`, the daemon), so matches found
by any of them reach the desktop the same way.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from briefer.clock import utcnow
from briefer.config import Config
from briefer.models import PollReport
from briefer.notify import (
    DesktopNotifications,
    Fallback,
    IssueLike,
    NotifyResult,
    OnClick,
    deliver,
    digest_alert,
    in_quiet_hours,
    notify_new_matches,
)

if TYPE_CHECKING:
    from briefer.store import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class NotifyOptions:
    """How a process wants its notifications: where they go without a desktop service
    (`fallback`), what a click does (`on_click`) and who hears the result (`on_result`)."""

    fallback: Fallback | None = None
    on_click: OnClick | None = None
    on_result: Callable[[NotifyResult], object] | None = None


class NotifyStep:
    """Lives on the loop's thread, with its own Store (the notified-items ledger) and one
    long-lived desktop channel (clicks need it alive)."""

    def __init__(
        self,
        config: Config,
        issues: Sequence[IssueLike],
        *,
        desktop: DesktopNotifications | None = None,
        fallback: Fallback | None = None,
        on_result: Callable[[NotifyResult], object] | None = None,
    ) -> None:
        self.config = config
        self.issues = list(issues)
        self.desktop = desktop or DesktopNotifications()
        self.fallback = fallback
        self.on_result = on_result
        self._store: Store | None = None

    @classmethod
    def with_options(
        cls, config: Config, issues: Sequence[IssueLike], options: NotifyOptions
    ) -> NotifyStep:
        return cls(
            config,
            issues,
            desktop=DesktopNotifications(on_click=options.on_click),
            fallback=options.fallback,
            on_result=options.on_result,
        )

    async def __call__(self, report: PollReport) -> NotifyResult:
        # Even with nothing new: the first poll after quiet hours sums up what they held.
        if self._store is None:
            from briefer.store import Store

            self._store = Store(self.config.paths.db)
        result = await notify_new_matches(
            self.config,
            self._store,
            self.issues,
            report.new_matches,
            desktop=self.desktop,
            fallback=self.fallback,
        )
        if result.alerts:
            log.info("notify: %s", result.summary())
        if self.on_result is not None and (report.new_matches or result.alerts):
            self.on_result(result)
        return result

    async def announce_digest(self, paths: Sequence[Path], *, now: datetime | None = None) -> None:
        """Say "Digest ready" (not in quiet hours, nor with notifications off)."""
        settings = self.config.notify
        if not paths or not settings.enabled:
            return
        if in_quiet_hours(settings.quiet_hours, now or utcnow()):
            return
        await deliver(digest_alert(paths), self.desktop, self.fallback)

    def close(self) -> None:
        self.desktop.close()
        if self._store is not None:
            self._store.close()
            self._store = None
