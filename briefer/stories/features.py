"""An item's text as weighted features for comparing headlines across outlets and languages.

A feature is one of:
- a glossary concept ("~tariff" for "arancel", "tariffs", "aranceles"),
- a content word, folded and cut to its first PREFIX letters, so inflections and most
  English/Spanish cognates meet ("extraditado"/"extradited" -> "extrad"),
- a number as written in either language ("#48%" for "48%", "48 por ciento", "48 percent";
  "#1.5" for "$1.5bn"), which names events better than words do.
Stop words, the outlet suffix and the summary's copy of the title are left out. Weights
here are per item; the index multiplies them by how rare each feature is.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from briefer.stories.glossary import concept, phrase_concepts
from briefer.stories.item import StoryItem
from briefer.textfold import STOPWORDS, fold, language, token_pattern

__all__ = ["PREFIX", "Features", "features", "title_key"]

PREFIX = 6  # letters kept of a long word: enough to tell words apart, few enough for cognates
NUMBER_WEIGHT = 1.5  # a shared figure says more than a shared word
SUMMARY_WEIGHT = 0.4  # summary words count, less than the headline's
_SUMMARY_CHARS = 400

_NUMBER = re.compile(
    r"(?<![\w.,])\$?(\d{1,3}(?:[.,]\d{3})+|\d+(?:[.,]\d+)?)"
    r"(\s*(?:%|por\s*ciento|percent\b|per\s*cent\b|pct\b))?",
    re.IGNORECASE,
)

_DIGIT = re.compile(r"\d")


# Headlines that explain or question rather than report ("¿Qué es el T-MEC?", "What to know
# about ...", "Análisis: ..."): an explainer or column is its own story, even when it uses
# the event's words.
_EXPLAINER = re.compile(
    r"^(?:[^:¿?]{1,45}:\s*)?(?:¿|qu[eé] es\b|what (?:is|to know|we know)\b|how\b|c[oó]mo\b|"
    r"por qu[eé]\b|why\b|opini[oó]n\b|an[aá]lisis\b|analysis\b|column\b|explainer\b|"
    r"who (?:is|are)\b|qui[eé]n(?:es)? (?:es|son)\b|historia\b|history\b|perfil\b|profile\b|"
    r"claves\b|lo que sabemos\b)",
    re.IGNORECASE,
)


# Concepts of a headline that answers another actor's act ("X responds to", "X welcomes"):
# a reaction is its own story unless the headline is mainly the event (STORIES.md).
REACTIONS = frozenset({"~respond", "~welcome"})
# Rejecting or denying is a reaction when what is rejected is someone's words ("rechaza
# acusaciones"); rejecting an act of one's own ("rechaza renovar") reports the act.
_REBUTTALS = frozenset({"~reject"})
_WORDS_OF_OTHERS = frozenset({"~accuse", "~statement"})


class Features(NamedTuple):  # a tuple: a poll's workers send one an item (store/prepared)
    weights: dict[str, float]  # feature -> weight within this item
    key: str  # the folded title, for comparing near-identical headlines
    explainer: bool = False  # explains or asks rather than reports
    reaction: bool = False  # answers or welcomes another's act (see REACTIONS)


def _number(digits: str, percent: bool) -> str:
    # "1,500" and "1.500" are one thousand five hundred; "1.5" and "1,5" one and a half.
    if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", digits):
        digits = re.sub(r"[.,]", "", digits)
    else:
        digits = digits.replace(",", ".")
    return "#" + digits + ("%" if percent else "")


def _words(text: str, lang: str) -> list[str]:
    """Features of one text, in order, repeated features included."""
    out = []
    if _DIGIT.search(text):  # most headlines have no figure: spare _NUMBER's two passes
        out = [_number(m.group(1), bool(m.group(2))) for m in _NUMBER.finditer(text)]
        text = _NUMBER.sub(" ", text)
    if sum(map(str.isupper, text)) > 0.6 * sum(map(str.isalpha, text)):
        text = text.lower()  # a headline in capitals: its words are no acronyms
    folded: list[tuple[str, str]] = []
    tokens = token_pattern(text).findall(text)
    last = len(tokens) - 1
    for n, original in enumerate(tokens):
        seen = _TOKENS.get(original)
        if seen is None:
            seen = _token(original)
        word, kept, declines = seen
        if declines and n < last and tokens[n + 1].lower() == "to":
            out.append("~reject")  # "declines to renew" refuses; "a decline in" falls
            continue
        if kept:
            folded.append((word, original))
    plain = [w for w, _ in folded]
    in_phrase: set[int] = set()
    for i, name in phrase_concepts(plain):
        out.append("~" + name)
        in_phrase.update((i, i + 1))
    by_word = _FEATURE.get(lang)
    if by_word is None or len(by_word) > _CACHE_LIMIT:
        by_word = _FEATURE[lang] = {}
    for i, (word, original) in enumerate(folded):
        if i in in_phrase:
            continue
        feature = by_word.get(original)
        if feature is None:
            feature = by_word[original] = _feature(word, original, lang)
        if feature:
            out.append(feature)
    return out


_DECLINE = frozenset({"decline", "declines", "declined", "declining"})

# language -> word as written -> feature, remembered: headlines repeat their words, and
# the glossary's prefix look-up is most of the cost of reading one. (A feature depends on
# the word as written only through its folded form, and its case when short.)
_FEATURE: dict[str, dict[str, str]] = {}
_FOLDED: dict[str, str] = {}
# word as written -> (folded, kept as a feature, a form of "decline")
_TOKENS: dict[str, tuple[str, bool, bool]] = {}
_CACHE_LIMIT = 200_000


def _token(original: str) -> tuple[str, bool, bool]:
    word = _folded(original)
    acronym = original.replace(".", "").isupper()
    dropped = (
        (word in STOPWORDS and not acronym) or len(word) < 2 or (len(word) < 3 and not acronym)
    )
    if len(_TOKENS) > _CACHE_LIMIT:
        _TOKENS.clear()
    seen = _TOKENS[original] = (word, not dropped, word in _DECLINE)
    return seen


def _feature(word: str, original: str, lang: str) -> str:
    name = concept(word, original, lang)
    if name:
        return "~" + name
    if word in ("us", "un", "eu"):
        return ""  # lower-case pronoun or article, not an acronym
    return word[:PREFIX] if word.isalpha() else word


def _reacts(words: list[str]) -> bool:
    """The headline answers another actor's act or words."""
    if not REACTIONS.isdisjoint(words):
        return True
    return not _REBUTTALS.isdisjoint(words) and not _WORDS_OF_OTHERS.isdisjoint(words)


