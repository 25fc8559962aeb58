"""Keeping the garbage collector's full passes off the event loop's critical path.

A full collection walks every object the collector tracks, holding the GIL, so it stops
Textual's loop for as long as it takes: with Textual and briefer loaded (about 115,000
objects) 60 to 200 ms, the longest stall the app had while keys were pressed
(bench/bench_tui_writes.py). Most of those objects live as long as the app: modules,
classes, functions, the matcher, the first screen. Freezing them leaves them out of
every later collection, which then walks only what was made since: about 20 ms.
"""

from __future__ import annotations

import gc


def freeze_long_lived() -> None:
    """Leave what is alive now out of later collections. Frozen objects are still freed
    when their last reference goes; only a cycle that is already garbage at this moment
    (a few hundred objects after start-up) stays for the life of the process."""
    gc.freeze()


def thaw() -> None:
    """The app has ended: what it froze goes back to the collector (tests and benches run
    several apps in one process)."""
    gc.unfreeze()
