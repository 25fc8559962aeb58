"""An edited watchlist is applied to the stored items when the app starts."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from briefer import resources
from briefer.cli.context import AppContext
from briefer.rematch import stale_issues
from briefer.tui.app import BrieferApp
from briefer.tui.briefing import Services
from briefer.tui.messages import RematchStarted, WatchlistsRematched
from tests.factory import add_feed, item

HEADLINE = "Productores de zanahoria piden cuotas de importación"


async def test_app_rematches_stored_items_after_a_watchlist_edit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BRIEFER_HOME", str(tmp_path))
    (tmp_path / "config.toml").write_text("feeds = []\n[notify]\nenabled = false\n")
    ctx = AppContext()
    with ctx.open_store() as store:
        assert stale_issues(store, ctx.issues) == []  # a new database records the versions
        add_feed(store, "http://127.0.0.1:1/feed.xml", [(item("z1", HEADLINE), [])])
        assert store.matches("tariffs") == []

    # The analyst widens the tariffs watchlist in their own folder.
    bundled = (resources.default_watchlists() / "tariffs.toml").read_text()
    (tmp_path / "watchlists").mkdir()
    (tmp_path / "watchlists" / "tariffs.toml").write_text(
        bundled.replace("phrases = [\n", 'phrases = [\n  "zanahoria",\n', 1)
    )

    seen: list[object] = []
    app = BrieferApp(Services.from_context(AppContext()))
    async with app.run_test(size=(100, 30), message_hook=seen.append) as pilot:
        for _ in range(200):
            if any(isinstance(m, WatchlistsRematched) for m in seen):
                break
            await asyncio.sleep(0.05)
        await pilot.pause()
        started = [m for m in seen if isinstance(m, RematchStarted)]
        assert [m.issue_ids for m in started] == [["tariffs"]]
        [done] = [m for m in seen if isinstance(m, WatchlistsRematched)]
        assert done.scanned == 1

    with AppContext().open_store() as store:
        [row] = store.matches("tariffs")
        assert row.item.title == HEADLINE and row.terms == ["zanahoria"]
