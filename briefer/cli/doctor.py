"""`briefer doctor`: which files are in use, database health, and feeds with problems."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import click

from briefer import __version__
from briefer.cli.context import AppContext
from briefer.cli.output import age, size
from briefer.notify import probe_channel
from briefer.store import SCHEMA_VERSION, Store


@click.command()
@click.pass_obj
def doctor(ctx: AppContext) -> None:
    """Show paths, schema version and feed health; exit 1 if something needs attention."""
    problems = 0
    paths = ctx.paths
    config = ctx.config
    click.secho(f"briefer {__version__}", bold=True)
    click.echo(f"config      {' + '.join(str(p) for p in config.sources)}")
    click.echo(f"watchlists  {' + '.join(str(p) for p in config.watchlist_dirs)}")
    click.echo(f"seeds       {' + '.join(str(p) for p in config.seed_dirs)}")
    click.echo(f"database    {paths.db}")
    click.echo(f"digests     {config.digest_folder}")
    click.echo(f"issues      {', '.join(i.id for i in ctx.issues)}")
    click.echo(f"notify      {asyncio.run(probe_channel())}")
    if not paths.db.exists():
        click.echo("No database yet: run `briefer poll --once` or open the app.")
        return
    now = datetime.now(UTC)
    with ctx.open_store() as store:
        integrity = store.integrity_check()
        click.echo(
            f"schema      version {store.schema_version} (this briefer writes {SCHEMA_VERSION}); "
            f"integrity {integrity}"
        )
        click.echo(f"stored      {store.count_items()} items, {store.count_matches()} matches")
        click.echo(f"size        {size_line(store)}")
        click.echo(f"retention   {retention_line(store, config.retention.max_age, now)}")
        rows = {row.url: row for row in store.feeds()}
    problems += integrity != "ok"
    configured = [f.url for f in config.feeds if f.enabled]
    failing = [rows[u] for u in configured if u in rows and rows[u].failing]
    never = [u for u in configured if u not in rows or rows[u].last_polled is None]
    click.echo(
        f"feeds       {len(configured)} enabled, {len(failing)} with problems, "
        f"{len(never)} not polled yet"
    )
    for row in failing:
        problems += 1
        reason = row.disabled_reason if row.disabled else row.last_error
        when = f", last tried {age(row.last_polled, now)}" if row.last_polled else ""
        state = "disabled" if row.disabled else f"failing {row.error_count}x"
        click.echo(f"  {row.title}: {state}{when}: {reason}")
        click.echo(f"    {row.url}")
    if problems:
        raise SystemExit(1)


def size_line(store: Store) -> str:
    line = f"{size(store.database_size())} on disk"
    free = store.free_bytes()
    if free:
        line += f", {size(free)} of it free space"
    if store.auto_vacuum() != "incremental":
        line += "; pruned space is not given back: run `briefer prune --vacuum` once"
    return line


def retention_line(store: Store, max_age: timedelta | None, now: datetime) -> str:
    if max_age is None:
        return "off: every item is kept ([retention] max_age_days = 0)"
    would = store.prunable(now - max_age)
    return (
        f"unmatched items older than {max_age.days} days are pruned daily; "
        f"{would.items} to prune now (about {size(would.bytes)})"
    )
