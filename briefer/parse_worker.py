"""The work a poll hands its worker processes: parse one feed body, match its items and
prepare them for storing (`parse_and_match`), and the pools that run it.

Light to import on purpose: `briefer poll --once` forks its workers before it imports the
fetcher, and each worker then imports the parsers itself, on another core, while the
polling process gets its first requests out. So the parse stack (lxml, fastfeedparser,
feedparser) is imported here only inside the functions that use it, and the polling
process, which never parses when it has workers, never imports it at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from briefer.models import ParsedFeed
from briefer.workers import PRELOAD, LazyPool, forked_pool, worker_count

if TYPE_CHECKING:
    from briefer.match import Matcher
    from briefer.store.prepared import PreparedItem
    from briefer.watchlist import Issue

__all__ = ["Parsed", "forked_parse_pool", "parse_and_match", "parse_pool"]

# A feed body parsed, matched and prepared for storing: the feed without its items, which
# are in the list, as `record_poll` reads them; (None, None) when there was no body.
Parsed = tuple[ParsedFeed | None, "list[PreparedItem] | None"]


def parse_pool(issues: Sequence[Issue], workers: int | None = None) -> LazyPool:
    """Processes that parse and match feeds for large polls; they start when a poll first
    uses them (a poll of a few feeds, or of feeds that all answer 304, never does)."""
    return LazyPool(worker_count(workers), _start_worker, (list(issues),))


def forked_parse_pool(matcher: Matcher, workers: int | None = None) -> Executor:
    """Processes forked now that parse and match with `matcher` (a copy of it each): for a
    process that runs no other thread yet (see workers.forked_pool)."""
    return forked_pool(worker_count(workers, forked=True), _adopt_matcher, (matcher,))


_worker_matcher: Matcher | None = None


def _start_worker(issues: list[Issue]) -> None:
    from briefer.match import Matcher

    _adopt_matcher(Matcher(issues))


def _adopt_matcher(matcher: Matcher) -> None:
    global _worker_matcher
    _worker_matcher = matcher
    _import_parse_stack()


def _import_parse_stack() -> None:
    """Import the parsers as the worker starts, so that the first body does not wait."""
    import importlib

    for name in PRELOAD:
        importlib.import_module(name)


def parse_and_match(
    body: bytes,
    *,
    url: str,
    fetched_at: datetime,
    content_type: str | None,
    feed_lang: str = "",
    matcher: Matcher | None = None,
) -> Parsed:
    """Parse one feed body, match its items and work out what storing them needs besides
    SQL (their fields as stored, languages, story features, matches as stored); runs in a
    pool worker or in-line.

    The items come back as PreparedItems only, the ParsedFeed without them: from a worker,
    the poll's main process unpickles what it stores and nothing more."""
    from briefer.parse import parse_feed
    from briefer.store.prepared import prepare_items

    matcher = matcher or _worker_matcher
    assert matcher is not None, "parse_and_match needs a matcher (or a pool from parse_pool)"
    parsed = parse_feed(body, url=url, fetched_at=fetched_at, content_type=content_type)
    if parsed.error or not parsed.items:
        return parsed, None
    matches = matcher.match_many([(i.title, i.summary) for i in parsed.items])
    return replace(parsed, items=[]), prepare_items(parsed.items, matches, feed_lang)
