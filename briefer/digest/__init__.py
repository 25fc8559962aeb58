"""The digest: what moved on each watched issue in a period, read against its baseline.

One module per job, imported in this order (no cycles):
- `model`: the plain data (`Digest` -> `IssueSection` -> `DigestStory` -> `DigestOutlet`).
- `period`: which period a digest covers, the local zone (tzlocal), the last-export mark.
- `build`: the model from the store's stories, every string sanitised (briefer.sanitize).
- `markdown`, `filters`, `json_data`, `render`: Markdown, HTML, JSON and Atom.
- `write`: files, atomically; `write_daily_digest` for the scheduler and the TUI.
"""

from briefer.digest.build import build_digest, feed_problems
from briefer.digest.model import (
    Digest,
    DigestOutlet,
    DigestStory,
    FeedProblem,
    HasSummary,
    IssueSection,
)
from briefer.digest.period import (
    LAST_EXPORT_KEY,
    Period,
    default_period,
    last_export,
    local_tz,
    period_for_day,
    period_since,
    record_export,
)
from briefer.digest.render import EXTENSIONS, FORMATS, MEDIA_TYPES, render
from briefer.digest.write import write_daily_digest, write_digest
from briefer.watchlist import IssueLike

__all__ = [
    "EXTENSIONS",
    "FORMATS",
    "LAST_EXPORT_KEY",
    "MEDIA_TYPES",
    "Digest",
    "DigestOutlet",
    "DigestStory",
    "FeedProblem",
    "HasSummary",
    "IssueLike",
    "IssueSection",
    "Period",
    "build_digest",
    "default_period",
    "feed_problems",
    "last_export",
    "local_tz",
    "period_for_day",
    "period_since",
    "record_export",
    "render",
    "write_daily_digest",
    "write_digest",
]
