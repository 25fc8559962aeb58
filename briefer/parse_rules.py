"""What every parser's output goes through on its way to Items: the shared rules and limits.

The parser adapters (`parse_fast`, `parse_feedparser`) only read a document into
`RawFeed`/`RawEntry`: text as the feed wrote it plus whether it is HTML, links as written,
dates already in UTC. Sanitising, guids, date sanity, the outlet, de-duplication and the
caps happen here, once, so an item is the same whichever parser read it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from briefer.models import Item, ParsedFeed
from briefer.outlet import echoes_title, split_outlet
from briefer.sanitize import clean_text, safe_link

__all__ = [
    "MAX_ITEMS",
    "MAX_SUMMARY",
    "MAX_TITLE",
    "RawEntry",
    "RawFeed",
    "build_feed",
    "to_item",
]

MAX_TITLE = 300
MAX_SUMMARY = 2000
MAX_AUTHOR = 200
MAX_OUTLET = 120
MAX_GUID = 512
MAX_REASON = 160
# Real feeds carry tens of entries, archives a few hundred; more is a runaway or hostile
# feed that would bloat the store.
MAX_ITEMS = 1000
# Dates before this are epoch-0 bugs ("1 Jan 1970"), not news.
EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)


# An absolute http(s) URL that safe_link would return unchanged: plain ASCII host, no
# port, userinfo, params, fragment, empty query, entity or blank. Nearly every feed link
# is one, and matching this costs a tenth of safe_link's parse and join.
_PLAIN_LINK = re.compile(
    r"https?://[A-Za-z0-9.-]+(?:/[A-Za-z0-9._~!$'()*+,=:@%/-]*)?(?:\?[A-Za-z0-9._~!$'()*+,;=:@%/?-]+)?"
)


def link(url: str | None, base: str) -> str | None:
    """safe_link(url, base), faster for the links most feeds have."""
    if url and len(url) <= 2048 and _PLAIN_LINK.fullmatch(url):
        return url
    return safe_link(url, base)


@dataclass(slots=True)
class RawEntry:
    """One entry as a parser read it, before any of briefer's rules."""

    title: str | None
    title_html: bool
    summary: str | None
    summary_html: bool
    link: str | None  # as written: may be relative
    id: str | None
    date: datetime | None  # aware, UTC; None when missing or unreadable
    # The feed's own date string: with no id and no link, it and the title identify the
    # entry from one poll to the next.
    date_text: str | None
    author: str | None
    source_title: str | None = None  # <source>: the outlet behind an aggregator's entry
    source_url: str | None = None


@dataclass(slots=True)
class RawFeed:
    title: str | None
    title_html: bool
    link: str | None
    ttl: str | None
    entries: list[RawEntry] = field(default_factory=list)
    # Whether the document was recognised as RSS or Atom at all.
    is_feed: bool = True
    # Why the document is ill-formed (a short phrase), and whether that is harmless to a
    # feed that is otherwise valid (a wrong charset label, a non-XML Content-Type).
    problem: str | None = None
    problem_benign: bool = False


def _date(raw: datetime | None, fetched_at: datetime) -> datetime:
    if raw is None or raw < EARLIEST:
        return fetched_at
    # Nothing was published after we fetched it: a future date is a wrong timezone or a
    # feed trying to stay on top of the list.
    return min(raw, fetched_at)


def _guid(entry: RawEntry, link: str | None, title: str) -> str:
    raw = entry.id or entry.link or link
    if isinstance(raw, str) and raw.strip():
        guid = raw.strip()
        if len(guid) <= MAX_GUID:
            return guid
        return "sha1:" + hashlib.sha1(guid.encode("utf-8", "surrogatepass")).hexdigest()
    # No id and no link: title and the feed's own date string (never fetched_at, which
    # changes every poll) identify the entry from one poll to the next.
    key = f"{title}\x1f{entry.date_text or ''}".encode("utf-8", "surrogatepass")
    return "sha1:" + hashlib.sha1(key).hexdigest()


def to_item(entry: RawEntry, url: str, fetched_at: datetime) -> Item:
    summary = clean_text(entry.summary, MAX_SUMMARY, html=entry.summary_html, multiline=True)
    title = clean_text(entry.title, MAX_TITLE, html=entry.title_html)
    item_link = link(entry.link, url)
    # The guid is taken before the outlet is cut from the title, so it does not change
    # when the outlet rules do.
    guid = _guid(entry, item_link, title)
    source = clean_text(entry.source_title, MAX_OUTLET, html=False)
    outlet = source
    if title:
        title, outlet = split_outlet(title, source)
    elif summary:
        # Title-less entries (microblogs, some RSS 0.9x) still need a headline.
        title = clean_text(summary, 160, html=False)
    if summary and echoes_title(summary, title, outlet):
        summary = ""  # an aggregator's copy of the headline: nothing to show beside it
    return Item(
        guid=guid,
        title=title,
        summary=summary,
        link=item_link,
        published=_date(entry.date, fetched_at),
        author=clean_text(entry.author, MAX_AUTHOR),
        outlet=outlet,
        outlet_url=safe_link(entry.source_url, url) if entry.source_url else None,
    )


def _ttl(raw: str | None) -> int | None:
    text = str(raw or "").strip()
    if text.isdigit() and 0 < int(text) <= 7 * 24 * 60:
        return int(text)
    return None


def reason(text: str) -> str:
    """A parser's complaint as a short phrase for the user."""
    return clean_text(text, MAX_REASON, html=False)


def build_feed(raw: RawFeed, *, url: str, fetched_at: datetime) -> ParsedFeed:
    """Items through the shared rules, then what to tell the user about the document."""
    items: list[Item] = []
    seen: set[str] = set()
    for entry in raw.entries:
        item = to_item(entry, url, fetched_at)
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
    if items:
        if raw.problem:
            warnings.append(raw.problem)
    elif raw.problem and not (raw.is_feed and raw.problem_benign):
        error = f"not a feed: {raw.problem}"
    elif not raw.is_feed:
        error = "not a feed: no RSS or Atom content found"
    elif raw.problem:
        warnings.append(raw.problem)
    if len(items) >= MAX_ITEMS and len(raw.entries) > MAX_ITEMS:
        warnings.append(f"only the first {MAX_ITEMS} of {len(raw.entries)} entries were kept")

    return ParsedFeed(
        title=clean_text(raw.title, MAX_TITLE, html=raw.title_html),
        link=safe_link(raw.link, url),
        items=items,
        error=error,
        warning="; ".join(warnings) or None,
        ttl_minutes=_ttl(raw.ttl),
    )
