"""One poller at a time: an advisory lock file in the data folder that holds the owner's pid.

The daemon, the app and `briefer poll --once` all take it before polling (through
`briefer.scheduler.BrieferScheduler`). Whoever holds it polls; the others leave the feeds
alone and say who is polling (`holder()`); the app picks up the new rows as they land.

After the pid, the holder notes what it is (`role`) and how its polling goes (`note()`:
when the cycle in flight started, when the last one ended and took how long, when it
checks next), so a user pressing "poll now" elsewhere hears when the holder will be done.

The lock is `fcntl.flock` on the file (`msvcrt.locking` on Windows): the kernel releases
it when the holder exits or crashes, so a stale pid in the file never blocks anyone.
The pid is a courtesy for display; the lock itself is the truth.
"""

from __future__ import annotations

import contextlib
import os
import sys
from dataclasses import dataclass
from datetime import datetime
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


@dataclass(frozen=True, slots=True)
class Holder:
    """Who holds the poller lock, as its lock file says (all but `pid` may be unknown)."""

    pid: int
    role: str = ""  # "daemon", "app" or "poll" (`briefer poll --once`)
    polling_since: datetime | None = None  # the cycle in flight started then
    last_finished: datetime | None = None
    last_seconds: float | None = None  # how long the last cycle took
    next_check: datetime | None = None  # when it next looks for due feeds


class PollerLock:
    """`acquire()` without waiting; `holder()` for the status line; `release()` when done.

    Also a context manager (`with PollerLock(p) as got:` gives whether it was acquired).
    Not thread-safe: one object per process, used from one thread.
    """

    def __init__(self, path: Path | str, *, role: str = "") -> None:
        self.path = Path(path)
        self.role = role
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
        # Read-write without truncating (not "a+": appends ignore seek, and note() rewrites).
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        f = os.fdopen(fd, "r+", encoding="ascii")
        if not _try_lock(f):
            f.close()
            return False
        self._file = f
        self.note()
        return True

    def note(
        self,
        *,
        polling_since: datetime | None = None,
        last_finished: datetime | None = None,
        last_seconds: float | None = None,
        next_check: datetime | None = None,
    ) -> None:
        """Rewrite the holder's notes (pid first, then `key=value` lines); only while held."""
        f = self._file
        if f is None:
            return
        fields = {
            "role": self.role,
            "polling_since": polling_since.isoformat() if polling_since else "",
            "last_finished": last_finished.isoformat() if last_finished else "",
            "last_seconds": f"{last_seconds:.1f}" if last_seconds is not None else "",
            "next_check": next_check.isoformat() if next_check else "",
        }
        text = f"{os.getpid()}\n" + "".join(f"{k}={v}\n" for k, v in fields.items() if v)
        # One write from the start, then cut what is left of a longer old text: a reader
        # never sees the file without its pid line.
        with contextlib.suppress(OSError):
            f.seek(0)
            f.write(text)
            f.truncate()
            f.flush()

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
        holder = self.holder()
        return holder.pid if holder is not None else None

    def holder(self) -> Holder | None:
        """What the holder's lock file says, or None if the lock is free (or unreadable)."""
        try:
            f = open(self.path, encoding="ascii")  # noqa: SIM115
        except FileNotFoundError:
            return None
        with f:
            if self._file is None and sys.platform != "win32" and _try_lock(f, shared=True):
                _unlock(f)
                return None
            try:
                text = f.read(4096)
            except (OSError, UnicodeDecodeError):
                return None
        return parse_holder(text)

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


def parse_holder(text: str) -> Holder | None:
    """A lock file's text as a Holder; None without a pid (free, or being written)."""
    first, _, rest = text.partition("\n")
    if not first.strip().isdigit():
        return None
    fields = dict(line.split("=", 1) for line in rest.splitlines() if "=" in line)
    return Holder(
        pid=int(first.strip()),
        role=fields.get("role", ""),
        polling_since=_when(fields.get("polling_since")),
        last_finished=_when(fields.get("last_finished")),
        last_seconds=_seconds(fields.get("last_seconds")),
        next_check=_when(fields.get("next_check")),
    )


def _when(text: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(text) if text else None
    except ValueError:
        return None


def _seconds(text: str | None) -> float | None:
    try:
        return float(text) if text else None
    except ValueError:
        return None
