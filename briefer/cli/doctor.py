"""`briefer doctor`: which files are in use, database health, and feeds with problems."""

from __future__ import annotations

import asyncio
import shlex
from datetime import datetime, timedelta
from pathlib import Path

import click

from briefer import __version__
from briefer.cli.context import AppContext
from briefer.cli.output import age, size
from briefer.clock import utcnow
from briefer.errors import DamagedDatabaseError
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
    now = utcnow()
    try:
        # verify: the integrity check runs before anything is written, and its verdict
        # is what every other command goes by until the next doctor.
        with ctx.open_store(verify=True) as store:
            click.echo(
                f"schema      version {store.schema_version} "
                f"(this briefer writes {SCHEMA_VERSION}); integrity ok"
            )
            click.echo(f"stored      {store.count_items()} items, {store.count_matches()} matches")
            click.echo(f"size        {size_line(store)}")
            click.echo(f"retention   {retention_line(store, config.retention.max_age, now)}")
            rows = {row.url: row for row in store.feeds()}
    except DamagedDatabaseError:
        click.echo(recovery_advice(paths.db))
        raise SystemExit(1) from None
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
    now_text = (
        f"{would.items} to prune now (about {size(would.bytes)})"
        if would.items
        else "nothing to prune now"
    )
    return f"unmatched items older than {max_age.days} days are pruned daily; {now_text}"


def recovery_advice(db: Path) -> str:
    """What to do about a damaged database, as commands to copy."""
    q = shlex.quote
    backup = db.with_name(db.name + ".bak")
    recovered = db.with_name(db.stem + "-recovered" + db.suffix)
    # A write-ahead log left beside the file belongs to the damaged copy: moved with it,
    # it cannot be replayed into the recovered one.
    sidecars = [p for p in (Path(f"{db}-wal"), Path(f"{db}-shm")) if p.exists()]
    move_sidecars = [f"mv {q(str(p))} {q(str(p))}.bak" for p in sidecars]
    lines = [
        f"The database {db} is damaged; briefer will not write to it.",
        "Quit the app and any `briefer daemon`, then either recover what it holds",
        "(needs the sqlite3 program):",
        f"  sqlite3 {q(str(db))} .recover | sqlite3 {q(str(recovered))}",
        f"  mv {q(str(db))} {q(str(backup))}",
        *(f"  {c}" for c in move_sidecars),
        f"  mv {q(str(recovered))} {q(str(db))}",
        "or start fresh (feeds are fetched again; read and starred marks are lost):",
        f"  mv {q(str(db))} {q(str(backup))}",
        *(f"  {c}" for c in move_sidecars),
        f"Either way the damaged file stays as {backup}. Then run `briefer doctor` again.",
    ]
    return "\n".join(lines)
