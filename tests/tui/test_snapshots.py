"""Snapshots of every screen at 80x24 and 160x48, on the fixture database at a fixed clock.

The main screen's tariffs and border lists include the hostile titles, so the snapshots also
show that markup in feed text is rendered literally. Regenerate with --snapshot-update and
look at the SVGs before committing them.
"""

from __future__ import annotations

import pytest
from textual.widgets import Input

from briefer.tui.app import BrieferApp
from tests.tui.conftest import settle

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 48), id="160x48")]


def keys_then_settle(*keys: str):
    async def run_before(pilot) -> None:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
        for field in pilot.app.screen.query(Input):
            field.cursor_blink = False
        await settle(pilot)

    return run_before


@pytest.mark.parametrize("size", SIZES)
def test_main_screen(snap_compare, app: BrieferApp, size) -> None:
    assert snap_compare(app, terminal_size=size, run_before=keys_then_settle())


@pytest.mark.parametrize("size", SIZES)
def test_main_screen_tariffs_best_first(snap_compare, app: BrieferApp, size) -> None:
    run_before = keys_then_settle("down", "down", "v", "c", "enter")
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_story_view(snap_compare, app: BrieferApp, size) -> None:
    run_before = keys_then_settle("enter", "enter")  # three outlets, English and Spanish
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_item_view(snap_compare, app: BrieferApp, size) -> None:
    run_before = keys_then_settle("enter", "n", "enter", "enter")  # the hostile [@click] title
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_search(snap_compare, app: BrieferApp, size) -> None:
    run_before = keys_then_settle("slash", *"border", "enter")
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_feeds_screen(snap_compare, app: BrieferApp, size) -> None:
    assert snap_compare(app, terminal_size=size, run_before=keys_then_settle("f"))


@pytest.mark.parametrize("size", SIZES)
def test_help(snap_compare, app: BrieferApp, size) -> None:
    assert snap_compare(app, terminal_size=size, run_before=keys_then_settle("question_mark"))
