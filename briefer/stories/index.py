"""The incremental index: each new item joins the best story open within the window, or
starts its own.

How an item is compared
- Its features (features.py) are weighted by how rare they are among the items the index
  has seen (IDF, flattened by IDF_POWER: a story's own words are common in the week it
  breaks, and must still count), then scaled to unit length: the similarity of two items
  is the cosine of their features, and an item's similarity to a story is the larger of
  its best similarity to one of the story's items and its similarity to the story's
  centroid (the sum of its items), which gathers the different words outlets use.
- Only items sharing a feature can be similar, so candidates come from an inverted index
  (feature -> items holding it), looked up by the item's strongest features. Features held
  by more than MAX_POSTINGS open items are left out of that look-up: common words cannot
  carry a match alone (looking at their latest items merged unrelated events in the
  benchmark's data), and walking their lists would make one add cost as much as the index
  is large. The best candidates are then scored in full, against their items and their
  stories' centroids.
- Items far apart in time are less likely one event: past GRACE, similarity fades
  linearly to DECAY less at the window's edge. Items in different languages share fewer
  features for the same event (names, numbers and glossary words), so their similarity
  counts CROSS_LANGUAGE times more. Near-identical titles with the same figures are copies.
- Figures that disagree (NUMBER_CLASH) count against a candidate item and against the
  story it belongs to: joining an item joins its story. A reaction to another actor's act
  next to a report of the act, or an explainer next to a report, counts less (REACTION,
  EXPLAINER): STORIES.md makes them stories of their own.
- With `merge` (batch mode), a story that grew is also compared with the other open
  stories, centroid to centroid, and merged into the earlier one when they reach MERGE:
  two halves of one event told in different words meet once each has a few items. A lone
  item it passes by then is taken in if it fits the grown story by a margin (ABSORB): an
  early report worded differently from the rest joins once the story has their words.
- Figures disagree only when both sides give figures of one kind (percentages, or other
  numbers) and none agree: years are context, and a percentage and a count can describe
  one event.
"""

from __future__ import annotations

import heapq
import math
import re
from collections import Counter
from collections.abc import Set
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from rapidfuzz import fuzz

from briefer.stories.features import Features, features
from briefer.stories.item import WINDOW, StoryId, StoryItem

__all__ = ["StoryIndex"]

THRESHOLD = 0.34  # similarity at which an item joins a story
MERGE = 0.45  # centroid similarity at which two open stories become one (batch)
IDF_POWER = 0.4  # 1 is plain IDF; lower flattens it
CROSS_LANGUAGE = 1.25  # English vs Spanish share fewer features for the same event
GRACE = timedelta(hours=6)  # no fading within a few hours: same-day coverage is the norm
DECAY = 0.9  # similarity lost at the window's edge
_GRACE_S = GRACE.total_seconds()
NEAR_COPY = 92.0  # rapidfuzz ratio of folded titles that makes two items copies
IDF_PRIOR = 20  # pseudo-items: while the index holds few items, no feature looks common
MAX_POSTINGS = 100  # features held by more items are not used to find candidates
CANDIDATES = 15  # candidates scored in full
QUERY_FEATURES = 10  # an item's strongest features find its candidates
# Sizes at which a growing story looks for a partner (each doubling: its centroid has
# changed enough to be worth comparing again, at a cost logarithmic in its size).
_MERGE_AT = frozenset(2**k for k in range(1, 20)) | {3}
CENTROID_FEATURES = 60  # a story's centroid keeps this many features (up to twice as many)
# Both give figures and none agree ("the 10th" vs "the 11th"): likely two reports.
NUMBER_CLASH = 0.3
# An explainer or column next to a report of the event (see features._EXPLAINER).
EXPLAINER = 0.6
MERGE_FADE = 1.0
# A reaction to an act next to a report of the act (see features.REACTIONS).
REACTION = 0.7
# A story's centroid gathers the words its outlets use: matching it is better evidence than
# matching one item, so it counts this much more (above about 1.15 unrelated items drift in).
CENTROID_BOOST = 1.1
# A story that grows takes in lone items near it that came before it had the words to
# attract them; they pass the joining test by this margin, having failed it once.
ABSORB = 1.2


