"""`briefer match`: match text, or JSON lines (`--jsonl`, see briefer.match_stream), against
the watchlists without storing anything.

A bad input line stops the run with exit status 2 and names the line, so a pipeline never
mistakes a broken input for a quiet day.
"""

from __future__ import annotations

import sys

import click

from briefer.cli.context import AppContext
from briefer.cli.jsonl_command import run_jsonl_command
from briefer.match_stream import BLOCK, run_jsonl
from briefer.models import Match
from briefer.parse_rules import MAX_TITLE

__all__ = ["BLOCK", "explain_match", "match"]


@click.command()
@click.argument("text", required=False)
@click.option(
    "--jsonl",
    "jsonl",
    metavar="FILE|-",
    type=click.Path(dir_okay=False, allow_dash=True),
    help='Match JSON lines ({"title", "summary", "id"}) from FILE or stdin; JSON lines out.',
)
@click.option("--explain", is_flag=True, help="Show where each term matched and how it scored.")
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    metavar="N",
    help="Processes for a large --jsonl input (default: one per CPU, up to 4).",
)
@click.pass_obj
def match(
    ctx: AppContext, text: str | None, jsonl: str | None, explain: bool, workers: int | None
) -> None:
    """Match TEXT (or JSON lines) against the watchlists without storing anything.

    \b
    briefer match "Sheinbaum rechaza aranceles de Trump"
    briefer match --explain "DEA agents in Sinaloa"
    briefer match --jsonl items.jsonl > matches.jsonl
    """
    if jsonl is None and text is None:
        raise click.UsageError("give TEXT to match, or --jsonl FILE (- for stdin)")
    if jsonl is not None and text is not None:
        raise click.UsageError("give TEXT or --jsonl, not both")
    matcher = ctx.matcher
    if jsonl is not None:
        out = sys.stdout.buffer
        run_jsonl_command(
            "match",
            jsonl,
            lambda stream: run_jsonl(matcher, stream, out, explain=explain, workers=workers),
        )
        return
    assert text is not None
    if len(text) > MAX_TITLE:
        click.echo(
            f"briefer match: the text is {len(text):,} characters; only the first {MAX_TITLE} "
            "are matched, as a poll keeps at most that much of a headline.",
            err=True,
        )
        text = text[:MAX_TITLE]
    found = matcher.match(text)
    titles = {issue.id: issue.title for issue in ctx.issues}
    if not found:
        click.echo("no match")
    for m in found:
        click.echo(f"{m.score:5.1f}  {m.issue_id:<16} {titles.get(m.issue_id, '')}")
        if explain:
            click.echo(explain_match(text, m, color=sys.stdout.isatty()))
        else:
            click.echo(f"       {', '.join(m.terms)}")


def explain_match(text: str, m: Match, *, color: bool) -> str:
    """The text with matched spans marked ([[...]] or bold), then each term's score."""
    spans = sorted({(s.start, s.end) for h in m.hits for s in h.spans if s.field == "title"})
    marked, at = [], 0
    for start, end in spans:
        if start < at:  # overlapping spans: the first one already marks this text
            continue
        piece = text[start:end]
        marked.append(text[at:start])
        marked.append(click.style(piece, bold=True, underline=True) if color else f"[[{piece}]]")
        at = end
    marked.append(text[at:])
    lines = ["       " + "".join(marked)]
    for h in m.hits:
        where = ", ".join(repr(text[s.start : s.end]) for s in h.spans if s.field == "title")
        lines.append(f"       {h.score:5.1f}  {h.kind:<7}  {h.term}  <- {where}")
    return "\n".join(lines)
