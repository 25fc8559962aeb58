"""Matching: which watched issues an item is about, how sure we are, and why.

How an item is read
- Text is cut into word tokens. "T-MEC", "EE.UU." and "U.S." stay one token each (short
  pieces joined by "-" or "."); otherwise "-" and "." separate words, so "cartel-linked"
  still contains "cartel". Tokens are compared case- and accent-folded.
- A term token matches a text token that is equal (100), an inflection of it (95:
  plural and gender endings such as cártel/cárteles, arancel/aranceles,
  mexicano/mexicanos), or, for words of seven or more letters, one typo
  (a letter added, dropped, changed or two swapped, but not the first letter:
  fentanil/fentanyl, scored by rapidfuzz's ratio, 85-95). Words (names, acronyms) match
  only equal tokens, and a short all-capital term (ICE, DEA, EU) only an all-capital token,
  so ICE never matches "police" or "ice". A phrase matches consecutive tokens.
- Weak terms count only when the item also has a term from each context list their rule
  names; exclusions rule the issue out. A term ending in "@es" or "@en" counts only in
  items in that language (told by their function words): Spanish "EU" is the United
  States, English "EU" the European Union. The issue's score combines its terms' scores
  (noisy-or: two independent pieces of evidence are stronger than either), weak terms
  discounted; the item matches at or above the issue's threshold.

How a batch is read (match_many)
Per-item x per-term fuzzy matching is far too slow for a feed backlog. Instead the batch is
split on whitespace into chunks, the chunks never seen before are tokenised and their
tokens matched against every term token once (rapidfuzz, over the whole new vocabulary),
and the result is cached per chunk. Items then cost a couple of set operations; only items
holding a chunk that can start a term hit are resolved in detail, and those by their shape
(their chunks, with the ones holding no term token blanked out), whose outcome is worked
out once and kept. `match` is `match_many` of one item, so the two paths cannot disagree.

Over 500 lines because the term tables, the batch engine and the explanations are one
piece: split apart, the fast path and the explained path could drift.
"""

from __future__ import annotations

import gc
import itertools
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import accumulate

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from briefer.models import Match, Span, TermHit
from briefer.textfold import LANGUAGES as LANGUAGES
from briefer.textfold import STEM_MIN_LEN as STEM_MIN_LEN
from briefer.textfold import TOKEN as TOKEN
from briefer.textfold import fold as fold
from briefer.textfold import language as language
from briefer.textfold import stem as stem
from briefer.textfold import tokens as tokens
from briefer.watchlist import Issue

INFLECTED = 95.0  # score of an inflected form (plural, gender)
TYPO_MIN_LEN = 7  # shorter words are too easily another word with one letter changed
WEAK_WEIGHT = 0.9  # a weak term alone scores 90 (exact) or 85.5 (inflected)
CASE_MAX_LEN = 4  # all-capital terms up to this many letters match only capitals
# What the caches may hold before they start over (about 20 MB each at most; a long-running
# poller reaches that after hundreds of thousands of items, and relearning is quick).
_CHUNK_LIMIT = 100_000
_SHAPE_LIMIT = 20_000
_SPAN_LIMIT = 100_000


def split_lang(term: str) -> tuple[str, str]:
    """'EU@es' -> ('EU', 'es'): a term that counts only in Spanish-language items."""
    for lang in LANGUAGES:
        if term.endswith("@" + lang):
            return term[: -len(lang) - 1].rstrip(), lang
    return term, ""


# -- compiled watchlists -------------------------------------------------------------------

# Roles a term plays in its issue.
STRONG, WEAK, CONTEXT, EXCLUDE = "strong", "weak", "context", "exclude"


@dataclass(frozen=True, slots=True)
class _Slot:
    """One token position of a term."""

    tid: int  # index into Matcher._term_tokens
    least: float  # lowest similarity accepted: 100 for names and acronyms, no typos in context
    upper: bool  # the text token must be written in capitals


@dataclass(frozen=True, slots=True)
class _Term:
    issue: int  # index into Matcher.issues
    role: str
    kind: str  # TermHit.kind: "phrase", "word", "weak" or "context"
    text: str  # as written in the watchlist
    slots: tuple[_Slot, ...]
    number: int  # index into Matcher._terms
    group: str = ""  # the context list a CONTEXT term belongs to
    rule: int = -1  # the [[weak]] rule a WEAK term belongs to
    lang: str = ""  # "es" or "en": counts only in items in that language


