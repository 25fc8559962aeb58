"""PollerLock: one poller at a time, across processes, with the holder's pid on show."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from briefer.lock import PollerLock

HOLD = """
import sys, time
from briefer.lock import PollerLock
lock = PollerLock(sys.argv[1])
print("got" if lock.acquire() else "busy", flush=True)
time.sleep(60)
"""


def hold_in_subprocess(path: Path) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(path)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "got"
    return proc


def test_acquire_release_and_pid(tmp_path: Path) -> None:
    path = tmp_path / "data" / "poller.lock"
    a, b = PollerLock(path), PollerLock(path)
    assert a.holder_pid() is None
    assert a.acquire()
    assert a.acquire()  # idempotent for the holder
    assert a.held
    assert path.read_text().strip() == str(os.getpid())
    assert not b.acquire()  # flock is per open file: a second object in-process is refused
    assert b.holder_pid() == os.getpid()
    a.release()
    assert not a.held
    assert b.holder_pid() is None
    assert b.acquire()
    b.release()


def test_context_manager(tmp_path: Path) -> None:
    path = tmp_path / "poller.lock"
    with PollerLock(path) as got:
        assert got
        assert not PollerLock(path).acquire()
    assert PollerLock(path).acquire()


def test_other_process_holds_it_and_a_crash_frees_it(tmp_path: Path) -> None:
    path = tmp_path / "poller.lock"
    proc = hold_in_subprocess(path)
    try:
        lock = PollerLock(path)
        assert not lock.acquire()
        assert lock.holder_pid() == proc.pid
    finally:
        proc.send_signal(signal.SIGKILL)  # no cleanup at all: the kernel drops the flock
        proc.wait(5)
    lock = PollerLock(path)
    assert path.read_text().strip() == str(proc.pid)  # the stale pid is still in the file...
    assert lock.holder_pid() is None  # ...but nobody holds the lock
    assert lock.acquire()
    assert path.read_text().strip() == str(os.getpid())
    lock.release()
