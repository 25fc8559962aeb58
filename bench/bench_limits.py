"""How fast the limits act: the timings the test suite used to assert, measured here instead.

The tests check that each limit acts (the right message, the poll not waiting for a held
feed); these figures say how promptly, each against a baseline from the same run:

- parsing a billion-laughs feed, against parsing an ordinary feed of the same size;
- a fetch cut off by its 1 s deadline, against that deadline;
- `briefer daemon` stopping on SIGTERM while a feed hangs, against stopping while idle.

    .venv/bin/python bench/bench_limits.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from briefer.fetch import Fetcher, FetchSettings
from briefer.models import FeedRequest
from briefer.parse import parse_feed
from tests.feeds import (
    ConcurrencyServer,
    Entry,
    billion_laughs,
    items,
    read_request,
    rss,
    serve_raw,
    stall_after_headers,
)

CLI = "import sys; from briefer.cli import main; sys.exit(main())"


NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


async def fetch_one(url: str, settings: FetchSettings) -> float:
    async with Fetcher(settings) as fetcher:
        return (await fetcher.fetch(FeedRequest(url))).elapsed


def best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def parse_figures(repeat: int) -> None:
    laughs = billion_laughs(9)
    ordinary = rss(items(1))
    t_laughs = best(lambda: parse_feed(laughs, url="https://x/", fetched_at=NOW), repeat)
    t_plain = best(lambda: parse_feed(ordinary, url="https://x/", fetched_at=NOW), repeat)
    print(
        f"parse billion laughs ({len(laughs):,} B): {t_laughs * 1000:8.1f} ms; "
        f"ordinary feed ({len(ordinary):,} B): {t_plain * 1000:8.1f} ms; "
        f"ratio {t_laughs / t_plain:.2f}x"
    )


def deadline_figures(repeat: int) -> None:
    settings = FetchSettings(read_timeout=30, total_timeout=1)
    elapsed, wall = [], []
    with serve_raw(stall_after_headers) as url:
        for _ in range(repeat):
            start = time.perf_counter()
            elapsed.append(asyncio.run(fetch_one(url + "/feed.xml", settings)))
            wall.append(time.perf_counter() - start)
    e, w = statistics.median(elapsed), statistics.median(wall)
    print(
        f"fetch stalled after headers, 1 s deadline: cut off after {e:.2f} s "
        f"({e / settings.total_timeout:.2f}x the deadline), {w:.2f} s with closing the client"
    )


def daemon_stop(home: Path, urls: list[str], wait_for: Callable[[], bool]) -> float:
    home.mkdir(parents=True, exist_ok=True)
    feeds = "".join(f'\n[[feeds]]\nurl = "{u}"\n' for u in urls)
    (home / "config.toml").write_text(
        f"[poll]\ntimeout_seconds = 120\n[notify]\nenabled = false\n{feeds}"
    )
    env = {**os.environ, "BRIEFER_HOME": str(home)}
    proc = subprocess.Popen(
        [sys.executable, "-c", CLI, "daemon", "--no-notify"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    while not wait_for():
        time.sleep(0.05)
    start = time.perf_counter()
    proc.send_signal(signal.SIGTERM)
    proc.wait()
    return time.perf_counter() - start


def daemon_figures(repeat: int) -> None:
    body = rss([Entry("Border wait times", guid="1")])
    idle, hanging = [], []
    for n in range(repeat):
        with tempfile.TemporaryDirectory() as tmp, ConcurrencyServer(body, delay=0) as fast:
            log = Path(tmp) / "idle" / "logs" / "daemon.log"

            def polled(log: Path = log) -> bool:
                return log.exists() and "polled 1 feeds" in log.read_text()

            idle.append(daemon_stop(Path(tmp) / "idle", [f"{fast.url}/a.xml"], polled))
        asked, gone = threading.Event(), threading.Event()

        def hang(
            conn: object,
            stop: threading.Event,
            asked: threading.Event = asked,
            gone: threading.Event = gone,
        ) -> None:
            read_request(conn)  # type: ignore[arg-type]
            asked.set()
            while not (gone.is_set() or stop.wait(0.05)):
                pass

        with tempfile.TemporaryDirectory() as tmp, serve_raw(hang) as slow:
            hanging.append(daemon_stop(Path(tmp) / f"h{n}", [f"{slow}/s.xml"], asked.is_set))
            gone.set()
    i, h = statistics.median(idle), statistics.median(hanging)
    print(f"daemon stop on SIGTERM: idle {i:.2f} s; a feed hanging {h:.2f} s; ratio {h / i:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    parse_figures(args.repeat)
    deadline_figures(args.repeat)
    daemon_figures(args.repeat)


if __name__ == "__main__":
    main()
