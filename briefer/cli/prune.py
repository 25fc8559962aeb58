"""`briefer prune`: retention now, for cron users and for switching an older database to
giving space back."""

from __future__ import annotations

import click

from briefer.cli.context import AppContext
from briefer.cli.output import size
from briefer.clock import utcnow


@click.command()
@click.option("--dry-run", is_flag=True, help="Only say what would be pruned.")
@click.option(
    "--vacuum",
    is_flag=True,
    help="Also rewrite the whole database once so pruned space goes back to the disk "
    "(needed for databases made before retention; stop the app and the daemon first).",
)
@click.pass_obj
def prune(ctx: AppContext, dry_run: bool, vacuum: bool) -> None:
    """Delete unmatched, unstarred, undismissed items older than [retention] max_age_days."""
    from briefer.prune import prune_database

    config = ctx.config
    max_age = config.retention.max_age
    if not ctx.paths.db.exists():
        click.echo("No database yet: nothing to prune.")
        return
    if max_age is None and not vacuum:
        click.echo("Retention is off ([retention] max_age_days = 0): nothing pruned.")
        return
    now = utcnow()
    if dry_run:
        if max_age is None:
            click.echo("Retention is off ([retention] max_age_days = 0): nothing would go.")
            return
        with ctx.open_store() as store:
            would = store.prunable(now - max_age)
        click.echo(
            f"{would.items} items older than {max_age.days} days would be pruned "
            f"(about {size(would.bytes)})."
        )
        return
    if max_age is None:
        with ctx.open_store() as store:
            space = store.reclaim_space(convert=True)
        click.echo(f"Nothing pruned (retention is off); {size(space.freed_bytes)} returned.")
        return
    report = prune_database(config, now=now, convert=vacuum, pause=0)
    assert report is not None
    pruned, space = report.pruned, report.space
    click.echo(
        f"Pruned {pruned.items} items older than {max_age.days} days in {pruned.seconds:.1f} s; "
        f"{size(space.freed_bytes)} returned to the disk."
    )
    if space.mode != "incremental":
        click.echo(
            "This database keeps freed space for reuse: `briefer prune --vacuum` returns it."
        )
