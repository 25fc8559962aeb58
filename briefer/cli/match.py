"""`briefer match`, `briefer watchlists` and `briefer rematch`.

`briefer match --jsonl` is a contract other tools (and bench/eval_match.py) rely on: one
JSON object a line in, one a line out, in the same order:

    {"id": ..., "title": "...", "summary": "..."}          (summary and id optional)
    {"id": ..., "matches": [{"issue": "border", "score": 100.0, "terms": ["ICE"]}]}

Blank lines are skipped. A line that is not a JSON object with a "title" string stops the
run: the lines before it are written, the error names its line number, and the exit status
is 2, so a pipeline never mistakes a broken input for a quiet day.
"""

from __future__ import annotations

import gc
import json
import multiprocessing
import os
import sys
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from json.encoder import encode_basestring
from multiprocessing.pool import AsyncResult
from typing import IO, TYPE_CHECKING, Any

import click

from briefer.cli.context import AppContext
from briefer.match import Matcher
from briefer.models import Match
from briefer.watchlist import Issue

if TYPE_CHECKING:
    from briefer.rematch import MatchBatches, Matched, RematchReport, Rows
    from briefer.store import EncodedMatch, Store
    from briefer.termstats import IssueStats, TermReport

BLOCK = 1 << 20  # bytes of input per batch, about 7,000 headlines: smaller batches cost more
_EXIT_BAD_INPUT = 2


# -- match -----------------------------------------------------------------------------------


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
        try:
            if jsonl == "-":
                error = run_jsonl(matcher, sys.stdin.buffer, out, explain=explain, workers=workers)
            else:
                try:
                    stream = open(jsonl, "rb")  # noqa: SIM115 - closed below, after the run
                except OSError as exc:
                    raise click.FileError(jsonl, hint=exc.strerror) from None
                with stream:
                    error = run_jsonl(matcher, stream, out, explain=explain, workers=workers)
        except BrokenPipeError:
            # The reader stopped early (`| head`): not an error, and no traceback either.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(0)
        if error is not None:
            click.echo(f"briefer match: {jsonl}, {error}", err=True)
            sys.exit(_EXIT_BAD_INPUT)
        return
    assert text is not None
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


# -- JSON lines --------------------------------------------------------------------------------

_worker_matcher: Matcher | None = None  # set in the parent before forking workers


def run_jsonl(
    matcher: Matcher,
    stream: IO[bytes],
    out: IO[bytes],
    *,
    explain: bool,
    workers: int | None = None,
) -> str | None:
    """Match every line of `stream`, writing one line each to `out`.

    Returns None, or the error that stopped the run. Large inputs are spread over forked
    worker processes (each with its own copy of the matcher, inherited, not rebuilt); a
    small input is done in this process, which is faster than starting workers.
    """
    # Parsing JSON makes a dict per line, none of them in a cycle: left on, the cyclic GC
    # would walk the matcher's caches again and again.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _run_jsonl(matcher, stream, out, explain=explain, workers=_workers(workers))
    finally:
        if collecting:
            gc.enable()


def _run_jsonl(
    matcher: Matcher, stream: IO[bytes], out: IO[bytes], *, explain: bool, workers: int
) -> str | None:
    blocks = _blocks(stream)
    first = next(blocks, None)
    if first is None:
        return None
    second = next(blocks, None)
    if second is None or workers < 2:
        for block in [first] if second is None else _chain(first, second, blocks):
            result, error = process_block(matcher, block, explain)
            out.write(result)
            if error is not None:
                return error
        out.flush()
        return None
    global _worker_matcher
    _worker_matcher = matcher
    context = multiprocessing.get_context("fork")
    with context.Pool(workers) as pool:
        tasks = ((block, explain) for block in _chain(first, second, blocks))
        for result, error in pool.imap(_process_in_worker, tasks):
            out.write(result)
            if error is not None:
                pool.terminate()
                return error
    out.flush()
    return None


def _workers(wanted: int | None) -> int:
    # Forking is what makes workers cheap (no re-import, no rebuilt matcher); elsewhere one
    # process does it all.
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    if wanted is not None:
        return wanted
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return min(cpus or 1, 4)


def _chain(
    first: tuple[int, bytes], second: tuple[int, bytes], rest: Iterator[tuple[int, bytes]]
) -> Iterator[tuple[int, bytes]]:
    yield first
    yield second
    yield from rest


def _blocks(stream: IO[bytes]) -> Iterator[tuple[int, bytes]]:
    """(number of the first line, whole lines) in blocks of about BLOCK bytes."""
    line, rest = 1, b""
    while True:
        data = stream.read(BLOCK)
        if not data:
            if rest:
                yield line, rest
            return
        data = rest + data
        cut = data.rfind(b"\n") + 1
        if cut == 0:
            rest = data
            continue
        block, rest = data[:cut], data[cut:]
        yield line, block
        line += block.count(b"\n")


def _process_in_worker(task: tuple[tuple[int, bytes], bool]) -> tuple[bytes, str | None]:
    assert _worker_matcher is not None
    block, explain = task
    return process_block(_worker_matcher, block, explain)


