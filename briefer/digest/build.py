"""Build the digest model for a period from the store: per issue, its stories best first.

A story is one event across outlets and languages (briefer.stories groups items into
stories as they are stored); the digest lists each once, under its best headline, with
the outlets that carried it, and counts the trend in stories, not copies.

Feed text is untrusted: every string goes through briefer.sanitize (one line, inert) and
every link through sanitize.safe_link before it reaches the model.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING

from briefer.clock import utcnow
from briefer.digest.model import (
    Digest,
    DigestOutlet,
    DigestStory,
    FeedProblem,
    HasSummary,
    IssueSection,
)
from briefer.digest.period import Period, local_tz
from briefer.outlet import echoes_title
from briefer.sanitize import clean_text, safe_link
from briefer.trend import is_surging
from briefer.watchlist import IssueLike

if TYPE_CHECKING:
    from briefer.models import FeedRow, StoryMember, StoryRow
    from briefer.store import Store

SUMMARY_CHARS = 280
FULL_STORIES = 10  # [digest] full_stories: the best stories shown in full, per issue
TREND_DAYS = 8  # the sparkline: the last day against the week before
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


def _outlets(members: Sequence[StoryMember], until: datetime, tz: tzinfo) -> list[DigestOutlet]:
    """Each outlet once, with its earliest matched copy before `until`; earliest first."""
    seen: dict[str, DigestOutlet] = {}
    for member in members:  # earliest first
        item = member.item
        if member.match is None or item.published >= until:
            continue
        name = plain(member.outlet, 200) or plain(item.feed_title, 200) or plain(item.feed_url)
        if name in seen:
            continue  # the same outlet again (a copy, an update) adds no coverage
        seen[name] = DigestOutlet(
            name=name,
            link=safe_link(item.link),
            lang=plain(member.lang, 10),
            published=item.published.astimezone(tz),
            title=plain(item.title),
            item_id=item.id,
        )
    return list(seen.values())


def _story(store: Store | None, row: StoryRow, until: datetime, tz: tzinfo) -> DigestStory:
    """The story as the digest shows it; with `store`, in full (its outlets, its summary)."""
    summary = ""
    outlets: list[DigestOutlet] = []
    if store is not None:
        members = store.story_members(row.story_id, row.issue_id)
        lead = next((m for m in members if m.item.id == row.headline_item_id), None)
        if lead is not None and not echoes_title(lead.item.summary, row.headline, lead.outlet):
            # Older databases kept aggregators' copies of the headline as summaries.
            summary = plain(lead.item.summary, SUMMARY_CHARS)
        outlets = _outlets(members, until, tz)
    terms = [h.term for h in row.hits if h.kind != "context"]
    return DigestStory(
        story_id=row.story_id,
        headline=plain(row.headline) or "(untitled)",
        summary=summary,
        link=safe_link(row.link),
        first_seen=row.first_seen.astimezone(tz),
        last_update=row.last_update.astimezone(tz),
        score=round(row.score, 1),
        terms=tuple(dict.fromkeys(plain(t, 100) for t in terms if t)),
        items=row.items,
        outlet_count=row.outlets,
        langs=tuple(sorted(plain(lang, 10) for lang in row.langs if lang)),
        outlets=tuple(outlets),
    )


def _story_rows(store: Store, issue_id: str, period: Period) -> list[StoryRow]:
    """The issue's stories that moved in the period, best first.

    A story moved when one of its items was published in the period; a since-last-export
    period also counts late arrivals (fetched in the period, published up to
    LATE_ARRIVAL_WINDOW before it), so nothing falls between two digests.
    """
    if period.kind != "since-last-export":
        return store.stories(
            issue_id, order="best", since=period.start, until=period.end, now=period.end
        )
    arrived = store.matches_arrived(
        issue_id,
        start=period.start,
        end=period.end,
        published_after=period.start - LATE_ARRIVAL_WINDOW,
    )
    # A story with an item published in the period moved; one whose items are all older
    # moved only if one of them arrived late (few: look those up one by one).
    late = {store.story_of(r.item.id) for r in arrived if r.item.published < period.start}
    rows = store.stories(
        issue_id,
        order="best",
        since=period.start - LATE_ARRIVAL_WINDOW,
        until=period.end,
        now=period.end,
    )
    return [r for r in rows if r.last_update >= period.start or r.story_id in late]


def _section(
    store: Store,
    issue: IssueLike,
    baseline: str,
    period: Period,
    *,
    full: int,
    max_per_issue: int | None,
    tz: tzinfo,
) -> IssueSection:
    rows = _story_rows(store, issue.id, period)
    shown = rows if max_per_issue is None else rows[:max_per_issue]
    activity = store.story_activity(issue.id, days=TREND_DAYS, now=period.end, until=period.end)
    return IssueSection(
        issue_id=issue.id,
        title=plain(issue.title, 200) or issue.id,
        baseline=baseline,
        stories=tuple(
            _story(store if n < full else None, r, period.end, tz) for n, r in enumerate(shown)
        ),
        full=full,
        daily=activity.daily,
        surging=is_surging(activity.daily, activity.new_outlets),
        omitted=len(rows) - len(shown),
        match_count=sum(r.items for r in rows),
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
    full: int = FULL_STORIES,
    max_per_issue: int | None = None,
) -> Digest:
    """The digest model for `period`: one section per issue, in the order given.

    Each section holds the issue's stories that moved in the period, best first (coverage,
    then recency, then match score); the first `full` are shown in full, the rest one line
    each; `max_per_issue` leaves out all but the best, counting them.
    """
    tz = tz or period.end.tzinfo or local_tz()
    generated = (now or utcnow()).astimezone(tz)
    sections = [
        _section(
            store,
            issue,
            _baseline_text(baselines.get(issue.id), issue.id),
            period,
            full=full,
            max_per_issue=max_per_issue,
            tz=tz,
        )
        for issue in issues
    ]
    return Digest(
        start=period.start.astimezone(tz),
        end=period.end.astimezone(tz),
        generated=generated.replace(microsecond=0),
        period_kind=period.kind,
        sections=tuple(sections),
        problems=feed_problems(store.feeds(), tz),
    )
