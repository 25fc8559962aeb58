"""`briefer poll --once [--all]`: one poll cycle, a line per feed and a totals line.

Exit status: 0 if any feed succeeded, 1 if every feed failed, 2 for a bad config.
"""

from __future__ import annotations

import asyncio

import click

from briefer.cli.context import AppContext
from briefer.cli.output import outcome_line
from briefer.models import FeedOutcome, PollReport
from briefer.offline import offline_hint
from briefer.poller import Poller, parse_pool
from briefer.rematch import stale_notice


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
    matcher = ctx.matcher  # load watchlists first: a bad one must fail before any fetching
    if not config.feeds:
        raise click.ClickException(
            f"no feeds configured; add one with `briefer feeds add URL` ({config.sources[-1]})"
        )

    def show(outcome: FeedOutcome) -> None:
        click.echo(outcome_line(outcome))

    with ctx.open_store() as store:
        notice = stale_notice(store, ctx.issues)
        if notice:
            click.echo(notice)
        executor = parse_pool(ctx.issues)
        try:
            poller = Poller(
                config, store, matcher, issue_versions=ctx.issue_versions, executor=executor
            )
            report = asyncio.run(poller.poll(every=every, on_outcome=show))
        finally:
            executor.shutdown(cancel_futures=True)
        hint = offline_hint(report, first_run=store.count_items() == 0)
        # So cron users hear about matches too.
        if report.new_matches and config.notify.enabled and not no_notify:
            from briefer.notify import notify_new_matches

            said = asyncio.run(notify_new_matches(config, store, ctx.issues, report.new_matches))
            click.echo(f"Notify: {said.summary()}.")
    click.echo(totals_line(report))
    if hint:
        click.echo(hint)
    if report.outcomes and report.succeeded == 0:
        raise SystemExit(1)


def totals_line(report: PollReport) -> str:
    polled = len(report.outcomes)
    if not polled:
        return "Nothing due: every feed was checked recently (use --all to poll anyway)."
    failed = polled - report.succeeded
    return (
        f"{polled} feeds polled, {failed} failed: {report.new_items} new items, "
        f"{len(report.new_matches)} new matches."
    )
