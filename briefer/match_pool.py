"""Forked worker processes that share this process's matcher, for bulk matching.

Forking is what makes these workers cheap: each inherits the parent's imports and its
built matcher instead of building its own. Where fork is unavailable, one process does it
all. Used by `briefer match --jsonl` (match_stream) and `briefer rematch`.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.pool import AsyncResult
from typing import TYPE_CHECKING

from briefer.match import Matcher
from briefer.workers import can_fork, fork_pool

if TYPE_CHECKING:
    from briefer.rematch import MatchBatches, Matched, Rows
    from briefer.store import EncodedMatch

POOL_MIN_ITEMS = 50_000  # below this, starting workers for a rematch costs more than it saves


def worker_count(wanted: int | None) -> int:
    """Processes to use: `wanted`, else one per CPU up to 4; 1 where fork is missing."""
    if not can_fork():
        return 1
    if wanted is not None:
        return wanted
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return min(cpus or 1, 4)


_worker_matcher: Matcher | None = None  # set in the parent before forking workers


@contextmanager
def rematch_pool(matcher: Matcher, workers: int, *, small: bool) -> Iterator[MatchBatches | None]:
    """Batches matched in forked workers for a large rematch; None (this process) otherwise.

    Up to `workers` batches are matched ahead while this process writes the previous
    one: on two cores, writing costs about as much as matching.
    """
    if workers < 2 or small:
        yield None
        return
    global _worker_matcher
    _worker_matcher = matcher
    with fork_pool(workers) as pool:

        def match_batches(batches: Iterator[Rows]) -> Iterator[Matched]:
            # Batches are read here, in the thread that owns the store's connection.
            ahead: deque[tuple[Rows, AsyncResult[list[list[EncodedMatch]]]]] = deque()
            for rows in batches:
                ahead.append((rows, pool.apply_async(_match_in_worker, (rows,))))
                if len(ahead) > workers:
                    done, result = ahead.popleft()
                    yield done, result.get()
            while ahead:
                done, result = ahead.popleft()
                yield done, result.get()

        yield match_batches


def _match_in_worker(rows: Rows) -> list[list[EncodedMatch]]:
    from briefer.rematch import match_rows

    assert _worker_matcher is not None
    return match_rows(_worker_matcher, rows)
