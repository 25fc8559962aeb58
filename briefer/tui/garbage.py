"""Garbage collection kept out of the reader's way.

A full collection walks every object the collector tracks, holding the GIL, so it stops
Textual's loop for as long as it takes: with Textual and briefer loaded (about 115,000
objects) 60 to 200 ms, the longest stall the app had while keys were pressed
(bench/bench_tui_writes.py). So:

- what lives as long as the app (modules, classes, the matcher, the first screen drawn)
  is frozen once it is built, and later collections do not walk it;
- full collections wait for a pause in the reader's keys and clicks with no poll
  running; Python's own come ten times more rarely, a safety net for long busy spells.

Young cycles are still collected as before, by the cheap young-generation passes.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

IDLE_SECONDS = 2.0  # no key or click for this long: the reader is reading
EVERY_SECONDS = 30.0  # a full collection at most this often
RARER = 10  # Python's own full collections, this many times rarer


def freeze_long_lived() -> None:
    """Leave what is alive now out of later collections. Frozen objects are still freed
    when their last reference goes; only a cycle that is already garbage at this moment
    (a few hundred objects after start-up) stays until the app ends."""
    gc.freeze()


class Collector:
    """Full collections at the app's quiet moments; `stop()` restores Python's own."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._threshold = gc.get_threshold()
        self.last_input = self.last_full = clock()

    def start(self) -> None:
        young, older, oldest = self._threshold
        gc.set_threshold(young, older, oldest * RARER)

    def input(self) -> None:
        self.last_input = self._clock()

    def collect_if_idle(self, *, busy: bool = False) -> bool:
        """A full collection if the reader has paused and none ran lately; True if it ran."""
        now = self._clock()
        if busy or now - self.last_input < IDLE_SECONDS or now - self.last_full < EVERY_SECONDS:
            return False
        gc.collect()
        self.last_full = now
        return True

    def stop(self) -> None:
        """The app has ended: Python's thresholds back, and what was frozen goes back to the
        collector (tests and benches run several apps in one process)."""
        gc.set_threshold(*self._threshold)
        gc.unfreeze()