# A chunk (a whitespace-free run of text) as its tokens: (start, end, upper, matches) each,
# offsets within the chunk, matches mapping term token ids to similarity.
_Piece = tuple[int, int, bool, dict[int, float]]
_ChunkTokens = tuple[_Piece, ...]
# Where a term matched before offsets are known: (field, chunk, piece, last chunk, last piece).
_Place = tuple[int, int, int, int, int]
_FIELDS = ("title", "summary")


class Matcher:
    """Scores text against issues; reusable and cheap to call repeatedly (it caches)."""

    def __init__(self, issues: Sequence[Issue]) -> None:
        self.issues = list(issues)
        self._term_tokens: list[str] = []  # folded
        self._tid: dict[str, int] = {}
        self._by_stem: dict[str, list[int]] = {}
        self._terms: list[_Term] = []
        # first-slot tid -> terms: the terms that make matches, and those that only gate them
        self._starts: dict[int, list[_Term]] = {}
        self._gate_starts: dict[int, list[_Term]] = {}
        for index, issue in enumerate(self.issues):
            self._compile_issue(index, issue)
        self._anchor_tids = self._anchors()
        self._typo_tids = [
            tid for tid, tok in enumerate(self._term_tokens) if len(tok) >= TYPO_MIN_LEN
        ]
        self._chunks: dict[str, _ChunkTokens | None] = {}
        self._blanked: dict[str, str] = {}  # chunk -> itself, or "" if it holds no term token
        self._shapes: dict[tuple[tuple[str, ...], tuple[str, ...]], _Shape] = {}
        self._anchor_chunks: set[str] = set()  # chunks holding a token that can start a hit
        self._token_matches: dict[str, dict[int, float]] = {}
        self._made: dict[tuple[str, int, int], Span] = {}  # (field, start, end) -> Span
        self._lock = threading.Lock()

    # -- building ----------------------------------------------------------------------------

    def _compile_issue(self, index: int, issue: Issue) -> None:
        seen: set[tuple[str, tuple[str, ...], str, int, str]] = set()

        def add(text: str, role: str, kind: str, *, words: bool, group: str = "", rule: int = -1):
            text, lang = split_lang(text)
            # Context decides whether weak terms count, so a typo must not open that gate.
            least = INFLECTED if role == CONTEXT else 0.0
            slots = []
            for _, _, original in tokens(text):
                folded = fold(original)
                letters = sum(ch.isalpha() for ch in original)
                upper = original.isupper() and 2 <= letters <= CASE_MAX_LEN
                exact = words or upper
                slots.append(_Slot(self._token_id(folded), 100.0 if exact else least, upper))
            key = (role, tuple(self._term_tokens[s.tid] for s in slots), group, rule, lang)
            if not slots or key in seen:  # "cartel" and "cártel" are one term
                return
            seen.add(key)
            term = _Term(index, role, kind, text, tuple(slots), len(self._terms), group, rule, lang)
            self._terms.append(term)
            starts = self._starts if role in (STRONG, WEAK) else self._gate_starts
            starts.setdefault(slots[0].tid, []).append(term)

        for text in issue.phrases:
            add(text, STRONG, "phrase", words=False)
        for text in issue.words:
            add(text, STRONG, "word", words=True)
        for number, weak_rule in enumerate(issue.weak):
            for text in weak_rule.terms:
                add(text, WEAK, "weak", words=False, rule=number)
        for group in issue.context:
            for text in group.terms:
                add(text, CONTEXT, "context", words=False, group=group.name)
        for text in issue.exclude:
            add(text, EXCLUDE, "exclude", words=False)

    def _anchors(self) -> frozenset[int]:
        """One token per matching term that any hit of the term must contain.

        Items with none of them are skipped without a closer look, so each term's anchor is
        its most telling token: not a short word, not a word that also serves as context
        (México, Estados Unidos), else the longest ("cártel", not "Sinaloa").
        """
        common = {
            stem(self._term_tokens[slot.tid])
            for term in self._terms
            if term.role == CONTEXT
            for slot in term.slots
        }

        def rank(slot: _Slot) -> tuple[bool, bool, int]:
            token = self._term_tokens[slot.tid]
            return (len(token) < 4, stem(token) in common, -len(token))

        return frozenset(
            min(term.slots, key=rank).tid for term in self._terms if term.role in (STRONG, WEAK)
        )

    def _token_id(self, folded: str) -> int:
        tid = self._tid.get(folded)
        if tid is None:
            tid = self._tid[folded] = len(self._term_tokens)
            self._term_tokens.append(folded)
            self._by_stem.setdefault(stem(folded), []).append(tid)
        return tid

    # -- vocabulary ----------------------------------------------------------------------------

    def _learn_tokens(self, new: Iterable[str]) -> None:
        """Match never-seen folded tokens against every term token, once."""
        found: dict[str, dict[int, float]] = {}
        long_tokens = []
        for tok in new:
            hits: dict[int, float] = {}
            tid = self._tid.get(tok)
            if tid is not None:
                hits[tid] = 100.0
            for tid in self._by_stem.get(stem(tok), ()):
                hits.setdefault(tid, INFLECTED)
            found[tok] = hits
            if len(tok) >= TYPO_MIN_LEN:
                long_tokens.append(tok)
        if long_tokens and self._typo_tids:
            self._learn_typos(long_tokens, found)
        self._token_matches.update(found)

    def _learn_typos(self, long_tokens: list[str], found: dict[str, dict[int, float]]) -> None:
        """One typo: a letter added, dropped, changed or two swapped (OSA distance 1), never
        the first letter ("selecciones" is not "elecciones", "reported" not "deported")."""
        term_tokens = [self._term_tokens[tid] for tid in self._typo_tids]

        def note(tok: str, term_token: str, tid: int) -> None:
            if tok[0] == term_token[0] and tid not in found[tok]:
                found[tok][tid] = fuzz.ratio(tok, term_token)

        # Loop over whichever side is shorter; the distance is symmetric, so a single
        # match() call and a batch find the same typos.
        if len(long_tokens) < len(term_tokens):
            for tok in long_tokens:
                for term_token, _, index in process.extract(
                    tok, term_tokens, scorer=OSA.distance, score_cutoff=1, limit=None
                ):
                    note(tok, term_token, self._typo_tids[index])
        else:
            for tid, term_token in zip(self._typo_tids, term_tokens, strict=True):
                for tok, _, _ in process.extract(
                    term_token, long_tokens, scorer=OSA.distance, score_cutoff=1, limit=None
                ):
                    note(tok, term_token, tid)

    def _learn_chunks(self, new_chunks: set[str]) -> None:
        # Most chunks are one plain word or number: no need for the tokenising regex.
        split = {
            chunk: [(0, len(chunk), chunk)] if chunk.isalnum() else tokens(chunk)
            for chunk in new_chunks
        }
        folded = {original: fold(original) for toks in split.values() for _, _, original in toks}
        known = self._token_matches
        unknown = {f for f in folded.values() if f not in known}
        if unknown:
            self._learn_tokens(unknown)
        anchors, chunks, blanked = self._anchor_tids, self._chunks, self._blanked
        for chunk, toks in split.items():
            if not any(known[folded[original]] for _, _, original in toks):
                chunks[chunk] = None
                blanked[chunk] = ""
                continue
            info = tuple(
                (start, end, original.isupper(), known[folded[original]])
                for start, end, original in toks
            )
            chunks[chunk] = info
            blanked[chunk] = chunk
            if any(not anchors.isdisjoint(piece[3]) for piece in info):
                self._anchor_chunks.add(chunk)

    # -- matching ------------------------------------------------------------------------------

    def match(self, title: str, summary: str = "") -> list[Match]:
        """Issues this item is about, best first, each with the terms and spans that matched."""
        return self.match_many([(title, summary)])[0]

    def match_many(
        self, texts: Sequence[tuple[str, str]], *, spans: bool = True
    ) -> list[list[Match]]:
        """`match` for many items at once; the same results, much faster per item.

        spans=False leaves TermHit.spans empty, for callers that need only issues, scores
        and terms (`briefer match --jsonl`): finding spans is a good part of the work.
        """
        # A batch allocates thousands of short-lived lists and tuples, none in cycles; with
        # the cache's many long-lived objects, the cyclic GC would otherwise run full
        # collections over and over (it tripled the time per item).
        paused = gc.isenabled()
        gc.disable()
        try:
            with self._lock:  # the caches are shared by every thread that matches
                return self._match_many(texts, spans)
        finally:
            if paused:
                gc.enable()

    def _match_many(self, texts: Sequence[tuple[str, str]], spans: bool) -> list[list[Match]]:
        splits = [(title.split(), summary.split()) for title, summary in texts]
        vocabulary = set(itertools.chain.from_iterable(itertools.chain.from_iterable(splits)))
        # Forgetting costs only time: everything is relearnt the same way.
        if len(self._chunks) + len(vocabulary) > _CHUNK_LIMIT:
            self._chunks.clear()
            self._blanked.clear()
            self._anchor_chunks.clear()
            self._token_matches.clear()
            self._shapes.clear()
            self._made.clear()
        elif len(self._shapes) > _SHAPE_LIMIT or len(self._made) > _SPAN_LIMIT:
            self._shapes.clear()
            self._made.clear()
        new = vocabulary.difference(self._chunks)
        if new:
            self._learn_chunks(new)
        unrelated = self._anchor_chunks.isdisjoint
        results: list[list[Match]] = [[] for _ in texts]
        for index in [
            index
            for index, (title_chunks, summary_chunks) in enumerate(splits)
            if not (unrelated(title_chunks) and unrelated(summary_chunks))
        ]:
            results[index] = self._resolve(texts[index], splits[index], spans)
        return results

    def _resolve(
        self, fields: tuple[str, str], chunks: tuple[list[str], list[str]], spans: bool
    ) -> list[Match]:
        # What decides an item's matches is its sequence of chunks, with those that hold no
        # term token blanked out: its shape. Headlines share shapes, so a shape's outcome is
        # worked out once; only character spans are found per item.
        blank = self._blanked.__getitem__
        shape = (tuple(map(blank, chunks[0])), tuple(map(blank, chunks[1])))
        known = self._shapes.get(shape)
        if known is None:
            known = self._shapes[shape] = _Shape(self._outcome(shape), shape, self._chunks)
        # The same text as store.prepared asks about, so its answer is remembered.
        lang = language(f"{fields[0]} {fields[1]}") if known.by_language else ""
        variant = known.variants.get(lang)
        if variant is None:
            outcomes = self._outcome(shape, lang)
            assert outcomes is not None
            variant = known.add(lang, outcomes, shape, self._chunks)
        if not variant.plain:
            return []
        if not spans:
            return list(variant.plain)  # Match objects are immutable: items can share them
        return variant.matches(fields, chunks, self._made)

    def _outcome(
        self, shape: tuple[tuple[str, ...], tuple[str, ...]], lang: str | None = None
    ) -> list[_Outcome] | None:
        """Matches for a shape, spans as places in it. None when terms limited to one
        language matched and `lang` is not given: the outcome depends on it."""
        info = self._chunks
        toks = [
            (field, index, number, piece[2], piece[3])
            for field in (0, 1)
            for index, pieces in enumerate([info.get(c) for c in shape[field]])
            if pieces is not None
            for number, piece in enumerate(pieces)
            if piece[3]
        ]
        hits = self._find(toks, shape, self._starts, None)
        if not hits:
            return []
        issues = {self._terms[number].issue for number in hits}
        hits.update(self._find(toks, shape, self._gate_starts, issues))
        if any(self._terms[number].lang for number in hits):
            if lang is None:
                return None
            hits = {n: hit for n, hit in hits.items() if self._terms[n].lang in ("", lang)}
        return self._score(hits)

    def _find(
        self,
        toks: list[tuple[int, int, int, bool, dict[int, float]]],
        chunks: tuple[Sequence[str], Sequence[str]],
        starts: dict[int, list[_Term]],
        issues: set[int] | None,
    ) -> dict[int, tuple[float, list[_Place]]]:
        """term number -> (best similarity, places) for terms in `starts` (of `issues`)."""
        hits: dict[int, tuple[float, list[_Place]]] = {}
        for field, index, number, upper, matches in toks:
            for tid, score in matches.items():
                for term in starts.get(tid, ()):
                    if issues is not None and term.issue not in issues:
                        continue
                    slot = term.slots[0]
                    if score < slot.least or (slot.upper and not upper):
                        continue
                    if len(term.slots) == 1:
                        similarity, last = score, (index, number)
                    else:
                        found = self._follow(term, chunks[field], index, number, score)
                        if found is None:
                            continue
                        similarity, last = found
                    place = (field, index, number, *last)
                    previous = hits.get(term.number)
                    if previous is None:
                        hits[term.number] = (similarity, [place])
                    else:
                        previous[1].append(place)
                        if similarity > previous[0]:
                            hits[term.number] = (similarity, previous[1])
        return hits

    def _follow(
        self, term: _Term, chunks: Sequence[str], index: int, number: int, score: float
    ) -> tuple[float, tuple[int, int]] | None:
        """Do the term's other slots match the tokens right after (chunk, piece)?"""
        info = self._chunks
        pieces = info.get(chunks[index])
        assert pieces is not None
        total = score
        for slot in term.slots[1:]:
            number += 1
            if number == len(pieces):
                # The next token is the first of the next chunk, if that chunk is not just
                # punctuation ("Sheinbaum | México" is not the phrase "Sheinbaum México").
                index += 1
                if index == len(chunks):
                    return None
                pieces = info.get(chunks[index])
                if pieces is None:
                    return None
                number = 0
            _, _, upper, matches = pieces[number]
            found = matches.get(slot.tid)
            if found is None or found < slot.least or (slot.upper and not upper):
                return None
            total += found
        return total / len(term.slots), (index, number)

    def _score(self, hits: dict[int, tuple[float, list[_Place]]]) -> list[_Outcome]:
        per_issue: dict[int, list[_Hit]] = {}
        for number, (score, places) in hits.items():
            term = self._terms[number]
            per_issue.setdefault(term.issue, []).append((term, score, places))
        outcomes: list[_Outcome] = []
        for index in sorted(per_issue):
            issue, found = self.issues[index], per_issue[index]
            if any(term.role == EXCLUDE for term, _, _ in found):
                continue
            groups = {term.group for term, _, _ in found if term.role == CONTEXT}
            counted = [
                hit
                for hit in found
                if hit[0].role == STRONG
                or (hit[0].role == WEAK and groups.issuperset(issue.weak[hit[0].rule].context))
            ]
            if not counted:
                continue
            counted = _distinct(counted)
            miss = 1.0
            for term, score, _ in counted:
                weight = 1.0 if term.role == STRONG else WEAK_WEIGHT
                miss *= 1.0 - weight * score / 100.0
            total = round(100.0 * (1.0 - miss), 1)
            if total < issue.threshold:
                continue
            # Show the context that let weak terms count, and only that.
            used = {
                group
                for term, _, _ in counted
                if term.role == WEAK
                for group in issue.weak[term.rule].context
            }
            context = _distinct(
                [hit for hit in found if hit[0].role == CONTEXT and hit[0].group in used]
            )
            shown = [
                (term.text, term.kind, round(score, 1), places)
                for term, score, places in counted + context
            ]
            outcomes.append((issue.id, total, shown))
        # Best first; equal scores keep the watchlists' order (issues were taken in it).
        outcomes.sort(key=lambda o: -o[1])
        return outcomes


