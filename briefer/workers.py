"""Every worker process briefer starts: parse-and-match workers for polls (parse_worker.
forked_parse_pool for `poll --once`, parse_worker.parse_pool from a forkserver for the
daemon and the app) and bulk-matching workers for `match --jsonl` and `rematch` (`fork_pool`,
forked so each shares the parent's built matcher).

A feed of 50 items costs about 7 ms to parse, match and work out its story features, most
of a poll's CPU. `poll --once` forks its workers before it polls (`forked_pool`: about
10 ms, while the process runs one thread) once 100 feeds are due, and uses them for
every body. The daemon and the app run threads, which fork would copy in whatever state
they are in, so their pool starts its processes on first use from a forkserver (0.3-0.5 s)
and only for polls of 500 feeds or more (see bench/README.md). `pool_wanted` is that rule,
and `BRIEFER_PARSE_WORKERS` overrides it: 0 never starts workers, N always starts N.

Start the forkserver before a TUI takes over the terminal: starting it passes the
process's stderr along, and inside Textual stderr has no file descriptor.

Workers of every kind die with the process that started them: each watches it (a pidfd
on Linux), so a SIGKILLed poll leaves no worker, and so no forkserver or resource tracker,
behind (those two exit when the last process holding their pipes is gone).

`fork_pool` forks because the command-line tools that use it run no threads, and a fork
inherits the built matcher (seconds of work) instead of building one per worker.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import select
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from multiprocessing import forkserver
from multiprocessing.pool import Pool
from typing import Any, ParamSpec, TypeVar

__all__ = [
    "FORK_FROM_FEEDS",
    "POOL_FROM_FEEDS",
    "LazyPool",
    "can_fork",
    "can_fork_pool",
    "fork_pool",
    "forked_pool",
    "pool_wanted",
    "start_worker_server",
    "watch_parent",
    "worker_count",
]

# A parse worker's imports: a forkserver imports them before it forks one, so each starts
# warm; a worker forked from `poll --once` imports them as it starts (parse_worker).
PRELOAD = ["briefer.parse", "briefer.store.prepared"]
# A poll with at least this many feeds due starts worker processes from a forkserver. At
# 200 feeds of 50 items (bench/bench_poll.py --compare-inline) such workers cost a quarter
# more CPU (their start-up and pickling) and three times the memory, and gained no wall
# time; only a poll well beyond that has enough parsing to overlap with storing on another
# core.
POOL_FROM_FEEDS = 500
# `briefer poll --once` with at least this many feeds due forks its workers before it polls
# (forked_pool: about 10 ms, the matcher already built), and then parses, matches and
# works out story features there for any poll, however few bodies come back; at 200 feeds
# of 50 items that took about a second of work off the process that fetches and stores.
FORK_FROM_FEEDS = 100
FORKED_WORKERS = 2  # see worker_count
WORKER_NICENESS = 10  # see _start
ENV = "BRIEFER_PARSE_WORKERS"

P = ParamSpec("P")
T = TypeVar("T")


def _override() -> int | None:
    raw = os.environ.get(ENV, "").strip()
    return int(raw) if raw.isdigit() else None


def pool_wanted(feeds: int, *, forked: bool = False) -> bool:
    """Whether a poll of `feeds` feeds should parse in worker processes: started from a
    forkserver on first use, or (`forked`) forked before the poll starts."""
    forced = _override()
    if forced is not None:
        return forced > 0
    least = FORK_FROM_FEEDS if forked else POOL_FROM_FEEDS
    return feeds >= least and (os.cpu_count() or 1) > 1


def worker_count(wanted: int | None = None, *, forked: bool = False) -> int:
    """Processes for a parse pool: `wanted`, else BRIEFER_PARSE_WORKERS, else one per core,
    or (`forked`, workers used for every body) two: a worker spends a little more CPU on a
    feed than the polling process does storing it, so with two the poll waits on storing,
    and more would only wait too. On two cores, two workers polled 200 feeds about a tenth
    faster than one, with no more CPU (bench/README.md)."""
    cores = os.cpu_count() or 2
    return wanted or _override() or (min(cores, FORKED_WORKERS) if forked else cores)


def start_worker_server() -> None:
    multiprocessing.get_context("forkserver").set_forkserver_preload(PRELOAD)
    forkserver.ensure_running()


def watch_parent(parent: int) -> None:
    """End this process as soon as process `parent` is gone (it may be SIGKILLed, and
    then never says goodbye)."""
    try:
        pidfd = os.pidfd_open(parent)
    except ProcessLookupError:
        os._exit(1)
    except (AttributeError, OSError):  # not Linux 5.3+: look every second instead
        pidfd = None

    def watch() -> None:
        if pidfd is not None:
            select.select([pidfd], [], [])
        else:
            while True:
                time.sleep(1)
                try:
                    os.kill(parent, 0)
                except ProcessLookupError:
                    break
                except PermissionError:
                    continue
        os._exit(1)

    threading.Thread(target=watch, name="watch-parent", daemon=True).start()


def _start(parent: int, initializer: Callable[..., None], args: tuple[Any, ...]) -> None:
    watch_parent(parent)
    # The process that fetches and stores (and, in the app, draws the screen) is what the
    # poll waits on: the workers take the CPU it leaves. On two cores a first poll of 200
    # feeds took about 5% less time so (bench/README.md).
    with contextlib.suppress(AttributeError, OSError):  # no os.nice off Unix
        os.nice(WORKER_NICENESS)
    initializer(*args)


class LazyPool(Executor):
    """A process pool whose processes start on the first submit, not before."""

    def __init__(
        self, workers: int, initializer: Callable[..., None], initargs: tuple[Any, ...]
    ) -> None:
        self._workers = workers
        self._initializer = initializer
        self._initargs = initargs
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()
        self._closed = False

    @property
    def started(self) -> bool:
        return self._pool is not None

    def _get(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._closed:
                raise RuntimeError("cannot schedule new futures after shutdown")
            if self._pool is None:
                start_worker_server()
                self._pool = ProcessPoolExecutor(
                    max_workers=self._workers,
                    mp_context=multiprocessing.get_context("forkserver"),
                    initializer=_start,
                    initargs=(os.getpid(), self._initializer, self._initargs),
                )
            return self._pool

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        return self._get().submit(fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._lock:
            self._closed = True
            pool, self._pool = self._pool, None
        if pool is not None:
            with contextlib.suppress(Exception):
                pool.shutdown(wait=wait, cancel_futures=cancel_futures)


def forked_pool(
    workers: int, initializer: Callable[..., None], initargs: tuple[Any, ...]
) -> ProcessPoolExecutor:
    """`workers` processes forked now, each a copy of this process as it is (its imports,
    its built matcher): milliseconds, where a forkserver's workers take 0.3-0.5 s to start.

    Only for a process that runs no other thread yet (`briefer poll --once` before its
    poll starts): a fork copies other threads' locks in whatever state they are in."""
    if threading.active_count() > 1:
        raise RuntimeError("forked_pool needs a process with one thread")
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("fork"),
        initializer=_start,
        initargs=(os.getpid(), initializer, initargs),
    )
    # A fork pool starts every process on its first submit, before its manager thread.
    pool.submit(int)
    return pool


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def can_fork_pool() -> bool:
    """Whether `forked_pool` may run now: fork exists and this process runs one thread."""
    return can_fork() and threading.active_count() == 1


@contextlib.contextmanager
def fork_pool(workers: int) -> Iterator[Pool]:
    """`workers` forked processes that end with this one, even when it is SIGKILLed."""
    context = multiprocessing.get_context("fork")
    with context.Pool(workers, initializer=watch_parent, initargs=(os.getpid(),)) as pool:
        yield pool
