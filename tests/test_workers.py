"""Parse workers: started only for large polls, and never outliving the process that
started them (a SIGKILLed poll used to leave the forkserver, the resource tracker and two
workers behind for good)."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest

from briefer.cli.context import AppContext
from briefer.match import Matcher
from briefer.parse_worker import parse_pool
from briefer.poller import Poller
from briefer.workers import (
    ENV,
    FORK_FROM_FEEDS,
    POOL_FROM_FEEDS,
    WORKER_NICENESS,
    LazyPool,
    pool_wanted,
)
from tests.feeds import ConcurrencyServer, items, rss


def write_config(home: Path, urls: list[str], concurrency: int = 20) -> None:
    feeds = "".join(f'[[feeds]]\nurl = "{u}"\n' for u in urls)
    (home / "config.toml").write_text(
        f"[poll]\ntimeout_seconds = 10\nconcurrency = {concurrency}\nper_host = 20\n"
        f"[notify]\nenabled = false\n{feeds}"
    )


def processes_of(home: Path) -> list[int]:
    """Every live process started for this test's BRIEFER_HOME (children inherit it)."""
    marker = f"BRIEFER_HOME={home}\0".encode()
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry.name}/environ", "rb") as f:
                environ = f.read()
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                state = f.read().rsplit(b")", 1)[1].split()[0]
        except OSError:
            continue
        if marker in environ and state != b"Z":
            found.append(int(entry.name))
    return found


# A poll through a lazy pool, as the daemon and the app poll: its workers come from a
# forkserver, which brings a resource tracker along.
_LAZY_POLL = """
import asyncio
from briefer.cli.context import AppContext
from briefer.parse_worker import parse_pool
from briefer.poller import Poller
ctx = AppContext()
pool = parse_pool(ctx.issues)
with ctx.open_store() as store:
    asyncio.run(Poller(ctx.config, store, ctx.matcher, executor=pool).poll(every=True))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize(
    ("command", "processes"),
    [
        # `poll --once` forks its two workers (BRIEFER_PARSE_WORKERS=2) before it polls.
        (["-m", "briefer", "poll", "--once"], 3),
        # The poll, the forkserver, the resource tracker and two workers.
        (["-c", _LAZY_POLL], 5),
    ],
    ids=["forked", "forkserver"],
)
def test_a_sigkilled_poll_leaves_no_process_behind(
    tmp_path: Path, command: list[str], processes: int
) -> None:
    home = tmp_path
    feeds = 40
    with ConcurrencyServer(rss(items(30)), delay=0.3, ports=2) as server:
        write_config(home, [f"{server.urls[n % 2]}/feed/{n}.xml" for n in range(feeds)], 4)
        env = {**os.environ, "BRIEFER_HOME": str(home), ENV: "2"}
        proc = subprocess.Popen(
            [sys.executable, *command],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        leftovers: list[int] = []
        try:
            # Wait until the poll is parsing in its workers and items are being stored.
            deadline = time.monotonic() + 30
            stored = 0
            while time.monotonic() < deadline:
                if len(processes_of(home)) >= processes and (home / "briefer.db").exists():
                    with sqlite3.connect(home / "briefer.db", timeout=1) as conn:
                        try:
                            stored = conn.execute("SELECT count(*) FROM items").fetchone()[0]
                        except sqlite3.OperationalError:
                            stored = 0
                    if stored:
                        break
                time.sleep(0.05)
            assert len(processes_of(home)) >= processes, "the poll never started its workers"
            assert 0 < stored < feeds * 30, "the poll must be killed part-way through"
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
            deadline = time.monotonic() + 10
            while processes_of(home) and time.monotonic() < deadline:
                time.sleep(0.1)
            leftovers = processes_of(home)
            assert leftovers == [], "processes outlived the poll"
        finally:
            proc.kill()
            for pid in leftovers:  # do not leave them running after a failure either
                os.kill(pid, signal.SIGKILL)


def _poll(home: Path, urls: list[str], executor: LazyPool) -> int:
    write_config(home, urls)
    os.environ["BRIEFER_HOME"] = str(home)
    ctx = AppContext()
    with ctx.open_store() as store:
        poller = Poller(ctx.config, store, ctx.matcher, executor=executor)
        report = asyncio.run(poller.poll(every=True))
        assert report.succeeded == len(urls)
        return store.count_items()


def test_a_small_poll_starts_no_worker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV, raising=False)
    monkeypatch.setenv("BRIEFER_HOME", str(tmp_path))
    pool = parse_pool(AppContext().issues)
    assert isinstance(pool, LazyPool)
    try:
        with ConcurrencyServer(rss(items(20)), delay=0.0) as server:
            urls = [f"{server.url}/feed/{n}.xml" for n in range(5)]
            assert _poll(tmp_path, urls, pool) == 5 * 20
        assert not pool.started
    finally:
        pool.shutdown()


def test_forced_workers_store_the_same_items(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV, "2")
    monkeypatch.setenv("BRIEFER_HOME", str(tmp_path / "a"))
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    pool = parse_pool(AppContext().issues)
    try:
        with ConcurrencyServer(rss(items(20)), delay=0.0) as server:
            urls = [f"{server.url}/feed/{n}.xml" for n in range(5)]
            in_workers = _poll(tmp_path / "a", urls, pool)
            assert pool.started
            monkeypatch.setenv(ENV, "0")
            in_line = _poll(tmp_path / "b", urls, pool)
    finally:
        pool.shutdown()
    assert in_workers == in_line == 5 * 20
    rows = []
    for name in ("a", "b"):
        with sqlite3.connect(tmp_path / name / "briefer.db") as conn:
            rows.append(
                conn.execute("SELECT guid, title, summary FROM items ORDER BY guid").fetchall()
            )
    assert rows[0] == rows[1]


def test_a_poll_once_with_forked_workers_stores_what_an_in_line_poll_stores(
    tmp_path: Path,
) -> None:
    """`poll --once` forks its workers before it polls; items, matches and stories come out
    as from an in-line poll."""
    rows = []
    with ConcurrencyServer(rss(items(20)), delay=0.0) as server:
        urls = [f"{server.url}/feed/{n}.xml" for n in range(6)]
        for workers in ("2", "0"):
            home = tmp_path / workers
            home.mkdir()
            write_config(home, urls)
            env = {**os.environ, "BRIEFER_HOME": str(home), ENV: workers}
            subprocess.run(
                [sys.executable, "-m", "briefer", "poll", "--once", "--no-notify"],
                env=env,
                check=True,
                capture_output=True,
            )
            with sqlite3.connect(home / "briefer.db") as conn:
                rows.append(_stored(conn))
    assert len(rows[0][0]) == 6 * 20
    assert rows[0] == rows[1]


# Run as `briefer poll --once`: says whether it forked parse workers and, on exit, which
# modules of those it may do without it loaded (its workers leave through os._exit).
_POLL_AND_REPORT = """
import atexit, sys
import briefer.parse_worker as parse_worker
forked = parse_worker.forked_pool
def say(*args, **kwargs):
    print("forked workers")
    return forked(*args, **kwargs)
