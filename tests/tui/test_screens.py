"""Pilot tests: the item, search, feeds and help screens, hostile titles, polling, failures."""

from __future__ import annotations

from pathlib import Path

from pytest_httpserver import HTTPServer
from textual.containers import VerticalScroll
from textual.widgets import Static

from briefer.config import load_config
from briefer.tui.app import BrieferApp
from briefer.tui.briefing import Services
from briefer.tui.messages import FeedsPolled, PollStarted
from briefer.tui.screens.briefing import BriefingScreen
from briefer.tui.screens.dialogs import AddFeedDialog, ConfirmDialog
from briefer.tui.screens.feeds import FeedsScreen
from briefer.tui.screens.item import ItemScreen
from briefer.tui.screens.search import SearchScreen
from briefer.tui.screens.story import StoryScreen
from briefer.tui.widgets.story_table import StoryTable
from briefer.tui.widgets.watchlist_panel import WatchlistPanel
from tests.tui.conftest import settle
from tests.tui.fixture_db import FEED_BROKEN, HOSTILE_TITLES


async def open_first_item(pilot) -> ItemScreen:
    await settle(pilot)
    await pilot.press("enter", "enter")  # the first issue's first story
    await settle(pilot)
    assert isinstance(pilot.app.screen, StoryScreen)
    await pilot.press("enter")  # its first item
    await settle(pilot)
    assert isinstance(pilot.app.screen, ItemScreen)
    return pilot.app.screen


async def test_item_screen_n_p_m_s(app: BrieferApp) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_first_item(pilot)
        first = screen.item
        await pilot.press("n")
        assert screen.index == 1 and screen.item.read  # type: ignore[union-attr]
        await pilot.press("p")
        assert screen.item.id == first.id  # type: ignore[union-attr]
        await pilot.press("m")
        assert not screen.item.read  # type: ignore[union-attr]
        await pilot.press("s")
        assert screen.item.starred  # type: ignore[union-attr]
        await pilot.press("p")  # already at the first: stays
        assert screen.index == 0


async def test_item_screen_x_dismisses_and_o_opens(app: BrieferApp, opened: list[str]) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_first_item(pilot)
        await pilot.press("o")
        assert opened == [screen.item.link]  # type: ignore[union-attr]
        dismissed = screen.item.id  # type: ignore[union-attr]
        await pilot.press("x")
        assert screen.item.id != dismissed  # type: ignore[union-attr]
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, StoryScreen)
        assert dismissed not in [m.item.id for m in app.store.matches("border")]


async def test_search_shows_matching_issues_and_opens_items(app: BrieferApp) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await pilot.press(*"cartel")
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SearchScreen)
        assert len(screen.story_rows) == 2
        table = screen.query_one("#search-results")
        issues = {str(table.get_row_at(i)[2]) for i in range(table.row_count)}  # type: ignore[attr-defined]
        assert "Border, Fentanyl" in issues
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, StoryScreen)


async def test_search_input_is_never_fts_syntax(app: BrieferApp) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *'"NEAR(', "enter")
        await settle(pilot)
        assert isinstance(app.screen, SearchScreen) and app.screen.story_rows == []


async def test_feeds_screen_lists_status_and_errors(app: BrieferApp) -> None:
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("f")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, FeedsScreen)
        assert len(screen.urls) == 3
        table = screen.query_one("#feeds")
        row = table.get_row(FEED_BROKEN)  # type: ignore[attr-defined]
        assert "could not connect" in str(row[2])


async def test_feeds_screen_shows_the_whole_error_of_the_feed_under_the_cursor(
    app: BrieferApp,
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:  # too narrow for the whole error
        await settle(pilot)
        await pilot.press("f")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, FeedsScreen)
        table = screen.query_one("#feeds")
        assert "(refused)" not in str(table.get_row(FEED_BROKEN)[2])  # type: ignore[attr-defined]
        for _ in range(screen.urls.index(FEED_BROKEN)):
            await pilot.press("down")
        await settle(pilot)
        detail = str(screen.query_one("#feed-detail").visual)  # type: ignore[attr-defined]
        assert detail == "Broken Feed: error: could not connect (refused)"


