"""Build fixture databases through the store's own write path (no hand-written SQL)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from briefer.models import FetchResult, FetchStatus, Item, Match, ParsedFeed, Span, TermHit
from briefer.store import Store

FIXED_NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def hit(term: str, title: str, *, kind: str = "phrase", score: float = 100.0) -> TermHit:
    """A TermHit whose span points at `term` inside `title` (case-insensitive)."""
    start = title.lower().find(term.lower())
    spans = (Span("title", start, start + len(term)),) if start >= 0 else ()
    return TermHit(term=term, kind=kind, score=score, spans=spans)


def add_feed(
    store: Store,
    url: str,
    entries: Sequence[tuple[Item, Sequence[Match]]],
    *,
    title: str = "Fixture feed",
    now: datetime = FIXED_NOW,
) -> list:
    """Store `entries` as one successful poll of `url`; returns the new matches."""
    parsed = ParsedFeed(title=title, link=None, items=[item for item, _ in entries])
    result = FetchResult(url=url, status=FetchStatus.OK, http_status=200)
    _, new = store.record_poll(
        url,
        result,
        parsed,
        [list(m) for _, m in entries],
        next_due=now + timedelta(minutes=30),
        now=now,
    )
    return new


def item(
    guid: str,
    title: str,
    *,
    summary: str = "",
    link: str | None = None,
    published: datetime = FIXED_NOW,
) -> Item:
    return Item(
        guid=guid,
        title=title,
        summary=summary,
        link=link or f"https://example.com/{guid}",
        published=published,
    )
