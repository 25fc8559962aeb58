"""The incremental index: each new item joins the best story open within the window, or
starts its own.

How an item is compared
- Its features (features.py) are weighted by how rare they are among the items the index
  holds (IDF), so a shared "Juárez" or "48%" counts far more than a shared "México", and
  scaled to unit length: the similarity of two items is the cosine of their features.
- Only items sharing a feature can be similar, so candidates come from an inverted index
  (feature -> items holding it). Features held by very many items are left out of that
  look-up: they cannot carry a match alone, and walking their lists would make one add
  cost as much as the index is large. The best candidates are then scored in full.
- Items far apart in time are less likely one event: past a day, similarity fades
  linearly to DECAY less at the window's edge. Items in different languages share fewer
  features for the same event (only names, numbers and glossary words), so their
  similarity counts CROSS_LANGUAGE times more.
- An item joins the story of its most similar item (single link) when that similarity
  reaches THRESHOLD; near-identical titles (rapidfuzz) join whatever their features say.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from rapidfuzz import fuzz

from briefer.stories.features import features
from briefer.stories.item import WINDOW, StoryId, StoryItem

__all__ = ["StoryIndex"]

THRESHOLD = 0.42  # similarity at which an item joins a story
CROSS_LANGUAGE = 1.25  # English vs Spanish share fewer features for the same event
GRACE = timedelta(hours=24)  # no fading within a day: same-day coverage is the norm
DECAY = 0.3  # similarity lost at the window's edge
NEAR_COPY = 92.0  # rapidfuzz ratio of folded titles that makes two items copies
IDF_PRIOR = 20  # pseudo-items: while the index holds few items, no feature looks common
MAX_POSTINGS = 400  # features held by more items are not used to find candidates
CANDIDATES = 40  # candidates scored in full


@dataclass(slots=True)
class _Entry:
    story: StoryId
    at: float  # published, POSIX seconds
    weights: dict[str, float]  # unit-length, IDF-weighted
    key: str  # folded title
    lang: str


@dataclass(slots=True)
class StoryIndex:
    """Stories active in the last `window`, for assigning new items one at a time."""

    window: timedelta = WINDOW
    _entries: dict[int, _Entry] = field(default_factory=dict)
    _postings: dict[str, list[int]] = field(default_factory=dict)
    _df: Counter[str] = field(default_factory=Counter)
    _next: int = 0

    def __len__(self) -> int:
        return len(self._entries)

    def add(self, item: StoryItem, story: StoryId | None = None) -> StoryId:
        """The item's story: `story` when given (warming from the store), else the best
        story active within the window of `item.published`, else a new one (`item.id`)."""
        found = features(item)
        raw = found.weights
        self._df.update(raw.keys())
        total = len(self._entries) + 1 + IDF_PRIOR
        weights = {f: w * math.log(total / self._df[f]) for f, w in raw.items()}
        norm = math.sqrt(sum(w * w for w in weights.values()))
        if norm:
            weights = {f: w / norm for f, w in weights.items()}
        at = item.published.timestamp()
        lang = item.lang
        if story is None:
            story = self._best(weights, found.key, at, lang)
            if story is None:
                story = item.id
        seq = self._next
        self._next += 1
        self._entries[seq] = _Entry(story, at, weights, found.key, lang)
        for f in weights:
            self._postings.setdefault(f, []).append(seq)
        return story

    def _best(self, weights: dict[str, float], key: str, at: float, lang: str) -> StoryId | None:
        span = self.window.total_seconds()
        entries = self._entries
        partial: dict[int, float] = {}
        for f, w in weights.items():
            seqs = self._postings.get(f)
            if not seqs or len(seqs) > MAX_POSTINGS:
                continue
            for seq in seqs:
                partial[seq] = partial.get(seq, 0.0) + w * entries[seq].weights[f]
        if not partial:
            return None
        top = sorted(partial, key=partial.__getitem__, reverse=True)[:CANDIDATES]
        best_story: StoryId | None = None
        best = THRESHOLD
        grace = GRACE.total_seconds()
        for seq in top:
            entry = entries[seq]
            gap = abs(at - entry.at)
            if gap > span:
                continue
            other = entry.weights
            small, large = (weights, other) if len(weights) <= len(other) else (other, weights)
            score = sum(w * large.get(f, 0.0) for f, w in small.items())
            if lang and entry.lang and lang != entry.lang:
                score *= CROSS_LANGUAGE
            elif key and entry.key and fuzz.ratio(key, entry.key) >= NEAR_COPY:
                score = max(score, 1.0)
            if gap > grace:
                score *= 1.0 - DECAY * (gap - grace) / max(span - grace, 1.0)
            if score >= best:
                if score > best or best_story is None:
                    best, best_story = score, entry.story
        return best_story

    def forget_before(self, when: datetime) -> None:
        """Drop items older than `when` (keeps memory bounded; their stories close)."""
        cutoff = when.timestamp()
        dead = [seq for seq, entry in self._entries.items() if entry.at < cutoff]
        if not dead:
            return
        touched: set[str] = set()
        for seq in dead:
            entry = self._entries.pop(seq)
            touched.update(entry.weights)
            self._df.subtract(entry.weights.keys())
        gone = set(dead)
        for f in touched:
            kept = [seq for seq in self._postings[f] if seq not in gone]
            if kept:
                self._postings[f] = kept
            else:
                del self._postings[f]
            if self._df[f] <= 0:
                del self._df[f]
