"""`briefer poll --once` and `briefer daemon` poll through the same scheduler as the app: the
poller lock, the desktop notify step and the watchlist versions behave the same in each.

Real parts: feeds on 127.0.0.1, the CLI and the daemon as real subprocesses, a second
process holding the lock, notifications on a private D-Bus session bus.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from briefer.lock import PollerLock
from briefer.store import Store
from tests import dbus_fixtures
from tests.dbus_fixtures import FakeNotifyd
from tests.feeds import ConcurrencyServer, Entry, items, rss
from tests.test_daemon import start_daemon, stop, stored_items, wait_for, write_config

session_bus = dbus_fixtures.session_bus
fake_notifyd = dbus_fixtures.fake_notifyd

CLI = "import sys; from briefer.cli import main; sys.exit(main())"
HEADLINE = "Fentanyl seizure: CBP finds record load of fentanyl pills at Nogales"
CARROTS = "Carrot growers in Zacatecas ask for import quotas"


@pytest.fixture
def feeds_server() -> Iterator[ConcurrencyServer]:
    entries = [Entry(HEADLINE, guid="f1", link="https://news.example.com/f1")]
    entries += [Entry(CARROTS, guid="c1"), *items(5)]
    with ConcurrencyServer(rss(entries), delay=0.01) as server:
        yield server


def briefer(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BRIEFER_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-c", CLI, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


HOLD = """
import sys
from briefer.lock import PollerLock
lock = PollerLock(sys.argv[1], role="daemon")
assert lock.acquire()
print("got", flush=True)
sys.stdin.readline()
"""


def test_poll_once_takes_the_lock_and_leaves_the_feeds_to_a_running_daemon(
    tmp_path: Path, feeds_server: ConcurrencyServer
) -> None:
    home = tmp_path / "home"
    write_config(home, [f"{feeds_server.url}/a.xml"])
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(home / "poller.lock")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "got"
        done = briefer(home, "poll", "--once", "--all", "--no-notify")
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip().splitlines()[-1] == (
            f"The daemon (pid {holder.pid}) is polling these feeds: nothing polled here; "
            "its new matches are stored as usual."
        )
        assert feeds_server.requests == []
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(10)
    done = briefer(home, "poll", "--once", "--no-notify")  # the daemon is gone: this one polls
    assert done.returncode == 0, done.stderr
    assert "1 feeds polled, 0 failed: 7 new items" in done.stdout
    assert PollerLock(home / "poller.lock").acquire()  # and let go of the lock


def test_poll_once_notifies_through_the_notify_step(
    tmp_path: Path, feeds_server: ConcurrencyServer, fake_notifyd: FakeNotifyd
) -> None:
    home = tmp_path / "home"
    write_config(home, [f"{feeds_server.url}/a.xml"])
    done = briefer(home, "poll", "--once")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert lines[-2].startswith("Notify: ")
    assert lines[-1].startswith("1 feeds polled, 0 failed: 7 new items")
    calls = fake_notifyd.calls()
    assert any(HEADLINE in call["body"] for call in calls)
    again = briefer(home, "poll", "--once", "--all")
    assert again.returncode == 0 and "Notify" not in again.stdout  # nothing new to say
    assert len(fake_notifyd.calls()) == len(calls)


def test_a_watchlist_added_after_the_daemon_built_the_database_is_applied_by_rematch(
    tmp_path: Path, feeds_server: ConcurrencyServer
) -> None:
    """Issue 12, item 2: the daemon records which watchlist versions its matches reflect,
    as `poll` and the app do, so a watchlist added later is seen as not yet applied."""
    home = tmp_path / "home"
    write_config(home, [f"{feeds_server.url}/a.xml"])
    db = home / "briefer.db"
    proc = start_daemon(home, "--no-notify")
    wait_for(lambda: stored_items(db) == 7, 60, proc)
    _, err = stop(proc)
    assert proc.returncode == 0, err

    (home / "watchlists").mkdir()
    (home / "watchlists" / "carrots.toml").write_text(
        'id = "carrots"\ntitle = "Carrots"\ndescription = "Carrot trade."\nthreshold = 60\n\n'
        '[terms]\nphrases = ["carrot growers"]\nwords = []\nexclude = []\n',
        encoding="utf-8",
    )
    done = briefer(home, "rematch")
    assert done.returncode == 0, done.stderr
    assert "up to date" not in done.stdout
    assert "Rematched 7 items." in done.stdout
    with Store(db) as store:
        assert [row.item.title for row in store.matches("carrots")] == [CARROTS]
