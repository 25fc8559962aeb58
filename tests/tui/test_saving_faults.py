"""Marks made on screen survive a database that cannot be written for a while (issue 12.1).

Real parts: another process holds SQLite's write lock for 15 s (longer than SQLite's own
10 s wait), or the database file is immutable. The app must keep responding, show each
change at once, say plainly what is not saved, and save everything once it can.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import ExitStack

from briefer.store import Store
from briefer.tui.app import BrieferApp
from briefer.tui.screens.briefing import BriefingScreen
from briefer.tui.screens.item import ItemScreen
from briefer.tui.screens.story import StoryScreen
from briefer.tui.widgets.member_table import MemberTable
from briefer.tui.widgets.story_table import StoryTable
from briefer.tui.widgets.watchlist_panel import WatchlistPanel
from tests.tui.conftest import settle
from tests.tui.db_faults import read_only, release, write_lock_held

HANG_GUARD_SECONDS = 120  # a guard against a hung test, not a speed check


async def wait_for(pilot, condition: Callable[[], bool]) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + HANG_GUARD_SECONDS
    while not condition():
        assert loop.time() < deadline, "condition never became true"
        await pilot.pause(0.05)


def notes(app: BrieferApp) -> str:
    return "\n".join(str(n.message) for n in app._notifications)


def stories(store: Store, issue_id: str = "border") -> dict:
    return {s.story_id: s for s in store.stories(issue_id)}


async def test_marks_made_under_a_foreign_write_lock_show_at_once_and_are_saved(
    app: BrieferApp, services
) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("enter")  # into the border issue's stories
        table = app.screen.query_one(StoryTable)
        first, second, third = table.stories[:3]
        assert first.unread and second.unread and not second.starred
        with write_lock_held(services.db_path, 15) as holder:
            await pilot.press("m")
            await pilot.pause()
            assert table.selected is not None and table.selected.unread == 0  # shown at once
            await pilot.press("n", "s")
            await pilot.pause()
            assert table.selected is not None and table.selected.starred
            await pilot.press("n", "x")
            await pilot.pause()
            assert third.story_id not in [s.story_id for s in table.stories]
            await pilot.press("p", "enter")  # open the second story: that marks it read
            await wait_for(pilot, lambda: isinstance(app.screen, StoryScreen) and app.screen.view)
            members = app.screen.query_one(MemberTable).members
            assert members and all(m.item.read for m in members if m.match is not None)
            await wait_for(pilot, lambda: "not saved yet" in str(app.status))
            assert "another program is writing" in str(app.status)
            assert holder.poll() is None  # all of that happened while the lock was held
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, BriefingScreen)
            # A reload while the changes wait still shows them.
            app.screen.reload()
            await pilot.pause(0.3)
            shown = {s.story_id: s for s in app.screen.query_one(StoryTable).stories}
            assert shown[first.story_id].unread == 0
            assert shown[second.story_id].starred and shown[second.story_id].unread == 0
            assert third.story_id not in shown
        # The toast follows the last save: wait for it, not only for the queue to empty.
        await wait_for(pilot, lambda: "Saved 4 changes" in notes(app))
        assert not app.pending
        await settle(pilot)
        assert app.screen.query_one(WatchlistPanel).rows["border"].unread == 0
    with Store(services.db_path) as store:
        saved = stories(store)
        assert saved[first.story_id].unread == 0
        assert saved[second.story_id].starred and saved[second.story_id].unread == 0
        assert third.story_id not in saved


async def test_a_read_only_database_keeps_the_marks_on_screen_and_says_so(
    app: BrieferApp, services
) -> None:
    writable_again = ExitStack()
    writable_again.enter_context(read_only(services.db_path))
    with writable_again:
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.press("enter")
            table = app.screen.query_one(StoryTable)
            first, second = table.stories[:2]
            await pilot.press("m")
            await wait_for(pilot, lambda: "read-only" in notes(app))
            assert f"1 change not saved: {services.db_path} is read-only" in notes(app)
            assert app.is_running
            assert table.selected is not None and table.selected.unread == 0
            await pilot.press("q")  # quitting now would lose it: the app asks first
            await pilot.pause()
            assert app.is_running and "q again" in notes(app)
            await pilot.press("s")  # a second change waits with the first
            await pilot.pause(0.3)
            assert len(app.pending) == 2
            writable_again.close()
            await pilot.press("n", "m")  # the next change saves all three at once
            await wait_for(pilot, lambda: "Saved 3 changes" in notes(app))
            assert not app.pending
    with Store(services.db_path) as store:
        saved = stories(store)
        assert saved[first.story_id].unread == 0 and saved[first.story_id].starred
        assert saved[second.story_id].unread == 0


async def test_quitting_with_unsaved_marks_asks_once_then_reports_them(
    app: BrieferApp, services
) -> None:
    with read_only(services.db_path):
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.press("enter", "s")
            await wait_for(pilot, lambda: "read-only" in notes(app))
            await pilot.press("q")
            await pilot.pause()
            assert app.is_running
            await pilot.press("q")
            await pilot.pause()
            assert not app.is_running
        assert app.unsaved_report() == (f"1 change was not saved: {services.db_path} is read-only.")


async def test_u_undoes_the_last_dismissal(app: BrieferApp, services) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        table = app.screen.query_one(StoryTable)
        first = table.stories[0]
        await pilot.press("x")
        await settle(pilot)
        assert first.story_id not in [s.story_id for s in table.stories]
        assert "u undoes" in notes(app)
        await pilot.press("u")
        await wait_for(pilot, lambda: not app.pending)
        await settle(pilot)
        assert first.story_id in [s.story_id for s in table.stories]
        assert f"Back in Border and migration: {first.headline}" in notes(app)
        await pilot.press("u")
        await pilot.pause()
        assert "Nothing to undo" in notes(app)
    with Store(services.db_path) as store:
        assert first.story_id in stories(store)


async def test_lock_released_early_saves_without_waiting_for_sqlite(
    app: BrieferApp, services
) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        first = app.screen.query_one(StoryTable).stories[0]
        with write_lock_held(services.db_path, 60) as holder:
            await pilot.press("s")
            await wait_for(pilot, lambda: "not saved yet" in str(app.status))
            release(holder)
            await wait_for(pilot, lambda: not app.pending)
    with Store(services.db_path) as store:
        assert stories(store)[first.story_id].starred


async def test_u_in_the_item_screen_brings_the_dismissed_item_back(app: BrieferApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("enter", "enter")  # the first story
        await settle(pilot)
        await pilot.press("enter")  # its first item
        await settle(pilot)
        assert isinstance(app.screen, ItemScreen) and app.screen.item is not None
        dismissed = app.screen.item.id
        await pilot.press("x")
        await pilot.pause()
        assert app.screen.item.id != dismissed
        await pilot.press("u")
        await pilot.pause()
        assert app.screen.item.id == dismissed
        await wait_for(pilot, lambda: not app.pending)
        assert dismissed in [m.item.id for m in app.store.matches("border")]
