"""What a notification says (pure): one `Alert` per issue for its new stories, one for the
stories that are spreading, one "While you were away" after quiet hours, "Digest ready".

A story is one event across outlets (briefer.stories): its copies are never announced.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from briefer import sanitize

MAX_LINES = 3
MAX_HEADLINE = 140
MAX_TITLE = 120


NEW = "new"
SPREADING = "spreading"
AWAY = "away"  # the issue_id of the "While you were away" alert

# (story id, issue id, kind): one line of the story_notices ledger.
Notice = tuple[int, str, str]


@dataclass(frozen=True, slots=True)
class StoryNews:
    """Something to say about one story on one issue: it is new, or it is spreading."""

    story_id: int
    issue_id: str
    kind: str  # NEW or SPREADING
    headline: str
    outlet: str  # the outlet (else the feed) of the headline's item
    outlets: int  # distinct outlets carrying the story for this issue so far
    link: str | None
    score: float
    published: datetime
    item_id: int  # the headline's item
    # Already at the spreading threshold when announced as new: it will not be announced
    # as spreading later.
    wide: bool = False

    @property
    def notices(self) -> list[Notice]:
        told = [(self.story_id, self.issue_id, self.kind)]
        if self.kind == NEW and self.wide:
            told.append((self.story_id, self.issue_id, SPREADING))
        return told


@dataclass(frozen=True, slots=True)
class Alert:
    """One notification: one issue, one or more stories (or a summary, or "Digest ready")."""

    issue_id: str
    title: str  # plain text, e.g. "5 new stories on Tariffs"
    lines: tuple[str, ...]  # plain text: "headline — outlet", then "+N more"
    item_ids: tuple[int, ...]  # each story's headline item, best first
    links: tuple[str | None, ...]  # per item, same order as item_ids
    score: float  # the best score among the stories
    notices: tuple[Notice, ...] = ()  # what the ledger records once this reached the user

    @property
    def count(self) -> int:
        return len(self.item_ids)

    @property
    def body(self) -> str:
        """Plain text, for terminals, toasts and logs."""
        return "\n".join(self.lines)

    @property
    def markup_body(self) -> str:
        """For notification servers, which render a subset of HTML in the body."""
        return escape_markup(self.body)

    @property
    def link(self) -> str | None:
        """The link a click opens: the best story's, if it is http(s)."""
        for link in self.links:
            if link and sanitize.safe_link(link) is not None:
                return link
        return None


def clean_text(text: str, limit: int) -> str:
    """One line of plain text, capped: stored text is clean already; this one is going out."""
    return sanitize.clean_text(text, limit, html=False)


def escape_markup(text: str) -> str:
    return html.escape(text, quote=False)


def story_line(news: StoryNews) -> str:
    """ "Headline — Reuters", "Headline — Reuters +3 outlets", "Headline — now 6 outlets"."""
    headline = clean_text(news.headline, MAX_HEADLINE) or "(untitled)"
    outlet = clean_text(news.outlet, 60)
    if news.kind == SPREADING:
        return f"{headline} — now {news.outlets} outlets"
    if not outlet:
        return headline
    more = news.outlets - 1
    if more <= 0:
        return f"{headline} — {outlet}"
    return f"{headline} — {outlet} +{more} outlet{'s' if more > 1 else ''}"


def _title(kind: str, count: int, issue: str) -> str:
    if kind == SPREADING:
        return f"Spreading on {issue}" if count == 1 else f"{count} stories spreading on {issue}"
    return f"New on {issue}" if count == 1 else f"{count} new stories on {issue}"


def build_alerts(
    news: Sequence[StoryNews],
    issue_titles: Mapping[str, str],
    *,
    max_lines: int = MAX_LINES,
) -> list[Alert]:
    """Coalesce story news into one alert per issue and kind, best issue first.

    A story new on several issues is announced once, under its best-scoring issue; its
    other issues are recorded as told too, so no story is announced twice even within one
    cycle.
    """
    best: dict[tuple[int, str], StoryNews] = {}
    notices: dict[tuple[int, str], list[Notice]] = {}
    for n in news:
        key = (n.story_id, n.kind)
        seen = best.get(key)
        if seen is None or n.score > seen.score:
            best[key] = n
        notices.setdefault(key, []).extend(n.notices)
    groups: dict[tuple[str, str], list[StoryNews]] = {}
    for n in best.values():
        groups.setdefault((n.issue_id, n.kind), []).append(n)
    alerts = []
    for (issue_id, kind), group in groups.items():
        group.sort(key=lambda n: (-n.outlets, -n.score, -n.published.timestamp(), n.story_id))
        name = clean_text(issue_titles.get(issue_id) or issue_id, MAX_TITLE)
        lines = [story_line(n) for n in group[:max_lines]]
        if len(group) > max_lines:
            lines.append(f"+{len(group) - max_lines} more")
        alerts.append(
            Alert(
                issue_id=issue_id,
                title=_title(kind, len(group), name),
                lines=tuple(lines),
                item_ids=tuple(n.item_id for n in group),
                links=tuple(n.link for n in group),
                score=max(n.score for n in group),
                notices=tuple(x for n in group for x in notices[(n.story_id, kind)]),
            )
        )
    # New stories before spreading ones, then the best issue first.
    alerts.sort(key=lambda a: (a.notices[0][2] != NEW, -a.score, a.issue_id))
    return alerts


def away_alert(
    held: Sequence[StoryNews], issue_titles: Mapping[str, str], *, max_lines: int = MAX_LINES
) -> Alert:
    """After quiet hours, once: "While you were away" with the stories held back per issue.

    Its first line counts them ("4 new stories on Fentanyl, 2 on Tariffs", busiest issue
    first); then the best-covered headlines.
    """
    per_issue: dict[str, list[StoryNews]] = {}
    for n in held:
        per_issue.setdefault(n.issue_id, []).append(n)
    order = sorted(per_issue, key=lambda i: (-len(per_issue[i]), i))
    counts: list[str] = []
    for issue_id in order:
        name = clean_text(issue_titles.get(issue_id) or issue_id, MAX_TITLE)
        count = len(per_issue[issue_id])
        if not counts:  # the noun once: "4 new stories on A, 2 on B"
            counts.append(f"{count} new {'story' if count == 1 else 'stories'} on {name}")
        else:
            counts.append(f"{count} on {name}")
    # A story on two issues counts on each, but its headline is listed once.
    top: dict[int, StoryNews] = {}
    for n in sorted(held, key=lambda n: (-n.outlets, -n.score, n.story_id)):
        top.setdefault(n.story_id, n)
    best = list(top.values())
    lines = [", ".join(counts)]
    lines += [story_line(n) for n in best[:max_lines]]
    if len(best) > max_lines:
        lines.append(f"+{len(best) - max_lines} more")
    return Alert(
        issue_id=AWAY,
        title="While you were away",
        lines=tuple(lines),
        item_ids=tuple(n.item_id for n in best),
        links=tuple(n.link for n in best),
        score=max((n.score for n in held), default=0.0),
        notices=tuple(x for n in held for x in n.notices),
    )


def digest_alert(paths: Sequence[Path]) -> Alert:
    """ "Digest ready", naming the files the scheduled digest wrote."""
    return Alert(
        issue_id="digest",
        title="Digest ready",
        lines=tuple(str(p) for p in paths),
        item_ids=(),
        links=(),
        score=0.0,
    )
