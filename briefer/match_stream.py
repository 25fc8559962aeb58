"""Match a stream of JSON lines in blocks, across forked workers for large inputs.

The engine behind `briefer match --jsonl`, a contract other tools rely on: one JSON object
a line in, one a line out, in the same order:

    {"id": ..., "title": "...", "summary": "..."}          (summary and id optional)
    {"id": ..., "matches": [{"issue": "border", "score": 100.0, "terms": ["ICE"]}]}

Blank lines are skipped. A line that is not a JSON object with a "title" string stops the
run: the lines before it are written and the error names its line number.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator
from json.encoder import encode_basestring
from typing import IO, Any

from briefer.match import Matcher
from briefer.match_pool import worker_count
from briefer.models import Match
from briefer.parse_rules import MAX_SUMMARY, MAX_TITLE
from briefer.workers import fork_pool

BLOCK = 1 << 20  # bytes of input per batch, about 7,000 headlines: smaller batches cost more

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
        return _run_jsonl(matcher, stream, out, explain=explain, workers=worker_count(workers))
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
    with fork_pool(workers) as pool:
        tasks = ((block, explain) for block in _chain(first, second, blocks))
        for result, error in pool.imap(_process_in_worker, tasks):
            out.write(result)
            if error is not None:
                pool.terminate()
                return error
    out.flush()
    return None


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
    # A poll never stores more of an item than this; neither is more matched here (a
    # 480 KB title would otherwise take the matcher tens of seconds).
    texts = [
        (t[:MAX_TITLE], s[:MAX_SUMMARY]) if len(t) > MAX_TITLE or len(s) > MAX_SUMMARY else (t, s)
        for t, s in texts
    ]
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
