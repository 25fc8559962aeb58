"""`briefer daemon`: the scheduler without a UI, for systemd, cron or launchd.

It polls due feeds every minute (per-feed intervals, server hints and backoff live in each
feed's stored next check), notifies new matches on the desktop, writes the daily digest at
the configured time, and logs to stderr and to a rotating file in the data folder
(`logs/daemon.log`). It polls through `briefer.scheduler.BrieferScheduler`, the same path
as the app and `poll --once`, so it takes the poller lock: while it runs, the app leaves
polling to it and shows "polling by the daemon (pid N)"; if the app had the lock first, the
daemon waits and takes over when the app closes.

SIGTERM or SIGINT stops it: scheduling stops, the poll in flight is cancelled at its next
await (feeds are stored in transactions of one or a few, so a feed is either stored whole
or not at all) and given a few seconds to wind down; the lock is released.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import logging.handlers
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from briefer.config import Config
from briefer.notify_step import NotifyOptions
from briefer.scheduler import PollerState, SchedulerHooks, create_scheduler

if TYPE_CHECKING:
    from briefer.match import Matcher
    from briefer.watchlist import Issue

log = logging.getLogger("briefer.daemon")

LOG_FILE = "daemon.log"
LOG_BYTES = 1_000_000
LOG_BACKUPS = 5
STOP_GRACE = 3.0  # seconds the poll in flight gets to wind down after SIGTERM
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def setup_logging(
    logs_dir: Path, *, level: int = logging.INFO, stream: TextIO | None = None
) -> Path:
    """Log to stderr and to a rotating file in `logs_dir`; returns the file's path."""
    logs_dir.mkdir(parents=True, exist_ok=True)
    path = logs_dir / LOG_FILE
    formatter = logging.Formatter(LOG_FORMAT)
    to_file = logging.handlers.RotatingFileHandler(
        path, maxBytes=LOG_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8"
    )
    to_stderr = logging.StreamHandler(stream or sys.stderr)
    root = logging.getLogger()
    for handler in (to_file, to_stderr):
        handler.setFormatter(formatter)
        root.addHandler(handler)
    root.setLevel(level)
    # Third-party chatter: APScheduler logs every run at INFO; desktop-notifier logs a full
    # traceback at WARNING for each failed send (we probe first, so those are rare).
    logging.getLogger("apscheduler").setLevel(max(level, logging.WARNING))
    logging.getLogger("desktop_notifier").setLevel(max(level, logging.ERROR))
    logging.getLogger("aiohttp").setLevel(max(level, logging.WARNING))
    return path


async def run_daemon(
    config: Config,
    issues: Sequence[Issue],
    matcher: Matcher,
    *,
    stop: asyncio.Event | None = None,
    notify: bool = True,
    handle_signals: bool = True,
) -> bool:
    """Run until `stop` is set (or SIGTERM/SIGINT); True if the last poll ended cleanly."""
    from briefer.parse_worker import parse_pool

    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    if handle_signals:
        for sig in (signal.SIGTERM, signal.SIGINT):
            # Windows has no add_signal_handler: Ctrl+C raises KeyboardInterrupt instead.
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, _stop_on_signal, stop, sig)

    enabled = sum(feed.enabled for feed in config.feeds)
    log.info(
        "briefer daemon started (pid %d): %d feeds, database %s",
        os.getpid(),
        enabled,
        config.paths.db,
    )
    if config.digest.time is not None:
        log.info("daily digest at %s local time", config.digest.time.strftime("%H:%M"))

    def status(state: PollerState) -> None:
        if not state.polling_here:
            log.info("waiting: %s; will take over when it exits", state.message)

    pool = parse_pool(issues)
    scheduler = create_scheduler(
        config,
        issues,
        matcher,
        role="daemon",
        executor=pool,
        hooks=SchedulerHooks(on_status=status),
        notify=NotifyOptions() if notify else None,
    )
    clean = True
    try:
        scheduler.start()
        await stop.wait()
        log.info("stopping")
    finally:
        clean = await scheduler.aclose(timeout=STOP_GRACE)
        pool.shutdown(wait=False, cancel_futures=True)
        if handle_signals:
            for sig in (signal.SIGTERM, signal.SIGINT):
                with contextlib.suppress(NotImplementedError, RuntimeError):
                    loop.remove_signal_handler(sig)
    log.info("briefer daemon stopped")
    return clean


def _stop_on_signal(stop: asyncio.Event, sig: signal.Signals) -> None:
    log.info("received %s", sig.name)
    stop.set()
