"""The real outlet behind an aggregator's item (Google News and the like).

Aggregator feeds name themselves as the source and put the outlet in the item: in a
`<source>` element and as a " - Outlet" suffix on the title. `split_outlet` returns the
title without that suffix and the outlet's name, so coverage can be counted per outlet.
Their summaries are often the headline again with the outlet's name: `echoes_title` tells
such a summary from one that says something of its own.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["echoes_title", "split_outlet"]

# " - Outlet" at the end of a title; outlets are short and rarely contain " - " themselves.
# A hyphen inside a word belongs to the name ("López-Dóriga Digital"); a spaced one does not.
_SUFFIX = re.compile(r"(?:^|\s+)[-–—|]\s+((?:[^-–—|]|(?<=\S)-(?=\S)){2,80}?)\s*$")
# What a headline's own closing clause has and an outlet's name does not.
_SENTENCE = re.compile(r"[:;?!¿¡\"“”«»]")
_DOMAIN = re.compile(r"^[\w-]+(?:\.[\w-]+)*\.[a-z]{2,6}$", re.IGNORECASE)
_MAX_WORDS = 7


_SCHEME = re.compile(r"^(?:https?://)?(?:www\.)?")
_TLDS = ("com", "org", "net", "gob", "gov", "co", "mx", "es", "us", "info", "tv", "news")
_TLD = re.compile(r"(?:\.(?:" + "|".join(_TLDS) + r"))+/?$")
# Also drops the accents NFKD splits off: every combining mark is a non-word character.
_NON_WORD = re.compile(r"[\W_]+")


def _key(name: str) -> str:
    """A name as compared: folded, without "www." or a top-level domain, letters only."""
    name = name.casefold().strip()
    if not name.isascii():
        name = unicodedata.normalize("NFKD", name)
    # The regular expressions are run only where they can match: most names and all
    # summaries neither start with a scheme nor end with a domain.
    if name.startswith(("http", "www.")):
        name = _SCHEME.sub("", name)
    if name.endswith(_TLD_ENDINGS):
        name = _TLD.sub("", name)
    # What _NON_WORD.sub("", name) gives, cheaper where it can be: in ASCII, [\W_] is every
    # character but letters and digits; and when no character outside ASCII is a word
    # character (accents split off, Spanish quotes and dashes), all of them go.
    if name.isascii():
        return name.encode("ascii").translate(None, _ASCII_NON_WORD).decode("ascii")
    if not _WORD_BEYOND_ASCII.search(name):
        return name.encode("ascii", "ignore").translate(None, _ASCII_NON_WORD).decode("ascii")
    return _NON_WORD.sub("", name)


# What a string that _TLD matches ends with (its "$" also matches before a final newline).
_TLD_ENDINGS = tuple(f".{tld}{tail}" for tld in _TLDS for tail in ("", "/", "\n", "/\n"))
_ASCII_NON_WORD = bytes(c for c in range(128) if _NON_WORD.match(chr(c)))
_WORD_BEYOND_ASCII = re.compile(r"[^\W\x00-\x7f]")


def _looks_like_outlet(tail: str) -> bool:
    words = tail.split()
    if not words or len(words) > _MAX_WORDS or _SENTENCE.search(tail):
        return False
    first = tail[0]
    # A headline's lower-case dash clause ("... - y México responde") is no outlet, but
    # "sdpnoticias" and "vanguardia.com.mx" are.
    return first.isupper() or first.isdigit() or len(words) == 1 or bool(_DOMAIN.match(tail))


def split_outlet(title: str, source: str | None = None) -> tuple[str, str]:
    """(title without the outlet suffix, outlet name or "").

    With a `<source>` name, a suffix naming that source is cut (compared folded, so
    "EL PAÍS" and "El País", "Infobae" and "infobae.com" are the same), and the source is
    the outlet even when the title does not end with it. Without one, a trailing " - Name"
    is taken as the outlet only when it looks like a name (short, no sentence punctuation,
    capitalised or a domain), so a headline's own dash clause is left alone. A suffix the
    feed repeated ("... - Wilson Center - Wilson Center") is cut as often as it repeats.
    """
    source = (source or "").strip()
    title = title.strip()
    if source:
        wanted = _key(source)
        cut = _cut_source(title, source, wanted)
        if cut is None:
            return title, source
        while (again := _cut_source(cut, source, wanted)) is not None:
            cut = again
        return cut, source
    match = _SUFFIX.search(title)
    if match is None:
        return title, ""
    tail = match.group(1).strip()
    if not _looks_like_outlet(tail):
        return title, ""
    rest = title[: match.start()].rstrip()
    wanted = _key(tail)
    while (again := _cut_source(rest, tail, wanted)) is not None:
        rest = again
    return rest, tail


def _cut_source(title: str, source: str, wanted: str) -> str | None:
    """`title` without a trailing " - <source>", or None when it does not end so."""
    if not wanted:
        return None
    for sep in (" - ", " – ", " — ", " | "):
        if title.endswith(sep + source):
            return title[: -len(sep + source)].rstrip()
    match = _SUFFIX.search(title)
    if match is not None and _key(match.group(1)) == wanted:
        return title[: match.start()].rstrip()
    return None


def echoes_title(summary: str, title: str, outlet: str = "") -> bool:
    """The summary is only the headline again, perhaps with the outlet's name (Google News
    and other aggregators): showing it adds nothing to the headline beside it."""
    said = _key(summary)
    if not said:
        return False
    headline = _key(title)
    name = _key(outlet)
    if name and said.startswith(name + headline):
        said = said[len(name) :]
    # The outlet may follow once or more: a feed that doubled its title's suffix
    # ("... - Wilson Center - Wilson Center") doubles it in the summary too.
    while name and said != headline and said.endswith(name):
        said = said[: -len(name)]
    return said == headline