parse_worker.forked_pool = say
heavy = {"lxml", "fastfeedparser", "feedparser", "apscheduler", "aiohttp"}
atexit.register(lambda: print("loaded", sorted({m.split(".")[0] for m in sys.modules} & heavy)))
from briefer.cli import main
sys.argv = ["briefer", "poll", "--once", "--no-notify"]
sys.exit(main())
"""


def poll_and_report(home: Path, **env: str) -> list[str]:
    out = subprocess.run(
        [sys.executable, "-c", _POLL_AND_REPORT],
        env={**os.environ, "BRIEFER_HOME": str(home), **env},
        capture_output=True,
    )
    return out.stdout.decode().splitlines()


def test_a_poll_once_with_workers_leaves_the_parsers_to_them(tmp_path: Path) -> None:
    """The polling process never parses when it has workers, and `poll --once` schedules
    nothing: it imports neither the parsers (its workers do, on other cores, while it gets
    its first requests out) nor APScheduler."""
    with ConcurrencyServer(rss(items(20)), delay=0.0) as server:
        write_config(tmp_path, [f"{server.url}/feed/{n}.xml" for n in range(4)])
        said = poll_and_report(tmp_path, **{ENV: "2"})
    assert said[0] == "forked workers"
    assert said[-2].startswith("4 feeds polled, 0 failed: 80 new items")
    assert said[-1] == "loaded ['aiohttp']"


def test_a_poll_once_forks_workers_for_the_feeds_due_not_the_feeds_configured(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cron poll of a large config that finds few feeds due parses them in-line: forked
    workers would import the parsers for nothing. One that finds none due loads neither
    the parsers nor the fetcher."""
    monkeypatch.delenv(ENV, raising=False)
    with ConcurrencyServer(rss(items(2)), delay=0.0) as server:
        write_config(tmp_path, [f"{server.url}/feed/{n}.xml" for n in range(FORK_FROM_FEEDS)])
        first, second = poll_and_report(tmp_path), poll_and_report(tmp_path)
    assert f"{FORK_FROM_FEEDS} feeds polled, 0 failed" in first[-2]
    assert (first[0] == "forked workers") == ((os.cpu_count() or 1) > 1)  # one core: never
    assert second[0].startswith("Nothing due")
    assert second[-1] == "loaded []"


