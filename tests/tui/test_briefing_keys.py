"""Pilot tests: every binding of the briefing screen, on the fixture database's stories."""

from __future__ import annotations

import webbrowser

from briefer.store import Store
from briefer.tui.app import BrieferApp
from briefer.tui.screens.briefing import BriefingScreen
from briefer.tui.screens.feeds import FeedsScreen
from briefer.tui.screens.help import HelpScreen
from briefer.tui.screens.item import ItemScreen
from briefer.tui.screens.search import SearchScreen
from briefer.tui.screens.story import StoryScreen
from briefer.tui.widgets.baseline_panel import BaselinePanel
from briefer.tui.widgets.story_table import StoryTable
from briefer.tui.widgets.watchlist_panel import WatchlistPanel
from tests.tui.conftest import settle


def titles(app: BrieferApp) -> list[str]:
    return [story.headline for story in app.screen.query_one(StoryTable).stories]


async def test_opens_on_first_issue_with_counts_and_surge(app: BrieferApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, BriefingScreen)
        panel = app.screen.query_one(WatchlistPanel)
        assert panel.issue_id == "border"
        border = panel.rows["border"]
        assert (border.unread, border.last_day, border.surging) == (3, 4, True)
        assert not panel.rows["usmca_2026"].surging
        assert len(border.daily) == 30
        assert titles(app)[0].startswith("Border Patrol reports")


