"""Telling "the network is down" apart from "these feeds are broken", for the user.

On a first run without a network every feed fails with "server not found"; a list of
sixty identical errors does not say what to do. `offline_hint` gives one sentence for the
`poll` output and the app's status line.
"""

from __future__ import annotations

from briefer.models import FetchStatus, PollReport

# fetch.py's sentences for failures before any server was reached.
UNREACHABLE = (
    "server not found",
    "network unreachable",
    "could not connect",
)


def offline_hint(report: PollReport, *, first_run: bool) -> str | None:
    """One sentence when no feed could be reached at all, else None. On a first run
    (nothing stored yet) it suggests `briefer demo`, which needs no network."""
    outcomes = report.outcomes
    if not outcomes or any(o.status is not FetchStatus.ERROR for o in outcomes):
        return None
    if not all((o.error or "").startswith(UNREACHABLE) for o in outcomes):
        return None
    if first_run:
        return (
            "No feed could be reached: this computer seems to be offline. "
            "Try `briefer demo` to see briefer with sample feeds it serves itself."
        )
    return "No feed could be reached: this computer seems to be offline. Check the connection."
