"""Plain-text lines the CLI prints; shared so every command speaks the same way."""

from __future__ import annotations

from datetime import datetime

from briefer.clock import utcnow
from briefer.models import FeedOutcome, FetchStatus

STATUS_WORDS = {
    FetchStatus.OK: "ok",
    FetchStatus.NOT_MODIFIED: "unchanged",
    FetchStatus.DEFERRED: "deferred",
    FetchStatus.GONE: "gone",
    FetchStatus.ERROR: "error",
}


def outcome_line(o: FeedOutcome) -> str:
    word = STATUS_WORDS[o.status]
    if o.status is FetchStatus.OK:
        detail = f"{o.new_items} new, {o.updated_items} updated, {o.new_matches} new matches"
        if o.warning:
            detail += f" (feed is malformed but readable: {o.warning})"
    elif o.status is FetchStatus.NOT_MODIFIED:
        detail = "no changes"
    else:
        detail = o.error or ""
    return f"{word:<9} {o.title}  {detail}".rstrip()


def age(when: datetime, now: datetime | None = None) -> str:
    seconds = ((now or utcnow()) - when).total_seconds()
    if seconds < 0:
        seconds = -seconds
        suffix = "from now"
    else:
        suffix = "ago"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{int(seconds // size)}{unit} {suffix}"
    return "just now"


def size(n: int) -> str:
    """Bytes as people read them: "812 KB", "1.4 GB"."""
    value = float(n)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{int(value)} {unit}" if unit in ("bytes", "KB") else f"{value:.1f} {unit}"
        value /= 1000
    raise AssertionError("unreachable")
