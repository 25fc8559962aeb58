"""Re-matching stored items after a watchlist changed, and noticing that one did.

Every stored match records the version (content hash) of the watchlist that made it, and
`meta` records, per issue, the version the stored matches as a whole reflect
(`watchlist_version:<id>`). An issue whose file no longer hashes to that is stale: new items
are matched by the new rules, old ones still carry the old rules' verdicts until
`briefer rematch` runs.

A rematch walks every item in id order, one transaction per batch; each batch's commit also
records how far each issue got (`rematch:<id>:<version>`), so an interrupted run resumes
after its last committed batch, and a run under a newer version starts over.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

from briefer.clock import utcnow
from briefer.match import Matcher
from briefer.store import EncodedMatch, MatchChanges, Store, encode_matches
from briefer.watchlist import Issue

VERSION_KEY = "watchlist_version:"
PROGRESS_KEY = "rematch:"
CACHE_MIB = 128  # page cache while rematching: well under the memory target
BATCH = 5_000  # items per transaction: large enough to amortise the commit, short to hold


Rows = list[tuple[int, str, str]]  # (item id, title, summary)
Matched = tuple[Rows, list[list[EncodedMatch]]]  # a batch and each item's matches
MatchBatches = Callable[[Iterator[Rows]], Iterator[Matched]]


@dataclass(slots=True)
class RematchReport:
    issues: list[str]
    scanned: int = 0  # items read in this run
    resumed_after: int = 0  # item id an interrupted run had reached (0: a fresh start)
    changes: dict[str, MatchChanges] = field(default_factory=dict)  # whole rematch, resumed


def stale_issues(store: Store, issues: Sequence[Issue]) -> list[Issue]:
    """The issues whose stored matches were made by another version of their watchlist.

    Issues with nothing to compare yet get their current version recorded: a new database
    (no items), or one from before versions were recorded whose matches all carry the
    current version. An issue without a record in a database that records others is new,
    hence stale: its rules were never applied to the stored items.
    """
    recorded = store.meta_with_prefix(VERSION_KEY)
    has_items: bool | None = None
    stale: list[Issue] = []
    record: dict[str, str] = {}
    for issue in issues:
        seen = recorded.get(VERSION_KEY + issue.id)
        if seen == issue.version:
            continue
        if seen is not None:
            stale.append(issue)
            continue
        if has_items is None:
            has_items = store.count_items() > 0
        if not has_items:
            record[VERSION_KEY + issue.id] = issue.version
        elif recorded or store.count_stale_matches(issue.id, issue.version):
            stale.append(issue)
        else:
            record[VERSION_KEY + issue.id] = issue.version
    if record:
        store.update_meta(record)
    return stale


def stale_notice(store: Store, issues: Sequence[Issue]) -> str | None:
    """One line for `briefer poll` and the app, or None when the stored matches are current."""
    stale = stale_issues(store, issues)
    if not stale:
        return None
    names = ", ".join(issue.id for issue in stale)
    noun = "Watchlist" if len(stale) == 1 else "Watchlists"
    it = "it" if len(stale) == 1 else "them"
    return f"{noun} {names} changed: run `briefer rematch` to apply {it} to stored items."


def pending_issues(store: Store, issues: Sequence[Issue]) -> list[Issue]:
    """Stale issues, and any whose rematch under the current version was interrupted."""
    stale = {issue.id for issue in stale_issues(store, issues)}
    progress = store.meta_with_prefix(PROGRESS_KEY)
    return [issue for issue in issues if issue.id in stale or _progress_key(issue) in progress]


def items_to_scan(store: Store, issues: Sequence[Issue]) -> int:
    """How many items a rematch of `issues` has left: for a progress bar."""
    return store.count_items(after=min(_progress(store, issue)[0] for issue in issues))


def rematch(
    store: Store,
    matcher: Matcher,
    issues: Sequence[Issue],
    *,
    batch: int = BATCH,
    now: datetime | None = None,
    on_batch: Callable[[int], None] | None = None,
    match_batches: MatchBatches | None = None,
) -> RematchReport:
    """Recompute `issues`' matches over every stored item; resumes an interrupted run.

    `matcher` must know every issue in `issues`. `on_batch(n)` is called after each
    committed batch of n items (a progress bar; raising from it stops the run there, as an
    interrupt would). `match_batches` matches the stream of batches instead of this process
    (worker processes), yielding each batch with its matches, in order.
    """
    now = now or utcnow()
    known = {issue.id for issue in matcher.issues}
    missing = [issue.id for issue in issues if issue.id not in known]
    if missing:
        raise ValueError(f"the matcher does not know {', '.join(missing)}")
    report = RematchReport(issues=[issue.id for issue in issues])
    if not issues:
        return report
    versions = {issue.id: issue.version for issue in issues}
    done: dict[str, int] = {}
    for issue in issues:
        done[issue.id], report.changes[issue.id] = _progress(store, issue)
    start = min(done.values())
    report.resumed_after = start
    store.use_cache(CACHE_MIB)
    batches = store.item_texts(after=start, batch=batch)
    matched = (match_batches or partial(_match_here, matcher))(batches)
    for rows, found in matched:
        last = rows[-1][0]
        todo = {i: v for i, v in versions.items() if done[i] < last}

        changes = store.replace_matches(
            [(row[0], matches) for row, matches in zip(rows, found, strict=True)],
            todo,
            now=now,
            after=done,
            meta=partial(_progress_meta, versions, report.changes, last),
        )
        for issue_id, change in changes.items():
            report.changes[issue_id] = _plus(report.changes[issue_id], change)
            done[issue_id] = last
        report.scanned += len(rows)
        if on_batch is not None:
            on_batch(len(rows))
    finish = {VERSION_KEY + i: v for i, v in versions.items()}
    stale_progress = [
        key for issue in issues for key in store.meta_with_prefix(f"{PROGRESS_KEY}{issue.id}:")
    ]
    store.update_meta(finish, delete=stale_progress)
    return report


def _progress_key(issue: Issue) -> str:
    return _progress_key_for(issue.id, issue.version)


def _progress_key_for(issue_id: str, version: str) -> str:
    return f"{PROGRESS_KEY}{issue_id}:{version}"


def match_rows(matcher: Matcher, rows: Rows) -> list[list[EncodedMatch]]:
    """Each row's matches, with spans, encoded as the store keeps them."""
    found = matcher.match_many([(title, summary) for _, title, summary in rows], spans=True)
    return [encode_matches(matches) for matches in found]