@dataclass(slots=True)
class _Entry:
    story: StoryId
    at: float  # published, POSIX seconds
    weights: dict[str, float]  # unit-length, IDF-weighted
    key: str  # folded title
    numbers: frozenset[str]
    lang: str
    explainer: bool
    reaction: bool


@dataclass(slots=True)
class _Story:
    centroid: dict[str, float]  # sum of its items' weights
    norm2: float  # squared length of the centroid
    size: int
    first: float  # earliest item's time
    last: float  # latest item's time
    numbers: set[str]  # figures its items give
    reactions: int = 0  # items that react to another's act
    seed: int = -1  # its first item's entry
    explainers: int = 0  # items that explain rather than report


def _prune(story: _Story) -> None:
    """Keep a large story's strongest features: its centroid stays small, so comparing
    with it stays cheap however many items it has."""
    c = story.centroid
    kept = sorted(c, key=c.__getitem__, reverse=True)[:CENTROID_FEATURES]
    story.centroid = {f: c[f] for f in kept}
    story.norm2 = sum(w * w for w in story.centroid.values())


# Shared by the many items that give no figures: one object the cyclic GC tracks, not one
# an item.
_NO_NUMBERS: frozenset[str] = frozenset()

_YEAR = re.compile(r"#(?:19|20)\d\d")


def _clash(a: Set[str], b: Set[str]) -> bool:
    """Both give figures and none agree: likely two reports ("58%" vs "48%", "the 10th" vs
    "the 11th"). Percentages are compared with percentages when both give some, since a
    story gathers many incidental figures (years, counts) but one headline statistic.
    Years never clash: "the 2026 review" and "after 2036" can be one announcement."""
    if not a or not b:
        return False
    pa = {f for f in a if f.endswith("%")}
    pb = {f for f in b if f.endswith("%")}
    if pa and pb:
        return not pa & pb
    # A year is context shared by most of a season's reports, not what tells one apart.
    ya = {f for f in a if not _YEAR.fullmatch(f)}
    yb = {f for f in b if not _YEAR.fullmatch(f)}
    ya -= pa
    yb -= pb
    return bool(ya and yb and not ya & yb)


