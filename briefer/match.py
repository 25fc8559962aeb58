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
holding a chunk that can start a term hit are resolved in detail. `match` is `match_many`
of one item, so the two paths cannot disagree.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from briefer.models import Match, Span, TermHit
from briefer.watchlist import Issue

# Tokens: short pieces joined by "-" or "." (T-MEC, EE.UU., U.S.) are one token, else words.
TOKEN = re.compile(r"(?:[^\W_]{1,3}[.\-](?=[^\W_]))+[^\W_]{1,3}(?![^\W_])\.?|[^\W_]+")

INFLECTED = 95.0  # score of an inflected form (plural, gender, -ed/-ing)
TYPO_MIN_LEN = 7  # shorter words are too easily another word with one letter changed
STEM_MIN_LEN = 4  # "mina"/"mino" must not be forms of one word
WEAK_WEIGHT = 0.9  # a weak term alone scores 90 (exact) or 85.5 (inflected)
CASE_MAX_LEN = 4  # all-capital terms up to this many letters match only capitals
# Spanish plural and gender endings (English plurals are among them). English -ed/-ing are
# left out: stripped, they make "deportes" (sports) a form of "deported".
_SUFFIXES = ("es", "os", "as", "s", "o", "a", "e")
_CACHE_LIMIT = 500_000  # chunks remembered between batches before the cache starts over


def fold(token: str) -> str:
    """Lower-case, accent-free form of one token ("Cárteles" -> "carteles", "T-MEC" -> "tmec")."""
    if "." in token or "-" in token:
        token = token.replace(".", "").replace("-", "")
    token = token.casefold()
    if token.isascii():
        return token
    decomposed = unicodedata.normalize("NFKD", token)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def stem(folded: str) -> str:
    """Strip one plural/gender/verb ending, keeping at least STEM_MIN_LEN letters."""
    for suffix in _SUFFIXES:
        if folded.endswith(suffix) and len(folded) - len(suffix) >= STEM_MIN_LEN:
            return folded[: -len(suffix)]
    return folded


def split_lang(term: str) -> tuple[str, str]:
    """'EU@es' -> ('EU', 'es'): a term that counts only in Spanish-language items."""
    for lang in LANGUAGES:
        if term.endswith("@" + lang):
            return term[: -len(lang) - 1].rstrip(), lang
    return term, ""


# Short words that are frequent in one language and not words in the other.
_FUNCTION_WORDS = {
    "es": frozenset(
        "el la los las del y en con por para que se un una al su sus son tras sobre ante "
        "entre sin como mas pero lo le ya desde hasta contra esta este".split()
    ),
    "en": frozenset(
        "the of and to in for on with as by from at is are was its over after says said "
        "will be has have that this into amid against not".split()
    ),
}
LANGUAGES = tuple(_FUNCTION_WORDS)


def language(text: str) -> str:
    """'es', 'en', or '' when the text does not tell (too short, or a tie)."""
    words = [fold(original) for _, _, original in tokens(text)]
    counts = {lang: sum(w in common for w in words) for lang, common in _FUNCTION_WORDS.items()}
    best = max(counts, key=lambda lang: counts[lang])
    if list(counts.values()).count(counts[best]) > 1:
        return ""
    return best


def tokens(text: str) -> list[tuple[int, int, str]]:
    """(start, end, original) for each token of `text`."""
    return [(m.start(), m.end(), m.group()) for m in TOKEN.finditer(text)]


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


@dataclass(slots=True)
class _Tok:
    """A token of an item that matches some term token."""

    field: str
    start: int
    end: int
    upper: bool
    matches: dict[int, float]  # term token id -> similarity
    next: int = -1  # index of the token right after it, if that one is listed too


# A chunk (whitespace-free run of text) as tokens: (start, end, upper, matches) each.
_ChunkTokens = tuple[tuple[int, int, bool, dict[int, float]], ...]