def _match_here(matcher: Matcher, batches: Iterator[Rows]) -> Iterator[Matched]:
    for rows in batches:
        yield rows, match_rows(matcher, rows)


def _progress_meta(
    versions: dict[str, str],
    totals: dict[str, MatchChanges],
    last: int,
    batch: dict[str, MatchChanges],
) -> dict[str, str]:
    """Progress keys with the totals including this batch, committed with it: a resumed
    run can report the whole rematch, not just its own part."""
    return {
        _progress_key_for(issue_id, versions[issue_id]): json.dumps(
            {"after": last, **_counts(_plus(totals[issue_id], change))}
        )
        for issue_id, change in batch.items()
    }


def _plus(a: MatchChanges, b: MatchChanges) -> MatchChanges:
    return MatchChanges(a.added + b.added, a.removed + b.removed, a.kept + b.kept)


def _counts(c: MatchChanges) -> dict[str, int]:
    return {"added": c.added, "removed": c.removed, "kept": c.kept}


def _progress(store: Store, issue: Issue) -> tuple[int, MatchChanges]:
    """(last item id done, counts so far) of an interrupted rematch of this version."""
    text = store.get_meta(_progress_key(issue))
    if text is None:
        return 0, MatchChanges()
    data = json.loads(text)
    return int(data["after"]), MatchChanges(
        int(data.get("added", 0)), int(data.get("removed", 0)), int(data.get("kept", 0))
    )
