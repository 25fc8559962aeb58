"""briefer.trend: the surge rule and the sparkline, counted in stories."""

from __future__ import annotations

from briefer.trend import is_surging, sparkline


def test_surging_needs_three_stories_from_two_outlets_at_three_times_the_usual_pace() -> None:
    assert is_surging([1, 1, 0, 1, 1, 0, 1, 6], outlets=2)
    assert not is_surging([1, 1, 0, 1, 1, 0, 1, 2], outlets=5)  # under 3 new stories
    assert not is_surging([3, 3, 3, 3, 3, 3, 3, 8], outlets=5)  # busy, but not 3x its own pace
    assert is_surging([0, 0, 0, 0, 0, 0, 0, 3], outlets=2)  # a quiet issue with real news
    assert not is_surging([0, 0, 0, 0, 0, 0, 0, 9], outlets=1)  # one outlet's busy day
    assert not is_surging([], outlets=3)


def test_the_usual_pace_is_the_week_before_the_last_day() -> None:
    # A month of days, as the app's sparkline has: only the 7 before the last count.
    busy_month = [9] * 22 + [1] * 7
    assert is_surging([*busy_month, 4], outlets=3)
    assert not is_surging([*busy_month[:-1], 9, 4], outlets=3)


def test_sparkline_scales_to_the_busiest_day() -> None:
    assert sparkline([0, 1, 2, 4, 8]) == "▁▁▂▄█"
    assert sparkline([0, 0, 0]) == "▁▁▁"
    assert sparkline([]) == ""