async def test_feeds_screen_adds_and_removes_in_the_config(
    app: BrieferApp, services: Services
) -> None:
    config_file = services.config.paths.config_file
    app.poll_now = lambda **kw: None  # type: ignore[method-assign]  # no network here
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("f")
        await settle(pilot)
        await pilot.press("a")
        assert isinstance(app.screen, AddFeedDialog)
        await pilot.press(*"https://added.example/rss", "enter")
        await settle(pilot)
        assert "https://added.example/rss" in config_file.read_text()
        assert isinstance(app.screen, FeedsScreen) and len(app.screen.urls) == 4
        app.screen.query_one("#feeds").move_cursor(row=3)  # type: ignore[attr-defined]
        await pilot.press("x")
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await settle(pilot)
        assert "https://added.example/rss" not in config_file.read_text()
        assert len(app.screen.urls) == 3  # type: ignore[attr-defined]


async def test_add_feed_dialog_refuses_non_http(app: BrieferApp) -> None:
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("f")
        await settle(pilot)
        await pilot.press("a", *"file:///etc/passwd", "enter")
        assert isinstance(app.screen, AddFeedDialog)
        await pilot.press("escape")
        assert isinstance(app.screen, FeedsScreen)


async def test_hostile_titles_render_literally_and_clicks_do_nothing(app: BrieferApp) -> None:
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(StoryTable)
        cells = [str(table.get_row_at(i)[1]) for i in range(table.row_count)]
        assert HOSTILE_TITLES[0] in cells  # markup kept as text
        row = cells.index(HOSTILE_TITLES[0])
        # Click on the title text itself: a markup click action would quit the app.
        await pilot.click(StoryTable, offset=(6, row + 1))
        await settle(pilot)
        assert app.is_running and isinstance(app.screen, BriefingScreen)
        app.screen.query_one(WatchlistPanel).focus()
        await pilot.press("down", "down")
        await settle(pilot)
        cells = [str(table.get_row_at(i)[1]) for i in range(table.row_count)]
        assert "[bold red]URGENT[/] tariff red alert" in cells  # escape sequence stripped


FEED_XML = """<?xml version="1.0"?><rss version="2.0"><channel><title>Local Test Feed</title>
<item><guid>t1</guid><title>Fentanyl seizure at the border crossing in Nogales</title>
<link>https://example.org/t1</link><pubDate>Mon, 23 Nov 2026 10:00:00 GMT</pubDate>
<description>Border officers seized fentanyl pills.</description></item>
</channel></rss>"""


def polling_services(services: Services, url: str, tmp_path: Path) -> Services:
    config_file = services.config.paths.config_file
    config_file.write_text(
        f'[[feeds]]\nurl = "{url}"\ntitle = "Local"\n\n'
        '[[feeds]]\nurl = "http://127.0.0.1:9/refused"\ntitle = "Refused"\n',
        encoding="utf-8",
    )
    services.config = load_config(services.config.paths)
    return services


async def test_r_polls_in_a_worker_and_reports_failures(
    services: Services, httpserver: HTTPServer, tmp_path: Path
) -> None:
    rss = "application/rss+xml"
    httpserver.expect_request("/feed").respond_with_data(FEED_XML, content_type=rss)
    polling_services(services, httpserver.url_for("/feed"), tmp_path)
    app = BrieferApp(services, poll_on_start=False)
    seen: list[object] = []
    async with app.run_test(size=(120, 30), message_hook=seen.append) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        polled = [m for m in seen if isinstance(m, FeedsPolled)]
        assert [m for m in seen if isinstance(m, PollStarted)]
        assert len(polled) == 1
        report = polled[0].report
        assert {o.title for o in report.outcomes} >= {"Local"}  # the configured name
        assert "failed" in str(app.status)  # the refused feed is named on the feeds screen
        assert app.store.count_items() > 0


async def test_a_worker_failure_is_surfaced_not_fatal(app: BrieferApp, tmp_path: Path) -> None:
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        app.services.db_path = tmp_path  # a folder: opening the store fails in the worker
        await pilot.press("v")
        await settle(pilot)
        assert app.is_running
        assert any("Loading failed" in str(n.message) for n in app._notifications)


async def test_item_screen_names_the_outlet_not_the_aggregator_feed(app: BrieferApp) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_first_item(pilot)
        assert screen.item is not None and screen.item.outlet == "Border Times"
        meta = str(screen.query_one("#item-meta", Static).render())
        assert meta.startswith("Border Times via Fixture News · ")


async def test_help_shows_every_key_without_scrolling_when_wide(app: BrieferApp) -> None:
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        help_box = app.screen.query_one("#help", VerticalScroll)
        assert help_box.max_scroll_y == 0
        tables = [s.content for s in app.screen.query(".help-column").results(Static)]
        shown = {str(cell) for table in tables for cell in table.columns[1]._cells}
        for binding in ItemScreen.BINDINGS:
            assert binding.description in shown  # type: ignore[union-attr]