def process_block(
    matcher: Matcher, block: tuple[int, bytes], explain: bool
) -> tuple[bytes, str | None]:
    """Output lines for one block of input lines, and the error that ended it early."""
    first_line, data = block
    error: str | None = None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = first_line + data.count(b"\n", 0, exc.start)
        text = data[: data.rfind(b"\n", 0, exc.start) + 1].decode("utf-8")
        error = f"line {bad}: not UTF-8 text"
    items = _parse_fast(text)
    if items is None:
        items, problem = _parse_lines(text, first_line)
        error = problem or error
    ids, texts = items
    results = matcher.match_many(texts, spans=explain)
    lines = [_line(item_id, found, explain) for item_id, found in zip(ids, results, strict=True)]
    lines.append("")
    return "\n".join(lines).encode("utf-8"), error


_Items = tuple[list[Any], list[tuple[str, str]]]


def _parse_fast(text: str) -> _Items | None:
    """All lines as one JSON array: one call into the C parser instead of one per line.
    None when anything is unusual (a blank or bad line): _parse_lines then finds it."""
    body = text[:-1] if text.endswith("\n") else text
    try:
        # A raw newline cannot occur inside a JSON string, so each one ends a line.
        objs = json.loads("[" + body.replace("\n", ",") + "]")
    except ValueError:
        return None
    if len(objs) != body.count("\n") + 1 or not all(type(o) is dict for o in objs):
        return None
    texts = [(o.get("title"), o.get("summary") or "") for o in objs]
    if not all(type(title) is str and type(summary) is str for title, summary in texts):
        return None
    return [o.get("id") for o in objs], texts


def _parse_lines(text: str, first_line: int) -> tuple[_Items, str | None]:
    """Line by line, up to the first bad line: (items before it, what is wrong with it)."""
    ids: list[Any] = []
    texts: list[tuple[str, str]] = []
    for number, line in enumerate(text.split("\n"), start=first_line):
        if not line or line.isspace():
            continue
        try:
            obj = json.loads(line)
        except ValueError as exc:
            return (ids, texts), f"line {number}: not valid JSON ({exc})"
        if not isinstance(obj, dict):
            return (ids, texts), f'line {number}: expected a JSON object like {{"title": "..."}}'
        title = obj.get("title")
        summary = obj.get("summary") or ""
        if not isinstance(title, str) or not isinstance(summary, str):
            return (ids, texts), (
                f'line {number}: expected "title" (and "summary", if given) to be strings'
            )
        ids.append(obj.get("id"))
        texts.append((title, summary))
    return (ids, texts), None


def _line(item_id: Any, found: list[Match], explain: bool) -> str:
    # Written by hand: json.dumps per line would cost as much as the matching.
    key = encode_basestring(item_id) if isinstance(item_id, str) else json.dumps(item_id)
    if not found:
        return f'{{"id": {key}, "matches": []}}'
    parts = []
    for m in found:
        terms = ", ".join(encode_basestring(t) for t in m.terms)
        extra = ""
        if explain:
            hits = [
                {
                    "term": h.term,
                    "kind": h.kind,
                    "score": h.score,
                    "spans": [[s.field, s.start, s.end] for s in h.spans],
                }
                for h in m.hits
            ]
            extra = ", " + '"hits": ' + json.dumps(hits, ensure_ascii=False)
        parts.append(
            f'{{"issue": {encode_basestring(m.issue_id)}, "score": {m.score}, '
            f'"terms": [{terms}]{extra}}}'
        )
    return f'{{"id": {key}, "matches": [{", ".join(parts)}]}}'


# -- watchlists --------------------------------------------------------------------------------


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

    issues = _select(ctx.issues, issue_id)
    with ctx.open_store(create=False) as store:
        stats = [issue_term_stats(store, issue) for issue in issues]
    if as_json:
        click.echo(json.dumps([s.to_dict() for s in stats], ensure_ascii=False, indent=2))
    else:
        click.echo(_render_stats(stats))


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

    selected = _select(ctx.issues, issue_id)
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
                _match_pool(
                    matcher, _workers(workers), small=total < _POOL_MIN_ITEMS and not workers
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


def _select(issues: list[Issue], issue_id: str | None) -> list[Issue]:
    if issue_id is None:
        return issues
    for issue in issues:
        if issue.id == issue_id:
            return [issue]
    known = ", ".join(i.id for i in issues) or "none"
    raise click.BadParameter(
        f"no watchlist has id {issue_id!r} (known: {known})", param_hint="--issue"
    )


@contextmanager
def _match_pool(matcher: Matcher, workers: int, *, small: bool) -> Iterator[MatchBatches | None]:
    """Batches matched in forked workers for a large rematch; None (this process) otherwise.

    Up to `workers` batches are matched ahead while this process writes the previous
    one: on two cores, writing costs about as much as matching.
    """
    if workers < 2 or small:
        yield None
        return
    global _worker_matcher
    _worker_matcher = matcher
    context = multiprocessing.get_context("fork")
    with context.Pool(workers) as pool:

        def match_batches(batches: Iterator[Rows]) -> Iterator[Matched]:
            # Batches are read here, in the thread that owns the store's connection.
            ahead: deque[tuple[Rows, AsyncResult[list[list[EncodedMatch]]]]] = deque()
            for rows in batches:
                ahead.append((rows, pool.apply_async(_match_in_worker, (rows,))))
                if len(ahead) > workers:
                    done, result = ahead.popleft()
                    yield done, result.get()
            while ahead:
                done, result = ahead.popleft()
                yield done, result.get()

        yield match_batches


_POOL_MIN_ITEMS = 50_000  # below this, starting workers costs more than it saves


def _match_in_worker(rows: Rows) -> list[list[EncodedMatch]]:
    from briefer.rematch import match_rows

    assert _worker_matcher is not None
    return match_rows(_worker_matcher, rows)
