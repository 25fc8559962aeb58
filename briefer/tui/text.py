"""Display strings built from untrusted feed text, as Rich Text objects.

Feed titles and summaries are data, never markup: they go into `Text(...)` and are styled by
character spans, so `[@click=app.quit]` or `[link=file:///...]` in a headline shows literally
and does nothing. Control characters and escape sequences are removed first, so nothing a
feed sends can reach the terminal.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime

from rich.text import Text

from briefer.models import TermHit
from briefer.sanitize import clean_text

_NO_LIMIT = 1_000_000  # display text is capped where it is stored, not here

HIGHLIGHT = "bold reverse"


def clean(text: str, *, one_line: bool = True) -> str:
    """Strip escape sequences and control characters; collapse whitespace for one-liners.

    Stored text was cleaned at parse time; this is the last line of defence before the
    terminal, with the same rules (briefer.sanitize), for rows that came from elsewhere.
    """
    return clean_text(text, _NO_LIMIT, html=False, multiline=not one_line)


def highlighted(
    text: str, hits: Iterable[TermHit], field: str, *, style: str = "", one_line: bool = True
) -> Text:
    """`text` with every span of `hits` in `field` styled, the rest left as plain text.

    Spans index the stored text; cleaning may only shorten it, so spans are re-found by
    their own matched characters when the clean text differs from the stored one.
    """
    shown = clean(text, one_line=one_line)
    result = Text(shown, style=style, no_wrap=False)
    for hit in hits:
        for span in hit.spans:
            if span.field != field or span.end <= span.start:
                continue
            start, end = span.start, span.end
            if shown != text:
                fragment = clean(text[start:end])
                start = shown.find(fragment) if fragment else -1
                if start < 0:
                    continue
                end = start + len(fragment)
            result.stylize(HIGHLIGHT, max(0, start), min(len(shown), end))
    return result


def age(when: datetime, now: datetime) -> str:
    """A short age like "5m", "3h", "2d"; "now" under a minute and for future dates."""
    seconds = (now - when).total_seconds()
    if seconds < 60:
        return "now"
    if seconds < 3600:
        return f"{int(seconds // 60)}m"
    if seconds < 86400:
        return f"{int(seconds // 3600)}h"
    if seconds < 86400 * 60:
        return f"{int(seconds // 86400)}d"
    return when.strftime("%Y-%m-%d")


WHEN_WIDTH = 8  # the longest `short_when`: "Mar 2025"
RECENT_DAYS = 7


def short_when(when: datetime, now: datetime) -> str:
    """A date for a narrow column, at most WHEN_WIDTH characters: "5m", "3h" and "2d"
    for the last week, then "12 Mar" this year and "Mar 2025" before."""
    if (now - when).total_seconds() < 86400 * RECENT_DAYS:
        return age(when, now)
    if when.year == now.year:
        return f"{when.day} {when:%b}"
    return f"{when:%b %Y}"


def short_title(title: str) -> str:
    """An issue's title cut to its lead words, for a list naming several issues a row:
    "Fentanyl, cartels and security cooperation" -> "Fentanyl", "USMCA 2026 review" ->
    "USMCA 2026"."""
    lead = re.split(r",| and | y ", title, maxsplit=1)[0]
    return " ".join(lead.split()[:2]) or title


def fit_list(words: Sequence[str], width: int) -> str:
    """As many of `words` as fit in `width`, comma-separated, then how many are left out:
    "crimen organizado, DEA +2", never a list cut after its comma."""
    for shown in range(len(words), 0, -1):
        more = f" +{len(words) - shown}" if shown < len(words) else ""
        text = ", ".join(words[:shown]) + more
        if len(text) <= width:
            return text
    more = f" +{len(words) - 1}" if len(words) > 1 else ""
    return words[0][: max(1, width - len(more) - 1)] + "…" + more if words else ""


def ago(when: datetime, now: datetime) -> str | None:
    """ "just now", "5m ago", "2d ago"; None past the point where `age` gives a date, so
    no one reads "2025-11-22 ago"."""
    since = age(when, now)
    if since == "now":
        return "just now"
    return None if "-" in since else f"{since} ago"


def ago_or_date(when: datetime, now: datetime) -> str:
    """ "5m ago", or "on 2025-11-22" once that reads better."""
    return ago(when, now) or f"on {when:%Y-%m-%d}"
