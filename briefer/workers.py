"""The server that starts the processes which parse and match feeds (poller.parse_pool).

forkserver, not fork: the TUI and the daemon have threads, which fork would copy in
whatever state they are in. Start it before a TUI takes over the terminal: starting it
passes the process's stderr along, and inside Textual stderr has no file descriptor.
"""

from __future__ import annotations

import multiprocessing
from multiprocessing import forkserver

# Workers are forked from a server that has already imported these, so each starts warm.
PRELOAD = ["briefer.poller"]


def start_worker_server() -> None:
    multiprocessing.get_context("forkserver").set_forkserver_preload(PRELOAD)
    forkserver.ensure_running()
