"""Build the digest model for a period from the store: one section per issue, best first.

Feed text is untrusted: every string goes through briefer.sanitize (one line, inert) and
every link through sanitize.safe_link before it reaches the model.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING

from briefer.digest.group import cluster_titles
from briefer.digest.model import (
    Digest,
    DigestEntry,
    DigestSource,
    FeedProblem,
    HasSummary,
    IssueLike,
    IssueSection,
)
from briefer.digest.period import Period, local_tz
from briefer.sanitize import clean_text, safe_link

if TYPE_CHECKING:
    from briefer.store import FeedRow, MatchRow, Store

SUMMARY_CHARS = 280
LINE_CHARS = 500  # titles; stored ones are capped already
URL_CHARS = 2000
# Since the last export, an item first fetched in the period counts even if its feed dated it
# a little earlier (polled after the export); older backlog from a new feed does not.
LATE_ARRIVAL_WINDOW = timedelta(hours=36)


def plain(text: str | None, limit: int = LINE_CHARS) -> str:
    """One line of inert text (stored text is plain already: tags stay literal)."""
    return clean_text(text, limit, html=False)


def _baseline_text(value: str | HasSummary | None, issue_id: str) -> str:
    if value is None:
        return f"No baseline analysis for {issue_id} yet."
    text = value if isinstance(value, str) else value.summary
    return plain(text, 4000)


def _source(row: MatchRow, tz: tzinfo) -> DigestSource:
    item = row.item
    return DigestSource(
        feed_title=plain(item.feed_title, 200) or plain(item.feed_url, 200),
        feed_url=plain(item.feed_url, URL_CHARS),
        link=safe_link(item.link),
        published=item.published.astimezone(tz),
        title=plain(item.title),
        item_id=item.id,
    )


def _section(
    issue: IssueLike,
    baseline: str,
    rows: Sequence[MatchRow],
    max_per_issue: int | None,
    tz: tzinfo,
) -> IssueSection:
    titles = [plain(r.item.title) for r in rows]
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
        terms = tuple(dict.fromkeys(plain(t, 100) for t in lead.terms if t))
        entries.append(
            DigestEntry(
                item_id=lead.item.id,
                title=titles[group[0]] or "(untitled)",
                summary=plain(lead.item.summary, SUMMARY_CHARS),
                link=safe_link(lead.item.link),
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
        title=plain(issue.title, 200) or issue.id,
        baseline=baseline,
        entries=tuple(entries),
        match_count=len(rows),
        omitted=omitted,
    )


def feed_problems(feeds: Iterable[FeedRow], tz: tzinfo = UTC) -> tuple[FeedProblem, ...]:
    """Failing or disabled feeds, the disabled first, then the longest-failing."""
    problems = [
        FeedProblem(
            title=plain(f.title, 200) or plain(f.url, 200),
            url=plain(f.url, URL_CHARS),
            error=plain(f.last_error or f.disabled_reason or "", 300),
            error_count=f.error_count,
            disabled=f.disabled,
            disabled_reason=plain(f.disabled_reason, 300) or None,
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
