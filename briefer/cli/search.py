"""`briefer search QUERY`: full-text search over every stored item."""

from __future__ import annotations

import json

import click

from briefer.cli.context import AppContext
from briefer.cli.output import age
from briefer.clock import utcnow
from briefer.search_query import EmptyQueryError


@click.command()
@click.argument("query", nargs=-1, required=True)
@click.option("--limit", type=click.IntRange(min=1), default=30, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON array, for other tools.")
@click.pass_obj
def search(ctx: AppContext, query: tuple[str, ...], limit: int, as_json: bool) -> None:
    """Find stored items containing every word of QUERY (accents ignored; word* for prefixes)."""
    text = " ".join(query)
    if not any(ch.isalnum() for ch in text):
        raise EmptyQueryError("Give at least one word to search for, e.g. briefer search arancel*")
    with ctx.open_store() as store:
        rows = store.search(text, limit=limit)
    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        "item_id": r.item.id,
                        "title": r.item.title,
                        "link": r.item.link,
                        "source": r.item.feed_title,
                        "outlet": r.item.source,
                        "published": r.item.published.isoformat(),
                        "issues": list(r.issue_ids),
                    }
                    for r in rows
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    if not rows:
        click.echo(f"Nothing stored matches {text!r}.")
        return
    now = utcnow()
    for r in rows:
        issues = f"  [{', '.join(r.issue_ids)}]" if r.issue_ids else ""
        click.echo(f"{r.item.title}{issues}")
        click.echo(f"  {r.item.source} · {age(r.item.published, now)} · {r.item.link or ''}")
