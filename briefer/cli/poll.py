"""`briefer poll --once [--all]`: one poll cycle, a line per feed and a totals line.

It polls through `briefer.scheduler.BrieferScheduler`, like the app and the daemon: it
takes the poller lock (while the daemon or the app polls, it says so and polls nothing),
records the watchlist versions, and notifies new matches (so cron users hear about them).

Exit status: 0 if any feed succeeded (or another briefer is polling), 1 if every feed
failed, 2 for a bad config.
"""

from __future__ import annotations

import asyncio
import gc
from concurrent.futures import Executor
from typing import TYPE_CHECKING

import click

from briefer.cli.context import AppContext
from briefer.cli.output import outcome_line
from briefer.clock import utcnow
from briefer.models import FeedOutcome, PollReport
from briefer.offline import offline_hint
from briefer.rematch import stale_notice
from briefer.timing import due_feeds

if TYPE_CHECKING:
    from briefer.notify import NotifyResult


@click.command()
@click.option("--once", is_flag=True, help="Poll once and exit.")
@click.option("--all", "every", is_flag=True, help="Poll every feed, due or not.")
@click.option("--no-notify", is_flag=True, help="Do not send desktop notifications.")
@click.pass_obj
def poll(ctx: AppContext, once: bool, every: bool, no_notify: bool) -> None:
    """Fetch due feeds, match new items against the watchlists and store them."""
    if not once:
        raise click.UsageError(
            "use `briefer poll --once`; to keep polling on a schedule run `briefer daemon`"
        )
    config = ctx.config
    ctx.matcher  # noqa: B018 - load watchlists first: a bad one must fail before any fetching
    if not config.feeds:
        raise click.ClickException(
            f"no feeds configured; add one with `briefer feeds add URL` ({config.sources[-1]})"
        )
    notify = config.notify.enabled and not no_notify
    # What this process has loaded (modules, the matcher) lives as long as it does: the
    # collector need not walk it again and again while a poll allocates its items, and
    # forked workers then share those pages instead of copying them. Fewer, larger
    # collections: a first poll of 10,000 items spent 0.2 s in the collector, 0.05 s so.
    gc.freeze()
    gc.set_threshold(20_000, 10, 10)
    with ctx.open_store() as store:
        notice = stale_notice(store, ctx.issues)
        first_run = store.count_items() == 0
        due = len(due_feeds(config, store.feeds(), utcnow(), every=every))
    # The workers fork before this process imports the fetcher, so that they import the
    # parsers on other cores while it gets ready to send the first requests.
    executor = _parse_workers(ctx, due)
    if notice:
        click.echo(notice)
    report, busy = asyncio.run(_poll_once(ctx, every=every, notify=notify, executor=executor))
    if report is None:
        click.echo(f"{busy}: nothing polled here; its new matches are stored as usual.")
        return
    click.echo(totals_line(report))
    hint = offline_hint(report, first_run=first_run)
    if hint:
        click.echo(hint)
    if report.outcomes and report.succeeded == 0:
        raise SystemExit(1)


def _parse_workers(ctx: AppContext, due: int) -> Executor:
    """Worker processes for a poll of many feeds (`due` of them), forked now: this process
    runs no other thread yet, and a fork starts in milliseconds with the matcher already
    built. Else the lazy pool, whose processes start (from a forkserver) only if a poll
    uses them."""
    from briefer.parse_worker import forked_parse_pool, parse_pool
    from briefer.workers import can_fork_pool, pool_wanted

    if can_fork_pool() and pool_wanted(due, forked=True):
        return forked_parse_pool(ctx.matcher)
    return parse_pool(ctx.issues)


async def _poll_once(
    ctx: AppContext, *, every: bool, notify: bool, executor: Executor
) -> tuple[PollReport | None, str]:
    """(the report, "") or, when another process holds the lock, (None, who polls)."""
    from briefer.notify_step import NotifyOptions
    from briefer.scheduler import (
        SchedulerHooks,
        ScheduleSettings,
        TickOutcome,
        create_scheduler,
        holder_name,
    )

    errors: list[BaseException] = []

    def show(outcome: FeedOutcome) -> None:
        click.echo(outcome_line(outcome))

    def said(result: NotifyResult) -> None:
        # The notify step runs after every poll (quiet hours may have ended): only say
        # something when there was something to say.
        if result.alerts or result.disabled:
            click.echo(f"Notify: {result.summary()}.")

    scheduler = create_scheduler(
        ctx.config,
        ctx.issues,
        ctx.matcher,
        role="poll",
        executor=executor,
        hooks=SchedulerHooks(on_error=errors.append),
        settings=ScheduleSettings(tick_seconds=None),
        notify=NotifyOptions(on_result=said) if notify else None,
        digest=False,
        on_outcome=show,
    )
    try:
        outcome = await scheduler.poll_now(every=every)
    finally:
        await scheduler.aclose()
        executor.shutdown(cancel_futures=True)
    if errors and outcome is not TickOutcome.POLLED:
        raise errors[0]  # the command's own error handling words it (or shows the trace)
    if outcome is TickOutcome.OTHER_POLLER:
        state = scheduler.state
        pid = f" (pid {state.holder_pid})" if state.holder_pid else ""
        return None, f"{holder_name(state.holder).capitalize()}{pid} is polling these feeds"
    if scheduler.last_report is None:
        raise click.ClickException(f"the poll did not finish ({outcome})")
    return scheduler.last_report, ""


def totals_line(report: PollReport) -> str:
    polled = len(report.outcomes)
    if not polled:
        return "Nothing due: every feed was checked recently (use --all to poll anyway)."
    failed = polled - report.succeeded
    return (
        f"{polled} feeds polled, {failed} failed: {report.new_items} new items, "
        f"{len(report.new_matches)} new matches."
    )
