"""`briefer daemon` as a real subprocess, and two processes polling one database at once.

Feeds come from real HTTP servers on 127.0.0.1; notifications go to a recording server on
a private D-Bus session bus (tests/dbus_fixtures.py).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from briefer.lock import PollerLock
from briefer.store import Store
from tests import dbus_fixtures
from tests.dbus_fixtures import FakeNotifyd
from tests.feeds import ConcurrencyServer, Entry, items, read_request, rss, serve_raw

session_bus = dbus_fixtures.session_bus
fake_notifyd = dbus_fixtures.fake_notifyd

CLI = "import sys; from briefer.cli import main; sys.exit(main())"
# Not a speed check: long enough for any busy machine, and a daemon that ignored SIGTERM
# would wait for its next tick (30 minutes away) or for a feed held open until the end.
HANG_GUARD = 120.0


def write_config(home: Path, urls: list[str], *, extra: str = "") -> None:
    home.mkdir(parents=True, exist_ok=True)
    feeds = "".join(f'\n[[feeds]]\nurl = "{u}"\n' for u in urls)
    (home / "config.toml").write_text(
        '[notify]\nquiet_hours = ""\nmin_score = 70\n\n[digest]\ntime = ""\n' + extra + feeds,
        encoding="utf-8",
    )


def start_daemon(home: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "BRIEFER_HOME": str(home), "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-c", CLI, "daemon", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(condition: Callable[[], bool], timeout: float, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        if proc.poll() is not None:
            _, err = proc.communicate()
            pytest.fail(f"the daemon exited early ({proc.returncode}):\n{err}")
        time.sleep(0.1)
    proc.kill()
    _, err = proc.communicate()
    pytest.fail(f"timed out waiting; daemon stderr:\n{err}")


def stored_items(db: Path) -> int:
    """Read-only, without Store: opening a Store would run migrations of its own and
    could race the daemon creating the database."""
    if not db.exists():
        return 0
    try:
        with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
            return int(conn.execute("SELECT count(*) FROM items").fetchone()[0])
    except sqlite3.Error:  # no items table yet
        return 0


def stop(proc: subprocess.Popen[str]) -> str:
    proc.send_signal(signal.SIGTERM)
    try:
        _, err = proc.communicate(timeout=HANG_GUARD)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
        pytest.fail(f"the daemon ignored SIGTERM:\n{err}")
    return err


@pytest.fixture
def feeds_server() -> Iterator[ConcurrencyServer]:
    body = rss(
        [
            Entry(
                "Fentanyl seizure: CBP finds record load of fentanyl pills at Nogales",
                guid="f1",
                link="https://news.example.com/f1",
            ),
            *items(8, start=datetime.now(UTC)),  # news: an archive would not be announced
        ]
    )
    with ConcurrencyServer(body, delay=0.01) as server:
        yield server


def test_daemon_polls_notifies_and_stops_on_sigterm(
    tmp_path: Path, feeds_server: ConcurrencyServer, fake_notifyd: FakeNotifyd
) -> None:
    home = tmp_path / "home"
    urls = [f"{feeds_server.url}/a.xml", f"{feeds_server.url}/b.xml"]
    write_config(home, urls)
    db = home / "briefer.db"
    proc = start_daemon(home)
    wait_for(lambda: stored_items(db) == 18, HANG_GUARD, proc)
    wait_for(lambda: PollerLock(home / "poller.lock").holder_pid() == proc.pid, HANG_GUARD, proc)
    wait_for(lambda: "notify:" in (home / "logs" / "daemon.log").read_text(), HANG_GUARD, proc)

    err = stop(proc)
    assert proc.returncode == 0, err
    assert "briefer daemon stopped" in err

    with Store(db) as store:
        assert store.integrity_check() == "ok"
        assert store.count_items() == 18  # two feeds x nine items, each stored once
        pairs = {
            (store.story_of(row.item.id) or 0, row.issue_id)
            for row in store.matches()
            if row.score >= 70
        }
        assert pairs, "the fentanyl headline should match"
        assert store.unnotified_stories(pairs) == set()  # every story was announced
        stories = {story for story, _ in pairs}
    calls = fake_notifyd.calls()
    assert calls and {c["app_name"] for c in calls} == {"briefer"}
    announced = 0
    for call in calls:
        m = re.match(r"^(?:New on |(\d+) new stories on )", call["summary"])
        assert m, call["summary"]
        announced += int(m.group(1) or 1)
    assert announced == len(stories)  # each matching story in exactly one notification
    assert any("Fentanyl" in c["summary"] for c in calls)

    log = (home / "logs" / "daemon.log").read_text()
    assert "polled 2 feeds (0 failed): 18 new items" in log
    lock = PollerLock(home / "poller.lock")
    assert lock.acquire()  # released on the way out
    lock.release()


def test_sigterm_during_a_hanging_poll(tmp_path: Path, session_bus: str) -> None:
    """SIGTERM does not wait for a fetch: the slow feed is held open until the daemon is
    gone, so a daemon that waited for it would never stop."""
    asked = threading.Event()
    daemon_gone = threading.Event()

    def hang(conn: socket.socket, stop_event: threading.Event) -> None:
        read_request(conn)
        asked.set()
        while not (daemon_gone.is_set() or stop_event.wait(0.05)):
            pass

    body = rss([Entry("Border wait times", guid="1")])
    with serve_raw(hang) as slow_url, ConcurrencyServer(body, delay=0.0) as fast:
        home = tmp_path / "home"
        write_config(
            home,
            [f"{slow_url}/slow.xml", f"{fast.url}/fast.xml"],
            extra="[poll]\ntimeout_seconds = 120\n",
        )
        db = home / "briefer.db"
        proc = start_daemon(home, "--no-notify")
        wait_for(lambda: asked.is_set() and stored_items(db) == 1, HANG_GUARD, proc)
        err = stop(proc)
        daemon_gone.set()
    assert proc.returncode == 0, err
    with Store(db) as store:
        assert store.integrity_check() == "ok"
        assert store.count_items() == 1
        slow = store.feed(f"{slow_url}/slow.xml")
        assert slow is not None and not slow.disabled  # abandoned, not marked failed


def test_daemon_waits_while_another_briefer_polls(
    tmp_path: Path, feeds_server: ConcurrencyServer
) -> None:
    home = tmp_path / "home"
    write_config(home, [f"{feeds_server.url}/a.xml"])
    app = PollerLock(home / "poller.lock")  # the app got there first
    assert app.acquire()
    try:
        proc = start_daemon(home, "--no-notify")
        log = home / "logs" / "daemon.log"
        wait_for(
            lambda: log.exists() and "waiting: polling by another" in log.read_text(),
            HANG_GUARD,
            proc,
        )
        assert f"(pid {os.getpid()})" in log.read_text()
        assert stored_items(home / "briefer.db") == 0
        assert feeds_server.requests == []
        err = stop(proc)
    finally:
        app.release()
    assert proc.returncode == 0, err


def test_daemon_refuses_to_start_without_feeds(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.toml").write_text("feeds = []\n", encoding="utf-8")
    proc = start_daemon(home)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode != 0
    assert "no feeds configured" in err


POLLER = """
import json, sys
from briefer.cli.context import AppContext
from briefer.config import Paths
from briefer.scheduler import PollRunner

