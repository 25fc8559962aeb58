"""Stored items without a story are grouped when the app starts (as `briefer rematch` does)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest

from briefer import regroup
from briefer.cli.context import AppContext
from briefer.tui.app import BrieferApp
from briefer.tui.briefing import Services
from briefer.tui.messages import RegroupStarted, StoriesRegrouped
from tests.factory import FIXED_NOW, add_feed, item

HEADLINE = "Sheinbaum meets Canadian premier on trade review"


async def test_app_groups_items_a_poll_left_without_a_story(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BRIEFER_HOME", str(tmp_path))
    (tmp_path / "config.toml").write_text("feeds = []\n[notify]\nenabled = false\n")
    ctx = AppContext()
    with ctx.open_store() as store:
        # Stored as by a poll with no story index: no story yet.
        add_feed(
            store,
            "http://127.0.0.1:1/a.xml",
            [
                (item("a1", HEADLINE, published=FIXED_NOW - timedelta(hours=2)), []),
                (item("a2", HEADLINE + " ", published=FIXED_NOW - timedelta(hours=1)), []),
            ],
        )
        assert regroup.pending(store) > 0

    seen: list[object] = []
    app = BrieferApp(Services.from_context(AppContext()))
    async with app.run_test(size=(100, 30), message_hook=seen.append) as pilot:
        for _ in range(400):
            if any(isinstance(m, StoriesRegrouped) for m in seen):
                break
            await asyncio.sleep(0.05)
        await pilot.pause()
        [started] = [m for m in seen if isinstance(m, RegroupStarted)]
        assert started.count >= 2
        [done] = [m for m in seen if isinstance(m, StoriesRegrouped)]
        assert done.grouped >= 2

    with AppContext().open_store() as store:
        assert regroup.pending(store) == 0
        first, second = (store.story_of(i) for i in (1, 2))
        assert first == second  # the same headline: one story
