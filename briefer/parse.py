"""Feed bytes -> ParsedFeed: plain-text, sanitised items with UTC dates and stable guids.

Two readers, one set of rules: `parse_fast` (fastfeedparser) reads plain, well-formed
UTF-8 feeds, which is nearly every feed a poll sees; anything it turns down goes to
`parse_feedparser`, which copes with every odd feed. Both hand over raw entries, and
`parse_rules` turns those into Items, so an item is the same whichever read it.

`parse_feed` is a plain top-level function of bytes and strings, so it can run in a
process pool.
"""

from __future__ import annotations

from datetime import UTC, datetime

from briefer.models import ParsedFeed
from briefer.parse_fast import read_fast
from briefer.parse_feedparser import read_feedparser
from briefer.parse_rules import MAX_ITEMS, MAX_SUMMARY, MAX_TITLE, RawFeed, build_feed, reason

__all__ = ["MAX_ITEMS", "MAX_SUMMARY", "MAX_TITLE", "parse_feed", "read"]


def read(body: bytes, *, url: str, content_type: str | None = None) -> tuple[RawFeed, str]:
    """The document's raw entries and which reader read them ("fast" or "feedparser")."""
    raw = read_fast(body, content_type=content_type)
    if raw is not None:
        return raw, "fast"
    return read_feedparser(body, url=url, content_type=content_type), "feedparser"


def parse_feed(
    body: bytes, *, url: str, fetched_at: datetime, content_type: str | None = None
) -> ParsedFeed:
    """Parse one feed document. Never raises for bad input: problems become `error`
    (nothing usable) or `warning` (ill-formed but ingested)."""
    if fetched_at.tzinfo is None:
        fetched_at = fetched_at.replace(tzinfo=UTC)
    fetched_at = fetched_at.astimezone(UTC)
    if not body.strip():
        return ParsedFeed(title="", link=None, items=[], error="the server sent an empty response")
    try:
        raw, _ = read(body, url=url, content_type=content_type)
    except Exception as exc:  # a crash on one feed is that feed's error, not the poll's
        text = reason(str(exc) or type(exc).__name__)
        return ParsedFeed(title="", link=None, items=[], error=f"could not parse: {text}")
    return build_feed(raw, url=url, fetched_at=fetched_at)
