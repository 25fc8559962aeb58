"""What a notification says: one `Alert` per issue, built from a poll's new matches (pure)."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from briefer import sanitize
from briefer.models import NewMatch

MAX_LINES = 3
MAX_HEADLINE = 140
MAX_TITLE = 120


@dataclass(frozen=True, slots=True)
class Alert:
    """One notification: one issue, one or more new items."""

    issue_id: str
    title: str  # plain text, e.g. "5 new on Tariffs"
    lines: tuple[str, ...]  # plain text: "headline — source", then "+N more"
    item_ids: tuple[int, ...]
    links: tuple[str | None, ...]  # per item, same order as item_ids
    score: float  # the best score among the items

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
        """The link a click opens: the best item's, if it is http(s)."""
        for link in self.links:
            if link and sanitize.safe_link(link) is not None:
                return link
        return None


def clean_text(text: str, limit: int) -> str:
    """One line of plain text, capped: stored text is clean already; this one is going out."""
    return sanitize.clean_text(text, limit, html=False)


def escape_markup(text: str) -> str:
    return html.escape(text, quote=False)


def build_alerts(
    matches: Sequence[NewMatch],
    issue_titles: Mapping[str, str],
    *,
    max_lines: int = MAX_LINES,
) -> list[Alert]:
    """Coalesce matches into one alert per issue, best issue first.

    An item matching several issues appears once, under its best-scoring issue, so no item
    is announced twice even within one cycle.
    """
    best: dict[int, NewMatch] = {}
    for m in matches:
        seen = best.get(m.item_id)
        if seen is None or m.score > seen.score:
            best[m.item_id] = m
    by_issue: dict[str, list[NewMatch]] = {}
    for m in best.values():
        by_issue.setdefault(m.issue_id, []).append(m)
    alerts = []
    for issue_id, group in by_issue.items():
        group.sort(key=lambda m: (-m.score, -m.published.timestamp(), m.item_id))
        name = clean_text(issue_titles.get(issue_id) or issue_id, MAX_TITLE)
        title = f"New on {name}" if len(group) == 1 else f"{len(group)} new on {name}"
        lines = []
        for m in group[:max_lines]:
            headline = clean_text(m.title, MAX_HEADLINE) or "(untitled)"
            source = clean_text(m.feed_title, 60)
            lines.append(f"{headline} — {source}" if source else headline)
        if len(group) > max_lines:
            lines.append(f"+{len(group) - max_lines} more")
        alerts.append(
            Alert(
                issue_id=issue_id,
                title=title,
                lines=tuple(lines),
                item_ids=tuple(m.item_id for m in group),
                links=tuple(m.link for m in group),
                score=group[0].score,
            )
        )
    alerts.sort(key=lambda a: (-a.score, a.issue_id))
    return alerts


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
