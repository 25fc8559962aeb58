"""Retention over a simulated year: file size with and without it, and what pruning costs.

    .venv/bin/python bench/bench_retention.py [--days 365] [--feeds 50] [--per-day 100]

Builds a database of `feeds x per-day x days` items (default 50 x 100 x 365 = 1,825,000),
one day at a time in time order, through the store's own connection with the production
schema (bulk SQL rather than `record_poll`, which would spend the time guessing languages;
the full-text index is built in one pass at the end). Text is drawn from a 50,000-word
Zipf vocabulary, titles of 7-14 words and summaries of 20-50, so the full-text index grows
as with real news. Of the items, 2% match an issue (20% of those read, 1% starred, 1%
dismissed), 50 unmatched ones a year are starred, and a third sit in stories of 2-4 items.

Then, in this order, on that one file:
1. its size with nothing ever deleted (the database and its WAL, after a checkpoint);
2. `briefer doctor`'s estimate of what retention would free (`Store.prunable`);
3. the first prune at 180 days (what turning retention on costs on a year-old database):
   time, transactions, the longest one and the 99th percentile, while a second connection
   writes one small transaction every 50 ms as a poll would; its waits are compared with
   the same writer's waits with no prune running (the baseline, same run);
4. the full-text index compacted (FTS5 merges, in short steps), space returned by
   incremental vacuum, their times, and the file size with retention;
5. one more simulated day, then the daily prune that steady state asks (its time).
Figures only; nothing here is a test.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from briefer.prune import PAUSE  # noqa: E402
from briefer.store import Store, to_db_time  # noqa: E402

START = datetime(2025, 12, 1, tzinfo=UTC)
MAX_AGE = timedelta(days=180)
ISSUES = ("tariffs", "fentanyl", "border", "judicial_reform", "usmca_2026")
VOCABULARY = 50_000
WRITE_EVERY = 0.05  # seconds between the probe writer's transactions


def vocabulary(rng: random.Random) -> tuple[list[str], list[float]]:
    letters = "abcdefghijklmnopqrstuvwxyzáéíóñ"
    words = {"".join(rng.choices(letters, k=rng.randint(3, 11))) for _ in range(VOCABULARY)}
    ordered = sorted(words)
    rng.shuffle(ordered)
    weights = [1 / (rank + 1) for rank in range(len(ordered))]
    return ordered, list(_cumulative(weights))


def _cumulative(weights: list[float]) -> Iterator[float]:
    total = 0.0
    for w in weights:
        total += w
        yield total


class Generator:
    """Items for one day at a time, with ids, stories and reader state in time order.

    Titles and summaries join two phrases drawn from pools of Zipf-distributed words:
    making each word anew would cost more than storing the item.
    """

    POOL = 4_000

    def __init__(self, feeds: int, per_day: int, seed: int = 11) -> None:
        self.rng = random.Random(seed)
        words, cum = vocabulary(self.rng)

        def phrases(low: int, high: int) -> list[str]:
            return [
                " ".join(self.rng.choices(words, cum_weights=cum, k=self.rng.randint(low, high)))
                for _ in range(self.POOL)
            ]

        self.titles = (phrases(3, 7), phrases(4, 7))  # 7-14 words
        self.summaries = (phrases(10, 25), phrases(10, 25))  # 20-50 words
        self.feeds = feeds
        self.per_day = per_day
        self.next_id = 1

    def text(self, pools: tuple[list[str], list[str]]) -> str:
        pick = self.rng.randrange
        return f"{pools[0][pick(self.POOL)].capitalize()} {pools[1][pick(self.POOL)]}"

    def day(self, day: int) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]], list]:
        """(item rows, match rows, state rows: (table, row)) for simulated day `day`."""
        rng = self.rng
        count = self.feeds * self.per_day
        base = START + timedelta(days=day)
        offsets = sorted(rng.uniform(0, 86_400) for _ in range(count))
        items: list[tuple[object, ...]] = []
        matches: list[tuple[object, ...]] = []
        state: list[tuple[str, tuple[object, ...]]] = []
        story_left, story = 0, 0
        for n, offset in enumerate(offsets):
            item_id = self.next_id
            self.next_id += 1
            if story_left == 0:
                story = item_id
                story_left = rng.choice((1, 1, 1, 1, 1, 1, 2, 3, 4))
            story_left -= 1
            published = base + timedelta(seconds=offset)
            fetched = published + timedelta(minutes=rng.randint(1, 30))
            title = self.text(self.titles)
            feed = n % self.feeds + 1
            items.append(
                (
                    item_id,
                    feed,
                    f"d{day}-{n}",
                    f"https://outlet{feed}.example/{day}/{n}",
                    title,
                    self.text(self.summaries),
                    to_db_time(published),
                    to_db_time(fetched),
                    f"{item_id:x}",
                    story,
                    rng.choice(("en", "es")),
                )
            )
            roll = rng.random()
            if roll < 0.02:
                issue = rng.choice(ISSUES)
                end = min(len(title), 8)
                terms = json.dumps(
                    [
                        {
                            "term": title[:end],
                            "kind": "phrase",
                            "score": 100.0,
                            "spans": [["title", 0, end]],
                        }
                    ]
                )
                matches.append((item_id, issue, 80.0, terms, "v1", to_db_time(fetched)))
                pick = rng.random()
                if pick < 0.2:
                    state.append(("read", (item_id,)))
                elif pick < 0.21:
                    state.append(("star", (item_id,)))
                elif pick < 0.22:
                    state.append(("dismiss", (item_id, issue, to_db_time(fetched))))
            elif roll < 0.02 + 50 / (365 * count):
                state.append(("star", (item_id,)))
        return items, matches, state


def add_day(store: Store, gen: Generator, day: int) -> int:
    items, matches, state = gen.day(day)
    with store.transaction() as conn:
        conn.executemany(
            "INSERT INTO items(id, feed_id, guid, link, title, summary, published, fetched, "
            "content_hash, story_id, lang) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            items,
        )
        conn.executemany(
            "INSERT INTO matches(item_id, issue_id, score, terms, version, matched_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            matches,
        )
        for kind, row in state:
            if kind == "read":
                conn.execute("INSERT INTO item_state(item_id, read) VALUES (?, 1)", row)
            elif kind == "star":
                conn.execute("INSERT INTO item_state(item_id, starred) VALUES (?, 1)", row)
            else:
                conn.execute(
                    "INSERT INTO feedback(item_id, issue_id, verdict, at) "
                    "VALUES (?, ?, 'not_relevant', ?)",
                    row,
                )
    return len(items)


def size_on_disk(store: Store) -> int:
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    return store.database_size()


class ProbeWriter(threading.Thread):
    """A second connection writing one small transaction every 50 ms, as a poll storing a
    feed would; records how long each waited for the lock and ran."""

    def __init__(self, path: Path) -> None:
        super().__init__(daemon=True)
        self.path = path
        self.waits: list[float] = []
        self.done = threading.Event()

    def run(self) -> None:
        with Store(self.path) as store:
            n = 0
            while not self.done.is_set():
                began = time.perf_counter()
                with store.transaction() as conn:
                    conn.execute(
                        "UPDATE feeds SET last_polled = ? WHERE id = ?", (str(n), n % 50 + 1)
                    )
                self.waits.append(time.perf_counter() - began)
                n += 1
                time.sleep(WRITE_EVERY)


def probe(path: Path, seconds: float) -> list[float]:
    writer = ProbeWriter(path)
    writer.start()
    time.sleep(seconds)
    writer.done.set()
    writer.join()
    return writer.waits


def pct(values: list[float], q: float) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def mb(n: int) -> str:
    return f"{n / 1e6:,.0f} MB"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--feeds", type=int, default=50)
    parser.add_argument("--per-day", type=int, default=100)
    parser.add_argument("--db", type=Path, default=None, help="keep the database here")
    args = parser.parse_args()
    if args.days <= MAX_AGE.days:
        parser.error(f"--days must be more than {MAX_AGE.days}: nothing is old enough before")
    with tempfile.TemporaryDirectory() as tmp:
        path = args.db or Path(tmp) / "briefer.db"
        gen = Generator(args.feeds, args.per_day)
        began = time.perf_counter()
        with Store(path) as store:
            store.sync_feeds(
                [
                    (f"https://outlet{f}.example/feed", f"Outlet {f}")
                    for f in range(1, args.feeds + 1)
                ]
            )
            store.use_cache(256)
            # The full-text index is built once at the end ("rebuild"), as fast as FTS5
            # allows and about the size the per-item trigger makes (within 1% at 100,000
            # items); the trigger is back for everything after.
            trigger = store.conn.execute(
                "SELECT sql FROM sqlite_master WHERE name = 'items_ai'"
            ).fetchone()[0]
            store.conn.execute("DROP TRIGGER items_ai")
            total = sum(add_day(store, gen, day) for day in range(args.days))
            with store.transaction() as conn:
                conn.execute("INSERT INTO items_fts(items_fts) VALUES ('rebuild')")
                conn.execute(trigger)
            built = time.perf_counter() - began
            full = size_on_disk(store)
            matched = store.count_matches()
            print(
                f"built {total:,} items ({args.feeds} feeds x {args.per_day}/day x "
                f"{args.days} days; {matched:,} matches) in {built:.0f} s"
            )
            print(f"size without retention: {mb(full)}")
            now = START + timedelta(days=args.days)
            cut = now - MAX_AGE
            began = time.perf_counter()
            estimate = store.prunable(cut)
            counted = time.perf_counter() - began
            print(
                f"doctor's estimate: {estimate.items:,} items, about {mb(estimate.bytes)} "
                f"(counted in {counted:.1f} s)"
            )

        baseline = probe(path, 3.0)
        writer = ProbeWriter(path)
        writer.start()
        cpu = time.process_time()
        with Store(path) as store:  # as the daily job runs it on a year-old database
            pruned = store.prune(cut, pause=PAUSE)
            cpu = time.process_time() - cpu
            began = time.perf_counter()
            steps, longest_merge = store.compact_search_index()
            merged = time.perf_counter() - began
            space = store.reclaim_space()
        writer.done.set()
        writer.join()
        waits = writer.waits
        times = pruned.batch_times
        print(
            f"first prune: {pruned.items:,} items in {pruned.seconds:.1f} s "
            f"({pruned.items / max(pruned.seconds, 1e-9):,.0f} items/s), "
            f"{pruned.batches:,} transactions: median {statistics.median(times) * 1000:.0f} ms, "
            f"p99 {pct(times, 99) * 1000:.0f} ms, longest {pruned.longest_batch * 1000:.0f} ms; "
            f"CPU {cpu:.1f} s (the probe writer's included)"
        )
        print(
            f"full-text index compacted in {merged:.1f} s ({steps} transactions, longest "
            f"{longest_merge * 1000:.0f} ms); incremental vacuum returned "
            f"{mb(space.freed_bytes)} in {space.seconds:.1f} s (longest step "
            f"{space.longest_step * 1000:.0f} ms)"
        )
        print(
            f"a poll's write meanwhile ({len(waits):,} writes): median "
            f"{statistics.median(waits) * 1000:.1f} ms, p99 {pct(waits, 99) * 1000:.0f} ms, "
            f"longest {max(waits) * 1000:.0f} ms; with no prune running ({len(baseline)} writes): "
            f"median {statistics.median(baseline) * 1000:.1f} ms, longest "
            f"{max(baseline) * 1000:.1f} ms; ratio of longest "
            f"{max(waits) / max(baseline):.0f}x"
        )
        with Store(path) as store:
            kept = size_on_disk(store)
            print(
                f"size with retention: {mb(kept)} ({kept / full:.2f}x the size without; "
                f"doctor's estimate was {estimate.bytes / max(full - kept, 1):.2f}x what went)"
            )
            add_day(store, gen, args.days)
            daily = store.prune(cut + timedelta(days=1))
            space = store.reclaim_space()
            print(
                f"daily prune in steady state: {daily.items:,} items in {daily.seconds:.2f} s "
                f"({daily.batches} transactions, longest {daily.longest_batch * 1000:.0f} ms), "
                f"vacuum {space.seconds:.2f} s; integrity {store.integrity_check()}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
