"""A poll that reached no feed at all says the computer seems offline, once, instead of
listing every feed's identical error; on a first run it points at `briefer demo`."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from briefer.models import FeedOutcome, FetchStatus, PollReport
from briefer.tui.app import BrieferApp
from briefer.tui.messages import FeedsPolled
from tests.tui.fixture_db import fixture_services


def unreachable(n: int) -> PollReport:
    return PollReport(
        outcomes=[
            FeedOutcome(
                url=f"https://feed{i}.example/rss",
                title=f"Feed {i}",
                status=FetchStatus.ERROR,
                error=f"server not found: feed{i}.example",
            )
            for i in range(n)
        ]
    )


async def status_after(app: BrieferApp, report: PollReport) -> tuple[str, list[str]]:
    async with app.run_test() as pilot:
        await app.workers.wait_for_complete()
        app.post_message(FeedsPolled(report))
        await pilot.pause()
        return str(app.status), [n.message for n in app._notifications]


async def test_a_first_run_offline_suggests_the_demo(tmp_path: Path) -> None:
    services = fixture_services(tmp_path / "home")
    empty = dataclasses.replace(services, db_path=tmp_path / "empty.db")
    status, toasts = await status_after(BrieferApp(empty, poll_on_start=False), unreachable(46))
    assert "seems to be offline" in status and "briefer demo" in status
    assert any("briefer demo" in t for t in toasts)
    assert not any("feeds failed" in t for t in toasts)


async def test_offline_with_stored_news_says_check_the_connection(tmp_path: Path) -> None:
    app = BrieferApp(fixture_services(tmp_path / "home"), poll_on_start=False)
    status, _ = await status_after(app, unreachable(3))
    assert "Check the connection" in status and "briefer demo" not in status


async def test_a_poll_with_nothing_due_says_so(tmp_path: Path) -> None:
    # The app's first tick when every feed was polled recently (by the daemon, say).
    app = BrieferApp(fixture_services(tmp_path / "home"), poll_on_start=False)
    status, toasts = await status_after(app, PollReport())
    assert status == "Nothing due: every feed was checked recently."
    assert not toasts
