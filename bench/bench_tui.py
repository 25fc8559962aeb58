"""TUI benchmarks: launch time on a big database, and event-loop stalls while polling.

    .venv/bin/python bench/bench_tui.py [--items 100000] [--matches 20000] [--feeds 50]

1. Launch to first painted screen (watchlist counts and the first issue's matches shown),
   on a database of 100,000 items and 20,000 matches; baseline: the same launch on an
   empty database, in the same run. Target: under 1 s.
2. While 50 local feeds (127.0.0.1) are polled in the background, the longest gap between
   ticks of a 10 ms timer on Textual's loop; baseline: the same timer with no poll. Target:
   never over 50 ms.

Figures are printed, never asserted: this is not part of the test run.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import multiprocessing
import random
import sys
import tempfile
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from briefer.config import Paths, load_config
from briefer.models import FetchResult, FetchStatus, Item, Match, ParsedFeed, Span, TermHit
from briefer.store import Store
from briefer.tui.app import BrieferApp
from briefer.tui.briefing import Services
from briefer.tui.messages import BriefingLoaded, FeedsPolled
from tests.factory import FIXED_NOW
from tests.tui.fixture_db import ISSUES, _bundled_matcher

WORDS = "officials said on report week new plan city state talks market local".split()
TERMS = {
    "border": "border crossings",
    "fentanyl": "fentanyl seizure",
    "tariffs": "steel tariffs",
    "judicial_reform": "judicial reform",
    "usmca_2026": "USMCA review",
}


def build_big_db(db: Path, items: int, matches: int, feeds: int = 100) -> None:
    rng = random.Random(7)
    per_feed = items // feeds
    match_every = max(1, items // matches)
    issue_ids = list(TERMS)
    n = 0
    with Store(db) as store:
        for f in range(feeds):
            url = f"https://bench.example/{f}.xml"
            entries, found = [], []
            for _ in range(per_feed):
                words = rng.sample(WORDS, 6)
                hits: list[Match] = []
                if n % match_every == 0:
                    issue = issue_ids[n % len(issue_ids)]
                    term = TERMS[issue]
                    words.insert(2, term)
                    title = " ".join(words).capitalize()
                    start = title.lower().find(term.lower())
                    span = (Span("title", start, start + len(term)),)
                    hits = [Match(issue, 60 + n % 40, (TermHit(term, "phrase", 100.0, span),))]
                else:
                    title = " ".join(words).capitalize()
                published = FIXED_NOW - timedelta(minutes=rng.randrange(60 * 24 * 60))
                entries.append(
                    Item(f"g{n}", title, title + ".", f"https://bench.example/{n}", published)
                )
                found.append(hits)
                n += 1
            parsed = ParsedFeed(title=f"Bench feed {f}", link=None, items=entries)
            store.record_poll(
                url, FetchResult(url, FetchStatus.OK, http_status=200), parsed, found,
                next_due=FIXED_NOW + timedelta(minutes=30), now=FIXED_NOW,
            )  # fmt: skip
        # Every item a story of its own (the most stories a database this size can hold),
        # as a poll would have stored them: left without story ids, the app would group
        # all 100,000 at start.
        with store.transaction() as conn:
            conn.execute("UPDATE items SET story_id = id WHERE story_id IS NULL")


def services_for(home: Path, db: Path, feed_urls: list[str]) -> Services:
    home.mkdir(parents=True, exist_ok=True)
    lines = ["[notify]", "enabled = false", ""]
    for url in feed_urls:
        lines += ["[[feeds]]", f'url = "{url}"', ""]
    (home / "config.toml").write_text("\n".join(lines))
    paths = Paths.resolve(env={"BRIEFER_HOME": str(home)}, db=db)
    return Services(
        config=load_config(paths),
        issues=ISSUES,
        baselines={i.id: f"### {i.title}\n\nBaseline notes." for i in ISSUES},
        db_path=db,
        matcher_factory=_bundled_matcher,
        now=lambda: FIXED_NOW,
    )


async def launch_seconds(services: Services) -> float:
    """From constructing the app to the first screen painted with its data."""
    loaded = asyncio.Event()

    def hook(message: object) -> None:
        if isinstance(message, BriefingLoaded) and message.query is not None:
            loaded.set()

    start = time.perf_counter()
    app = BrieferApp(services, poll_on_start=False)
    async with app.run_test(size=(160, 48), message_hook=hook) as pilot:
        await asyncio.wait_for(loaded.wait(), 60)
        await pilot.pause()  # the refresh that paints it
        return time.perf_counter() - start


def feed_server(feeds: int, items: int) -> tuple[str, int, multiprocessing.Process]:
    """The feeds, served from another process so the server never holds this one's GIL."""
    parent, child = multiprocessing.Pipe()
    process = multiprocessing.get_context("fork").Process(
        target=_serve, args=(feeds, items, child), daemon=True
    )
    process.start()
    host, port = parent.recv()
    return host, port, process


