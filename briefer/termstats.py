"""Rule hygiene: how each watchlist term did over the stored matches.

A term that matched nothing stored is dead weight (or misspelt); a term whose matches the
user keeps dismissing is noisy. The store counts what the `matches.terms` explanations
say; this module adds the terms that never matched and orders them so both stand out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from briefer.match import fold, split_lang, tokens
from briefer.store import Store, TermStat
from briefer.watchlist import Issue

NOISY_SHARE = 0.5  # at least this share of a term's matches dismissed


@dataclass(frozen=True, slots=True)
class TermReport:
    term: str
    kind: str  # phrase, word, weak, context
    hits: int
    last_matched: datetime | None
    dismissed: int
    in_watchlist: bool  # False: it matched under an older version of the file

    @property
    def dismissed_share(self) -> float:
        return self.dismissed / self.hits if self.hits else 0.0

    @property
    def flag(self) -> str:
        if not self.in_watchlist:
            return "removed"
        if self.hits == 0:
            return "dead"
        if self.dismissed and self.dismissed_share >= NOISY_SHARE:
            return "noisy"
        return ""

    def to_dict(self) -> dict[str, object]:
        return {
            "term": self.term,
            "kind": self.kind,
            "hits": self.hits,
            "last_matched": self.last_matched.date().isoformat() if self.last_matched else None,
            "dismissed": self.dismissed,
            "dismissed_share": round(self.dismissed_share, 3),
            "flag": self.flag,
        }


@dataclass(frozen=True, slots=True)
class IssueStats:
    issue_id: str
    title: str
    terms: tuple[TermReport, ...]  # terms that make matches, dead and noisy first
    context: tuple[TermReport, ...]  # context terms: they only gate weak terms

    def to_dict(self) -> dict[str, object]:
        return {
            "issue": self.issue_id,
            "title": self.title,
            "terms": [t.to_dict() for t in self.terms],
            "context": [t.to_dict() for t in self.context],
        }


def issue_term_stats(store: Store, issue: Issue) -> IssueStats:
    listed = _watchlist_terms(issue)
    found: dict[tuple[str, tuple[str, ...]], TermStat] = {}
    for stat in store.term_stats(issue.id):
        found.setdefault(_key(stat.kind, stat.term), stat)
    reports = [
        _report(term, kind, found.pop(_key(kind, term), None), in_watchlist=True)
        for kind, term in listed
    ]
    reports += [_report(s.term, s.kind, s, in_watchlist=False) for s in found.values()]
    strong = sorted((r for r in reports if r.kind != "context"), key=_order)
    context = sorted((r for r in reports if r.kind == "context"), key=_order)
    return IssueStats(issue.id, issue.title, tuple(strong), tuple(context))


def _watchlist_terms(issue: Issue) -> list[tuple[str, str]]:
    """(kind, term as the matcher reports it), each once, in file order."""
    listed = [
        *(("phrase", t) for t in issue.phrases),
        *(("word", t) for t in issue.words),
        *(("weak", t) for t in issue.weak_terms),
        *(("context", t) for group in issue.context for t in group.terms),
    ]
    seen: set[tuple[str, tuple[str, ...]]] = set()
    out = []
    for kind, raw in listed:
        term = split_lang(raw)[0]  # hits name the term without its @es/@en
        key = _key(kind, term)
        # The matcher folds "cartel" and "cártel" into one term: so does this list, or the
        # second spelling would look dead.
        if key not in seen:
            seen.add(key)
            out.append((kind, term))
    return out


def _key(kind: str, term: str) -> tuple[str, tuple[str, ...]]:
    return kind, tuple(fold(original) for _, _, original in tokens(term))


def _report(term: str, kind: str, stat: TermStat | None, *, in_watchlist: bool) -> TermReport:
    if stat is None:
        return TermReport(term, kind, 0, None, 0, in_watchlist)
    return TermReport(term, kind, stat.hits, stat.last_matched, stat.dismissed, in_watchlist)


def _order(r: TermReport) -> tuple[int, float, int, str]:
    # Dead first, then noisy (highest dismissal share), then the busiest terms.
    rank = {"dead": 0, "noisy": 1, "removed": 3}.get(r.flag, 2)
    return rank, -r.dismissed_share, -r.hits, r.term.casefold()
