"""`briefer digest`: export what mattered in a period as Markdown, HTML, JSON or Atom."""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path

import click

from briefer.cli.context import AppContext
from briefer.clock import utcnow
from briefer.digest import (
    HasSummary,
    Period,
    build_digest,
    default_period,
    local_tz,
    period_for_day,
    period_since,
    record_export,
    write_digest,
)
from briefer.digest.render import EXTENSIONS, FORMATS, render
from briefer.errors import DatabaseError, InputFileError

SUFFIX_FORMATS = {
    ".md": "md",
    ".markdown": "md",
    ".html": "html",
    ".htm": "html",
    ".json": "json",
    ".atom": "atom",
    ".xml": "atom",
}


def _parse_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"expected a date like 2026-11-23, got {value!r}", param_hint="--date"
        ) from None


def _parse_since(value: str) -> datetime:
    try:
        return datetime.fromisoformat(value.strip())
    except ValueError:
        raise click.BadParameter(
            f"expected a date or a date and time like 2026-11-23 or 2026-11-23T07:00, "
            f"got {value!r}",
            param_hint="--since",
        ) from None


def _load_baselines(ctx: AppContext, issue_ids: list[str]) -> Mapping[str, HasSummary]:
    from briefer.baseline import baselines, load_seeds

    try:
        return baselines(load_seeds(ctx.config.seed_dirs), issue_ids)
    except InputFileError as exc:
        # A seed file being edited should not stop the morning digest: say so, go on.
        click.echo(f"briefer: warning: baselines left out: {exc}", err=True)
        return {}


@click.command()
@click.option("--date", "day", metavar="YYYY-MM-DD", help="One calendar day, in your time zone.")
@click.option(
    "--since",
    metavar="DATE[TIME]",
    help="From this local date or time until now (2026-11-23 or 2026-11-23T07:00).",
)
@click.option(
    "--issue",
    "issue_ids",
    multiple=True,
    metavar="ID",
    help="Only this issue; repeat for several (default: every watched issue).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    help="md (default), html, json or atom; else taken from the -o file's extension.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(),
    help="Write to this file, or into this folder as YYYY-MM-DD.<ext>; default: stdout.",
)
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    help="At most this many stories per issue (the best); the rest are counted.",
)
@click.option(
    "--no-record",
    is_flag=True,
    help="A preview: do not remember this export as the start of the next digest.",
)
@click.pass_obj
def digest(
    ctx: AppContext,
    day: str | None,
    since: str | None,
    issue_ids: tuple[str, ...],
    fmt: str | None,
    output: str | None,
    limit: int | None,
    no_record: bool,
) -> None:
    """Export a digest: per issue its baseline, then the period's stories best first.

    Without --date or --since it covers the time since the last exported digest (the last
    24 hours the first time), in your local time zone. Each export is remembered, so the next
    one starts where this one ended; --no-record makes a preview that is not.
    """
    if day and since:
        raise click.UsageError("give --date or --since, not both")
    tz = local_tz()
    now = utcnow().astimezone(tz).replace(microsecond=0)
    known = {issue.id: issue for issue in ctx.issues}
    for issue_id in issue_ids:
        if issue_id not in known:
            raise click.BadParameter(
                f"no issue {issue_id!r}; known: {', '.join(known) or 'none'}",
                param_hint="--issue",
            )
    chosen = [known[i] for i in dict.fromkeys(issue_ids)] if issue_ids else list(known.values())

    target = None if output is None or output == "-" else Path(output)
    # "digests/" names a folder even before it exists (Path drops the trailing slash).
    into_folder = output is not None and (output.endswith(("/", os.sep)) or Path(output).is_dir())
    if fmt is None:
        suffix = target.suffix.lower() if target is not None and not into_folder else ""
        fmt = SUFFIX_FORMATS.get(suffix, "md")

    with ctx.open_store() as store:
        period: Period
        if day:
            period = period_for_day(_parse_date(day), tz)
        elif since:
            start = _parse_since(since)
            period = period_since(start, now, tz)
            if period.start >= now:
                raise click.BadParameter(f"{since} is not in the past", param_hint="--since")
        else:
            period = default_period(store, now, tz)
        notes = _load_baselines(ctx, [issue.id for issue in chosen])
        result = build_digest(
            store,
            chosen,
            notes,
            period,
            tz=tz,
            now=now,
            full=ctx.config.digest.full_stories,
            max_per_issue=limit,
        )
        if target is None:
            click.echo(render(result, fmt), nl=False)
            where = None
        else:
            if into_folder:
                stem = (period.start if period.kind == "day" else now).strftime("%Y-%m-%d")
                target = target / f"{stem}.{EXTENSIONS[fmt]}"
            write_digest(result, fmt, target)
            where = target
        unrecorded: DatabaseError | None = None
        if not no_record:
            try:
                record_export(store, min(period.end, now))
            except DatabaseError as exc:
                # The digest itself is done and delivered; only the bookmark failed.
                unrecorded = exc
    if where is not None:
        stories = result.story_count
        click.echo(
            f"Digest written: {where} ({stories} {'story' if stories == 1 else 'stories'}, "
            f"{result.start:%Y-%m-%d %H:%M} to {result.end:%Y-%m-%d %H:%M})",
            err=True,
        )
    if unrecorded is not None:
        click.echo(
            f"briefer: the digest is complete, but it could not be remembered as the last "
            f"one, so the next digest will cover this period again: {unrecorded}",
            err=True,
        )
