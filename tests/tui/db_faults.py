"""Real database faults for the app's tests: another process holding the write lock, and a
database file nobody may write (not even root, as in CI)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

# Holds SQLite's write lock (BEGIN IMMEDIATE) as the daemon's big transaction would, says
# so on stdout, and lets go after the given seconds or when its stdin closes.
HOLDER = """
import sqlite3, sys, threading
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
conn.execute("INSERT INTO meta(key, value) VALUES ('held-by-test', 'x') "
             "ON CONFLICT(key) DO UPDATE SET value = 'x'")
print("locked", flush=True)
released = threading.Event()
threading.Thread(target=lambda: (sys.stdin.read(), released.set()), daemon=True).start()
released.wait(float(sys.argv[2]))
conn.execute("COMMIT")
"""


@contextmanager
def write_lock_held(db: Path, seconds: float) -> Iterator[subprocess.Popen[str]]:
    """Another process holds the write lock for `seconds` (longer than SQLite's 10 s wait)."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(db), str(seconds)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        yield holder
    finally:
        if holder.poll() is None and holder.stdin is not None:
            holder.stdin.close()
        holder.wait(timeout=60)


def release(holder: subprocess.Popen[str]) -> None:
    """Let go of the lock now (the holder commits and exits)."""
    if holder.stdin is not None and not holder.stdin.closed:
        holder.stdin.close()
    holder.wait(timeout=60)


@contextmanager
def read_only(db: Path) -> Iterator[None]:
    """The file is immutable (chattr +i): writes fail with 'readonly database' even as root."""
    chattr = shutil.which("chattr")
    done = chattr is not None and (
        subprocess.run([chattr, "+i", str(db)], capture_output=True).returncode == 0
    )
    if not done:
        message = f"cannot make {db} read-only here (chattr +i needs root and ext4 or similar)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    try:
        yield
    finally:
        subprocess.run([str(chattr), "-i", str(db)], check=True)
