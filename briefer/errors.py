"""Errors a user can act on. Each one names the file, where in it, and what was expected."""

from __future__ import annotations

from pathlib import Path


class BrieferError(Exception):
    """An error whose message is written for the user; the CLI prints it without a traceback."""

    exit_code = 1

    def __rich__(self) -> object:
        # Textual shows an exception that can render itself instead of a traceback, so
        # an app that stops on one of these stops with its sentence.
        from rich.text import Text

        return Text(f"briefer: {self}")


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


class DamagedDatabaseError(DatabaseError):
    """SQLite found the file damaged. Nothing more is written to it; `doctor` says what to do."""


class DiskFullError(DatabaseError):
    """The disk (or the file size allowed) ran out while writing."""


class DatabaseGoneError(DatabaseError):
    """The database file was deleted or replaced while briefer had it open."""


class ReadOnlyDatabaseError(DatabaseError):
    """The database file (or its folder) cannot be written."""
