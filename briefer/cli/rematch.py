"""`briefer rematch`: match stored items again after a watchlist changed, and group stored
items into stories where the grouping method changed."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from briefer.cli.context import AppContext
from briefer.cli.watchlists import select_issues
from briefer.match_pool import POOL_MIN_ITEMS, rematch_pool, worker_count

if TYPE_CHECKING:
    from briefer.rematch import RematchReport
    from briefer.store import Store


@click.command()
@click.option("--issue", "issue_id", metavar="ID", help="Only this issue.")
@click.option("--all", "every", is_flag=True, help="Recompute even issues that did not change.")
@click.option("--batch", type=click.IntRange(min=1), default=5_000, hidden=True)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    metavar="N",
    help="Processes that match (default: one per CPU, up to 4).",
)
@click.pass_obj
def rematch(
    ctx: AppContext, issue_id: str | None, every: bool, batch: int, workers: int | None
) -> None:
    """Recompute stored matches of watchlists that changed since they were matched.

    Runs over every stored item, one transaction per batch: an interrupted run picks up
    after its last committed batch. Read, starred and notified marks are kept, and items
    that matched before are not notified again.

    \b
    briefer rematch                  every changed watchlist
    briefer rematch --issue tariffs  only this one, if it changed
    briefer rematch --all            every watchlist, changed or not
    """
    from briefer.rematch import items_to_scan, pending_issues
    from briefer.rematch import rematch as run_rematch

    selected = select_issues(ctx.issues, issue_id)
    with ctx.open_store(create=False) as store:
        targets = selected if every else pending_issues(store, selected)
        if not targets:
            which = f"watchlist {issue_id}" if issue_id else "the watchlists"
            click.echo(f"Stored matches are up to date with {which} (--all recomputes anyway).")
        else:
            total = items_to_scan(store, targets)
            matcher = ctx.matcher
            with (
                # An explicit --workers is obeyed even for a small database.
                rematch_pool(
                    matcher, worker_count(workers), small=total < POOL_MIN_ITEMS and not workers
                ) as match_batches,
                click.progressbar(length=total, label="Rematching", file=sys.stderr) as bar,
            ):
                report = run_rematch(
                    store,
                    matcher,
                    targets,
                    batch=batch,
                    on_batch=bar.update,
                    match_batches=match_batches,
                )
            _echo_rematch(report)
        _regroup(store, batch)


def _echo_rematch(report: RematchReport) -> None:
    resumed = f", resuming after item {report.resumed_after}" if report.resumed_after else ""
    click.echo(f"Rematched {report.scanned:,} items{resumed}.")
    width = max(len(i) for i in report.issues)
    for issue in report.issues:
        c = report.changes[issue]
        click.echo(
            f"  {issue:<{width}}  {c.added:>7,} added  {c.removed:>7,} removed  "
            f"{c.kept:>7,} unchanged"
        )


def _regroup(store: Store, batch: int) -> None:
    """Group stored items into stories where the grouping method changed or a poll left
    them ungrouped; silent when there is nothing to do."""
    from briefer import regroup

    total = regroup.pending(store)
    if not total:
        return
    with click.progressbar(length=total, label="Grouping stories", file=sys.stderr) as bar:
        report = regroup.run(store, batch=batch, on_batch=bar.update)
    items = f"{report.grouped:,} item{'s' if report.grouped != 1 else ''}"
    if report.full:
        count = f"{report.started:,} stor{'ies' if report.started != 1 else 'y'}"
        click.echo(f"Grouped {items} into {count}.")
    else:
        click.echo(f"Grouped {items} into stories.")
