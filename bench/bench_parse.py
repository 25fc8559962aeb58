"""Parse benchmark: parse_feed's fast path against its feedparser path, same feeds, one run.

Parses bench_poll's 200 feeds of 50 items (what a poll sees: plain UTF-8 RSS 2.0) through
`parse_feed` (fastfeedparser, then briefer's rules) and through the feedparser reader with
the same rules, in turns, and prints CPU time per feed, items/s and the ratio; then the
same for the parse and the rules alone, so it shows where the rest of the time goes.

    .venv/bin/python bench/bench_parse.py [--feeds 200] [--items 50] [--rounds 3]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from bench_poll import feed_xml

from briefer.parse import parse_feed, read
from briefer.parse_feedparser import read_feedparser
from briefer.parse_rules import build_feed

CONTENT_TYPE = "application/rss+xml; charset=utf-8"
URL = "https://news.example/feed.xml"


def cpu(work: Callable[[], object], rounds: int) -> float:
    """Best CPU seconds of `rounds` runs (the least disturbed by other jobs)."""
    best = float("inf")
    for _ in range(rounds):
        start = time.process_time()
        work()
        best = min(best, time.process_time() - start)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--feeds", type=int, default=200)
    ap.add_argument("--items", type=int, default=50)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    bodies = [feed_xml(n, args.items) for n in range(args.feeds)]
    now = datetime.now(UTC)
    assert all(read(b, url=URL, content_type=CONTENT_TYPE)[1] == "fast" for b in bodies)
    items = args.feeds * args.items

    def fast() -> None:
        for body in bodies:
            parse_feed(body, url=URL, fetched_at=now, content_type=CONTENT_TYPE)

    def slow() -> None:
        for body in bodies:
            raw = read_feedparser(body, url=URL, content_type=CONTENT_TYPE)
            build_feed(raw, url=URL, fetched_at=now)

    def fast_read() -> None:
        for body in bodies:
            read(body, url=URL, content_type=CONTENT_TYPE)

    def slow_read() -> None:
        for body in bodies:
            read_feedparser(body, url=URL, content_type=CONTENT_TYPE)

    raws = [read(b, url=URL, content_type=CONTENT_TYPE)[0] for b in bodies]

    def rules() -> None:
        for raw in raws:
            build_feed(raw, url=URL, fetched_at=now)

    figures = {}
    for name, work in (
        ("fast", fast),
        ("feedparser", slow),
        ("fast read", fast_read),
        ("feedparser read", slow_read),
        ("rules", rules),
    ):
        figures[name] = cpu(work, args.rounds)
    print(f"{args.feeds} feeds x {args.items} items, best CPU time of {args.rounds} rounds")
    for name, seconds in figures.items():
        print(
            f"  {name:16} {seconds:6.3f} s  {seconds / args.feeds * 1000:6.2f} ms/feed  "
            f"{items / seconds:9,.0f} items/s"
        )
    print(
        f"parse_feed, fast path / feedparser path: {figures['feedparser'] / figures['fast']:.1f}x"
        f" faster; reading alone {figures['feedparser read'] / figures['fast read']:.1f}x faster"
    )


if __name__ == "__main__":
    main()