class Matcher:
    """Scores text against issues; reusable and cheap to call repeatedly (it caches)."""

    def __init__(self, issues: Sequence[Issue]) -> None:
        self.issues = list(issues)
        self._term_tokens: list[str] = []  # folded
        self._tid: dict[str, int] = {}
        self._by_stem: dict[str, list[int]] = {}
        self._terms: list[_Term] = []
        self._starts: dict[int, list[_Term]] = {}  # first-slot tid -> terms
        anchors: set[int] = set()
        for index, issue in enumerate(self.issues):
            self._compile_issue(index, issue, anchors)
        self._anchor_tids = frozenset(anchors)
        self._typo_tids = [
            tid for tid, tok in enumerate(self._term_tokens) if len(tok) >= TYPO_MIN_LEN
        ]
        self._chunks: dict[str, _ChunkTokens | None] = {}
        self._anchor_chunks: set[str] = set()  # chunks holding a token that can start a hit
        self._token_matches: dict[str, dict[int, float]] = {}

    # -- building ----------------------------------------------------------------------------

    def _compile_issue(self, index: int, issue: Issue, anchors: set[int]) -> None:
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
            self._starts.setdefault(slots[0].tid, []).append(term)
            if role in (STRONG, WEAK):
                # An item can only match through a term's longest token: items without any
                # such token are skipped without being looked at closely.
                anchors.add(max(slots, key=lambda s: len(self._term_tokens[s.tid])).tid)

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
        if len(self._chunks) + len(new_chunks) > _CACHE_LIMIT:
            self._chunks.clear()
            self._anchor_chunks.clear()
            self._token_matches.clear()
        split = {chunk: tokens(chunk) for chunk in new_chunks}
        folded = {original: fold(original) for toks in split.values() for _, _, original in toks}
        unknown = {f for f in folded.values() if f not in self._token_matches}
        if unknown:
            self._learn_tokens(unknown)
        matches, anchors = self._token_matches, self._anchor_tids
        for chunk, toks in split.items():
            info = tuple(
                (start, end, original.isupper(), matches[folded[original]])
                for start, end, original in toks
            )
            if any(m for *_, m in info):
                self._chunks[chunk] = info
                if any(not anchors.isdisjoint(m) for *_, m in info):
                    self._anchor_chunks.add(chunk)
            else:
                self._chunks[chunk] = None

    # -- matching ------------------------------------------------------------------------------

    def match(self, title: str, summary: str = "") -> list[Match]:
        """Issues this item is about, best first, each with the terms and spans that matched."""
        return self.match_many([(title, summary)])[0]

    def match_many(self, texts: Sequence[tuple[str, str]]) -> list[list[Match]]:
        """`match` for many items at once; the same results, much faster per item."""
        splits = [(title.split(), summary.split()) for title, summary in texts]
        vocabulary = set(itertools.chain.from_iterable(itertools.chain.from_iterable(splits)))
        new = vocabulary.difference(self._chunks)
        if new:
            self._learn_chunks(new)
        anchors = self._anchor_chunks
        results: list[list[Match]] = []
        for (title, summary), (title_chunks, summary_chunks) in zip(texts, splits, strict=True):
            if anchors.isdisjoint(title_chunks) and anchors.isdisjoint(summary_chunks):
                results.append([])
            else:
                results.append(self._resolve(title, summary, title_chunks, summary_chunks))
        return results

    def _item_tokens(self, field: str, text: str, chunks: list[str], out: list[_Tok]) -> None:
        """Append the tokens of one field that match any term token, with their places."""
        info = self._chunks
        first = len(out)
        places: dict[tuple[int, int], int] = {}  # (chunk, token in chunk) -> index in out
        after: list[tuple[int, int]] = []  # where the token right after each one would be
        pos = 0
        for index, chunk in enumerate(chunks):
            pieces = info[chunk]
            if pieces is None:
                continue
            # The next occurrence bounded by whitespace: chunks are what str.split() returns,
            # so that occurrence is this very chunk.
            size = len(chunk)
            at = text.find(chunk, pos)
            while (at > 0 and not text[at - 1].isspace()) or (
                at + size < len(text) and not text[at + size].isspace()
            ):
                at = text.find(chunk, at + 1)
            pos = at + size
            last = len(pieces) - 1
            for number, (start, end, upper, matches) in enumerate(pieces):
                if matches:
                    places[(index, number)] = len(out)
                    after.append((index, number + 1) if number < last else (index + 1, 0))
                    out.append(_Tok(field, at + start, at + end, upper, matches))
        for offset, place in enumerate(after):
            out[first + offset].next = places.get(place, -1)

    def _resolve(
        self, title: str, summary: str, title_chunks: list[str], summary_chunks: list[str]
    ) -> list[Match]:
        toks: list[_Tok] = []
        self._item_tokens("title", title, title_chunks, toks)
        self._item_tokens("summary", summary, summary_chunks, toks)

        # term number -> [best similarity, spans]
        hits: dict[int, tuple[float, list[Span]]] = {}
        starts = self._starts
        for index, tok in enumerate(toks):
            for tid, score in tok.matches.items():
                for term in starts.get(tid, ()):
                    found = _follow(term, toks, index, score)
                    if found is None:
                        continue
                    similarity, last = found
                    span = Span(tok.field, tok.start, toks[last].end)
                    previous = hits.get(term.number)
                    if previous is None:
                        hits[term.number] = (similarity, [span])
                    else:
                        previous[1].append(span)
                        hits[term.number] = (max(previous[0], similarity), previous[1])
        if any(self._terms[number].lang for number in hits):
            lang = language(f"{title}\n{summary}")
            hits = {n: hit for n, hit in hits.items() if self._terms[n].lang in ("", lang)}
        return self._score(hits) if hits else []

    def _score(self, hits: dict[int, tuple[float, list[Span]]]) -> list[Match]:
        per_issue: dict[int, list[_Hit]] = {}
        for number, (score, spans) in hits.items():
            term = self._terms[number]
            per_issue.setdefault(term.issue, []).append((term, score, spans))
        matches: list[Match] = []
        for index in sorted(per_issue):
            issue, found = self.issues[index], per_issue[index]
            if any(term.role == EXCLUDE for term, _, _ in found):
                continue
            groups = {term.group for term, _, _ in found if term.role == CONTEXT}
            counted = _distinct(
                [
                    hit
                    for hit in found
                    if hit[0].role == STRONG
                    or (hit[0].role == WEAK and groups.issuperset(issue.weak[hit[0].rule].context))
                ]
            )
            if not counted:
                continue
            miss = 1.0
            for term, score, _ in counted:
                weight = 1.0 if term.role == STRONG else WEAK_WEIGHT
                miss *= 1.0 - weight * score / 100.0
            total = round(100.0 * (1.0 - miss), 1)
            if total < issue.threshold:
                continue
            # Show the context that let weak terms count, and only that.
            used = {
                g
                for term, _, _ in counted
                if term.role == WEAK
                for g in issue.weak[term.rule].context
            }
            context = _distinct(
                [hit for hit in found if hit[0].role == CONTEXT and hit[0].group in used]
            )
            term_hits = tuple(
                TermHit(term=term.text, kind=term.kind, score=round(score, 1), spans=_spans(spans))
                for term, score, spans in counted + context
            )
            matches.append(Match(issue.id, total, term_hits))
        # Best first; equal scores keep the watchlists' order (matches were built in it).
        matches.sort(key=lambda m: -m.score)
        return matches