ctx = AppContext()
runner = PollRunner(ctx.config, ctx.matcher, issue_versions=ctx.issue_versions, every=True)
print("ready", flush=True)
sys.stdin.readline()  # start together
new_items, new_matches = 0, []
for _ in range(3):
    report = runner()
    new_items += report.new_items
    new_matches += [[m.item_id, m.issue_id] for m in report.new_matches]
print(json.dumps({"new_items": new_items, "new_matches": new_matches}), flush=True)
"""


def test_two_processes_polling_one_database_store_each_item_once(tmp_path: Path) -> None:
    """The app and the daemon (or two cron runs) writing together never lose or duplicate."""
    body = rss(
        [
            Entry(f"Tariff talks round {n}: Mexico and US negotiators meet", guid=f"t{n}")
            for n in range(20)
        ]
        + items(20)
    )
    with ConcurrencyServer(body, delay=0.02, ports=2) as server:
        home = tmp_path / "home"
        urls = [f"{base}/feed{i}.xml" for base in server.urls for i in range(4)]
        write_config(home, urls)
        # Create the database first: two processes creating it at the same moment can
        # trip over each other's migration (reported to the store's owner); this test is
        # about polling together.
        Store(home / "briefer.db").close()
        env = {**os.environ, "BRIEFER_HOME": str(home)}
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", POLLER],
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        for p in procs:
            assert p.stdout is not None and p.stdout.readline().strip() == "ready"
        for p in procs:
            assert p.stdin is not None
            p.stdin.write("go\n")
            p.stdin.flush()
        results = []
        for p in procs:
            out, err = p.communicate(timeout=120)
            assert p.returncode == 0, err
            results.append(json.loads(out.strip().splitlines()[-1]))
        assert server.max_active >= 2  # the two really overlapped

    expected_items = len(urls) * 40
    with Store(home / "briefer.db") as store:
        assert store.integrity_check() == "ok"
        assert store.count_items() == expected_items  # nothing lost, nothing duplicated
        stored_matches = {(r.item.id, r.issue_id) for r in store.matches(include_dismissed=True)}
    # Each item and each match was reported new by exactly one of the two processes.
    assert sum(r["new_items"] for r in results) == expected_items
    reported = [tuple(m) for r in results for m in r["new_matches"]]
    assert len(reported) == len(set(reported))
    assert set(reported) == stored_matches
    assert stored_matches
