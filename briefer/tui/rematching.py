"""Apply edited watchlists to the stored items when the app starts (no Textual here).

An analyst who edits a watchlist expects the app to show the new verdicts, not only for
items polled from now on; the CLI offers `briefer rematch`, the app just does it.
"""

from __future__ import annotations

from collections.abc import Callable

from briefer.rematch import RematchReport, pending_issues, rematch
from briefer.tui.briefing import Services


def rematch_changed(
    services: Services, *, announce: Callable[[list[str]], object]
) -> RematchReport | None:
    """Rematch the issues whose watchlist changed (or whose rematch was cut short).

    Runs in a worker thread with its own Store; `announce(issue_ids)` is called before the
    work starts, so the app can say what it is doing. Returns None when nothing changed.
    """
    if services.matcher_factory is None:
        return None
    matcher = services.matcher_factory()
    with services.open_store() as store:
        pending = pending_issues(store, matcher.issues)
        if not pending:
            return None
        announce([issue.id for issue in pending])
        return rematch(store, matcher, pending)
