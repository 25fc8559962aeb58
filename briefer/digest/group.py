"""Near-duplicate headlines within one issue's matches, merged into one digest entry.

Deliberately strict and title-only: merging two different stories hides one of them, while
missing a merge only shows a headline twice.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Sequence

from rapidfuzz import fuzz

SAME_STORY = 88  # rapidfuzz token_sort_ratio on normalised titles, 0-100
MIN_SHARED_WORDS = 3  # two titles must share this many content words to be one story
SUBSET_MIN_WORDS = 5  # a cut-short headline counts as the same story from this many words
SUBSET_SHARE = 0.6  # ... if it keeps at least this share of the longer one's words

_STOPWORDS = frozenset(
    """a an and are as at be by for from has have in is it its of on or says said that the
    to was were will with after over new amid into about than this
    al con de del el en es la las lo los para por que se su sus un una y o como mas más ante
    tras sobre entre""".split()
)
# "Headline - Publisher" / "Headline | Publisher": aggregators append the outlet's name.
_PUBLISHER_SUFFIX = re.compile(r"\s+[-–—|]\s+[^-–—|]{2,60}$")
_NON_WORD = re.compile(r"[^\w%]+")
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def normalise_title(title: str) -> str:
    """Case- and accent-folded content words, without an aggregator's " - Publisher" tail."""
    stripped = _PUBLISHER_SUFFIX.sub("", title)
    if len(stripped.split()) >= 4:
        title = stripped
    folded = title.casefold()
    if not folded.isascii():
        folded = _COMBINING.sub("", unicodedata.normalize("NFKD", folded))
    words = [w for w in _NON_WORD.split(folded) if w and w not in _STOPWORDS]
    return " ".join(words)


def same_story(a: str, b: str, a_words: set[str], b_words: set[str]) -> bool:
    """Near-identical normalised titles: the same headline, lightly edited or truncated.

    Deliberately strict: merging two different stories hides one of them, while missing a
    merge only shows a headline twice. "Tariffs on Mexican imports" and "Tariffs on Canadian
    imports" stay apart.
    """
    shared = len(a_words & b_words)
    if shared < MIN_SHARED_WORDS:
        return False
    if fuzz.token_sort_ratio(a, b) >= SAME_STORY:
        return True
    # One headline is the other cut short ("...imports over" vs "...imports over fentanyl").
    short, long = sorted((len(a_words), len(b_words)))
    return shared == short and short >= SUBSET_MIN_WORDS and short >= SUBSET_SHARE * long


def cluster_titles(titles: Sequence[str]) -> list[list[int]]:
    """Group indexes of near-identical titles; `titles` come best first and so do groups.

    Each group is led by its best-ranked title and holds only titles that match the leader
    itself (no chaining: A~B and B~C does not pull C under A). Candidates come from shared
    rare words, so a day of thousands of matches is not compared pair by pair.
    """
    norms = [normalise_title(t) for t in titles]
    word_sets = [set(n.split()) for n in norms]
    postings: dict[str, list[int]] = defaultdict(list)
    for index, words in enumerate(word_sets):
        for word in words:
            postings[word].append(index)
    # Words most titles share ("mexico" in a Mexico watchlist) say nothing about sameness.
    common = max(50, len(titles) // 20)
    identical: dict[str, list[int]] = defaultdict(list)
    for index, norm in enumerate(norms):
        identical[norm].append(index)
    assigned = [False] * len(titles)
    groups: list[list[int]] = []
    for lead, words in enumerate(word_sets):
        if assigned[lead]:
            continue
        group = [i for i in identical[norms[lead]] if not assigned[i]] if words else [lead]
        for i in group:
            assigned[i] = True
        groups.append(group)
        if len(words) < MIN_SHARED_WORDS:
            continue
        candidates: set[int] = set()
        for word in words:
            posting = postings[word]
            if len(posting) <= common:
                candidates.update(o for o in posting if o > lead and not assigned[o])
        for other in sorted(candidates):
            if same_story(norms[lead], norms[other], words, word_sets[other]):
                assigned[other] = True
                group.append(other)
        group[1:] = sorted(group[1:])
    return groups
