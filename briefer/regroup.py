"""Grouping stored items into stories after the grouping method changed, or where a poll
left them ungrouped.

meta `stories_method` records the `briefer.stories.METHOD` the stored story ids reflect.
When it differs (a new briefer, or a database from before stories), `run` regroups every
item in time order with a fresh `StoryIndex`, a transaction per batch; each commit records
how far it got (`regroup:<METHOD>`), so an interrupted run resumes after its last batch and
a run under a newer method starts over. Otherwise only items without a story (stored by a
poll that had no story index) are grouped, each against the stories around it.

Story ids are the ids of first items, so most survive a regroup; a story whose first item
changes under the new method gets a new id. Its dismissals and notices, kept by story id,
follow its items there (`Store.assign_stories`): merged stories get what applied to any of
them, the parts of a split story what applied to the whole.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import cast

from briefer import stories
from briefer.match import language
from briefer.store import Store, from_db_time, to_db_time
from briefer.store.grouping import TimeKey
from briefer.stories import StoryIndex, StoryItem

METHOD_KEY = "stories_method"
PROGRESS_KEY = "regroup:"
BATCH = 5_000  # items per transaction, as for a rematch


@dataclass(slots=True)
class RegroupReport:
    full: bool = False  # every item regrouped (the method changed), not just ungrouped ones
    scanned: int = 0  # items read in this run
    grouped: int = 0  # items given a story in this run
    started: int = 0  # of those, how many started a story (the first item of one)
    resumed: bool = False  # carried on after an interrupted run


def pending(store: Store) -> int:
    """How many items `run` has to read: 0 when the stored stories are up to date.

    A database without items has nothing to regroup: the current method is recorded.
    """
    if store.get_meta(METHOD_KEY) != stories.METHOD:
        count = store.count_items_by_time(after=_progress(store))
        if count == 0 and store.count_items() == 0:
            store.update_meta({METHOD_KEY: stories.METHOD})
        return count
    first = store.first_ungrouped()
    if first is None:
        return 0
    return store.count_items_by_time(since=first - 2 * stories.WINDOW)


def run(
    store: Store,
    *,
    batch: int = BATCH,
    on_batch: Callable[[int], None] | None = None,
) -> RegroupReport:
    """Regroup what `pending` counts; `on_batch(n)` after each committed batch of n items
    read (a progress bar; raising from it stops the run there, as an interrupt would)."""
    if store.get_meta(METHOD_KEY) != stories.METHOD:
        return _regroup_all(store, batch, on_batch)
    return _group_ungrouped(store, batch, on_batch)


def _regroup_all(store: Store, batch: int, on_batch: Callable[[int], None] | None) -> RegroupReport:
    method = stories.METHOD
    report = RegroupReport(full=True)
    index = StoryIndex(stories.WINDOW)
    start = _progress(store)
    if start is not None:
        report.resumed = True
        # The stories the interrupted run left open: its committed assignments, as the
        # poller warms its index.
        for rows in store.items_by_time(since=start[0] - 2 * stories.WINDOW, upto=start):
            for item, story in rows:
                if story is not None:
                    index.add(item, story)
    for rows in store.items_by_time(after=start, batch=batch):
        assignments = []
        for item, _ in rows:
            item = _with_language(item)
            assignments.append((_id(item), cast(int, index.add(item)), item.lang))
        last = rows[-1][0]
        store.assign_stories(
            assignments, meta={PROGRESS_KEY + method: _key_text((last.published, _id(last)))}
        )
        index.forget_before(last.published - 2 * stories.WINDOW)
        report.scanned += len(rows)
        report.grouped += len(rows)
        report.started += sum(item == story for item, story, _ in assignments)
        if on_batch is not None:
            on_batch(len(rows))
    done = store.meta_with_prefix(PROGRESS_KEY)
    store.update_meta({METHOD_KEY: method}, delete=list(done))
    return report


def _group_ungrouped(
    store: Store, batch: int, on_batch: Callable[[int], None] | None
) -> RegroupReport:
    """Walk from a window before the first ungrouped item: grouped items warm the index,
    ungrouped ones join it. Nothing to resume: what is left is still ungrouped."""
    report = RegroupReport()
    first = store.first_ungrouped()
    if first is None:
        return report
    index = StoryIndex(stories.WINDOW)
    for rows in store.items_by_time(since=first - 2 * stories.WINDOW, batch=batch):
        assignments = []
        for item, story in rows:
            if story is not None:
                index.add(item, story)
                continue
            item = _with_language(item)
            assignments.append((_id(item), cast(int, index.add(item)), item.lang))
        if assignments:
            store.assign_stories(assignments)
        index.forget_before(rows[-1][0].published - 2 * stories.WINDOW)
        report.scanned += len(rows)
        report.grouped += len(assignments)
        report.started += sum(item == story for item, story, _ in assignments)
        if on_batch is not None:
            on_batch(len(rows))
    return report


def _with_language(item: StoryItem) -> StoryItem:
    """Items stored before languages were recorded get the guess a poll would make."""
    if item.lang:
        return item
    return replace(item, lang=language(f"{item.title} {item.summary}"))


def _id(item: StoryItem) -> int:
    return cast(int, item.id)


def _key_text(key: TimeKey) -> str:
    return json.dumps({"published": to_db_time(key[0]), "id": key[1]})


def _progress(store: Store) -> TimeKey | None:
    """The last item an interrupted regroup under the current method committed."""
    text = store.get_meta(PROGRESS_KEY + stories.METHOD)
    if text is None:
        return None
    data = json.loads(text)
    return from_db_time(data["published"]), int(data["id"])
