"""`briefer daemon`: poll on a schedule without the app, notify, write the daily digest.

Meant for systemd, launchd or a terminal multiplexer; see docs/daemon.md for unit files.
"""

from __future__ import annotations

import asyncio
import logging
import os

import click

from briefer.cli.context import AppContext


@click.command()
@click.option("--no-notify", is_flag=True, help="Do not send desktop notifications.")
@click.option("-v", "--verbose", is_flag=True, help="Log every tick, not just what happened.")
@click.pass_obj
def daemon(ctx: AppContext, no_notify: bool, verbose: bool) -> None:
    """Poll feeds on their schedules until stopped (SIGTERM or Ctrl+C).

    Logs go to stderr and to logs/daemon.log in the data folder. While the daemon runs,
    the app leaves polling to it.
    """
    from briefer.daemon import run_daemon, setup_logging

    config = ctx.config
    issues = ctx.issues  # a broken watchlist must fail now, not at the first tick
    matcher = ctx.matcher
    if not config.feeds:
        raise click.ClickException(
            f"no feeds configured; add one with `briefer feeds add URL` ({config.sources[-1]})"
        )
    log_file = setup_logging(
        config.paths.logs_dir, level=logging.DEBUG if verbose else logging.INFO
    )
    logging.getLogger("briefer.daemon").info("logging to %s", log_file)
    clean = asyncio.run(run_daemon(config, issues, matcher, notify=not no_notify))
    if not clean:
        # A poll thread stuck in a blocking call would keep the interpreter from exiting.
        # Everything stored is committed (one transaction per feed); leave now.
        logging.shutdown()
        os._exit(0)
