"""The digest: what moved on each watched issue in a period, read against its baseline.

This module builds a plain model (`Digest` -> `IssueSection` -> `DigestEntry` with its
`DigestSource`s, plus `FeedProblem`s) from the store, and knows which period a digest covers
and when the last one was exported. It renders nothing: `digest_render` turns a `Digest` into
Markdown, HTML, JSON or Atom. `write_daily_digest` is the one call the scheduler and the TUI
make: build, render every configured format into the digest folder, remember the export.

Feed text is untrusted. The model already holds plain one-line text (control characters and
terminal escapes removed) and only http(s) links; each renderer still escapes for its format,
so a hostile title injected straight into the database comes out inert either way.
"""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rapidfuzz import fuzz

if TYPE_CHECKING:
    from briefer.config import Config
    from briefer.store import FeedRow, MatchRow, Store

__all__ = [
    "LAST_EXPORT_KEY",
    "Digest",
    "DigestEntry",
    "DigestSource",
    "FeedProblem",
    "IssueSection",
    "Period",
    "build_digest",
    "default_period",
    "last_export",
    "local_tz",
    "period_for_day",
    "period_since",
    "record_export",
    "safe_http_link",
    "write_daily_digest",
    "write_digest",
]

LAST_EXPORT_KEY = "digest.last_export"
SUMMARY_CHARS = 280
# Since the last export, an item first fetched in the period counts even if its feed dated it
# a little earlier (polled after the export); older backlog from a new feed does not.
LATE_ARRIVAL_WINDOW = timedelta(hours=36)
SAME_STORY = 88  # rapidfuzz token_sort_ratio on normalised titles, 0-100
MIN_SHARED_WORDS = 3  # two titles must share this many content words to be one story
SUBSET_MIN_WORDS = 5  # a cut-short headline counts as the same story from this many words
SUBSET_SHARE = 0.6  # ... if it keeps at least this share of the longer one's words


class IssueLike(Protocol):
    """What the digest needs from a watchlist Issue."""

    @property
    def id(self) -> str: ...

    @property
    def title(self) -> str: ...


class HasSummary(Protocol):
    """What the digest needs from a baseline.Baseline: its one-paragraph plain text."""

    @property
    def summary(self) -> str: ...


# -- the model --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Period:
    """[start, end) as aware datetimes; `kind` says how it was chosen (shown in the header)."""

    start: datetime
    end: datetime
    kind: str = "since"  # "day", "since", "since-last-export", "last-24h"


@dataclass(frozen=True, slots=True)
class DigestSource:
    """One feed that carried a story: its name, and its own link to it."""

    feed_title: str
    feed_url: str
    link: str | None
    published: datetime
    title: str
    item_id: int


@dataclass(frozen=True, slots=True)
class DigestEntry:
    """One story: the best-scored item, plus every feed that carried it (itself first)."""

    item_id: int
    title: str
    summary: str
    link: str | None
    published: datetime
    score: float
    terms: tuple[str, ...]
    sources: tuple[DigestSource, ...]

    @property
    def source_names(self) -> list[str]:
        return [s.feed_title for s in self.sources]


@dataclass(frozen=True, slots=True)
class IssueSection:
    issue_id: str
    title: str
    baseline: str
    entries: tuple[DigestEntry, ...]
    match_count: int  # matched items before near-duplicates were merged
    omitted: int = 0  # stories left out by max_per_issue

    @property
    def story_count(self) -> int:
        return len(self.entries) + self.omitted


@dataclass(frozen=True, slots=True)
class FeedProblem:
    title: str
    url: str
    error: str
    error_count: int
    disabled: bool
    disabled_reason: str | None
    last_polled: datetime | None