def _serve(feeds: int, items: int, conn: Connection) -> None:
    rng = random.Random(3)

    def body(slug: int) -> bytes:
        entries = []
        for n in range(items):
            words = rng.sample(WORDS, 6)
            if n % 4 == 0:
                words.insert(1, rng.choice(list(TERMS.values())))
            entries.append(
                f"<item><guid>{slug}-{n}-{rng.random()}</guid><title>{' '.join(words)}</title>"
                f"<link>https://bench.example/{slug}/{n}</link>"
                f"<description>{' '.join(words)} in detail.</description>"
                "<pubDate>Mon, 23 Nov 2026 10:00:00 GMT</pubDate></item>"
            )
        return (f"<rss version='2.0'><channel><title>Feed {slug}</title>{''.join(entries)}"
                "</channel></rss>").encode()  # fmt: skip

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            data = body(int(self.path.strip("/").split(".")[0]))
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    conn.send(server.server_address[:2])
    server.serve_forever()


async def longest_gap(
    services: Services, *, poll: bool, seconds: float = 0.0
) -> tuple[float, float]:
    """(longest gap between 10 ms ticks, seconds measured), with or without a poll running."""
    app = BrieferApp(services, poll_on_start=False)
    polled = asyncio.Event()

    def app_hook(m):
        return polled.set() if isinstance(m, FeedsPolled) else None

    async with app.run_test(size=(160, 48), message_hook=app_hook) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause(0.3)
        ticks: list[float] = []
        timer = app.set_interval(0.01, lambda: ticks.append(time.perf_counter()))
        start = time.perf_counter()
        if poll:
            app.poll_now(every=True)
            await asyncio.wait_for(polled.wait(), 300)
        else:
            await asyncio.sleep(seconds)
        timer.stop()
        elapsed = time.perf_counter() - start
        await app.workers.wait_for_complete()
    gaps = [b - a for a, b in itertools.pairwise(ticks)]
    return (max(gaps) if gaps else 0.0), elapsed


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--matches", type=int, default=20_000)
    parser.add_argument("--feeds", type=int, default=50)
    parser.add_argument("--feed-items", type=int, default=50)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-tui-"))

    t = time.perf_counter()
    big = work / "big.db"
    build_big_db(big, args.items, args.matches)
    print(
        f"built {args.items:,} items / {args.matches:,} matches in {time.perf_counter() - t:.1f} s"
    )

    empty = services_for(work / "empty", work / "empty.db", [])
    loaded = services_for(work / "big", big, [])
    await launch_seconds(empty)  # warm imports and caches, so both runs start equal
    base = await launch_seconds(empty)
    full = await launch_seconds(loaded)
    print(f"launch to first painted screen: empty db {base * 1000:.0f} ms, "
          f"big db {full * 1000:.0f} ms (ratio {full / base:.2f}x; target < 1000 ms)")  # fmt: skip

    host, port, server = feed_server(args.feeds, args.feed_items)
    urls = [f"http://{host}:{port}/{n}.xml" for n in range(args.feeds)]
    polling = services_for(work / "poll", work / "poll.db", urls)
    polling.matcher_factory()  # the matcher is built once per app; not the loop's cost
    # The first poll in a process also imports aiohttp and feedparser in the worker thread.
    cold, _cold_elapsed = await longest_gap(polling, poll=True)
    warm_runs = [await longest_gap(polling, poll=True) for _ in range(3)]
    warm = max(gap for gap, _ in warm_runs)
    elapsed = max(seconds for _, seconds in warm_runs)
    idle, _ = await longest_gap(polling, poll=False, seconds=elapsed)
    server.kill()
    print(f"event loop while polling {args.feeds} local feeds x {args.feed_items} items: "
          f"longest gap {warm * 1000:.1f} ms over 3 polls (~{elapsed:.1f} s each), "
          f"first poll with cold imports {cold * 1000:.1f} ms; idle {idle * 1000:.1f} ms "
          f"(ratio {warm / idle:.2f}x; target <= 50 ms)")  # fmt: skip


if __name__ == "__main__":
    asyncio.run(main())