def _folded(word: str) -> str:
    found = _FOLDED.get(word)
    if found is None:
        if len(_FOLDED) > _CACHE_LIMIT:
            _FOLDED.clear()
        found = _FOLDED[word] = fold(word)
    return found


def title_key(title: str) -> str:
    """Folded words of a title, for near-identical comparison."""
    words = token_pattern(title).findall(title)
    return " ".join([_FOLDED.get(word) or _folded(word) for word in words])


def _key_starts(text: str, prefix: str) -> bool:
    """title_key(text).startswith(prefix), folding only the words that takes."""
    parts = []
    size = -1  # of the parts joined by spaces
    for found in token_pattern(text).finditer(text):
        word = found.group()
        part = _FOLDED.get(word) or _folded(word)  # the look-up in-line: a hot loop
        parts.append(part)
        size += len(part) + 1
        if size >= len(prefix):
            break
    return " ".join(parts).startswith(prefix)


def features(item: StoryItem) -> Features:
    lang = item.lang or language(item.title)
    weights: dict[str, float] = {}
    title_words = _words(item.title, lang)
    for word in title_words:
        weights[word] = NUMBER_WEIGHT if word.startswith("#") else 1.0
    key = title_key(item.title)
    summary = item.summary[:_SUMMARY_CHARS]
    # Aggregators repeat the title as the summary: only a summary of its own adds words.
    if summary and not _key_starts(summary, key[:40]):
        for word in _words(summary, lang):
            weights.setdefault(word, SUMMARY_WEIGHT)
    return Features(
        weights,
        key,
        bool(_EXPLAINER.match(item.title.strip())),
        _reacts(title_words),
    )
