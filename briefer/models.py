"""Plain data passed between the pipeline stages (fetch -> parse -> match -> store), and
the rows the store reads back for the app, the CLI and the digest.

Every stage takes and returns these dataclasses, so each stage can be tested alone and
none of them needs to know how the others work.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, fields
from datetime import datetime
from enum import StrEnum


class FetchStatus(StrEnum):
    OK = "ok"  # a body to parse
    NOT_MODIFIED = "not_modified"  # 304: nothing to parse
    DEFERRED = "deferred"  # 429/503: try again at retry_after
    GONE = "gone"  # 410: disable the feed
    ERROR = "error"  # anything else: recorded, retried later


@dataclass(frozen=True, slots=True)
class FeedRequest:
    """What fetch needs to know about one feed."""

    url: str
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True, slots=True)
class FetchResult:
    url: str
    status: FetchStatus
    http_status: int | None = None
    body: bytes | None = None
    etag: str | None = None
    last_modified: str | None = None
    content_type: str | None = None
    final_url: str | None = None
    error: str | None = None  # a sentence for the user: what went wrong
    retry_after: datetime | None = None  # UTC, from Retry-After on 429/503
    # Cache hints the scheduler may follow: seconds from Cache-Control max-age or Expires.
    max_age: int | None = None
    elapsed: float = 0.0


@dataclass(frozen=True, slots=True)
class Item:
    """One feed entry, already sanitised: plain text, http(s) link or None, UTC date."""

    guid: str
    title: str
    summary: str
    link: str | None
    published: datetime  # timezone-aware UTC
    author: str = ""
    # The outlet that published it, when the feed is an aggregator (Google News' <source>
    # element or the title's " - Outlet" suffix, which is then cut from `title`); "" when the
    # feed is the outlet itself.
    outlet: str = ""
    outlet_url: str | None = None

    def __reduce__(self) -> tuple[type[Item], tuple[object, ...]]:
        # Rebuilt through __init__: unpickling a slots dataclass field by field
        # (dataclasses' __setstate__) cost a poll with parse workers 50 ms of its main
        # process for 10,000 items.
        return Item, tuple(getattr(self, f.name) for f in _ITEM_FIELDS)

    @property
    def content_hash(self) -> str:
        """Changes when what a reader sees changes; used to update items in place."""
        text = "\x1f".join((self.title, self.summary, self.link or "", self.author))
        return hashlib.sha1(text.encode("utf-8")).hexdigest()


_ITEM_FIELDS = fields(Item)


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    title: str
    link: str | None
    items: list[Item]
    error: str | None = None  # set when the feed yields no entries: feedparser's reason
    warning: str | None = None  # ill-formed but usable: feedparser's bozo reason
    ttl_minutes: int | None = None  # RSS <ttl>


@dataclass(frozen=True, slots=True)
class Span:
    """Where a term matched: field is "title" or "summary"; [start, end) in that field."""

    field: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class TermHit:
    term: str  # the watchlist term as written
    kind: str  # "phrase", "word" (whole-word acronym/name), "context"
    score: float  # 0-100 similarity for this term
    spans: tuple[Span, ...] = ()


@dataclass(frozen=True, slots=True)
class Match:
    issue_id: str
    score: float  # 0-100
    hits: tuple[TermHit, ...] = ()

    @property
    def terms(self) -> list[str]:
        """The terms that made the match. Context hits (the "México" a weak term needs) are
        kept in `hits` for highlighting but are not a reason to show."""
        return [h.term for h in self.hits if h.kind != "context"]


@dataclass(slots=True)
class FeedOutcome:
    """What one poll did to one feed: a line of `briefer poll` output."""

    url: str
    title: str
    status: FetchStatus
    new_items: int = 0
    updated_items: int = 0
    new_matches: int = 0
    error: str | None = None
    warning: str | None = None


@dataclass(frozen=True, slots=True)
class NewMatch:
    """A match stored for the first time: what notifications and the TUI react to."""

    item_id: int
    issue_id: str
    score: float
    title: str
    link: str | None
    feed_title: str
    terms: tuple[str, ...]
    published: datetime
    # The item's story (the id of its first item). Left at 0 by a caller that does not know
    # it, it becomes the item's own id: an item not grouped yet is a story of its own.
    story_id: int = 0
    outlet: str = ""  # the real outlet, "" when the feed is the outlet
    lang: str = ""  # "en", "es", ... or "" when unknown

    def __post_init__(self) -> None:
        if not self.story_id:
            object.__setattr__(self, "story_id", self.item_id)


@dataclass(slots=True)
class PollReport:
    outcomes: list[FeedOutcome] = field(default_factory=list)
    new_matches: list[NewMatch] = field(default_factory=list)

    @property
    def succeeded(self) -> int:
        return sum(o.status in (FetchStatus.OK, FetchStatus.NOT_MODIFIED) for o in self.outcomes)

    @property
    def new_items(self) -> int:
        return sum(o.new_items for o in self.outcomes)

    def __repr__(self) -> str:
        # Counts, not every row: asyncio.run (3.11) reprs the finished task's result when it
        # restores its SIGINT handler, and a first poll's report holds thousands of matches
        # (spelling them out twice took about 50 ms).
        return f"PollReport({len(self.outcomes)} outcomes, {len(self.new_matches)} new matches)"


# -- rows read back from the store ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FeedRow:
    id: int
    url: str
    title: str
    etag: str | None
    last_modified: str | None
    last_polled: datetime | None
    last_status: str | None
    last_error: str | None
    error_count: int
    next_due: datetime | None
    disabled: bool
    disabled_reason: str | None
    item_count: int
    warning: str | None = None

    @property
    def failing(self) -> bool:
        return self.disabled or self.error_count > 0


@dataclass(frozen=True, slots=True)
class ItemRow:
    id: int
    title: str
    summary: str
    link: str | None
    published: datetime
    feed_title: str
    feed_url: str
    read: bool
    starred: bool
    outlet: str = ""  # the real outlet of an aggregator's item, "" when the feed is the outlet

    @property
    def source(self) -> str:
        """Who published it, as a reader names them: the outlet, else the feed."""
        return self.outlet or self.feed_title


@dataclass(frozen=True, slots=True)
class MatchRow:
    item: ItemRow
    issue_id: str
    score: float
    hits: tuple[TermHit, ...]
    matched_at: datetime

    @property
    def terms(self) -> list[str]:
        """The terms that made the match (context hits only support it; see Match.terms)."""
        return [h.term for h in self.hits if h.kind != "context"]


@dataclass(frozen=True, slots=True)
class SearchRow:
    item: ItemRow
    issue_ids: tuple[str, ...]
    story_id: int  # the item's story; an item not grouped yet is its own (its id)


@dataclass(frozen=True, slots=True)
class TermStat:
    """How one term of an issue did over the stored matches."""

    term: str
    kind: str  # "phrase", "word", "weak" or "context" (context only gates weak terms)
    hits: int  # stored matches of the issue this term took part in
    last_matched: datetime | None  # publication time of the newest of them
    dismissed: int  # of those, how many the user marked not relevant


@dataclass(slots=True)
class MatchChanges:
    """What replacing one issue's matches did: pairs that appeared, went, or stayed."""

    added: int = 0
    removed: int = 0
    kept: int = 0