class _Shape:
    """What a shape matches: one variant, or one per item language when terms limited to a
    language matched (variants: language -> _Variant)."""

    __slots__ = ("by_language", "variants")

    def __init__(self, outcomes: list[_Outcome] | None, shape: _ShapeKey, info: _Info) -> None:
        self.by_language = outcomes is None
        self.variants: dict[str, _Variant] = {}
        if outcomes is not None:
            self.add("", outcomes, shape, info)

    def add(self, lang: str, outcomes: list[_Outcome], shape: _ShapeKey, info: _Info) -> _Variant:
        variant = self.variants[lang] = _Variant(outcomes, shape, info)
        return variant


class _Variant:
    """A shape's matches, as span-less Matches and as templates of Matches with spans.

    A template's places are resolved once to offsets within their chunks: places only
    point into chunks holding term tokens, which the shape keeps as they are, so the
    offsets hold for every item of the shape. Per item, only where its chunks start is
    left to find."""

    __slots__ = ("last", "plain", "templates")

    def __init__(self, outcomes: list[_Outcome], shape: _ShapeKey, info: _Info) -> None:
        self.plain = [
            Match(issue_id, total, tuple(TermHit(*hit[:3]) for hit in shown))
            for issue_id, total, shown in outcomes
        ]
        self.last = [-1, -1]  # per field, the last chunk a span reaches into
        self.templates = [
            (issue_id, total, [(*hit[:3], self._places(hit[3], shape, info)) for hit in shown])
            for issue_id, total, shown in outcomes
        ]

    def _places(self, places: list[_Place], shape: _ShapeKey, info: _Info) -> list[_SpanAt]:
        out: list[_SpanAt] = []
        # Places sort like their spans: title first, then by position.
        for field, first, piece, last, end in sorted(set(places)):
            head, tail = info[shape[field][first]], info[shape[field][last]]
            assert head is not None and tail is not None
            out.append((_FIELDS[field], field, first, head[piece][0], last, tail[end][1]))
            self.last[field] = max(self.last[field], last)
        return out

    def matches(
        self,
        fields: tuple[str, str],
        chunks: tuple[list[str], list[str]],
        made: dict[tuple[str, int, int], Span],
    ) -> list[Match]:
        """The Matches with the spans they have in this item; `made` keeps Spans already
        made (they are immutable: items can share them, and making one costs more)."""
        starts = [_starts(fields[f], chunks[f], self.last[f]) for f in (0, 1)]
        out = []
        for issue_id, total, template in self.templates:
            hits = []
            for term, kind, score, places in template:
                spans = []
                for name, field, first, start, last, end in places:
                    at = starts[field]
                    key = (name, at[first] + start, at[last] + end)
                    span = made.get(key)
                    if span is None:
                        span = made[key] = Span(*key)
                    spans.append(span)
                hits.append(TermHit(term, kind, score, tuple(spans)))
            out.append(Match(issue_id, total, tuple(hits)))
        return out


