"""How an issue is moving, counted in stories (one event across outlets), not copies (pure).

The surge rule and the sparkline that the digest shows; the TUI's watchlist panel follows
the same rule.
"""

from __future__ import annotations

from collections.abc import Sequence

SURGE_RATIO = 3.0  # the last day against the previous week's daily average
SURGE_MIN_STORIES = 3
SPARK_BLOCKS = " ▁▂▃▄▅▆▇█"


def is_surging(daily: Sequence[int]) -> bool:
    """Stories per day, oldest first, today last: well above its own usual pace.

    At least 3 new stories on the last day, and 3 times the daily average of the days
    before (a quiet issue needs real news, not one story, to count as surging).
    """
    if not daily:
        return False
    last, before = daily[-1], daily[:-1]
    average = sum(before) / len(before) if before else 0.0
    return last >= SURGE_MIN_STORIES and last >= SURGE_RATIO * average


def sparkline(counts: Sequence[int]) -> str:
    """One block character per day, scaled to the busiest day; the lowest block for none."""
    peak = max(counts, default=0)
    if peak == 0:
        return SPARK_BLOCKS[1] * len(counts)
    top = len(SPARK_BLOCKS) - 1
    return "".join(
        SPARK_BLOCKS[max(1, round(c / peak * top))] if c else SPARK_BLOCKS[1] for c in counts
    )
