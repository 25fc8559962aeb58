"""briefer.trend: the surge rule and the sparkline, counted in stories."""

from __future__ import annotations

from briefer.trend import is_surging, sparkline


def test_surging_needs_three_stories_and_three_times_the_usual_pace() -> None:
    assert is_surging([1, 1, 0, 1, 1, 0, 1, 6])
    assert not is_surging([1, 1, 0, 1, 1, 0, 1, 2])  # under 3 new stories
    assert not is_surging([3, 3, 3, 3, 3, 3, 3, 8])  # busy, but not 3x its own pace
    assert is_surging([0, 0, 0, 0, 0, 0, 0, 3])  # a quiet issue with real news
    assert not is_surging([])


def test_sparkline_scales_to_the_busiest_day() -> None:
    assert sparkline([0, 1, 2, 4, 8]) == "▁▁▂▄█"
    assert sparkline([0, 0, 0]) == "▁▁▁"
    assert sparkline([]) == ""
