"""Pilot tests: the story screen's keys, from an issue and from search."""

from __future__ import annotations

from briefer.tui.app import BrieferApp
from briefer.tui.screens.briefing import BriefingScreen
from briefer.tui.screens.item import ItemScreen
from briefer.tui.screens.search import SearchScreen
from briefer.tui.screens.story import StoryScreen
from briefer.tui.widgets.member_detail import MemberDetail
from briefer.tui.widgets.member_table import MemberTable
from briefer.tui.widgets.story_table import StoryTable
from tests.tui.conftest import settle
from tests.tui.fixture_db import (
    CROSSINGS,
    LONG_OUTLET,
    MANY_TERMS,
    SINALOA,
    UNMATCHED,
    add_to_crossings,
)


async def open_first_story(pilot) -> StoryScreen:
    await settle(pilot)
    await pilot.press("enter", "enter")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, StoryScreen) and screen.view is not None
    return screen


def stored(app: BrieferApp, story_id: int, issue_id: str = "border"):
    return next((s for s in app.store.stories(issue_id) if s.story_id == story_id), None)


async def test_o_opens_the_selected_items_link_and_enter_the_item(
    app: BrieferApp, opened: list[str]
) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_first_story(pilot)
        table = screen.query_one(MemberTable)
        assert [m.item.title for m in table.members] == [CROSSINGS[2], CROSSINGS[1], CROSSINGS[0]]
        await pilot.press("down", "o")
        assert opened == [table.members[1].item.link]
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ItemScreen)
        assert app.screen.item is not None and app.screen.item.title == CROSSINGS[1]


async def test_m_s_x_u_act_on_the_whole_story(app: BrieferApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_first_story(pilot)
        story_id = screen.story_id
        assert stored(app, story_id).unread == 0  # type: ignore[union-attr]  # opening read it
        await pilot.press("m")
        await settle(pilot)
        assert all(not m.item.read for m in screen.query_one(MemberTable).members)
        assert stored(app, story_id).unread == 3  # type: ignore[union-attr]
        await pilot.press("s")
        await settle(pilot)
        assert stored(app, story_id).starred  # type: ignore[union-attr]
        await pilot.press("x")
        await settle(pilot)
        assert isinstance(app.screen, BriefingScreen)
        assert stored(app, story_id) is None
        assert story_id not in [s.story_id for s in app.screen.query_one(StoryTable).stories]
        await pilot.press("u")
        await settle(pilot)
        assert stored(app, story_id) is not None
        assert story_id in [s.story_id for s in app.screen.query_one(StoryTable).stories]


async def test_a_grown_story_shows_its_new_items_until_opened(app: BrieferApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("down", "enter")  # fentanyl: the Sinaloa story grew after reading
        await settle(pilot)
        table = app.screen.query_one(StoryTable)
        sinaloa = table.stories[0]
        assert sinaloa.headline == SINALOA[0] and sinaloa.new_since_read == 2
        assert "+2 new" in str(table.get_row_at(0)[1])
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen.query_one(StoryTable).stories[0].new_since_read == 0


async def test_a_story_opened_from_search_marks_single_items(app: BrieferApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"Sinaloa", "enter")
        await settle(pilot)
        search = app.screen
        assert isinstance(search, SearchScreen) and len(search.story_rows) == 1
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, StoryScreen) and screen.issue_id is None
        members = screen.query_one(MemberTable).members
        assert len(members) == 3
        first = members[0].item
        await pilot.press("s")
        await settle(pilot)
        assert app.store.item(first.id).starred  # type: ignore[union-attr]
        assert not any(app.store.item(m.item.id).starred for m in members[1:])  # type: ignore[union-attr]
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, StoryScreen)  # no issue to dismiss it from


async def test_wide_story_columns_fit_outlets_and_terms(services) -> None:
    add_to_crossings(services)
    app = BrieferApp(services, poll_on_start=False)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_first_story(pilot)
        table = screen.query_one(MemberTable)
        assert table.columns["outlet"].width == len(LONG_OUTLET)  # type: ignore[index]
        rows = {
            m.item.title: [str(c) for c in table.get_row_at(i)] for i, m in enumerate(table.members)
        }
        assert rows[UNMATCHED][1] == LONG_OUTLET
        assert rows[MANY_TERMS][-1] == "Patrulla Fronteriza +3"
        await pilot.press(*["down"] * [m.item.title for m in table.members].index(UNMATCHED))
        detail = str(screen.query_one(MemberDetail).render())
        assert "Why it matched" not in detail
        assert "Not matched" in detail and "does not match Border and migration" in detail


async def test_an_item_of_no_issue_opened_from_search_is_not_matched(app: BrieferApp) -> None:
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"weather", "enter")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        detail = str(app.screen.query_one(MemberDetail).render())
        assert "Why it matched" not in detail
        assert "Not matched\nNo watchlist issue matches this item." in detail
