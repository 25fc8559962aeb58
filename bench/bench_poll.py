"""Poll benchmark: 200 feeds x 50 items served from 127.0.0.1 with 100 ms latency.

Prints wall time and items/s for briefer's first poll (everything new) and second poll
(every feed answers 304), and the same workload through the `reader` library with 20
workers as the baseline, run in this same process, with the ratios.

    .venv/bin/pip install -e '.[bench]' && .venv/bin/python bench/bench_poll.py
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import multiprocessing
import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection
from pathlib import Path

from briefer.cli.context import AppContext
from briefer.poller import Poller, parse_pool

WORDS = (
    "aranceles acero México frontera migrantes Sheinbaum Trump cártel fentanilo T-MEC revisión "
    "reforma judicial Suprema Corte deportaciones Guardia Nacional nearshoring inversión China "
    "economía peso Banxico elecciones lluvias turismo futbol Monterrey Jalisco Sinaloa"
).split()


def feed_xml(n: int, items: int) -> bytes:
    base = datetime(2026, 11, 20, tzinfo=UTC)
    entries = []
    for i in range(items):
        words = [WORDS[(n * 7 + i * 3 + k * 5) % len(WORDS)] for k in range(9)]
        title = " ".join(words).capitalize()
        entries.append(
            f"<item><title>{title}</title><link>https://news.example/{n}/{i}</link>"
            f"<guid>https://news.example/{n}/{i}</guid>"
            f"<pubDate>{format_datetime(base - timedelta(minutes=i))}</pubDate>"
            f"<description>&lt;p&gt;{title}. {' '.join(reversed(words))}.&lt;/p&gt;"
            "</description></item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Feed {n}</title><link>https://news.example/{n}</link>"
        f"<description>bench</description>{''.join(entries)}</channel></rss>"
    ).encode()


def _serve(feeds: int, items: int, latency: float, conn: Connection) -> None:
    bodies = {f"/feed/{n}.xml": feed_xml(n, items) for n in range(feeds)}
    etags = {path: '"' + hashlib.sha1(b).hexdigest()[:16] + '"' for path, b in bodies.items()}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in two writes; with Nagle on, the second waits for the
        # client's delayed ACK (40 ms), which no real feed server adds.
        disable_nagle_algorithm = True

        def do_GET(self) -> None:
            time.sleep(latency)
            body = bodies.get(self.path, b"")
            etag = etags.get(self.path, "")
            if not body:
                self.send_response(404)
            elif self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                body = b""
            else:
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
                self.send_header("ETag", etag)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    ThreadingHTTPServer.daemon_threads = True
    ThreadingHTTPServer.request_queue_size = 512
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    conn.send([f"http://127.0.0.1:{server.server_port}{p}" for p in bodies])
    server.serve_forever()


class FeedServer:
    """The feeds, served from another process (so the server never competes with the
    poller for the GIL); every response waits `latency`; ETags make the second poll 304."""

    def __init__(self, feeds: int, items: int, latency: float) -> None:
        parent, child = multiprocessing.Pipe()
        self.process = multiprocessing.get_context("fork").Process(
            target=_serve, args=(feeds, items, latency, child), daemon=True
        )
        self.process.start()
        self.urls: list[str] = parent.recv()

    def close(self) -> None:
        self.process.kill()
        self.process.join()


def briefer_polls(urls: list[str], home: Path) -> tuple[float, float, float, int]:
    feeds = "".join(f'[[feeds]]\nurl = "{u}"\n' for u in urls)
    (home / "config.toml").write_text(f"[poll]\nconcurrency = 100\nper_host = 100\n{feeds}")
    os.environ["BRIEFER_HOME"] = str(home)
    ctx = AppContext()
    config = ctx.config
    matcher = ctx.matcher
    start = time.perf_counter()
    executor = parse_pool(ctx.issues)
    # Start the worker processes now (they import feedparser and build the matcher), so
    # the polls below measure polling; the start-up is reported on its own.
    list(executor.map(abs, range(8)))
    warmup = time.perf_counter() - start
    with ctx.open_store() as store:
        versions = ctx.issue_versions
        poller = Poller(config, store, matcher, issue_versions=versions, executor=executor)
        start = time.perf_counter()
        first = asyncio.run(poller.poll(every=True))
        t1 = time.perf_counter() - start
        start = time.perf_counter()
        second = asyncio.run(poller.poll(every=True))
        t2 = time.perf_counter() - start
        assert first.succeeded == len(urls), [o.error for o in first.outcomes if o.error][:3]
        assert second.new_items == 0
        items = store.count_items()
    executor.shutdown()
    return warmup, t1, t2, items


def reader_polls(urls: list[str], home: Path) -> tuple[float, float, int] | None:
    try:
        from reader import make_reader
    except ImportError:
        return None
    reader = make_reader(str(home / "reader.sqlite"))
    for url in urls:
        reader.add_feed(url)
    start = time.perf_counter()
    reader.update_feeds(workers=20, scheduled=False)
    t1 = time.perf_counter() - start
    start = time.perf_counter()
    reader.update_feeds(workers=20, scheduled=False)
    t2 = time.perf_counter() - start
    items = reader.get_entry_counts().total
    reader.close()
    return t1, t2, items


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--feeds", type=int, default=200)
    ap.add_argument("--items", type=int, default=50)
    ap.add_argument("--latency", type=float, default=0.1)
    args = ap.parse_args()
    server = FeedServer(args.feeds, args.items, args.latency)
    print(f"{args.feeds} feeds x {args.items} items, {args.latency * 1000:.0f} ms latency")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            warmup, b1, b2, items = briefer_polls(server.urls, Path(tmp))
            print(f"briefer  worker start {warmup:5.2f} s  (once per run, before the first poll)")
            print(f"briefer  first poll  {b1:6.2f} s  {items / b1:8.0f} items/s  ({items} items)")
            print(f"briefer  second poll {b2:6.2f} s  (all 304)")
        with tempfile.TemporaryDirectory() as tmp:
            baseline = reader_polls(server.urls, Path(tmp))
        if baseline is None:
            print("reader not installed (pip install -e '.[bench]'): no baseline ratio")
            return
        r1, r2, r_items = baseline
        print(f"reader   first poll  {r1:6.2f} s  {r_items / r1:8.0f} items/s  (20 workers)")
        print(f"reader   second poll {r2:6.2f} s")
        print(f"ratio (reader / briefer): first poll {r1 / b1:.1f}x, second poll {r2 / b2:.1f}x")
        print(
            f"targets: first poll < 3.4 s: {'met' if b1 < 3.4 else 'NOT met'}; "
            f"second poll < 0.5 s: {'met' if b2 < 0.5 else 'NOT met'}"
        )
    finally:
        server.close()


if __name__ == "__main__":
    sys.exit(main())
