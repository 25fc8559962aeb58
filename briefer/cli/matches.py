"""`briefer matches`: stored matches, best first, as lines or JSON."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import click

from briefer.cli.context import AppContext
from briefer.cli.output import age
from briefer.clock import utcnow
from briefer.store import MatchRow


def parse_day(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        day = datetime.strptime(value, "%Y-%m-%d")
    except ValueError:
        raise click.BadParameter(f"expected a date like 2026-11-23, got {value!r}") from None
    return day.astimezone(UTC)  # midnight in the user's time zone


@click.command()
@click.option("--issue", "issue_id", metavar="ID", help="Only this issue (e.g. tariffs).")
@click.option("--since", metavar="YYYY-MM-DD", help="Only items published since this day.")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON array, for other tools.")
@click.pass_obj
def matches(
    ctx: AppContext, issue_id: str | None, since: str | None, limit: int, as_json: bool
) -> None:
    """List stored matches, best first, for every issue or one."""
    known = {issue.id: issue for issue in ctx.issues}
    if issue_id is not None and issue_id not in known:
        raise click.BadParameter(
            f"no issue {issue_id!r}; known: {', '.join(known)}", param_hint="--issue"
        )
    start = parse_day(since)
    with ctx.open_store() as store:
        ids = [issue_id] if issue_id else list(known)
        # One row past the limit tells a cut list from a whole one.
        rows = {i: store.matches(i, since=start, limit=limit + 1) for i in ids}
    cut = {i for i in ids if len(rows[i]) > limit}
    rows = {i: rows[i][:limit] for i in ids}
    if as_json:
        click.echo(
            json.dumps(
                [_as_dict(row) for i in ids for row in rows[i]], ensure_ascii=False, indent=2
            )
        )
        return
    now = utcnow()
    for i in ids:
        n = len(rows[i])
        shown = f"the best {n}; more with --limit" if i in cut else f"{n} match{'es' * (n != 1)}"
        click.secho(f"{known[i].title} ({i}): {shown}", bold=True)
        if not rows[i]:
            click.echo("  no matches yet")
        for row in rows[i]:
            item = row.item
            click.echo(f"  {row.score:5.1f}  {item.title}")
            click.echo(
                f"         {item.source} · {age(item.published, now)} · {', '.join(row.terms)}"
            )
            if item.link:
                click.echo(f"         {item.link}")
        click.echo()


def _as_dict(row: MatchRow) -> dict[str, object]:
    item = row.item
    return {
        "issue": row.issue_id,
        "score": row.score,
        "terms": row.terms,
        "item_id": item.id,
        "title": item.title,
        "summary": item.summary,
        "link": item.link,
        "source": item.feed_title,
        "outlet": item.source,
        "feed_url": item.feed_url,
        "published": item.published.isoformat(),
        "read": item.read,
        "starred": item.starred,
    }
