"""Every way the app polls goes through the one scheduler: the schedule's first tick, `r` on
the briefing, `r` (one feed) and `R` (all) on the feeds screen. Each takes the poller lock,
reports, and hands new matches to the desktop notify step; `r` while another process (the
daemon) holds the lock says who polls and when it should finish.

Feeds come from a real HTTP server on 127.0.0.1, notifications go to a recording server on
a private D-Bus session bus, the other poller is a real second process.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from pytest_httpserver import HTTPServer

from briefer.config import load_config
from briefer.lock import PollerLock
from briefer.models import PollReport
from briefer.tui.app import BrieferApp
from briefer.tui.briefing import Services
from briefer.tui.messages import FeedsPolled, PollSkipped
from briefer.tui.polling import clock_time
from briefer.tui.screens.feeds import FeedsScreen
from tests import dbus_fixtures
from tests.dbus_fixtures import FakeNotifyd
from tests.feeds import Entry, closed_port, rss
from tests.tui.conftest import settle

session_bus = dbus_fixtures.session_bus
fake_notifyd = dbus_fixtures.fake_notifyd

HEADLINE = "Fentanyl seizure: CBP finds record load of fentanyl pills at Nogales"
NOTIFY = '[notify]\nquiet_hours = ""\nmin_score = 70\n'


@pytest.fixture
def feed_url(httpserver: HTTPServer) -> str:
    body = rss([Entry(HEADLINE, guid="f1", link="https://news.example.com/f1")], title="Wire")
    httpserver.expect_request("/feed.xml").respond_with_data(
        body, content_type="application/rss+xml"
    )
    return httpserver.url_for("/feed.xml")


def with_feeds(services: Services, urls: list[str], *, notify: str = NOTIFY) -> Services:
    feeds = "".join(f'\n[[feeds]]\nurl = "{u}"\ntitle = "Feed {n}"\n' for n, u in enumerate(urls))
    config_file = services.config.paths.config_file
    config_file.write_text(notify + feeds, encoding="utf-8")
    services.config = load_config(services.config.paths)
    return services


def reports(seen: list[object]) -> list[PollReport]:
    return [m.report for m in seen if isinstance(m, FeedsPolled)]


async def test_r_polls_through_the_scheduler_and_notifies_the_desktop(
    services: Services, feed_url: str, fake_notifyd: FakeNotifyd
) -> None:
    with_feeds(services, [feed_url])
    app = BrieferApp(services, poll_on_start=False)
    seen: list[object] = []
    async with app.run_test(size=(120, 30), message_hook=seen.append) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        [report] = reports(seen)
        assert [o.url for o in report.outcomes] == [feed_url]
        assert [m.title for m in report.new_matches if m.issue_id == "fentanyl"] == [HEADLINE]
        assert app.scheduler is not None and app.scheduler.lock is not None
        assert app.scheduler.lock.held  # the app polls under the poller lock
        holder = PollerLock(services.config.paths.lock).holder()
        assert holder is not None and holder.role == "app"
    # Matches found by `r` reach the desktop, once, like the daemon's.
    [call] = fake_notifyd.calls()  # one item: one notification, under its best issue
    assert call["summary"].startswith("New on ") and HEADLINE in call["body"]
    assert PollerLock(services.config.paths.lock).acquire()  # released when the app quit


async def test_the_schedule_polls_at_start(services: Services, feed_url: str) -> None:
    with_feeds(services, [feed_url], notify="[notify]\nenabled = false\n")
    app = BrieferApp(services)  # poll_on_start: the schedule's first tick runs at once
    seen: list[object] = []
    async with app.run_test(size=(120, 30), message_hook=seen.append) as pilot:
        for _ in range(300):
            if reports(seen):
                break
            await pilot.pause(0.05)
        [report] = reports(seen)
        assert [o.url for o in report.outcomes] == [feed_url]
        assert app.scheduler is not None and app.scheduler.next_tick() is not None
        assert "Polled 1 feeds" in str(app.status)


async def test_feeds_screen_r_polls_the_feed_under_the_cursor_and_R_polls_all(
    services: Services, feed_url: str
) -> None:
    refused = f"http://127.0.0.1:{closed_port()}/x.xml"
    with_feeds(services, [refused, feed_url], notify="[notify]\nenabled = false\n")
    app = BrieferApp(services, poll_on_start=False)
    seen: list[object] = []
    async with app.run_test(size=(120, 30), message_hook=seen.append) as pilot:
        await settle(pilot)
        await pilot.press("f")
        await settle(pilot)
        assert isinstance(app.screen, FeedsScreen)
        await pilot.press("down")  # the second feed: the one that works
        await settle(pilot)
        assert app.screen.selected_url == feed_url
        await pilot.press("r")
        await settle(pilot)
        assert [[o.url for o in r.outcomes] for r in reports(seen)] == [[feed_url]]
        await pilot.press("R")
        await settle(pilot)
        assert len(reports(seen)) == 2
        assert {o.url for o in reports(seen)[1].outcomes} == {refused, feed_url}


HOLD = """
import sys
from datetime import datetime, timedelta, UTC
from briefer.lock import PollerLock

lock = PollerLock(sys.argv[1], role="daemon")
assert lock.acquire()
since = datetime.fromisoformat(sys.argv[2])
lock.note(polling_since=since, last_finished=since - timedelta(minutes=1), last_seconds=40)
print("got", flush=True)
sys.stdin.readline()  # hold until the test is done
"""


@pytest.fixture
def daemon_polling(services: Services) -> Iterator[tuple[int, datetime]]:
    """A second process holding the poller lock as a daemon does, mid-poll."""
    since = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=10)
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(services.config.paths.lock), since.isoformat()],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "got"
    try:
        yield proc.pid, since
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait(10)


async def test_r_while_the_daemon_polls_says_so_and_when_it_should_finish(
    services: Services, feed_url: str, httpserver: HTTPServer, daemon_polling: tuple[int, datetime]
) -> None:
    pid, since = daemon_polling
    with_feeds(services, [feed_url], notify="[notify]\nenabled = false\n")
    app = BrieferApp(services, poll_on_start=False)
    seen: list[object] = []
    async with app.run_test(size=(120, 30), message_hook=seen.append) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        assert reports(seen) == [] and len(httpserver.log) == 0  # polled nothing itself
        [skipped] = [m for m in seen if isinstance(m, PollSkipped) and m.asked]
        assert skipped.holder_pid == pid
        expected = (
            f"The daemon (pid {pid}) is polling now (since {clock_time(since)}; its last poll "
            f"took 40 s, so about {clock_time(since + timedelta(seconds=40))}): its new "
            "matches appear here when it finishes."
        )
        assert str(app.status) == expected
        assert [n.message for n in app._notifications] == [expected]  # a key gets an answer
        await pilot.press("r")  # again: answered again, not silently ignored
        await settle(pilot)
        assert len([m for m in seen if isinstance(m, PollSkipped) and m.asked]) == 2


async def test_a_poller_that_cannot_start_says_so_in_the_status_line(
    services: Services, feed_url: str
) -> None:
    # As when a library the poller needs is missing: the first-run line must not stay.
    def broken() -> object:
        raise ModuleNotFoundError("No module named 'certifi'")

    services = with_feeds(services, [feed_url])
    services.matcher_factory = broken  # type: ignore[assignment]
    app = BrieferApp(services, poll_on_start=True)
    async with app.run_test() as pilot:
        await settle(pilot)
        status = app.status.plain
        assert status.startswith("Polling failed"), status
        assert "certifi" in status
