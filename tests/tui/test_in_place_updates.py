"""Pilot tests: what keeps the app's event loop free while the reader presses keys.

A key that changes a story redraws that story's row, not the whole list: refilling the
list re-measures and redraws every row while the reader waits, so a mark, a star or a
dismissal updates the rows it touches in place (the table keeps its row objects), and
moving the cursor or coming back from a story touches no other row. Objects that live as
long as the app are left out of garbage collection, whose full passes stop the loop.
"""

from __future__ import annotations

import gc

from textual.widgets._data_table import Row

from briefer.tui.app import BrieferApp
from briefer.tui.garbage import EVERY_SECONDS, IDLE_SECONDS, RARER, Collector
from briefer.tui.screens.story import StoryScreen
from briefer.tui.widgets.member_table import MemberTable
from briefer.tui.widgets.story_table import StoryTable
from tests.tui.conftest import settle


def order(table: StoryTable) -> list[str | None]:
    return [row.key.value for row in table.ordered_rows]


def kept(table: StoryTable, before: dict[str | None, Row]) -> bool:
    """Every row still shown is the same row object as before: nothing was refilled."""
    rows = {key.value: row for key, row in table.rows.items()}
    return all(rows[key] is row for key, row in before.items() if key in rows)


def rows_now(table: StoryTable) -> dict[str | None, Row]:
    return {key.value: row for key, row in table.rows.items()}


async def test_m_and_s_update_the_row_in_place(app: BrieferApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("enter", "n")
        table = app.screen.query_one(StoryTable)
        story = table.selected
        assert story is not None and story.unread and not story.starred
        key = str(story.story_id)
        keys, before = order(table), rows_now(table)
        drawn = table.render_line(2).text  # the header, then the first story
        await pilot.press("m")
        await settle(pilot)  # shown at once, then saved and reloaded
        assert order(table) == keys and kept(table, before)
        assert table.cursor_row == 1 and table.selected.story_id == story.story_id  # type: ignore[union-attr]
        assert table.get_cell(key, "flag").plain.strip() == ""  # no unread mark any more
        assert str(table.get_cell(key, "headline").spans[0].style) == "dim"  # shown as read
        # and drawn so: the row's old rendering is not reused
        assert "●" in drawn and "●" not in table.render_line(2).text
        await pilot.press("s")
        await settle(pilot)
        assert order(table) == keys and kept(table, before)
        assert table.get_cell(key, "flag").plain == " ★"  # read, starred
        assert table.render_line(2).text.lstrip().startswith("★")


async def test_x_removes_only_that_row_and_u_brings_it_back(app: BrieferApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("enter", "n")
        table = app.screen.query_one(StoryTable)
        keys, before = order(table), rows_now(table)
        dismissed, successor = keys[1], keys[2]
        await pilot.press("x")
        await settle(pilot)
        assert order(table) == [k for k in keys if k != dismissed] and kept(table, before)
        # The story that took its place has the cursor.
        assert table.cursor_row == 1 and str(table.selected.story_id) == successor  # type: ignore[union-attr]
        await pilot.press("u")
        await settle(pilot)
        assert order(table) == keys  # back where it was
        assert str(table.selected.story_id) == successor  # type: ignore[union-attr]


async def test_moving_and_coming_back_from_a_story_touch_no_other_row(app: BrieferApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        table = app.screen.query_one(StoryTable)
        keys, before = order(table), rows_now(table)
        await pilot.press("n", "n", "p")
        await settle(pilot)
        assert table.cursor_row == 1 and order(table) == keys and kept(table, before)
        opened = table.selected
        await pilot.press("enter")  # the story screen marks it read
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert order(table) == keys and kept(table, before)
        assert table.selected.story_id == opened.story_id  # type: ignore[union-attr]
        assert table.selected.unread == 0  # type: ignore[union-attr]


async def test_coming_back_to_an_unchanged_story_keeps_its_rows(app: BrieferApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("enter", "enter")  # the issue, then its first story
        await settle(pilot)
        assert isinstance(app.screen, StoryScreen)
        table = app.screen.query_one(MemberTable)
        before = {key.value: row for key, row in table.rows.items()}
        await pilot.press("question_mark")
        await settle(pilot)
        await pilot.press("escape")  # the story screen loads the story again
        await settle(pilot)
        assert {key.value: row for key, row in table.rows.items()} == before
        assert all(table.rows[key] is row for key, row in table.rows.items())
        assert all(before[key.value] is row for key, row in table.rows.items())


def test_is_subsequence() -> None:
    from briefer.tui.widgets.story_table import is_subsequence

    assert is_subsequence([1, 3], [1, 2, 3])
    assert is_subsequence([], [1])
    assert not is_subsequence([3, 1], [1, 2, 3])
    assert not is_subsequence([4], [1, 2, 3])


async def test_what_lives_as_long_as_the_app_is_left_out_of_collections(app: BrieferApp) -> None:
    gc.unfreeze()
    threshold = gc.get_threshold()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        # Modules, classes and the first screen: a full collection no longer walks them.
        assert gc.get_freeze_count() > 10_000
        # Python's own full collections are rarer: the app runs them when the reader pauses.
        assert gc.get_threshold()[2] == threshold[2] * RARER
        before = app.collector.last_input
        await pilot.press("n")
        assert app.collector.last_input > before  # a key is not a pause
    # Handed back when the app ends.
    assert gc.get_freeze_count() == 0 and gc.get_threshold() == threshold


def test_full_collections_wait_for_a_pause_with_no_poll() -> None:
    now = [100.0]
    collector = Collector(clock=lambda: now[0])
    collector.input()
    now[0] += IDLE_SECONDS / 2
    assert not collector.collect_if_idle()  # the reader is still pressing keys
    now[0] += EVERY_SECONDS
    assert not collector.collect_if_idle(busy=True)  # a poll is running
    assert collector.collect_if_idle()
    now[0] += IDLE_SECONDS
    assert not collector.collect_if_idle()  # one ran a moment ago
    now[0] += EVERY_SECONDS
    assert collector.collect_if_idle()
