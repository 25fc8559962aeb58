"""The app's event loop while another process holds SQLite's write lock (issue 12.1).

    .venv/bin/python bench/bench_tui_writes.py [--hold 15] [--every 0.25] [--full-list]

Another process holds the write lock (BEGIN IMMEDIATE) for --hold seconds, longer than
SQLite's own 10 s wait, while the keys that write (m, s, x, u, opening an item) are pressed
every --every seconds. Printed: the longest gap between ticks of a 10 ms timer on Textual's
loop over that time and until every change is saved; baseline: the same keys on the same
database with no lock, in the same run. Target: under 50 ms.

The fixture database's first issue lists five stories; --full-list uses a database whose
first issue lists 200 (a screenful and more), where redrawing the list costs the most.

Figures are printed, never asserted: this is not part of the test run.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import sys
import tempfile
import time
from contextlib import nullcontext
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from briefer.tui.app import BrieferApp
from briefer.tui.briefing import Services
from tests.tui.db_faults import write_lock_held
from tests.tui.fixture_db import fixture_services

# Mark read, star, dismiss, undo, moving between them. (Opening an item also marks it read
# through the same path; pushing a screen costs the loop more than any write, so it is left
# out here to keep the figure about writing.)
KEYS = ["m", "s", "n", "x", "u", "p"]


async def longest_gap(services: Services, *, hold: float | None, every: float) -> dict:
    app = BrieferApp(services, poll_on_start=False)
    async with app.run_test(size=(160, 48)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause(0.3)
        await pilot.press("enter")  # into the first issue's matches
        ticks: list[float] = []
        timer = app.set_interval(0.01, lambda: ticks.append(time.perf_counter()))
        start = time.perf_counter()
        presses = 0
        duration = (hold or 15.0) - 1.0  # keys until just before the holder lets go
        lock = write_lock_held(services.db_path, hold) if hold else nullcontext()
        with lock as holder:
            for key in itertools.cycle(KEYS):
                if time.perf_counter() - start >= duration:
                    break
                await pilot.press(key)
                presses += 1
                await asyncio.sleep(every)
            held_to_end = holder is None or holder.poll() is None
        while app.pending:  # the saves that waited for the lock
            await asyncio.sleep(0.01)
        timer.stop()
        elapsed = time.perf_counter() - start
        await app.workers.wait_for_complete()
    gaps = [b - a for a, b in itertools.pairwise(ticks)]
    return {
        "gap": max(gaps) if gaps else 0.0,
        "elapsed": elapsed,
        "presses": presses,
        "held_to_end": held_to_end,
    }


def full_list_services(home: Path) -> Services:
    """A database whose five issues list 200 one-item stories each."""
    from bench_tui import build_big_db, services_for  # this script's folder is on the path

    home.mkdir(parents=True)
    build_big_db(home / "full.db", 4_000, 1_000)
    return services_for(home, home / "full.db", [])


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hold", type=float, default=15.0, help="seconds the lock is held")
    parser.add_argument("--every", type=float, default=0.25, help="seconds between keys")
    parser.add_argument("--full-list", action="store_true", help="200 stories in the list")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-tui-writes-"))
    services = full_list_services if args.full_list else fixture_services

    await longest_gap(services(work / "warm"), hold=None, every=args.every)  # imports
    free = await longest_gap(services(work / "free"), hold=None, every=args.every)
    held = await longest_gap(services(work / "held"), hold=args.hold, every=args.every)
    print(
        f"event loop while another process holds the write lock {args.hold:.0f} s "
        f"({held['presses']} keys that write, lock held to the end: {held['held_to_end']}): "
        f"longest gap {held['gap'] * 1000:.1f} ms over {held['elapsed']:.1f} s until all saved; "
        f"no lock {free['gap'] * 1000:.1f} ms over {free['elapsed']:.1f} s "
        f"(ratio {held['gap'] / free['gap']:.2f}x; target < 50 ms)"
    )


if __name__ == "__main__":
    asyncio.run(main())
