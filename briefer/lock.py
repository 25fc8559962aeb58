"""One poller at a time: an advisory lock file in the data folder that holds the owner's pid.

The daemon and the TUI both try to take it before polling. Whoever holds it polls; the
other one leaves the feeds alone and shows who is polling (`holder_pid()`), picking up the
new rows as they land (see `briefer.scheduler.DatabaseWatcher`).

The lock is `fcntl.flock` on the file (`msvcrt.locking` on Windows): the kernel releases
it when the holder exits or crashes, so a stale pid in the file never blocks anyone.
The pid is a courtesy for display; the lock itself is the truth.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from types import TracebackType
from typing import IO

if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    _WIN_LOCK_OFFSET = 1 << 20  # lock a byte past the pid text, so readers can still read it

    def _try_lock(f: IO[str], *, shared: bool = False) -> bool:
        try:
            f.seek(_WIN_LOCK_OFFSET)
            msvcrt.locking(f.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        finally:
            f.seek(0)
        return True

    def _unlock(f: IO[str]) -> None:
        f.seek(_WIN_LOCK_OFFSET)
        with contextlib.suppress(OSError):
            msvcrt.locking(f.fileno(), msvcrt.LK_UNLCK, 1)
        f.seek(0)

else:
    import fcntl

    def _try_lock(f: IO[str], *, shared: bool = False) -> bool:
        try:
            fcntl.flock(f.fileno(), (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(f: IO[str]) -> None:
        fcntl.flock(f.fileno(), fcntl.LOCK_UN)


class PollerLock:
    """`acquire()` without waiting; `holder_pid()` for the status line; `release()` when done.

    Also a context manager (`with PollerLock(p) as got:` gives whether it was acquired).
    Not thread-safe: one object per process, used from one thread.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._file: IO[str] | None = None

    @property
    def held(self) -> bool:
        """Whether this object holds the lock."""
        return self._file is not None

    def acquire(self) -> bool:
        """Take the lock if nobody has it; True if this process now holds it (or already did)."""
        if self._file is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        f = open(self.path, "a+", encoding="ascii")  # noqa: SIM115 - kept open while held
        if not _try_lock(f):
            f.close()
            return False
        f.seek(0)
        f.truncate()
        f.write(f"{os.getpid()}\n")
        f.flush()
        self._file = f
        return True

    def release(self) -> None:
        """Give the lock up. The file stays (removing it would race with a new holder)."""
        f, self._file = self._file, None
        if f is None:
            return
        with contextlib.suppress(OSError):
            f.seek(0)
            f.truncate()
            f.flush()
        _unlock(f)
        f.close()

    def holder_pid(self) -> int | None:
        """The pid of the process holding the lock, or None if it is free.

        This process's own pid when it holds it. May be None for a moment while another
        process is between taking the lock and writing its pid.
        """
        if self._file is not None:
            return os.getpid()
        try:
            f = open(self.path, encoding="ascii")  # noqa: SIM115
        except FileNotFoundError:
            return None
        with f:
            if sys.platform != "win32" and _try_lock(f, shared=True):
                _unlock(f)
                return None
            try:
                text = f.read(32).strip()
            except (OSError, UnicodeDecodeError):
                return None
            if sys.platform == "win32" and not text:  # pragma: no cover
                return None
        return int(text) if text.isdigit() else None

    def __enter__(self) -> bool:
        return self.acquire()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self.release()
