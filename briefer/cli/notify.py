"""`briefer notify --test`: send one notification through the channel that works here."""

from __future__ import annotations

import asyncio
import sys

import click

from briefer.cli.context import AppContext


@click.command()
@click.option("--test", "send_test", is_flag=True, help="Send a test notification.")
@click.pass_obj
def notify(ctx: AppContext, send_test: bool) -> None:
    """Check desktop notifications: which channel works, and (with --test) send one."""
    from briefer.notify import probe_channel

    if not send_test:
        click.echo(f"Notifications: {asyncio.run(probe_channel())}")
        return
    ok, line = asyncio.run(_send_test())
    click.echo(line)
    if not ok:
        raise SystemExit(1)


async def _send_test() -> tuple[bool, str]:
    from briefer.notify import Alert, DesktopNotifications, terminal_escape

    alert = Alert(
        issue_id="test",
        title="briefer: test notification",
        lines=("If you can read this, briefer can reach you.",),
        item_ids=(),
        links=(),
        score=100.0,
    )
    desktop = DesktopNotifications()
    try:
        if await desktop.send(alert):
            return True, "Sent a desktop notification."
    finally:
        desktop.close()
    problem = desktop.problem or "unknown reason"
    if sys.stdout.isatty():
        sys.stdout.write(terminal_escape(alert.title, alert.body))
        sys.stdout.flush()
        return True, (
            f"Desktop notifications unavailable ({problem}); "
            "sent the terminal's notification instead (and rang the bell)."
        )
    return False, f"Desktop notifications unavailable: {problem}."
