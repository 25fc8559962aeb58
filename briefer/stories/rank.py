"""Best-first order of stories: coverage, then recency, then match score.

    rank = coverage * recency * relevance

- coverage = 1 + log2(outlets): each doubling of the outlets carrying a story adds as much
  as the first outlet did (1 outlet: 1, 2: 2, 4: 3, 8: 4), so wide coverage leads without
  a 30-outlet story burying everything else for days.
- recency = 0.5 ** (hours since the last update / HALF_LIFE_HOURS): a story loses half its
  weight per day and a half without news; an update in the future counts as now.
- relevance = 0.5 + score / 200: a match score of 100 keeps the full weight, 0 halves it,
  so the score orders stories of like coverage and age but cannot outweigh coverage.

So a story carried by 4 outlets a day and a half ago (3 * 0.5) still ranks above a fresh
single-outlet story (1 * 1), and a 2-outlet story ranks above it only while it is younger
than one half-life (2 * 0.5 = 1).
"""

from __future__ import annotations

import math
from datetime import datetime

__all__ = ["HALF_LIFE_HOURS", "story_rank"]

HALF_LIFE_HOURS = 36.0


def story_rank(outlets: int, last_update: datetime, score: float, now: datetime) -> float:
    """The story's place in best-first order: higher ranks first (see the module's formula)."""
    coverage = 1.0 + math.log2(max(outlets, 1))
    age_hours = max((now - last_update).total_seconds() / 3600.0, 0.0)
    recency = 0.5 ** (age_hours / HALF_LIFE_HOURS)
    relevance = 0.5 + min(max(score, 0.0), 100.0) / 200.0
    return coverage * recency * relevance
