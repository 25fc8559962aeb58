"""Feed bytes -> ParsedFeed: plain-text, sanitised items with UTC dates and stable guids.

`parse_feed` is a plain top-level function of bytes and strings, so the poller can run it
in a process pool (feedparser is pure Python and the slowest stage of a poll).
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from xml.sax import SAXParseException

import feedparser

from briefer.models import Item, ParsedFeed
from briefer.sanitize import clean_text, safe_link

__all__ = ["MAX_ITEMS", "MAX_SUMMARY", "MAX_TITLE", "parse_feed"]

MAX_TITLE = 300
MAX_SUMMARY = 2000
MAX_AUTHOR = 200
MAX_GUID = 512
MAX_REASON = 160
# Real feeds carry tens of entries, archives a few hundred; more is a runaway or hostile
# feed that would bloat the store.
MAX_ITEMS = 1000
# Dates before this are epoch-0 bugs ("1 Jan 1970"), not news.
EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml", "html", "xhtml"})
# Ill-formedness that does not stop an otherwise valid feed from being one.
_BENIGN = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)


def _is_html(detail: Mapping[str, Any] | None) -> bool:
    # feedparser already decides whether "text" content looks like HTML; without a
    # verdict, assume markup (stripping is the safe side).
    return detail is None or detail.get("type") in _HTML_TYPES


def _reason(exc: object) -> str:
    """feedparser's bozo exception as a short phrase for the user."""
    if isinstance(exc, SAXParseException):
        text = f"XML error at line {exc.getLineNumber()}: {exc.getMessage()}"
    elif isinstance(exc, feedparser.CharacterEncodingOverride):
        text = f"wrong character encoding declared ({exc})"
    elif isinstance(exc, Exception) and str(exc):
        text = str(exc)
    else:
        text = type(exc).__name__
    return clean_text(text, MAX_REASON, html=False)


def _date(entry: dict[str, Any], fetched_at: datetime) -> datetime:
    # dict.get, not FeedParserDict.get: asking the latter for a missing updated_parsed
    # quietly answers with published_parsed and a DeprecationWarning.
    parsed = (
        dict.get(entry, "published_parsed")
        or dict.get(entry, "updated_parsed")
        or dict.get(entry, "created_parsed")
    )
    if not parsed:
        return fetched_at
    try:
        # feedparser gives UTC struct_times; a leap second (60) is not a datetime.
        year, month, day, hour, minute, second = parsed[:6]
        when = datetime(year, month, day, hour, minute, min(second, 59), tzinfo=UTC)
    except (TypeError, ValueError, OverflowError):
        return fetched_at
    if when < EARLIEST:
        return fetched_at
    # Nothing was published after we fetched it: a future date is a wrong timezone or a
    # feed trying to stay on top of the list.
    return min(when, fetched_at)


def _guid(entry: dict[str, Any], link: str | None, title: str) -> str:
    raw = entry.get("id") or entry.get("link") or link
    if isinstance(raw, str) and raw.strip():
        guid = raw.strip()
        if len(guid) <= MAX_GUID:
            return guid
        return "sha1:" + hashlib.sha1(guid.encode("utf-8", "surrogatepass")).hexdigest()
    # No id and no link: title and the feed's own date string (never fetched_at, which
    # changes every poll) identify the entry from one poll to the next.
    date = dict.get(entry, "published") or dict.get(entry, "updated") or dict.get(entry, "created")
    key = f"{title}\x1f{date or ''}".encode("utf-8", "surrogatepass")
    return "sha1:" + hashlib.sha1(key).hexdigest()


def _item(entry: dict[str, Any], url: str, fetched_at: datetime) -> Item:
    summary_raw = entry.get("summary")
    summary_detail = entry.get("summary_detail")
    if not summary_raw and entry.get("content"):
        first = entry["content"][0]
        summary_raw, summary_detail = first.get("value"), first
    summary = clean_text(summary_raw, MAX_SUMMARY, html=_is_html(summary_detail), multiline=True)
    title = clean_text(entry.get("title"), MAX_TITLE, html=_is_html(entry.get("title_detail")))
    if not title and summary:
        # Title-less entries (microblogs, some RSS 0.9x) still need a headline.
        title = clean_text(summary, 160, html=False)
    link = safe_link(entry.get("link"), url)
    return Item(
        guid=_guid(entry, link, title),
        title=title,
        summary=summary,
        link=link,
        published=_date(entry, fetched_at),
        author=clean_text(entry.get("author"), MAX_AUTHOR),
    )


def _ttl(feed: dict[str, Any]) -> int | None:
    raw = str(feed.get("ttl") or "").strip()
    if raw.isdigit() and 0 < int(raw) <= 7 * 24 * 60:
        return int(raw)
    return None


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
    # Once there are headers, a missing Content-Type is a bozo and shifts the default
    # charset to iso-8859-1; application/xml means "trust the document", as no headers do.
    headers = {"content-type": content_type or "application/xml"}
    if b"base=" in body:
        # With no base of its own, feedparser lets one entry's xml:base leak into the
        # entries after it; the feed's address as a base stops that. Only then: with a
        # base it runs urljoin on every element (a fifth of the parse), and it resolves
        # relative permalink guids, which should not follow the feed's address.
        # Relative links are otherwise resolved by safe_link below.
        headers["content-location"] = url
    try:
        # BytesIO, never bytes: feedparser treats a bytes argument as a possible file name
        # and would open it. No sanitizer or URI rewriting inside HTML: clean_text reduces
        # it to text anyway, and feedparser's HTML pass costs a third of the parse.
        d = feedparser.parse(
            io.BytesIO(body),
            response_headers=headers,
            resolve_relative_uris=False,
            sanitize_html=False,
        )
    except Exception as exc:  # a crash on one feed is that feed's error, not the poll's
        return ParsedFeed(title="", link=None, items=[], error=f"could not parse: {_reason(exc)}")

    feed = d.get("feed", {})
    reason = _reason(d.get("bozo_exception")) if d.get("bozo") else None
    items: list[Item] = []
    seen: set[str] = set()
    entries = d.get("entries", [])
    for entry in entries:
        item = _item(entry, url, fetched_at)
        if item.guid in seen or not (item.title or item.link):
            # Duplicates, and husks with nothing to show (illegally nested markup makes
            # feedparser open an entry per stray <item>).
            continue
        seen.add(item.guid)
        items.append(item)
        if len(items) >= MAX_ITEMS:
            break

    warnings = []
    error = None
    version = d.get("version")
    if items:
        if reason:
            warnings.append(reason)
    elif d.get("bozo") and not (version and isinstance(d.get("bozo_exception"), _BENIGN)):
        error = f"not a feed: {reason}"
    elif not version:
        error = "not a feed: no RSS or Atom content found"
    elif reason:
        warnings.append(reason)
    if len(items) >= MAX_ITEMS and len(entries) > MAX_ITEMS:
        warnings.append(f"only the first {MAX_ITEMS} of {len(entries)} entries were kept")

    return ParsedFeed(
        title=clean_text(feed.get("title"), MAX_TITLE, html=_is_html(feed.get("title_detail"))),
        link=safe_link(feed.get("link"), url),
        items=items,
        error=error,
        warning="; ".join(warnings) or None,
        ttl_minutes=_ttl(feed),
    )
