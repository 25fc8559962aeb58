"""The one clock: what "now" is, in UTC.

Code that needs the time takes a `Clock` (default `utcnow`) or a `now` argument, so tests
can fix it; nothing else calls `datetime.now`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

__all__ = ["Clock", "utcnow"]

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)