def _stored(conn: sqlite3.Connection) -> tuple[object, ...]:
    """Items, matches and the partition into stories, keyed by feed and guid (ids follow
    the order feeds happened to arrive in)."""
    key = "(SELECT url FROM feeds WHERE id = feed_id) || ' ' || guid"
    items = sorted(conn.execute(f"SELECT {key}, title, summary, lang FROM items"))
    matches = sorted(
        conn.execute(
            f"SELECT {key}, issue_id, score, terms FROM matches JOIN items ON items.id = item_id"
        )
    )
    stories: dict[int, set[str]] = {}
    for story, item in conn.execute(f"SELECT story_id, {key} FROM items"):
        stories.setdefault(story, set()).add(item)
    return items, matches, sorted(sorted(s) for s in stories.values())


def test_when_workers_are_wanted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV, raising=False)
    cores = (os.cpu_count() or 1) > 1
    assert not pool_wanted(POOL_FROM_FEEDS - 1)
    assert pool_wanted(POOL_FROM_FEEDS) == cores
    assert not pool_wanted(FORK_FROM_FEEDS - 1, forked=True)
    assert pool_wanted(FORK_FROM_FEEDS, forked=True) == cores
    monkeypatch.setenv(ENV, "0")
    assert not pool_wanted(10_000)
    assert not pool_wanted(10_000, forked=True)
    monkeypatch.setenv(ENV, "3")
    assert pool_wanted(1)
    assert pool_wanted(1, forked=True)


def test_poll_workers_yield_the_cpu_to_the_process_that_polls() -> None:
    """Parse workers run at a lower priority: the process that fetches and stores (and in
    the app draws the screen) is what a poll waits on. (In a fresh process: forked_pool
    needs one that runs no other thread.)"""
    code = (
        "import os\n"
        "from briefer.workers import LazyPool, forked_pool\n"
        "for pool in (forked_pool(1, int, ()), LazyPool(1, int, ())):\n"
        "    print(pool.submit(os.nice, 0).result(timeout=60))\n"
        "    pool.shutdown()\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == [str(min(19, os.nice(0) + WORKER_NICENESS))] * 2


def test_a_shut_down_pool_refuses_work() -> None:
    pool = LazyPool(1, print, ())
    pool.shutdown()
    with pytest.raises(RuntimeError):
        pool.submit(abs, -1)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_sigkilled_match_leaves_no_forked_worker_behind(tmp_path: Path) -> None:
    """`match --jsonl` forks its workers (they share the built matcher); they end with it."""
    home = tmp_path
    (home / "config.toml").write_text("feeds = []\n")
    env = {**os.environ, "BRIEFER_HOME": str(home)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "briefer", "match", "--jsonl", "-", "--workers", "2"],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    leftovers: list[int] = []
    try:
        assert proc.stdin is not None
        line = b'{"id": 1, "title": "Aranceles a Mexico por el acero y el aluminio"}\n'
        # Three blocks' worth starts the pool; the input stays open, so the run is mid-way.
        proc.stdin.write(line * (3 * (1 << 20) // len(line)))
        proc.stdin.flush()
        deadline = time.monotonic() + 60
        while len(processes_of(home)) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(processes_of(home)) >= 3, "the match never forked its workers"
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        deadline = time.monotonic() + 10
        while processes_of(home) and time.monotonic() < deadline:
            time.sleep(0.1)
        leftovers = processes_of(home)
        assert leftovers == [], "forked workers outlived the match"
    finally:
        proc.kill()
        for pid in leftovers:
            os.kill(pid, signal.SIGKILL)


class _Staggered(ThreadPoolExecutor):
    """Parses one feed at a time, a few milliseconds each, as a worker process sends feeds
    back: one by one, a little apart."""

    def __init__(self, matcher: Matcher) -> None:
        super().__init__(max_workers=1)
        self.matcher = matcher

    def submit(self, fn, /, *args, **kwargs):  # type: ignore[no-untyped-def]
        def slow() -> object:
            time.sleep(0.005)
            return fn(*args, matcher=self.matcher, **kwargs)

        return super().submit(slow)


def test_feeds_parsed_elsewhere_are_stored_several_to_a_transaction(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    feeds = 24
    monkeypatch.setenv("BRIEFER_HOME", str(tmp_path))
    with ConcurrencyServer(rss(items(5)), delay=0.0) as server:
        urls = [f"{server.url}/feed/{n}.xml" for n in range(feeds)]
        write_config(tmp_path, urls)
        ctx = AppContext()
        with ctx.open_store() as store, _Staggered(ctx.matcher) as executor:
            transactions = 0
            begin = store.transaction

            @contextmanager
            def counted() -> Iterator[sqlite3.Connection]:
                nonlocal transactions
                transactions += not store._in_transaction
                with begin() as conn:
                    yield conn

            monkeypatch.setattr(store, "transaction", counted)
            poller = Poller(ctx.config, store, ctx.matcher, executor=executor)
            report = asyncio.run(poller.poll(every=True))
            assert report.succeeded == feeds
            assert store.count_items() == feeds * 5
    # A turn waits for a batch (BATCH feeds, or LINGER): taking what was waiting, each
    # feed, 5 ms behind the last, was its own transaction.
    assert transactions <= feeds // 4
