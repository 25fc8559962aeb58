"""The demo end to end: local sample feeds, the in-app scheduler, live matches, no network."""

from __future__ import annotations

import asyncio
import urllib.request
from pathlib import Path

from briefer.cli.context import AppContext
from briefer.demo import DemoServer, load_demo_feeds, write_demo_home
from briefer.tui.app import BrieferApp
from briefer.tui.briefing import Services
from briefer.tui.messages import FeedsPolled, MatchesFound
from briefer.tui.widgets.watchlist_panel import WatchlistPanel


def test_demo_feeds_show_history_first_and_more_each_poll() -> None:
    feeds = load_demo_feeds()
    assert len(feeds) == 6 and {(f.lang, f.kind) for f in feeds} == {
        ("en", "news"),
        ("es", "news"),
        ("en", "search"),
        ("es", "search"),
    }
    feed = next(f for f in feeds if f.slug == "search-en")
    history = sum(item.poll == 1 for item in feed.items)
    arriving = sum(item.poll == 2 for item in feed.items)
    assert history >= 20 and arriving >= 1
    with DemoServer(feeds) as server:
        url = server.url_for(feed.slug)
        first = urllib.request.urlopen(url, timeout=5).read().decode()
        second = urllib.request.urlopen(url, timeout=5).read().decode()
    assert first.count("<item>") == history
    assert second.count("<item>") == history + arriving


async def wait_for(condition, seconds: float = 30.0) -> None:
    for _ in range(int(seconds / 0.1)):
        if condition():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("timed out")


async def test_demo_polls_matches_and_updates_live(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("BRIEFER_HOME", str(tmp_path))
    with DemoServer() as server:
        config = write_demo_home(tmp_path, server)
        # Desktop notifications are tested by notify's own suite; here the toasts are enough.
        config.write_text(config.read_text() + "\n[notify]\nenabled = false\n")
        app = BrieferApp(Services.from_context(AppContext()), poll_seconds=2, poll_every=True)
        seen: list[object] = []
        async with app.run_test(size=(120, 40), message_hook=seen.append) as pilot:
            await wait_for(lambda: sum(isinstance(m, FeedsPolled) for m in seen) >= 2)
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()
            found = [m for m in seen if isinstance(m, MatchesFound)]
            issues = {n.issue_id for m in found for n in m.matches}
            assert issues == {"border", "fentanyl", "tariffs", "judicial_reform", "usmca_2026"}
            polls = [m.report for m in seen if isinstance(m, FeedsPolled)]
            assert polls[1].new_items >= 4  # the second poll revealed more
            assert all(o.error is None for r in polls for o in r.outcomes)
            await wait_for(lambda: app.screen.query_one(WatchlistPanel).rows != {})
            assert app.is_running