def _dot(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    get = b.get
    return sum([w * get(f, 0.0) for f, w in a.items()])


@dataclass(slots=True, repr=False)
class StoryIndex:
    """Stories active in the last `window`, for assigning new items one at a time."""

    window: timedelta = WINDOW
    merge: bool = False  # batch mode: open stories may merge (see root())
    _entries: dict[int, _Entry] = field(default_factory=dict)
    # feature -> {item: its weight there}, oldest first. Dicts of numbers, not lists of
    # pairs: the cyclic GC does not track them (a poll's adds made it walk the pairs).
    _postings: dict[str, dict[int, float]] = field(default_factory=dict)
    _df: Counter[str] = field(default_factory=Counter)
    _seen: int = 0  # items counted in _df
    _next: int = 0
    _stories: dict[StoryId, _Story] = field(default_factory=dict)
    _merged: dict[StoryId, StoryId] = field(default_factory=dict)  # story -> story it joined

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        # Not every entry: asyncio.run spelled out an index of 10,000 items (11 MB) it returned.
        return f"StoryIndex({len(self._entries)} items in {len(self._stories)} stories)"

    def root(self, story: StoryId) -> StoryId:
        """The story `story` ended up in after merges (itself without `merge`)."""
        merged = self._merged
        path = []
        while story in merged:
            path.append(story)
            story = merged[story]
        for step in path:
            merged[step] = story
        return story

    def add(self, item: StoryItem, story: StoryId | None = None) -> StoryId:
        """The item's story: `story` when given (warming from the store), else the best
        story active within the window of `item.published`, else a new one (`item.id`)."""
        return self._add(item.id, item.published, item.lang, features(item), story)

    def place(self, item: StoryId, published: datetime, lang: str, found: Features) -> StoryId:
        """`add` of an item known by its id, date and language with its features worked out
        (a poll's): the story it joins or starts."""
        return self._add(item, published, lang, found, None)

    def _add(
        self,
        item_id: StoryId,
        published: datetime,
        lang: str,
        found: Features,
        story: StoryId | None,
    ) -> StoryId:
        raw = found.weights
        self._seen += 1
        total = self._seen + IDF_PRIOR
        df = self._df
        log = math.log
        weights = {}
        for f, w in raw.items():  # features are distinct: counting one then using it is safe
            n = df.get(f, 0) + 1
            df[f] = n
            weights[f] = w * log(total / n) ** IDF_POWER
        norm = math.sqrt(sum([w * w for w in weights.values()]))
        if norm:
            weights = {f: w / norm for f, w in weights.items()}
        at = published.timestamp()
        figures = [f for f in raw if f.startswith("#")]
        numbers = frozenset(figures) if figures else _NO_NUMBERS
        if story is None:
            story = self._best(
                weights, found.key, numbers, at, lang, found.explainer, found.reaction
            )
            if story is None:
                story = item_id
        else:
            story = self.root(story)
        seq = self._next
        self._next += 1
        self._entries[seq] = _Entry(
            story, at, weights, found.key, numbers, lang, found.explainer, found.reaction
        )
        postings = self._postings
        for f, w in weights.items():
            held = postings.get(f)
            if held is None:
                postings[f] = {seq: w}
            else:
                held[seq] = w
        grown = self._grow(story, weights, numbers, at)
        if grown.seed < 0:
            grown.seed = seq
        grown.reactions += found.reaction
        grown.explainers += found.explainer
        if self.merge and grown.size in _MERGE_AT:
            self._merge_into_earlier(story, at)
        return self.root(story)

    def _grow(
        self, story: StoryId, weights: dict[str, float], numbers: frozenset[str], at: float
    ) -> _Story:
        known = self._stories.get(story)
        if known is None:
            norm2 = 1.0 if weights else 0.0
            known = self._stories[story] = _Story(dict(weights), norm2, 1, at, at, set(numbers))
            return known
        known.numbers.update(numbers)
        c = known.centroid
        known.norm2 += 2 * _dot(weights, c) + (1.0 if weights else 0.0)
        for f, w in weights.items():
            c[f] = c.get(f, 0.0) + w
        if len(c) > 2 * CENTROID_FEATURES:
            _prune(known)
        known.size += 1
        known.first = min(known.first, at)
        known.last = max(known.last, at)
        return known

    def _fade(self, gap: float) -> float:
        grace = _GRACE_S
        if gap <= grace:
            return 1.0
        return 1.0 - DECAY * (gap - grace) / max(self.window.total_seconds() - grace, 1.0)

    def _candidates(self, weights: dict[str, float]) -> list[int]:
        partial: dict[int, float] = {}
        strongest = sorted(weights, key=weights.__getitem__, reverse=True)[:QUERY_FEATURES]
        for f in strongest:
            w = weights[f]
            seqs = self._postings.get(f)
            if not seqs or len(seqs) > MAX_POSTINGS:
                continue
            get = partial.get
            for seq, v in seqs.items():
                partial[seq] = get(seq, 0.0) + w * v
        return heapq.nlargest(CANDIDATES, partial, key=partial.__getitem__)

    def _best(
        self,
        weights: dict[str, float],
        key: str,
        numbers: frozenset[str],
        at: float,
        lang: str,
        explainer: bool,
        reaction: bool,
    ) -> StoryId | None:
        span = self.window.total_seconds()
        top = self._candidates(weights)
        best_story: StoryId | None = None
        best = THRESHOLD
        for seq in top:
            entry = self._entries[seq]
            gap = abs(at - entry.at)
            if gap > span:
                continue
            score = _dot(weights, entry.weights)
            if lang and entry.lang and lang != entry.lang:
                score *= CROSS_LANGUAGE
            elif numbers == entry.numbers and key and fuzz.ratio(key, entry.key) >= NEAR_COPY:
                score = max(score, 1.0)
            root = self.root(entry.story)
            # Joining an item joins its story: the story's figures must agree too.
            if _clash(numbers, entry.numbers) or _clash(numbers, self._stories[root].numbers):
                score *= NUMBER_CLASH
            if explainer != entry.explainer:
                score *= EXPLAINER
            if reaction != entry.reaction:
                score *= REACTION
            score *= self._fade(gap)
            if score > best:
                best, best_story = score, root
        for story in {self.root(self._entries[seq].story) for seq in top}:
            known = self._stories[story]
            if known.size < 2 or known.norm2 <= 0:
                continue
            scale = 1.0 / math.sqrt(known.norm2)
            score = self._story_score(known, scale, weights, numbers, at, explainer, reaction)
            if score > best:
                best, best_story = score, story
        return best_story

    def _story_score(
        self,
        known: _Story,
        scale: float,  # 1 / the centroid's length
        weights: dict[str, float],
        numbers: Set[str],
        at: float,
        explainer: bool,
        reaction: bool,
    ) -> float:
        """How well an item fits a story of two or more items, as a whole."""
        gap = min(abs(at - known.first), abs(at - known.last))
        if gap > self.window.total_seconds():
            return 0.0
        score = _dot(weights, known.centroid) * scale * self._fade(gap)
        if _clash(numbers, known.numbers):
            score *= NUMBER_CLASH
        if explainer != (2 * known.explainers > known.size):
            score *= EXPLAINER
        if reaction != (2 * known.reactions > known.size):
            score *= REACTION
        return score * CENTROID_BOOST

    def _merge_into_earlier(self, story: StoryId, at: float) -> None:
        """Merge `story` with the open story most like it, if alike enough."""
        known = self._stories[story]
        if known.size < 2 or known.norm2 <= 0:
            return
        span = self.window.total_seconds()
        scale = 1.0 / math.sqrt(known.norm2)
        unit = {f: w * scale for f, w in known.centroid.items()}
        top = sorted(unit, key=unit.__getitem__, reverse=True)[:12]
        best, partner = MERGE, None
        absorb: list[StoryId] = []
        near = self._candidates({f: unit[f] for f in top})
        for other_id in {self.root(self._entries[seq].story) for seq in near}:
            if other_id == story:
                continue
            other = self._stories[other_id]
            if other.size == 1 and other.seed in self._entries:
                e = self._entries[other.seed]
                alone = self._story_score(
                    known, scale, e.weights, e.numbers, e.at, e.explainer, e.reaction
                )
                if alone > THRESHOLD * ABSORB:
                    absorb.append(other_id)
                continue
            if other.norm2 <= 0 or abs(other.last - at) > span:
                continue
            score = _dot(unit, other.centroid) / math.sqrt(other.norm2)
            score *= self._fade(abs(other.first - known.first)) ** MERGE_FADE
            if _clash(known.numbers, other.numbers):
                score *= NUMBER_CLASH
            if score > best:
                best, partner = score, other_id
        for single in absorb:
            self._join(self.root(story), single)
        if partner is not None:
            self._join(self.root(story), partner)

    def _join(self, story: StoryId, other_id: StoryId) -> None:
        """Merge two open stories into the earlier one."""
        known, other = self._stories[story], self._stories[other_id]
        keep, gone = (other_id, story) if other.first <= known.first else (story, other_id)
        a, b = self._stories[keep], self._stories.pop(gone)
        a.norm2 += 2 * _dot(a.centroid, b.centroid) + b.norm2
        for f, w in b.centroid.items():
            a.centroid[f] = a.centroid.get(f, 0.0) + w
        if len(a.centroid) > 2 * CENTROID_FEATURES:
            _prune(a)
        a.size += b.size
        a.first, a.last = min(a.first, b.first), max(a.last, b.last)
        a.numbers.update(b.numbers)
        a.reactions += b.reactions
        a.explainers += b.explainers
        self._merged[gone] = keep

    def forget_before(self, when: datetime) -> None:
        """Drop items older than `when` (keeps memory bounded; their stories close)."""
        cutoff = when.timestamp()
        dead = [seq for seq, entry in self._entries.items() if entry.at < cutoff]
        if not dead:
            return
        touched: set[str] = set()
        for seq in dead:
            touched.update(self._entries.pop(seq).weights)
        gone = set(dead)
        for f in touched:
            kept = {seq: w for seq, w in self._postings[f].items() if seq not in gone}
            if kept:
                self._postings[f] = kept
            else:
                del self._postings[f]
        for story in [s for s, known in self._stories.items() if known.last < cutoff]:
            del self._stories[story]