@dataclass(frozen=True, slots=True)
class StoryActivity:
    """How an issue moves, counted in stories (`Store.story_activity`)."""

    unread: int  # stories with items not read
    daily: tuple[int, ...]  # stories first seen in each 24 hours up to now, oldest first
    new_outlets: int  # outlets that carried the stories first seen in the last 24 hours


@dataclass(frozen=True, slots=True)
class StoryRow:
    """One story as an issue's list shows it: its matched, not dismissed items together."""

    story_id: int
    issue_id: str
    headline: str  # best item's title (no outlet suffix)
    headline_item_id: int
    link: str | None  # headline item's link
    outlets: int  # distinct outlets (outlet, else feed title) among its matched items
    langs: frozenset[str]  # {"en", "es"} present among its matched items
    items: int  # matched, not dismissed items in the story for this issue
    unread: int  # of those, not read
    new_since_read: int  # unread items when at least one item is read ("+3 new"), else 0
    starred: bool  # any item starred
    score: float  # best match score among its items for this issue
    first_seen: datetime  # earliest published
    last_update: datetime  # latest published
    rank: float  # best-first rank (coverage, recency, score), see briefer.stories.rank
    hits: tuple[TermHit, ...]  # headline item's hits, for highlighting


@dataclass(frozen=True, slots=True)
class StoryMember:
    """One item inside an opened story."""

    item: ItemRow
    outlet: str  # real outlet, else the feed's title
    lang: str
    match: MatchRow | None  # its match for the issue, None if unmatched
