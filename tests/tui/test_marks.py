"""Pilot tests: the unread and starred marks in the story list and an opened story."""

from __future__ import annotations

from briefer.tui.app import BrieferApp
from briefer.tui.briefing import Services
from briefer.tui.screens.story import StoryScreen
from briefer.tui.widgets.member_table import MemberTable
from briefer.tui.widgets.story_table import StoryTable
from tests.tui.conftest import settle
from tests.tui.fixture_db import UNMATCHED, add_to_crossings


async def test_a_starred_unread_story_shows_both_marks(app: BrieferApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("down")  # fentanyl: its oldest story is starred and unread
        await settle(pilot)
        table = app.screen.query_one(StoryTable)
        marks = {s.headline: str(table.get_row_at(i)[0]) for i, s in enumerate(table.stories)}
        assert marks["Fentanyl precursor shipments seized at Manzanillo port"] == "●★"
        await pilot.press("enter", "enter")  # the first story: unread, not starred
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        assert str(app.screen.query_one(MemberTable).get_row_at(0)[0]) == " ★"


async def test_opening_a_story_reads_its_unmatched_items_too(services: Services) -> None:
    add_to_crossings(services)
    app = BrieferApp(services, poll_on_start=False)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("enter", "enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, StoryScreen)
        table = screen.query_one(MemberTable)
        other = next(m for m in table.members if m.item.title == UNMATCHED)
        assert other.match is None and other.item.read
        assert all(str(table.get_row_at(i)[0]).strip() == "" for i in range(table.row_count))
        await pilot.press("escape")
        await settle(pilot)
        assert app.store.item(other.item.id).read  # type: ignore[union-attr]
