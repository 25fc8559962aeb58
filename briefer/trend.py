"""How an issue is moving, counted in stories (one event across outlets), not copies (pure).

The one surge rule, for the app's watchlist and the digest alike, and the sparkline.

Days here are 24-hour windows ending at the moment the figures are for (`now` in the app,
the end of the period in a digest), not calendar days in UTC: "the last day" is the last
24 hours wherever the reader is and whatever the hour, the same span the watchlist's
"in 24h" counts; a digest's windows end at its period's end, so a day's digest (local
midnight to midnight) counts the reader's own days.
"""

from __future__ import annotations

from collections.abc import Sequence

SURGE_RATIO = 3.0  # the last day against the daily average of the week before
SURGE_MIN_STORIES = 3
SURGE_MIN_OUTLETS = 2
SURGE_BASELINE_DAYS = 7
SPARK_BLOCKS = " ▁▂▃▄▅▆▇█"


def is_surging(daily: Sequence[int], outlets: int) -> bool:
    """Well above its own usual pace.

    `daily`: new stories in each day (24-hour window) up to now, oldest first, the last
    24 hours last; `outlets`: how many outlets carried the last day's new stories. At
    least 3 new stories in the last day, from at least 2 outlets (one outlet's busy day is
    not a surge), and 3 times the daily average of the 7 days before (a quiet issue needs
    real news, not one story, to count as surging).
    """
    if not daily:
        return False
    last, before = daily[-1], daily[-1 - SURGE_BASELINE_DAYS : -1]
    average = sum(before) / len(before) if before else 0.0
    return (
        last >= SURGE_MIN_STORIES and outlets >= SURGE_MIN_OUTLETS and last >= SURGE_RATIO * average
    )


def sparkline(counts: Sequence[int]) -> str:
    """One block character per day, scaled to the busiest day; the lowest block for none."""
    peak = max(counts, default=0)
    if peak == 0:
        return SPARK_BLOCKS[1] * len(counts)
    top = len(SPARK_BLOCKS) - 1
    return "".join(
        SPARK_BLOCKS[max(1, round(c / peak * top))] if c else SPARK_BLOCKS[1] for c in counts
    )