async def test_highlighting_another_issue_fills_the_view(app: BrieferApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("down", "down")
        await settle(pilot)
        assert app.screen.query_one(WatchlistPanel).issue_id == "tariffs"
        assert any("Aranceles" in t for t in titles(app))


async def test_v_toggles_newest_and_best_first(app: BrieferApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        newest = app.screen.query_one(StoryTable).stories
        assert [s.last_update for s in newest] == sorted(
            (s.last_update for s in newest), reverse=True
        )
        await pilot.press("v")
        await settle(pilot)
        best = app.screen.query_one(StoryTable).stories
        assert sorted(s.story_id for s in newest) == sorted(s.story_id for s in best)
        assert [s.rank for s in best] == sorted((s.rank for s in best), reverse=True)
        assert best[0].headline.startswith("Border Patrol reports")  # 3 outlets
        assert app.screen.issue_query.order == "best"  # type: ignore[attr-defined]
        await pilot.press("v")
        await settle(pilot)
        assert titles(app) == [s.headline for s in newest]


async def test_S_shows_only_starred(app: BrieferApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("down", "S")
        await settle(pilot)
        assert titles(app) == ["Fentanyl precursor shipments seized at Manzanillo port"]
        await pilot.press("S")
        await settle(pilot)
        assert len(titles(app)) == 4


async def test_c_folds_the_baseline(app: BrieferApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        panel = app.screen.query_one(BaselinePanel)
        assert not panel.collapsed
        await pilot.press("c")
        assert panel.collapsed


async def test_m_s_x_on_the_selected_story(app: BrieferApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("enter")  # select the issue: focus moves to its stories
        assert isinstance(app.focused, StoryTable)
        first = app.screen.query_one(StoryTable).selected
        assert first is not None and first.unread == 3 and first.items == 3
        await pilot.press("m")
        await settle(pilot)
        [stored] = [s for s in app.store.stories("border") if s.story_id == first.story_id]
        assert stored.unread == 0  # every item of the story, for this issue
        await pilot.press("s")
        await settle(pilot)
        [stored] = [s for s in app.store.stories("border") if s.story_id == first.story_id]
        assert stored.starred
        # The cursor stays on the same story through the reloads.
        assert app.screen.query_one(StoryTable).selected.story_id == first.story_id  # type: ignore[union-attr]
        await pilot.press("x")
        await settle(pilot)
        assert first.headline not in titles(app)
        assert first.story_id not in [s.story_id for s in app.store.stories("border")]


async def test_n_p_move_through_stories(app: BrieferApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(StoryTable)
        await pilot.press("n")
        assert table.cursor_row == 1
        await pilot.press("n", "p")
        assert table.cursor_row == 1


async def test_o_opens_the_link_in_the_browser(app: BrieferApp, opened: list[str]) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("o")
        assert opened == ["https://example.com/news-0"]


async def test_enter_opens_the_story_and_marks_it_read(app: BrieferApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("enter", "enter")
        await settle(pilot)
        assert isinstance(app.screen, StoryScreen) and app.screen.view is not None
        members = app.screen.view.members
        assert len(members) == 3 and all(m.item.read for m in members)
        assert {m.outlet for m in members} == {"Fixture News", "Fixture Wire", "Border Times"}
        assert {m.lang for m in members} == {"en", "es"}
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, BriefingScreen)
        assert app.screen.query_one(WatchlistPanel).rows["border"].unread == 2


async def test_global_keys_open_screens(app: BrieferApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        for key, screen in (("slash", SearchScreen), ("f", FeedsScreen)):
            await pilot.press(key)
            await settle(pilot)
            assert isinstance(app.screen, screen)
            await pilot.press("escape")
            await settle(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, BriefingScreen)


async def test_t_toggles_the_theme_and_remembers_it(app: BrieferApp, services) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        dark = app.current_theme.dark
        await pilot.press("t")
        assert app.current_theme.dark != dark
        chosen = app.theme
    with Store(services.db_path) as store:
        assert store.get_meta("tui.theme") == chosen
    again = BrieferApp(services, poll_on_start=False)
    async with again.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert again.theme == chosen


async def test_q_quits(app: BrieferApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running


async def test_every_binding_is_in_help_and_the_command_palette(app: BrieferApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        commands = {c.title for c in app.get_system_commands(app.screen)}
        for binding in [*BrieferApp.BINDINGS, *BriefingScreen.BINDINGS]:
            assert binding.description in commands  # type: ignore[union-attr]
        described = {b.description for _, group in app.help_sections() for b in group}
        for screen in (BriefingScreen, StoryScreen, ItemScreen, SearchScreen, FeedsScreen):
            for binding in screen.BINDINGS:
                assert binding.description in described  # type: ignore[union-attr]


async def test_d_writes_the_digest(app: BrieferApp, services) -> None:
    from briefer.tui.messages import DigestExported

    seen: list[object] = []
    async with app.run_test(size=(120, 40), message_hook=seen.append) as pilot:
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        exported = [m for m in seen if isinstance(m, DigestExported)]
        assert exported and exported[0].paths
        assert all(p.startswith(str(services.config.digest_folder)) for p in exported[0].paths)


async def test_new_matches_arrive_without_moving_the_cursor(app: BrieferApp, services) -> None:
    from datetime import timedelta

    from briefer.models import Match
    from tests.factory import FIXED_NOW, add_feed, hit, item

    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("enter", "n", "n")  # the third story
        table = app.screen.query_one(StoryTable)
        chosen = table.selected
        assert chosen is not None and table.cursor_row == 2
        title = "Border wall contracts expand along the Rio Grande"
        with Store(services.db_path) as other:  # as a running daemon would write it
            add_feed(
                other,
                "https://daemon.example/rss",
                [(item("new-1", title, published=FIXED_NOW - timedelta(minutes=5)),
                  [Match("border", 88, (hit("Border wall", title),))])],
            )  # fmt: skip
        app._watch_database()  # the periodic check, without waiting for its timer
        await settle(pilot)
        assert title in titles(app)  # the new match is listed (newest first, so on top)
        assert table.selected is not None and table.selected.story_id == chosen.story_id
        assert table.cursor_row == 3


async def test_o_without_a_browser_shows_the_link(app: BrieferApp, monkeypatch) -> None:
    def no_browser(using=None):
        raise webbrowser.Error("could not locate runnable browser")

    opened: list[str] = []
    monkeypatch.setattr(webbrowser, "get", no_browser)
    monkeypatch.setattr(app, "open_url", lambda url, **kw: opened.append(url))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        story = app.screen.query_one(StoryTable).selected
        assert story is not None and story.unread
        await pilot.press("o")
        await settle(pilot)
        assert opened == []
        notes = [(n.title, n.message) for n in app._notifications]
        assert ("No web browser could be opened", "https://example.com/news-0") in notes
        assert app.screen.query_one(StoryTable).selected.unread  # type: ignore[union-attr]


async def test_tab_from_the_watchlist_goes_to_the_stories(app: BrieferApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("tab")
        assert isinstance(app.focused, StoryTable)
        second = app.screen.query_one(StoryTable).stories[1]
        await pilot.press("down", "enter")  # the second story opens
        await settle(pilot)
        assert isinstance(app.screen, StoryScreen) and app.screen.story_id == second.story_id
        await pilot.press("escape")
        await settle(pilot)
        assert not app.screen.query_one(BaselinePanel).collapsed


async def test_a_small_terminal_gives_the_story_list_the_room(app: BrieferApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.screen.query_one(WatchlistPanel).outer_size.width <= 25
        assert app.screen.query_one(BaselinePanel).collapsed
        table = app.screen.query_one(StoryTable)
        assert table.columns["headline"].width >= 24  # type: ignore[index]  # was 20
        assert table.region.height >= 15  # of 24 rows
        await pilot.press("c")  # the baseline is still there when asked for
        assert not app.screen.query_one(BaselinePanel).collapsed


async def test_a_large_terminal_keeps_the_baseline_open(app: BrieferApp) -> None:
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        assert app.screen.query_one(WatchlistPanel).outer_size.width == 36
        assert not app.screen.query_one(BaselinePanel).collapsed
