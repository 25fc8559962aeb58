"""Read a feed document with feedparser: slow, pure Python, and forgiving of everything.

The fallback for any document the fast path (`parse_fast`) turns down: wrong or missing
charsets, ill-formed XML, DTDs, xml:base, old RSS and Atom dialects.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from xml.sax import SAXParseException

import feedparser

from briefer.parse_rules import RawEntry, RawFeed, reason

__all__ = ["read_feedparser"]

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
    return reason(text)


def _date(entry: dict[str, Any]) -> datetime | None:
    # dict.get, not FeedParserDict.get: asking the latter for a missing updated_parsed
    # quietly answers with published_parsed and a DeprecationWarning.
    parsed = (
        dict.get(entry, "published_parsed")
        or dict.get(entry, "updated_parsed")
        or dict.get(entry, "created_parsed")
    )
    if not parsed:
        return None
    try:
        # feedparser gives UTC struct_times; a leap second (60) is not a datetime.
        year, month, day, hour, minute, second = parsed[:6]
        return datetime(year, month, day, hour, minute, min(second, 59), tzinfo=UTC)
    except (TypeError, ValueError, OverflowError):
        return None


def _source(entry: dict[str, Any]) -> tuple[str | None, str | None]:
    # RSS <source url="...">Name</source> -> {href, title}; Atom <source> -> {title, link}.
    source = entry.get("source")
    if not isinstance(source, Mapping):
        return None, None
    title = source.get("title")
    href = source.get("href") or source.get("link")
    return (title if isinstance(title, str) else None), (href if isinstance(href, str) else None)


def _entry(entry: dict[str, Any]) -> RawEntry:
    summary = entry.get("summary")
    summary_detail = entry.get("summary_detail")
    if not summary and entry.get("content"):
        first = entry["content"][0]
        summary, summary_detail = first.get("value"), first
    source_title, source_url = _source(entry)
    date_text = dict.get(entry, "published") or dict.get(entry, "updated")
    return RawEntry(
        title=entry.get("title"),
        title_html=_is_html(entry.get("title_detail")),
        summary=summary,
        summary_html=_is_html(summary_detail),
        link=entry.get("link"),
        id=entry.get("id"),
        date=_date(entry),
        date_text=date_text or dict.get(entry, "created"),
        author=entry.get("author"),
        source_title=source_title,
        source_url=source_url,
    )


def read_feedparser(body: bytes, *, url: str, content_type: str | None) -> RawFeed:
    """Read one document; raises only if feedparser itself crashes."""
    # Once there are headers, a missing Content-Type is a bozo and shifts the default
    # charset to iso-8859-1; application/xml means "trust the document", as no headers do.
    headers = {"content-type": content_type or "application/xml"}
    if b"base=" in body:
        # With no base of its own, feedparser lets one entry's xml:base leak into the
        # entries after it; the feed's address as a base stops that. Only then: with a
        # base it runs urljoin on every element (a fifth of the parse), and it resolves
        # relative permalink guids, which should not follow the feed's address.
        # Relative links are otherwise resolved by safe_link in parse_rules.
        headers["content-location"] = url
    # BytesIO, never bytes: feedparser treats a bytes argument as a possible file name
    # and would open it. No sanitizer or URI rewriting inside HTML: clean_text reduces
    # it to text anyway, and feedparser's HTML pass costs a third of the parse.
    d = feedparser.parse(
        io.BytesIO(body),
        response_headers=headers,
        resolve_relative_uris=False,
        sanitize_html=False,
    )
    feed = d.get("feed", {})
    exc = d.get("bozo_exception")
    return RawFeed(
        title=feed.get("title"),
        title_html=_is_html(feed.get("title_detail")),
        link=feed.get("link"),
        ttl=feed.get("ttl"),
        entries=[_entry(entry) for entry in d.get("entries", [])],
        is_feed=bool(d.get("version")),
        problem=_reason(exc) if d.get("bozo") else None,
        problem_benign=isinstance(exc, _BENIGN),
    )
