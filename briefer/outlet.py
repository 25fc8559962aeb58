"""The real outlet behind an aggregator's item (Google News and the like).

Aggregator feeds name themselves as the source and put the outlet in the item: in a
`<source>` element and as a " - Outlet" suffix on the title. `split_outlet` returns the
title without that suffix and the outlet's name, so coverage can be counted per outlet.
"""

from __future__ import annotations

import re

__all__ = ["split_outlet"]

# " - Outlet" at the end of a title; outlets are short and rarely contain " - " themselves.
_SUFFIX = re.compile(r"\s+[-–—|]\s+([^-–—|]{2,60}?)\s*$")


def split_outlet(title: str, source: str | None = None) -> tuple[str, str]:
    """(title without the outlet suffix, outlet name or "").

    With a `<source>` name, only a suffix naming that source is cut; without one, a
    trailing " - Name" is taken as the outlet only when it looks like a name (short, no
    sentence punctuation), so a headline's own dash clause is left alone.
    """
    source = (source or "").strip()
    match = _SUFFIX.search(title)
    if match is None:
        return title, source
    tail = match.group(1).strip()
    if source:
        if tail.casefold() == source.casefold():
            return title[: match.start()].rstrip(), source
        return title, source
    if len(tail.split()) <= 6 and not re.search(r"[:;?!¿¡,]", tail):
        return title[: match.start()].rstrip(), tail
    return title, ""
