"""`briefer feeds list | add URL | remove URL | import [--replace] FILE.opml | export`."""

from __future__ import annotations

from pathlib import Path

import click

from briefer.cli.context import AppContext
from briefer.cli.output import age
from briefer.clock import utcnow
from briefer.config import load_config
from briefer.feeds_file import add_feed, add_feeds, remove_feed, replace_feeds
from briefer.opml import read_opml, to_opml


@click.group()
def feeds() -> None:
    """List, add, remove, import or export the feeds briefer reads.

    Changes go to your config file; the first change copies the bundled feed list there.
    """


@feeds.command("list")
@click.pass_obj
def list_feeds(ctx: AppContext) -> None:
    """Every configured feed with its last poll, status and item count."""
    config = ctx.config
    with ctx.open_store() as store:
        state = {row.url: row for row in store.feeds()}
    now = utcnow()
    for feed in config.feeds:
        row = state.get(feed.url)
        title = feed.title or (row.title if row else feed.url)
        click.secho(title, bold=True)
        click.echo(f"  {feed.url}")
        if not feed.enabled:
            status = "off in config"
        elif row is None or row.last_polled is None:
            status = "not polled yet"
        elif row.disabled:
            status = f"disabled: {row.disabled_reason}"
        elif row.last_error:
            status = f"failing ({row.error_count}x): {row.last_error}"
        else:
            status = f"ok, polled {age(row.last_polled, now)}"
        items = row.item_count if row else 0
        due = f", next {age(row.next_due, now)}" if row and row.next_due and feed.enabled else ""
        click.echo(f"  {status}; {items} items{due}")
    click.echo(f"{len(config.feeds)} feeds in {config.sources[-1]}")


@feeds.command("add")
@click.argument("url")
@click.option("--title", help="A name to show instead of the feed's own.")
@click.pass_obj
def add(ctx: AppContext, url: str, title: str | None) -> None:
    """Add a feed by its address."""
    path = ctx.paths.config_file
    added = add_feed(path, url, title)
    with ctx.open_store() as store:
        if store.feed(url.strip()) is not None:
            store.reenable_feed(url.strip())  # adding a feed again is how a gone feed comes back
    click.echo(f"Added {url} to {path}." if added else f"{url} is already in {path}.")


@feeds.command("remove")
@click.argument("url")
@click.pass_obj
def remove(ctx: AppContext, url: str) -> None:
    """Stop reading a feed (items already stored are kept)."""
    path = ctx.paths.config_file
    if not remove_feed(path, url):
        raise click.ClickException(f"{url} is not in {path}")
    click.echo(f"Removed {url} from {path}.")


@feeds.command("import")
@click.argument("file", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--replace", is_flag=True, help="Make the imported list the whole feed list.")
@click.pass_obj
def import_(ctx: AppContext, file: Path, replace: bool) -> None:
    """Import feeds from an OPML file (exported by any feed reader)."""
    opml = read_opml(file)
    found = opml.feeds
    skipped = opml.skipped_sentence()
    if not found:
        why = f" ({skipped})" if skipped else " (no outline has an xmlUrl)"
        raise click.ClickException(f"{file}: no web feeds found{why}")
    path = ctx.paths.config_file
    if replace:
        count = replace_feeds(path, found)
        click.echo(f"Replaced the feed list in {path} with {count} feeds from {file}.")
    else:
        added = add_feeds(path, found)
        click.echo(
            f"Imported {len(added)} new feeds from {file} into {path} "
            f"({len(found) - len(added)} were already there)."
        )
    if skipped:
        click.echo(f"{skipped}.")
    load_config(ctx.paths)  # prove the file still loads before saying we are done


@feeds.command("export")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), help="Write here.")
@click.pass_obj
def export(ctx: AppContext, output: Path | None) -> None:
    """Write the feed list as OPML 2.0 (to stdout unless -o)."""
    text = to_opml(ctx.config.feeds)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"Wrote {len(ctx.config.feeds)} feeds to {output}.", err=True)
