"""An issue's first page of stories (`Store.stories(limit=...)`) is the first page of the
whole ordered list, in every order and filter, ties included.

The page is picked from a lighter pass than the full rows, so these compare the two on a
real SQLite file with grouped and ungrouped items, ties on time and score, several outlets,
read, starred and dismissed stories.
"""

from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path

import pytest

from briefer.models import Item, Match
from briefer.store import Store
from tests.factory import FIXED_NOW, add_feed, hit

ISSUE = "fentanyl"


def build(store: Store) -> None:
    rng = random.Random(11)
    for feed in range(4):
        entries = []
        for n in range(40):
            title = f"Cartel report {feed}-{n}"
            published = FIXED_NOW - timedelta(hours=rng.choice([1, 2, 5, 30, 80]))
            score = float(rng.choice([60, 75, 90]))
            item = Item(
                guid=f"{feed}-{n}",
                title=title,
                summary="",
                link=f"https://example.com/{feed}/{n}",
                published=published,
                outlet=rng.choice(["", "Daily Planet", "Le Monde", "Diario"]),
            )
            entries.append((item, [Match(ISSUE, score, (hit("cartel", title),))]))
        add_feed(store, f"http://127.0.0.1:1/{feed}.xml", entries, title=f"Feed {feed}")
    ids = [r[0] for r in store.conn.execute("SELECT id FROM items ORDER BY id")]
    with store.transaction() as conn:
        # Stories of one to five items; a few items left ungrouped (their own story).
        at = 0
        while at < len(ids):
            size = rng.randint(1, 5)
            group = ids[at : at + size]
            if rng.random() > 0.1:
                conn.executemany(
                    "UPDATE items SET story_id = ? WHERE id = ?", [(group[0], i) for i in group]
                )
            at += size
        for item_id in rng.sample(ids, 30):
            conn.execute(
                "INSERT OR REPLACE INTO item_state(item_id, read, starred) VALUES (?, ?, ?)",
                (item_id, 1, int(rng.random() < 0.3)),
            )
    for story in rng.sample(ids, 10):
        store.dismiss_story(story, ISSUE)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory):
    path: Path = tmp_path_factory.mktemp("page") / "b.db"
    with Store(path) as s:
        build(s)
        yield s


@pytest.mark.parametrize("order", ["best", "new"])
@pytest.mark.parametrize(
    "filters",
    [{}, {"starred_only": True}, {"unread_only": True}, {"since": FIXED_NOW - timedelta(days=2)}],
)
def test_the_first_page_is_the_start_of_the_whole_list(
    store: Store, order: str, filters: dict
) -> None:
    whole = store.stories(ISSUE, order=order, now=FIXED_NOW, **filters)
    assert len(whole) > 3
    for limit in (1, 2, 3, len(whole) // 2, len(whole) - 1, len(whole), len(whole) + 5):
        page = store.stories(ISSUE, order=order, now=FIXED_NOW, limit=limit, **filters)
        assert page == whole[:limit]
