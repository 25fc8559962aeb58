"""An issue's stories read from a large database, against reading its matches.

    .venv/bin/python bench/bench_store_stories.py [--items 100000] [--copies 5]

Builds a database of N items from 40 feeds over 60 days, grouped `--copies` items to a
story, a quarter of them matched to one issue, through the store's own connection. Then
times, best of three each: `Store.stories(issue)` (every story, best first),
`stories(issue, since=2 days ago)`, `story_counts` and `daily_story_counts(14 days)`, and
the baseline in the same process: `Store.matches(issue)` (every match, best first), what
the app read before stories. Figures only; nothing here is a test.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from briefer.store import Store, to_db_time  # noqa: E402

ISSUE = "fentanyl"
FEEDS = 40
DAYS = 60


def build(store: Store, count: int, copies: int, now: datetime) -> None:
    rng = random.Random(7)
    step = timedelta(days=DAYS) / count
    with store.transaction() as conn:
        conn.executemany(
            "INSERT INTO feeds(id, url, title) VALUES (?, ?, ?)",
            [(f, f"http://127.0.0.1:1/{f}.xml", f"Feed {f}") for f in range(1, FEEDS + 1)],
        )
        items = []
        for n in range(1, count + 1):
            first = n - (n - 1) % copies
            items.append(
                (
                    n,
                    rng.randint(1, FEEDS),
                    f"g{n}",
                    f"Headline {first} about the border",
                    to_db_time(now - step * (count - first)),
                    first,
                    rng.choice(("en", "es")),
                    rng.choice(("", "", "Outlet A", "Outlet B", "Outlet C")),
                )
            )
        conn.executemany(
            "INSERT INTO items(id, feed_id, guid, title, summary, published, story_id, lang, "
            "outlet) VALUES (?, ?, ?, ?, '', ?, ?, ?, ?)",
            items,
        )
        conn.executemany(
            "INSERT INTO matches(item_id, issue_id, score, terms, version, matched_at) "
            "VALUES (?, ?, ?, '[]', 'v', ?)",
            [
                (n, ISSUE, float(rng.randint(50, 100)), to_db_time(now))
                for n in range(1, count + 1)
                if rng.random() < 0.25
            ],
        )


def best_of(runs: int, work: Callable[[], object]) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        began = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - began)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--copies", type=int, default=5, help="items per story")
    args = parser.parse_args()
    now = datetime(2026, 11, 23, 12, tzinfo=UTC)
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "bench.db") as store:
        build(store, args.items, args.copies, now)
        base, matches = best_of(3, lambda: store.matches(ISSUE))
        print(f"{args.items:,} items, {len(matches):,} matches of {ISSUE}")  # type: ignore[arg-type]
        print(f"  matches(issue)            {base * 1000:8.1f} ms  (baseline)")
        since = now - timedelta(days=2)
        for label, work in (
            ("stories(issue)", lambda: store.stories(ISSUE, now=now)),
            ("stories(issue, since=2d)", lambda: store.stories(ISSUE, since=since, now=now)),
            ("story_counts", lambda: store.story_counts(ISSUE, since=since)),
            ("daily_story_counts(14)", lambda: store.daily_story_counts(ISSUE, days=14, now=now)),
        ):
            took, result = best_of(3, work)
            size = f"{len(result):,} rows" if isinstance(result, list) else str(result)
            print(f"  {label:<25} {took * 1000:8.1f} ms  {took / base:5.2f}x  ({size})")


if __name__ == "__main__":
    main()
