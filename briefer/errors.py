"""Errors a user can act on. Each one names the file, where in it, and what was expected."""

from __future__ import annotations

from pathlib import Path


class BrieferError(Exception):
    """An error whose message is written for the user; the CLI prints it without a traceback."""

    exit_code = 1


class InputFileError(BrieferError):
    """A config, watchlist or seed file the user can fix."""

    exit_code = 2

    def __init__(self, path: Path | str, where: str | None, problem: str) -> None:
        self.path = Path(path)
        self.where = where
        self.problem = problem
        location = f"{self.path}, {where}" if where else str(self.path)
        super().__init__(f"{location}: {problem}")


class ConfigError(InputFileError):
    pass


class WatchlistError(InputFileError):
    pass


class DatabaseError(BrieferError):
    """The database cannot be used: corrupt, locked, or written by a newer briefer."""
