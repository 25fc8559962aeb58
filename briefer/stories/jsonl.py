"""Items as JSON lines, for `briefer stories --jsonl` and the evaluation.

One object a line: {"id", "title", "published", "summary", "source", "lang"}; summary,
source and lang may be missing, empty or null. `title` is the feed's raw title (an
aggregator's " - Outlet" suffix is cut here); `published` is ISO 8601, UTC when it names
no zone. Blank lines are skipped. Reading stops at the first bad line: what came before is
kept, and the error names the line.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from briefer.outlet import split_outlet
from briefer.stories.batch import group
from briefer.stories.item import StoryItem
from briefer.textfold import language

__all__ = ["Parsed", "encode", "parse_lines", "stories_of"]


@dataclass(slots=True)
class Parsed:
    ids: list[Any] = field(default_factory=list)  # as given, for the output
    items: list[StoryItem] = field(default_factory=list)  # StoryItem.id is the position
    error: str | None = None  # what stopped the reading, naming the line


def _published(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _item(number: int, obj: object, position: int) -> tuple[Any, StoryItem] | str:
    """(id, item) for one parsed line, or what is wrong with it."""
    where = f"line {number}"
    if not isinstance(obj, dict):
        return f'{where}: expected a JSON object like {{"id": 1, "title": "...", "published": ...}}'
    item_id = obj.get("id")
    if item_id is None or isinstance(item_id, bool) or not isinstance(item_id, str | int):
        return f'{where}: expected "id" to be a string or an integer'
    title = obj.get("title")
    if not isinstance(title, str):
        return f'{where}: expected "title" to be a string'
    published = _published(obj.get("published"))
    if published is None:
        return f'{where}: expected "published" to be an ISO 8601 date and time'
    extra = {key: obj.get(key) or "" for key in ("summary", "source", "lang")}
    wrong = [key for key, value in extra.items() if not isinstance(value, str)]
    if wrong:
        return f'{where}: expected "{wrong[0]}" to be a string when given'
    headline, outlet = split_outlet(title)
    summary = extra["summary"]
    item = StoryItem(
        id=position,
        title=headline,
        published=published,
        summary=summary,
        outlet=outlet or extra["source"],
        lang=extra["lang"] or language(f"{headline} {summary}"),
    )
    return item_id, item


def parse_lines(lines: Iterable[bytes]) -> Parsed:
    """Items of JSON lines (bytes, one line each, numbered from 1), up to the first bad one."""
    parsed = Parsed()
    for number, raw in enumerate(lines, start=1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            parsed.error = f"line {number}: not UTF-8 text"
            return parsed
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError as exc:
            parsed.error = f"line {number}: not valid JSON ({exc})"
            return parsed
        found = _item(number, obj, len(parsed.items))
        if isinstance(found, str):
            parsed.error = found
            return parsed
        parsed.ids.append(found[0])
        parsed.items.append(found[1])
    return parsed


def stories_of(parsed: Parsed) -> list[Any]:
    """The story of every parsed item, in input order: the id of the story's first item."""
    positions: list[Any] = group(parsed.items)  # StoryItem.id is the position
    return [parsed.ids[story] for story in positions]


def encode(item_id: Any, story: Any) -> str:
    return json.dumps({"id": item_id, "story": story}, ensure_ascii=False)
