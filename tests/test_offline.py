"""No network at all: `poll` says the computer seems offline (and, on a first run, to try
`briefer demo`) instead of only sixty "server not found" lines. The poll runs for real in
a network namespace of its own, where no name resolves and no address is reachable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from briefer.models import FeedOutcome, FetchStatus, PollReport
from briefer.offline import offline_hint
from briefer.store import Store
from tests.factory import add_feed, item
from tests.mounts import with_mounts

FEEDS = ["https://feeds.example.com/a.xml", "https://news.example.org/rss", "http://10.1.2.3/f"]


def poll_offline(home: Path) -> subprocess.CompletedProcess[str]:
    home.mkdir(exist_ok=True)
    feeds = "".join(f'\n[[feeds]]\nurl = "{u}"\n' for u in FEEDS)
    (home / "config.toml").write_text("[notify]\nenabled = false\n" + feeds)
    argv = [sys.executable, "-m", "briefer", "poll", "--once"]
    return subprocess.run(
        with_mounts([], argv, network=False),
        env={**os.environ, "BRIEFER_HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_first_run_offline_suggests_the_demo(tmp_path: Path) -> None:
    result = poll_offline(tmp_path / "home")
    assert result.returncode == 1, result.stderr
    assert "server not found" in result.stdout
    assert "this computer seems to be offline" in result.stdout
    assert "Try `briefer demo`" in result.stdout


def test_offline_later_says_check_the_connection(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    with Store(home / "briefer.db") as store:
        add_feed(store, FEEDS[0], [(item("a", "Tariff talks"), [])])
    result = poll_offline(home)
    assert result.returncode == 1, result.stderr
    assert "seems to be offline. Check the connection." in result.stdout
    assert "briefer demo" not in result.stdout


def report(*outcomes: tuple[FetchStatus, str | None]) -> PollReport:
    r = PollReport()
    r.outcomes.extend(FeedOutcome(f"u{n}", "t", s, error=e) for n, (s, e) in enumerate(outcomes))
    return r


def test_no_hint_when_anything_was_reached() -> None:
    dns = (FetchStatus.ERROR, "server not found (DNS lookup failed)")
    assert offline_hint(report(dns, dns), first_run=True)
    assert offline_hint(report(dns, (FetchStatus.OK, None)), first_run=True) is None
    assert offline_hint(report(dns, (FetchStatus.ERROR, "HTTP 500")), first_run=True) is None
    assert offline_hint(report(), first_run=True) is None
