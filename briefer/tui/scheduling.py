"""Builds the background schedule the app runs on its own loop (no Textual here).

Normal use: `briefer.scheduler.create_scheduler` polls due feeds every minute under the
poller lock, notifies and writes the daily digest. The demo asks for every feed on a short
interval instead, so its live updates show within seconds.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor
from typing import TYPE_CHECKING

from briefer.models import PollReport
from briefer.tui.briefing import Services

if TYPE_CHECKING:
    from briefer.notify import Alert
    from briefer.scheduler import BrieferScheduler, PollerState


def build_scheduler(
    services: Services,
    *,
    on_report: Callable[[PollReport], object],
    on_status: Callable[[PollerState], object],
    on_error: Callable[[BaseException], object],
    parse_executor: Executor | None = None,
    notify_fallback: Callable[[Alert], bool] | None = None,
    every_seconds: float | None = None,
) -> BrieferScheduler:
    from briefer.scheduler import PollRunner, create_scheduler

    matcher = services.matcher_factory() if services.matcher_factory else None
    scheduler = create_scheduler(
        services.config,
        services.issues,
        matcher,  # type: ignore[arg-type]
        issue_versions=services.issue_versions,
        parse_executor=parse_executor,
        notify=services.config.notify.enabled,
        notify_fallback=notify_fallback,
        on_report=on_report,
        on_status=on_status,
        on_error=on_error,
        other_poller="another briefer",
    )
    if every_seconds is not None:
        scheduler.tick_seconds = every_seconds
        if isinstance(scheduler.poll, PollRunner):
            scheduler.poll.every = True
    return scheduler