@dataclass(frozen=True, slots=True)
class Digest:
    start: datetime  # in the reader's time zone
    end: datetime
    generated: datetime
    period_kind: str
    sections: tuple[IssueSection, ...]
    problems: tuple[FeedProblem, ...] = field(default=())

    @property
    def timezone(self) -> str:
        """The zone's name (IANA key when there is one) for the header."""
        tz = self.end.tzinfo
        key = getattr(tz, "key", None)
        return str(key) if key else (self.end.tzname() or "UTC")

    @property
    def utc_offset(self) -> str:
        offset = self.end.utcoffset() or timedelta(0)
        minutes = int(offset.total_seconds() // 60)
        sign = "+" if minutes >= 0 else "-"
        return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"

    @property
    def match_count(self) -> int:
        return sum(s.match_count for s in self.sections)

    @property
    def story_count(self) -> int:
        return sum(s.story_count for s in self.sections)

    @property
    def item_count(self) -> int:
        """Distinct items shown across issues (an item on two issues counts once)."""
        return len({src.item_id for s in self.sections for e in s.entries for src in e.sources})

    @property
    def source_count(self) -> int:
        return len({src.feed_url for s in self.sections for e in s.entries for src in e.sources})

    @property
    def active_issue_count(self) -> int:
        return sum(1 for s in self.sections if s.story_count)

    @property
    def is_empty(self) -> bool:
        return self.story_count == 0


# -- periods and the export mark -----------------------------------------------------------------


def local_tz() -> tzinfo:
    """The machine's local time zone (what the analyst's clock says).

    An IANA zone when one can be found (TZ, or the /etc/localtime link), so a period that
    crosses a daylight-saving change is still right; else the current fixed offset.
    """
    names = [os.environ.get("TZ", "").lstrip(":")]
    try:
        link = os.readlink("/etc/localtime")
        names.append(link.split("zoneinfo/", 1)[1] if "zoneinfo/" in link else "")
    except OSError:
        pass
    for name in names:
        if name:
            try:
                return ZoneInfo(name)
            except (ValueError, OSError, ZoneInfoNotFoundError):
                continue
    tz = datetime.now().astimezone().tzinfo
    return tz if tz is not None else UTC


def period_for_day(day: date, tz: tzinfo) -> Period:
    """One calendar day in `tz`: local midnight to the next local midnight."""
    start = datetime.combine(day, time(0), tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
    return Period(start=start, end=end, kind="day")


def period_since(start: datetime, now: datetime, tz: tzinfo) -> Period:
    """From `start` (naive means local time in `tz`) until `now`."""
    if start.tzinfo is None:
        start = start.replace(tzinfo=tz)
    return Period(start=start.astimezone(tz), end=now.astimezone(tz), kind="since")


def last_export(store: Store) -> datetime | None:
    text = store.get_meta(LAST_EXPORT_KEY)
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None  # a damaged mark means "first time", not a crash
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def record_export(store: Store, end: datetime) -> None:
    """Remember that everything before `end` was exported; the mark never moves back."""
    previous = last_export(store)
    if previous is not None and previous >= end:
        return
    store.set_meta(LAST_EXPORT_KEY, end.astimezone(UTC).isoformat(timespec="seconds"))


def default_period(store: Store, now: datetime, tz: tzinfo) -> Period:
    """Since the last exported digest, or the last 24 hours the first time."""
    now = now.astimezone(tz)
    previous = last_export(store)
    if previous is not None and previous <= now:
        return Period(start=previous.astimezone(tz), end=now, kind="since-last-export")
    return Period(start=now - timedelta(hours=24), end=now, kind="last-24h")


# -- untrusted text -------------------------------------------------------------------------------

# Escape sequences whole, then anything invisible, control or not allowed in XML 1.0.
_ESCAPES = re.compile(
    r"\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b\[[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]|\x1b."
)
_UNSAFE_CHARS = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069"
    "\ufeff\ufffe\uffff\ud800-\udfff]"
)
_URL_OK = re.compile(r"https?://[^\s<>\"'`\\\x00-\x1f\x7f]+", re.IGNORECASE)


def plain_line(text: str | None, limit: int | None = None) -> str:
    """One line of inert text: no escapes, controls or bidi tricks; whitespace collapsed."""
    if not text:
        return ""
    if "\x1b" in text:
        text = _ESCAPES.sub("", text)
    text = " ".join(_UNSAFE_CHARS.sub("", text).split())
    if limit is not None and len(text) > limit:
        cut = text[:limit].rsplit(" ", 1)[0] if " " in text[:limit] else text[:limit]
        text = cut.rstrip(" ,.;:-") + "…"
    return text


@lru_cache(maxsize=16384)
def safe_http_link(url: str | None) -> str | None:
    """An absolute http(s) URL with a host, or None. Nothing else is ever rendered as a link."""
    if not url:
        return None
    url = url.strip()
    if not _URL_OK.fullmatch(url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return url


# -- near-duplicate stories --------------------------------------------------------------------

_STOPWORDS = frozenset(
    """a an and are as at be by for from has have in is it its of on or says said that the
    to was were will with after over new amid into about than this
    al con de del el en es la las lo los para por que se su sus un una y o como mas más ante
    tras sobre entre""".split()
)
# "Headline - Publisher" / "Headline | Publisher": aggregators append the outlet's name.
_PUBLISHER_SUFFIX = re.compile(r"\s+[-–—|]\s+[^-–—|]{2,60}$")
_NON_WORD = re.compile(r"[^\w%]+")
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def normalise_title(title: str) -> str:
    """Case- and accent-folded content words, without an aggregator's " - Publisher" tail."""
    stripped = _PUBLISHER_SUFFIX.sub("", title)
    if len(stripped.split()) >= 4:
        title = stripped
    folded = title.casefold()
    if not folded.isascii():
        folded = _COMBINING.sub("", unicodedata.normalize("NFKD", folded))
    words = [w for w in _NON_WORD.split(folded) if w and w not in _STOPWORDS]
    return " ".join(words)


def same_story(a: str, b: str, a_words: set[str], b_words: set[str]) -> bool:
    """Near-identical normalised titles: the same headline, lightly edited or truncated.

    Deliberately strict: merging two different stories hides one of them, while missing a
    merge only shows a headline twice. "Tariffs on Mexican imports" and "Tariffs on Canadian
    imports" stay apart.
    """
    shared = len(a_words & b_words)
    if shared < MIN_SHARED_WORDS:
        return False
    if fuzz.token_sort_ratio(a, b) >= SAME_STORY:
        return True
    # One headline is the other cut short ("...imports over" vs "...imports over fentanyl").
    short, long = sorted((len(a_words), len(b_words)))
    return shared == short and short >= SUBSET_MIN_WORDS and short >= SUBSET_SHARE * long


def cluster_titles(titles: Sequence[str]) -> list[list[int]]:
    """Group indexes of near-identical titles; `titles` come best first and so do groups.

    Each group is led by its best-ranked title and holds only titles that match the leader
    itself (no chaining: A~B and B~C does not pull C under A). Candidates come from shared
    rare words, so a day of thousands of matches is not compared pair by pair.
    """
    norms = [normalise_title(t) for t in titles]
    word_sets = [set(n.split()) for n in norms]
    postings: dict[str, list[int]] = defaultdict(list)
    for index, words in enumerate(word_sets):
        for word in words:
            postings[word].append(index)
    # Words most titles share ("mexico" in a Mexico watchlist) say nothing about sameness.
    common = max(50, len(titles) // 20)
    identical: dict[str, list[int]] = defaultdict(list)
    for index, norm in enumerate(norms):
        identical[norm].append(index)
    assigned = [False] * len(titles)
    groups: list[list[int]] = []
    for lead, words in enumerate(word_sets):
        if assigned[lead]:
            continue
        group = [i for i in identical[norms[lead]] if not assigned[i]] if words else [lead]
        for i in group:
            assigned[i] = True
        groups.append(group)
        if len(words) < MIN_SHARED_WORDS:
            continue
        candidates: set[int] = set()
        for word in words:
            posting = postings[word]
            if len(posting) <= common:
                candidates.update(o for o in posting if o > lead and not assigned[o])
        for other in sorted(candidates):
            if same_story(norms[lead], norms[other], words, word_sets[other]):
                assigned[other] = True
                group.append(other)
        group[1:] = sorted(group[1:])
    return groups


# -- building -----------------------------------------------------------------------------------


def _baseline_text(value: str | HasSummary | None, issue_id: str) -> str:
    if value is None:
        return f"No baseline analysis for {issue_id} yet."
    text = value if isinstance(value, str) else value.summary
    return plain_line(text)


def _source(row: MatchRow, tz: tzinfo) -> DigestSource:
    item = row.item
    return DigestSource(
        feed_title=plain_line(item.feed_title, 200) or plain_line(item.feed_url, 200),
        feed_url=plain_line(item.feed_url, 2000),
        link=safe_http_link(item.link),
        published=item.published.astimezone(tz),
        title=plain_line(item.title, 500),
        item_id=item.id,
    )


def _section(
    issue: IssueLike,
    baseline: str,
    rows: Sequence[MatchRow],
    max_per_issue: int | None,
    tz: tzinfo,
) -> IssueSection:
    titles = [plain_line(r.item.title, 500) for r in rows]
    entries: list[DigestEntry] = []
    for group in cluster_titles(titles):
        lead = rows[group[0]]
        sources: list[DigestSource] = []
        seen_feeds: set[str] = set()
        for index in group:
            src = _source(rows[index], tz)
            if src.feed_url in seen_feeds:
                continue  # the same feed posting the story twice is still one source
            seen_feeds.add(src.feed_url)
            sources.append(src)
        terms = tuple(dict.fromkeys(plain_line(t, 100) for t in lead.terms if t))
        entries.append(
            DigestEntry(
                item_id=lead.item.id,
                title=titles[group[0]] or "(untitled)",
                summary=plain_line(lead.item.summary, SUMMARY_CHARS),
                link=safe_http_link(lead.item.link),
                published=lead.item.published.astimezone(tz),
                score=round(lead.score, 1),
                terms=terms,
                sources=tuple(sources),
            )
        )
    omitted = 0
    if max_per_issue is not None and len(entries) > max_per_issue:
        omitted = len(entries) - max_per_issue
        entries = entries[:max_per_issue]
    return IssueSection(
        issue_id=issue.id,
        title=plain_line(issue.title, 200) or issue.id,
        baseline=baseline,
        entries=tuple(entries),
        match_count=len(rows),
        omitted=omitted,
    )


def feed_problems(feeds: Iterable[FeedRow], tz: tzinfo = UTC) -> tuple[FeedProblem, ...]:
    """Failing or disabled feeds, the disabled first, then the longest-failing."""
    problems = [
        FeedProblem(
            title=plain_line(f.title, 200) or plain_line(f.url, 200),
            url=plain_line(f.url, 2000),
            error=plain_line(f.last_error or f.disabled_reason or "", 300),
            error_count=f.error_count,
            disabled=f.disabled,
            disabled_reason=plain_line(f.disabled_reason, 300) or None,
            last_polled=f.last_polled.astimezone(tz) if f.last_polled else None,
        )
        for f in feeds
        if f.failing
    ]
    problems.sort(key=lambda p: (not p.disabled, -p.error_count, p.title.casefold()))
    return tuple(problems)


def build_digest(
    store: Store,
    issues: Sequence[IssueLike],
    baselines: Mapping[str, str | HasSummary],
    period: Period,
    *,
    tz: tzinfo | None = None,
    now: datetime | None = None,
    max_per_issue: int | None = None,
) -> Digest:
    """The digest model for `period`: one section per issue, in the order given.

    Stories are items published in the period; a "since-last-export" period also takes late
    arrivals (fetched in the period, published up to LATE_ARRIVAL_WINDOW before it), so
    nothing falls between two digests.
    """
    tz = tz or period.end.tzinfo or local_tz()
    generated = (now or datetime.now(UTC)).astimezone(tz)
    sections = []
    for issue in issues:
        if period.kind == "since-last-export":
            rows = store.matches_arrived(
                issue.id,
                start=period.start,
                end=period.end,
                published_after=period.start - LATE_ARRIVAL_WINDOW,
            )
        else:
            rows = store.matches(issue.id, since=period.start, until=period.end, order="score")
        baseline = _baseline_text(baselines.get(issue.id), issue.id)
        sections.append(_section(issue, baseline, rows, max_per_issue, tz))
    return Digest(
        start=period.start.astimezone(tz),
        end=period.end.astimezone(tz),
        generated=generated.replace(microsecond=0),
        period_kind=period.kind,
        sections=tuple(sections),
        problems=feed_problems(store.feeds(), tz),
    )


# -- writing files ------------------------------------------------------------------------------


def _write_atomic(path: Path, text: str) -> None:
    """Readers (a feed reader polling latest.atom) never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_digest(digest: Digest, fmt: str, path: Path) -> Path:
    """Render `digest` as `fmt` into `path` (atomically); returns the path."""
    from briefer.digest_render import render

    _write_atomic(path, render(digest, fmt))
    return path


def _stem_for(folder: Path, now: datetime, formats: Sequence[str]) -> str:
    """YYYY-MM-DD for the day's first digest; a later one that day never overwrites it."""
    from briefer.digest_render import EXTENSIONS

    stem = now.strftime("%Y-%m-%d")
    if any((folder / f"{stem}.{EXTENSIONS[f]}").exists() for f in formats):
        stem = now.strftime("%Y-%m-%d-%H%M%S")
    return stem


def write_daily_digest(
    config: Config,
    store: Store,
    issues: Sequence[IssueLike],
    baselines: Mapping[str, str | HasSummary],
    *,
    now: datetime | None = None,
    tz: tzinfo | None = None,
) -> list[Path]:
    """Write the digest since the last export (or the last 24 h) in every configured format.

    Files go to `config.digest_folder` as `YYYY-MM-DD.<ext>` (local date of `now`; a second
    digest the same day is `YYYY-MM-DD-HHMMSS.<ext>`, so nothing is overwritten). When Atom is
    configured, `latest.atom` is refreshed too: the stable file a feed reader subscribes to.
    The period's end is recorded as the last export. Returns the paths written, in the order
    of `config.digest.formats` (then latest.atom).
    """
    from briefer.digest_render import EXTENSIONS

    tz = tz or local_tz()
    now = (now or datetime.now(UTC)).astimezone(tz)
    period = default_period(store, now, tz)
    digest = build_digest(store, issues, baselines, period, tz=tz, now=now)
    folder = config.digest_folder
    formats = list(config.digest.formats)
    stem = _stem_for(folder, now, formats)
    written = [write_digest(digest, fmt, folder / f"{stem}.{EXTENSIONS[fmt]}") for fmt in formats]
    if "atom" in formats:
        written.append(write_digest(digest, "atom", folder / "latest.atom"))
    record_export(store, period.end)
    return written
