"""`briefer stories --jsonl`: group items into stories without storing anything.

A contract other tools (and bench/eval_stories.py) rely on: one JSON object a line in,

    {"id": ..., "title": "...", "published": "2026-07-14T15:31", "summary": "...",
     "source": "...", "lang": "es"}     (summary, source and lang optional)

and one a line out, in the same order: {"id": ..., "story": ...}, where items of one story
share the story value (the id of its earliest item). A line that is not such an object
stops the run: the lines before it are grouped and written, the error names its line
number, and the exit status is 2, as for `briefer match --jsonl`.
"""

from __future__ import annotations

import sys
from typing import IO

import click

from briefer.cli.jsonl_command import run_jsonl_command
from briefer.stories.jsonl import encode, parse_lines, stories_of


@click.command()
@click.option(
    "--jsonl",
    "jsonl",
    metavar="FILE|-",
    required=True,
    type=click.Path(dir_okay=False, allow_dash=True),
    help='Items as JSON lines ({"id", "title", "published", ...}) from FILE or stdin.',
)
def stories(jsonl: str) -> None:
    """Group items (JSON lines) into stories: one line out per item, in order.

    \b
    briefer stories --jsonl items.jsonl > stories.jsonl
    """
    run_jsonl_command("stories", jsonl, lambda stream: _run(stream, sys.stdout))


def _run(stream: IO[bytes], out: IO[str]) -> str | None:
    parsed = parse_lines(stream)
    for item_id, story in zip(parsed.ids, stories_of(parsed), strict=True):
        out.write(encode(item_id, story) + "\n")
    out.flush()
    return parsed.error
