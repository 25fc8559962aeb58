"""Writing digests to files: atomically, never overwriting the day's earlier one.

`write_daily_digest` is the one call the scheduler and the TUI make: build, render every
configured format into the digest folder, remember the export.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping, Sequence
from datetime import datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING

from briefer.clock import utcnow
from briefer.digest.build import build_digest
from briefer.digest.model import Digest, HasSummary
from briefer.digest.period import default_period, local_tz, record_export
from briefer.digest.render import EXTENSIONS, render
from briefer.watchlist import IssueLike

if TYPE_CHECKING:
    from briefer.config import Config
    from briefer.store import Store


def _write_atomic(path: Path, text: str) -> None:
    """Readers (a feed reader polling latest.atom) never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_digest(digest: Digest, fmt: str, path: Path) -> Path:
    """Render `digest` as `fmt` into `path` (atomically); returns the path."""
    _write_atomic(path, render(digest, fmt))
    return path


def _stem_for(folder: Path, now: datetime, formats: Sequence[str]) -> str:
    """YYYY-MM-DD for the day's first digest; a later one that day never overwrites it."""
    stem = now.strftime("%Y-%m-%d")
    if any((folder / f"{stem}.{EXTENSIONS[f]}").exists() for f in formats):
        stem = now.strftime("%Y-%m-%d-%H%M%S")
    return stem


def write_daily_digest(
    config: Config,
    store: Store,
    issues: Sequence[IssueLike],
    baselines: Mapping[str, str | HasSummary],
    *,
    now: datetime | None = None,
    tz: tzinfo | None = None,
) -> list[Path]:
    """Write the digest since the last export (or the last 24 h) in every configured format.

    Files go to `config.digest_folder` as `YYYY-MM-DD.<ext>` (local date of `now`; a second
    digest the same day is `YYYY-MM-DD-HHMMSS.<ext>`, so nothing is overwritten). When Atom is
    configured, `latest.atom` is refreshed too: the stable file a feed reader subscribes to.
    The period's end is recorded as the last export. Returns the paths written, in the order
    of `config.digest.formats` (then latest.atom).
    """
    tz = tz or local_tz()
    now = (now or utcnow()).astimezone(tz)
    period = default_period(store, now, tz)
    digest = build_digest(
        store, issues, baselines, period, tz=tz, now=now, full=config.digest.full_stories
    )
    folder = config.digest_folder
    formats = list(config.digest.formats)
    stem = _stem_for(folder, now, formats)
    written = [write_digest(digest, fmt, folder / f"{stem}.{EXTENSIONS[fmt]}") for fmt in formats]
    if "atom" in formats:
        written.append(write_digest(digest, "atom", folder / "latest.atom"))
    record_export(store, period.end)
    return written
