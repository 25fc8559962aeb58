"""The core never imports the UI: the daemon and cron polls must not pay for Textual."""

from __future__ import annotations

import subprocess
import sys

CORE = [
    "briefer.models",
    "briefer.config",
    "briefer.store",
    "briefer.fetch",
    "briefer.parse",
    "briefer.sanitize",
    "briefer.match",
    "briefer.watchlist",
    "briefer.baseline",
    "briefer.poller",
    "briefer.opml",
    "briefer.feeds_file",
]


def test_core_modules_do_not_load_textual_or_click() -> None:
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in CORE)
        + "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'click'))\n"
        + "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