_Hit = tuple[_Term, float, list[Span]]


def _distinct(hits: list[_Hit]) -> list[_Hit]:
    """Best hits first, dropping any whose every span overlaps a better hit's span: "ICE"
    inside "ICE agents", or "fentanyl" and "fentanilo" both finding "fentanil", is one piece
    of evidence, not two."""
    ranked = sorted(hits, key=lambda h: (-h[1], -sum(s.end - s.start for s in h[2]), h[0].number))
    kept: list[_Hit] = []
    taken: list[Span] = []
    for hit in ranked:
        if any(not any(_overlap(span, other) for other in taken) for span in hit[2]):
            kept.append(hit)
            taken.extend(hit[2])
    return kept


def _overlap(a: Span, b: Span) -> bool:
    return a.field == b.field and a.start < b.end and b.start < a.end


def _follow(term: _Term, toks: list[_Tok], index: int, score: float) -> tuple[float, int] | None:
    """Does `term` match starting at toks[index]? (mean similarity, index of its last token)"""
    total = 0.0
    slot_score = score
    for position, slot in enumerate(term.slots):
        if position:
            index = toks[index].next
            if index < 0:
                return None
            found = toks[index].matches.get(slot.tid)
            if found is None:
                return None
            slot_score = found
        tok = toks[index]
        if slot_score < slot.least:
            return None
        if slot.upper and not tok.upper:
            return None
        total += slot_score
    return total / len(term.slots), index


def _spans(spans: list[Span]) -> tuple[Span, ...]:
    return tuple(sorted(set(spans), key=lambda s: (s.field != "title", s.start, s.end)))
