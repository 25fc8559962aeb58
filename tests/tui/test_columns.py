"""Pilot tests: what the list columns say on a real week's rows: dates that fit their
column at any age, outlets rather than aggregator feeds, issue titles rather than ids."""

from __future__ import annotations

from textual.widgets import DataTable

from briefer.store import Store
from briefer.tui.app import BrieferApp
from briefer.tui.briefing import Services
from briefer.tui.widgets.story_table import StoryTable
from tests.tui.conftest import settle
from tests.tui.fixture_db import HOSTILE_TITLES, FixtureStories, _add_feed, _entries

OLD_FEED = "https://archive.fixture.example/rss"
OLD_TITLE = "USMCA panel rules on auto parts dispute"


def add_old_story(services: Services) -> None:
    """A USMCA item 400 days old, as a feed's archive brings on a first poll."""
    entries = _entries("old", [(OLD_TITLE, 24 * 400, [("usmca_2026", 88, ("USMCA",))])])
    with Store(services.db_path) as store:
        _add_feed(store, OLD_FEED, "Archive", entries, FixtureStories())


def cells(table: StoryTable, row: int) -> list[str]:
    return [str(cell) for cell in table.get_row_at(row)]


async def test_story_dates_fit_their_columns(services: Services) -> None:
    add_old_story(services)
    app = BrieferApp(services, poll_on_start=False)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press(*["down"] * 4)  # USMCA 2026 review
        await settle(pilot)
        table = app.screen.query_one(StoryTable)
        rows = {table.stories[i].headline: cells(table, i) for i in range(table.row_count)}
        assert rows[OLD_TITLE][-2:] == ["Oct 2025", "Oct 2025"]
        assert rows["Auto rules of origin at stake in USMCA talks"][-2:] == ["11 Nov", "11 Nov"]
        assert rows["USMCA review: negotiators meet in Ottawa"][-2:] == ["9h", "9h"]
        for column in ("first", "last"):
            assert table.columns[column].width >= len("Oct 2025")  # type: ignore[index]


async def search_rows(app: BrieferApp, pilot, text: str) -> dict[str, list[str]]:
    await pilot.press("slash", *text, "enter")
    await settle(pilot)
    table = app.screen.query_one("#search-results", DataTable)
    rows = {}
    for i in range(table.row_count):
        title, *rest = (str(cell) for cell in table.get_row_at(i))
        rows[title] = rest
    await pilot.press("escape")
    return rows


async def test_search_names_outlets_issues_and_dates(services: Services) -> None:
    add_old_story(services)
    app = BrieferApp(services, poll_on_start=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        found = await search_rows(app, pilot, "fall")
        assert found["Crossings fall at Ciudad Juárez, Border Patrol says"][1:] == [
            "Border", "Border Times", "5h"
        ]  # fmt: skip
        found = await search_rows(app, pilot, "weather")
        assert found["Local weather: heat wave expected in Monterrey"][1:] == [
            "", "Fixture News", "1h"
        ]  # fmt: skip
        found = await search_rows(app, pilot, "cartel")
        assert found[HOSTILE_TITLES[0]][1] == "Border, Fentanyl"
        found = await search_rows(app, pilot, "USMCA")
        assert found[OLD_TITLE][3] == "Oct 2025"
        assert found["Auto rules of origin at stake in USMCA talks"][3] == "11 Nov"
