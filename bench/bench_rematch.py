"""`briefer rematch --all` end to end over a large database, against just reading it.

    .venv/bin/python bench/bench_rematch.py [--items 1000000] [--workers N]

Builds a database of N generated headline-like items (bench_match's generator: English and
Spanish, about a third carrying watchlist vocabulary) in one transaction through the
store's own connection, FTS triggers included as in production. Then runs
`briefer rematch --all` twice in a subprocess: first over a database with no matches (every
match is new), then again (every match is rewritten, none new). Reports wall time
(start-up included), items/s and the peak memory of the largest process in briefer's tree
(getrusage of children). The baseline, measured in the same run, is reading every item in
the rematch's batches without matching. Figures only; nothing here is a test.

Targets on a 2-core machine: under 30 s and under 500 MB for 1,000,000 items.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench_match import _MEASURE, briefer_command, generate  # noqa: E402

from briefer.store import Store, to_db_time  # noqa: E402

TIME_TARGET = 30.0
MEMORY_TARGET_MB = 500
CHUNK = 50_000  # items generated at a time, so the bench itself stays small


def rows(count: int) -> Iterator[tuple[object, ...]]:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for offset in range(0, count, CHUNK):
        for n, it in enumerate(generate(min(CHUNK, count - offset), seed=offset), offset):
            published = to_db_time(start + timedelta(seconds=n * 17))
            yield (
                1,
                f"g{n}",
                f"https://example.com/{n}",
                it["title"],
                it["summary"],
                published,
                published,
                f"h{n}",
            )


def build(db: Path, count: int) -> float:
    began = time.perf_counter()
    with Store(db) as store:
        store.sync_feeds([("https://example.com/feed", "Generated")])
        with store.transaction() as conn:
            conn.executemany(
                "INSERT INTO items(feed_id, guid, link, title, summary, published, fetched, "
                "content_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                rows(count),
            )
    return time.perf_counter() - began


def read_baseline(db: Path) -> float:
    """Seconds to read every item in the rematch's batches, matching nothing."""
    began = time.perf_counter()
    with Store(db) as store:
        total = sum(len(batch) for batch in store.item_texts(batch=5_000))
    assert total
    return time.perf_counter() - began


def rematch(home: Path, workers: int | None) -> tuple[float, int, str]:
    """(wall seconds, peak RSS in KiB of the largest process, output) of rematch --all."""
    env = {**os.environ, "BRIEFER_HOME": str(home)}
    command = [sys.executable, "-c", _MEASURE, *briefer_command(), "rematch", "--all"]
    if workers is not None:
        command += ["--workers", str(workers)]
    began = time.perf_counter()
    done = subprocess.run(command, capture_output=True, env=env, check=True)
    elapsed = time.perf_counter() - began
    peak = int(done.stderr.decode().split()[-2])
    return elapsed, peak, done.stdout.decode()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=None, help="passed to rematch")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        db = home / "briefer.db"
        built = build(db, args.items)
        print(f"built {args.items:,} items in {built:.1f} s ({db.stat().st_size >> 20} MiB)")
        baseline = read_baseline(db)
        print(f"baseline: read every item in batches: {baseline:.2f} s")
        ok = True
        for label in ("first rematch (all new)", "second rematch (all kept)"):
            elapsed, peak, out = rematch(home, args.workers)
            rate = args.items / elapsed
            mib = peak / 1024
            print(
                f"{label}: {elapsed:.1f} s, {rate:,.0f} items/s, peak {mib:.0f} MiB, "
                f"{elapsed / baseline:.1f}x the read baseline"
            )
            print("  " + "\n  ".join(out.strip().splitlines()))
            ok = ok and elapsed < TIME_TARGET and mib < MEMORY_TARGET_MB
        print(
            f"targets (< {TIME_TARGET:.0f} s, < {MEMORY_TARGET_MB} MB): "
            f"{'met' if ok else 'NOT met'}"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
