"""Regrouping keeps what the reader did: dismissals and notices, kept by story id, follow
their items when a regroup gives their story another id (real SQLite files, the real
grouping: identical headlines join, unrelated ones do not).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from briefer import regroup, stories
from briefer.models import FetchResult, FetchStatus, Item, Match, ParsedFeed
from briefer.store import Store
from briefer.stories import StoryIndex
from tests.factory import FIXED_NOW, hit

SENTENCE = "Judge sentences cartel leader to life in prison for fentanyl trafficking"
FLOOD = "Heavy rains flood the streets of Monterrey overnight"
TARIFF = "Tariffs on Mexican steel take effect next week"
ISSUE = "fentanyl"
DISMISSED_AT = FIXED_NOW - timedelta(hours=1)

# guid -> (title, hours ago), in time order: the tariff item first.
ITEMS = {
    "t": (TARIFF, 30),
    "s1": (SENTENCE, 20),
    "s2": (SENTENCE, 19),
    "f1": (FLOOD, 10),
    "f2": (FLOOD, 9),
}


def poll(
    store: Store, items: dict[str, tuple[str, int]], *, index: StoryIndex | None = None
) -> None:
    for guid, (title, hours) in items.items():
        url = f"http://127.0.0.1:1/{guid}.xml"
        item = Item(
            guid, title, "", f"https://x.example/{guid}", FIXED_NOW - timedelta(hours=hours)
        )
        store.record_poll(
            url,
            FetchResult(url=url, status=FetchStatus.OK, http_status=200),
            ParsedFeed(title=f"Outlet {guid}", link=None, items=[item]),
            [[Match(ISSUE, 80.0, (hit("the", title),))]],
            next_due=FIXED_NOW,
            now=FIXED_NOW,
            stories=index,
        )


def ids(store: Store) -> dict[str, int]:
    return dict(store.conn.execute("SELECT guid, id FROM items").fetchall())


def rows(store: Store, table: str) -> set[tuple]:
    guid = {v: k for k, v in ids(store).items()}
    return {(guid[r[0]], *r[1:]) for r in store.conn.execute(f"SELECT * FROM {table}")}


@pytest.fixture
def regrouped(tmp_path: Path) -> Store:
    """Stories stored under an older method, wrongly: the tariff item and both sentence
    copies as one story (its id the tariff item's), the two flood copies apart. The reader
    dismissed the first for the issue and was notified of all three; the second flood
    story was dismissed for another issue and announced as spreading. Then a regroup."""
    with Store(tmp_path / "b.db") as store:
        poll(store, ITEMS)
        i = ids(store)
        old = {"t": i["t"], "s1": i["t"], "s2": i["t"], "f1": i["f1"], "f2": i["f2"]}
        store.assign_stories([(i[guid], story, "en") for guid, story in old.items()])
        store.set_meta(regroup.METHOD_KEY, "an older method")
        store.dismiss_story(i["t"], ISSUE, now=DISMISSED_AT)
        store.dismiss_story(i["f2"], "tariffs", now=DISMISSED_AT)
        store.mark_stories_notified([(i["t"], ISSUE), (i["f1"], ISSUE)], now=FIXED_NOW)
        store.mark_stories_notified([(i["f2"], ISSUE)], now=DISMISSED_AT)
        store.mark_stories_notified([(i["f2"], ISSUE)], "spreading", now=FIXED_NOW)
        assert regroup.run(store, batch=2).full
        yield store


def test_the_regroup_gives_the_stories_new_ids(regrouped: Store) -> None:
    stored = regrouped.conn.execute("SELECT guid, story_id FROM items").fetchall()
    i = ids(regrouped)
    assert dict(stored) == {"t": i["t"], "s1": i["s1"], "s2": i["s1"], "f1": i["f1"], "f2": i["f1"]}


def test_dismissals_and_notices_follow_their_items(regrouped: Store) -> None:
    at, dismissed_at = "2026-11-23T12:00:00Z", "2026-11-23T11:00:00Z"
    # A split: both parts keep the dismissal and the notice of the whole. A merge: the
    # union, with the earlier time. The second flood story's id names no story any more.
    assert rows(regrouped, "story_dismissals") == {
        ("t", ISSUE, dismissed_at),
        ("s1", ISSUE, dismissed_at),
        ("f1", "tariffs", dismissed_at),
    }
    assert rows(regrouped, "story_notices") == {
        ("t", ISSUE, "new", at),
        ("s1", ISSUE, "new", at),
        ("f1", ISSUE, "new", dismissed_at),
        ("f1", ISSUE, "spreading", at),
    }
    i = ids(regrouped)
    assert regrouped.unnotified_stories([(i["s1"], ISSUE), (i["f1"], ISSUE)]) == set()


def test_a_dismissed_story_stays_hidden_as_it_grows_after_a_regroup(regrouped: Store) -> None:
    assert [s.headline for s in regrouped.stories(ISSUE, now=FIXED_NOW)] == [FLOOD]
    index = StoryIndex(stories.WINDOW)
    for item, story in regrouped.recent_story_items(FIXED_NOW - timedelta(days=3)):
        index.add(item, story)
    poll(regrouped, {"s3": (SENTENCE, 2)}, index=index)
    i = ids(regrouped)
    assert regrouped.story_of(i["s3"]) == i["s1"]
    assert [s.headline for s in regrouped.stories(ISSUE, now=FIXED_NOW)] == [FLOOD]
    # Undo still works on the new story: it and the per-item feedback come back.
    regrouped.undismiss_story(i["s1"], ISSUE)
    shown = {s.headline: s.items for s in regrouped.stories(ISSUE, now=FIXED_NOW)}
    assert shown == {FLOOD: 2, SENTENCE: 3}