def _starts(text: str, chunks: list[str], last: int) -> list[int]:
    """Where chunks[0..last] start in `text`, which str.split() cut into `chunks`."""
    if last < 0:
        return []
    if len(text) - sum(map(len, chunks)) == len(chunks) - 1:
        # One whitespace character between chunks, none around them (split() leaves at
        # least one between each two): each starts one past the end of the one before.
        return list(accumulate(map(_PLUS_ONE, map(len, chunks[:last])), initial=0))
    starts = []
    pos = 0
    for chunk in chunks[: last + 1]:
        # Each chunk is the text that follows the previous one after some whitespace.
        pos = text.find(chunk, pos)
        starts.append(pos)
        pos += len(chunk)
    return starts


_PLUS_ONE = (1).__add__
_ShapeKey = tuple[tuple[str, ...], tuple[str, ...]]
_Info = dict[str, _ChunkTokens | None]
# A span's place resolved within its chunks: (field name, field, first chunk, start offset in
# it, last chunk, end offset in it).
_SpanAt = tuple[str, int, int, int, int, int]


# (issue id, score, [(term, kind, similarity, places)]): a Match before spans are known.
_Outcome = tuple[str, float, list[tuple[str, str, float, list[_Place]]]]
_Hit = tuple[_Term, float, list[_Place]]


def _distinct(hits: list[_Hit]) -> list[_Hit]:
    """Best hits first, dropping any whose every place overlaps a better hit's: "ICE" inside
    "ICE agents", or "fentanyl" and "fentanilo" both finding "fentanil", is one piece of
    evidence, not two."""
    if len(hits) < 2:
        return hits
    ranked = sorted(hits, key=lambda h: (-h[1], -_width(h[2]), h[0].number))
    kept: list[_Hit] = []
    taken: list[_Place] = []
    for hit in ranked:
        if any(not any(_overlap(place, other) for other in taken) for place in hit[2]):
            kept.append(hit)
            taken.extend(hit[2])
    return kept


def _width(places: list[_Place]) -> int:
    # Tokens covered, counted coarsely: enough to prefer "ICE agents" to "ICE".
    return sum((last - first) * 100 + end - piece + 1 for _, first, piece, last, end in places)


def _overlap(a: _Place, b: _Place) -> bool:
    return a[0] == b[0] and (a[1], a[2]) <= (b[3], b[4]) and (b[1], b[2]) <= (a[3], a[4])
