"""`briefer watchlists`: list the watched issues and how their terms perform."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click

from briefer.cli.context import AppContext
from briefer.watchlist import Issue

if TYPE_CHECKING:
    from briefer.termstats import IssueStats, TermReport


@click.group()
def watchlists() -> None:
    """Inspect the watchlists and how their terms perform."""


@watchlists.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON array, for other tools.")
@click.pass_obj
def list_watchlists(ctx: AppContext, as_json: bool) -> None:
    """List the issues: id, terms, version, title and file."""
    issues = ctx.issues
    if as_json:
        click.echo(json.dumps([_issue_dict(i) for i in issues], ensure_ascii=False, indent=2))
        return
    if not issues:
        click.echo("no watchlists found")
        return
    width = max(len(i.id) for i in issues)
    for issue in issues:
        click.echo(
            f"{issue.id:<{width}}  {issue.term_count:>3} terms  {issue.version}  {issue.title}"
        )
        click.echo(f"{'':<{width}}  {issue.path}")


def _issue_dict(issue: Issue) -> dict[str, object]:
    return {
        "id": issue.id,
        "title": issue.title,
        "description": issue.description,
        "threshold": issue.threshold,
        "terms": issue.term_count,
        "version": issue.version,
        "file": str(issue.path),
    }


@watchlists.command("stats")
@click.option("--issue", "issue_id", metavar="ID", help="Only this issue.")
@click.option("--json", "as_json", is_flag=True, help="One JSON array, for other tools.")
@click.pass_obj
def watchlist_stats(ctx: AppContext, issue_id: str | None, as_json: bool) -> None:
    """Per term: stored matches, last match, dismissals; dead and noisy terms first.

    A dead term has matched nothing stored; a noisy one had at least half of its matches
    dismissed as not relevant. Context terms only decide whether weak terms count: they are
    listed apart.
    """
    from briefer.termstats import issue_term_stats

    issues = select_issues(ctx.issues, issue_id)
    with ctx.open_store(create=False) as store:
        stats = [issue_term_stats(store, issue) for issue in issues]
    if as_json:
        click.echo(json.dumps([s.to_dict() for s in stats], ensure_ascii=False, indent=2))
    else:
        click.echo(_render_stats(stats))


def _render_stats(stats: list[IssueStats]) -> str:
    lines: list[str] = []
    for issue in stats:
        if lines:
            lines.append("")
        lines.append(f"{issue.issue_id}  {issue.title}")
        lines.append("     hits  last match  dismissed  term")
        lines += [_stat_line(t) for t in issue.terms]
        if issue.context:
            lines.append("  context terms (they only let weak terms count):")
            lines += [_stat_line(t) for t in issue.context]
    return "\n".join(lines)


def _stat_line(t: TermReport) -> str:
    last = t.last_matched.date().isoformat() if t.last_matched else "-"
    dismissed = f"{t.dismissed} ({t.dismissed_share:.0%})" if t.dismissed else "-"
    flag = f"  [{t.flag}]" if t.flag else ""
    return f"  {t.hits:>7,}  {last:<10}  {dismissed:<9}  {t.term} ({t.kind}){flag}"


def select_issues(issues: list[Issue], issue_id: str | None) -> list[Issue]:
    """The issues an `--issue ID` option names (all of them without one)."""
    if issue_id is None:
        return issues
    for issue in issues:
        if issue.id == issue_id:
            return [issue]
    known = ", ".join(i.id for i in issues) or "none"
    raise click.BadParameter(
        f"no watchlist has id {issue_id!r} (known: {known})", param_hint="--issue"
    )
