"""Text folding shared by matching and story grouping: tokens, case and accent folding,
plural/gender endings, the language of a headline, and stop words.

One module so that `match` (watchlist terms) and `stories` (headline similarity) read words
the same way: "Cárteles", "carteles" and "CÁRTEL" are one word to both.
"""

from __future__ import annotations

import functools
import re
import unicodedata

__all__ = [
    "LANGUAGES",
    "STEM_MIN_LEN",
    "STOPWORDS",
    "TOKEN",
    "fold",
    "language",
    "stem",
    "token_pattern",
    "tokens",
]

# Tokens: short pieces joined by "-" or "." (T-MEC, EE.UU., U.S.) are one token, else words.
TOKEN = re.compile(r"(?:[^\W_]{1,3}[.\-](?=[^\W_]))+[^\W_]{1,3}(?![^\W_])\.?|[^\W_]+")
# Without a "." or "-" in the text, TOKEN's first branch cannot match: plain words are its
# tokens, found in half the time (in most headlines).
_WORD = re.compile(r"[^\W_]+")


def token_pattern(text: str) -> re.Pattern[str]:
    """TOKEN, or a simpler pattern that finds the same tokens in `text`."""
    return TOKEN if "." in text or "-" in text else _WORD


STEM_MIN_LEN = 4  # "mina"/"mino" must not be forms of one word
# Spanish plural and gender endings (English plurals are among them). English -ed/-ing are
# left out: stripped, they make "deportes" (sports) a form of "deported".
_SUFFIXES = ("es", "os", "as", "s", "o", "a", "e")


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
    """Strip one plural or gender ending, keeping at least STEM_MIN_LEN letters."""
    for suffix in _SUFFIXES:
        if folded.endswith(suffix) and len(folded) - len(suffix) >= STEM_MIN_LEN:
            return folded[: -len(suffix)]
    return folded


def tokens(text: str) -> list[tuple[int, int, str]]:
    """(start, end, original) for each token of `text`."""
    return [(m.start(), m.end(), m.group()) for m in token_pattern(text).finditer(text)]


# Short words that are frequent in one language and not words in the other.
_FUNCTION_WORDS = {
    "es": frozenset(
        "el la los las del y en con por para que se un una al su sus son tras sobre ante "
        "entre sin como más pero lo le ya desde hasta contra esta este".split()
    ),
    "en": frozenset(
        "the of and to in for on with as by from at is are was its over after says said "
        "will be has have that this into amid against not".split()
    ),
}
LANGUAGES = tuple(_FUNCTION_WORDS)


# An item's language is asked for twice as it is ingested, of the same text (matching terms
# limited to one language, then storing the item): the second time is a look-up.
@functools.lru_cache(maxsize=256)
def language(text: str) -> str:
    """'es', 'en', or '' when the text does not tell (too short, or a tie)."""
    words = set(text.casefold().split())
    counts = {lang: len(common & words) for lang, common in _FUNCTION_WORDS.items()}
    best = max(counts, key=lambda lang: counts[lang])
    if list(counts.values()).count(counts[best]) > 1:
        return ""
    return best


# Folded words that say nothing about which event a headline reports, in either language:
# articles, prepositions, pronouns, auxiliaries and reporting verbs.
STOPWORDS = frozenset(
    """
    a an and are as at be been being but by can could did do does for from had has have he
    her his how i if in into is it its may might more most must no not of off on or our out
    over she should so than that the their them then there these they this those to too up
    us was we were what when where which while who whom why will with would you your after
    before about above below amid against between during under again also just only very
    says said say saying told tells according report reports reported new now via
    al algo ante antes aqui asi aun bajo cada como con contra cual cuales cuando de del desde
    donde dos durante e el ella ellas ellos en entre era es esa esas ese eso esos esta estan
    estas este esto estos fue fueron ha han hasta hay la las le les lo los mas me mi mientras
    muy ni no nos o otra otras otro otros para pero por porque que quien se sea segun ser si
    sin sobre son su sus tambien tan tras u un una unas uno unos y ya dice dicen dijo
    afirma asegura senala informa revela
    """.split()
)
