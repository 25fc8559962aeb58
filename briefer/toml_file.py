"""The user's TOML files (config and watchlists): read once, values checked by type, and
every error naming the file, the line where the key is set (when it can be found) and the
key, as `InputFileError`s the command line prints in one line with exit code 2.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from briefer.errors import InputFileError

__all__ = ["Table", "TomlFile", "read_toml"]

_HEADER = re.compile(r"\s*(\[\[?)\s*([A-Za-z0-9_.\- ]+?)\s*\]\]?\s*(#.*)?$")


def read_toml(path: Path, error: type[InputFileError] = InputFileError) -> TomlFile:
    """The parsed file; a missing, unreadable or invalid one raises `error`."""
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8")
    except FileNotFoundError:
        raise error(path, None, "file not found") from None
    except UnicodeDecodeError:
        raise error(path, None, "not UTF-8 text") from None
    except OSError as exc:
        raise error(path, None, f"cannot read it ({exc.strerror})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        where, problem = _decode_error(exc, text)
        raise error(path, where, f"not valid TOML ({problem[:1].lower()}{problem[1:]})") from None
    return TomlFile(path, raw, text, data, error)


def _decode_error(exc: tomllib.TOMLDecodeError, text: str) -> tuple[str | None, str]:
    # Python 3.11's TOMLDecodeError has no lineno attribute; the position is in the message.
    message = str(exc)
    found = re.search(r"\s*\(at line (\d+), column \d+\)$", message)
    if found:
        return f"line {found.group(1)}", message[: found.start()]
    found = re.search(r"\s*\(at end of document\)$", message)
    if found:
        last = text.rstrip("\n").count("\n") + 1
        return f"line {last} (end of file)", message[: found.start()]
    return None, message


@dataclass(frozen=True)
class TomlFile:
    path: Path
    raw: bytes
    text: str
    data: dict[str, Any]
    error: type[InputFileError] = InputFileError
    lines: list[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "lines", self.text.splitlines())

    def fail(self, key: str, expected: str) -> InputFileError:
        """An error for `key` (dotted, e.g. 'poll.concurrency' or 'weak[2].context')."""
        line = self.line_of(key)
        where = f"line {line}, key '{key}'" if line else f"key '{key}'"
        return self.error(self.path, where, expected)

    def table(self, data: Any, name: str) -> Table:
        """Typed reads from `data`, the table at dotted `name` ("" for the top level)."""
        if not isinstance(data, dict):
            line = self.line_of(name)
            where = f"line {line}, [{name}]" if line else f"[{name}]"
            raise self.error(self.path, where, "expected a table")
        return Table(self, data, name)

    def line_of(self, key: str) -> int | None:
        """Best effort: the line where a dotted key is set, found by following table
        headers (the N-th `[[name]]` for 'name[N].key'); for a key that is not there, the
        header of the table that should hold it. None when it cannot be told."""
        parts = re.sub(r"\[(\d+)\]", r".#\1", key).split(".")
        *tables, name = parts
        want_table = ".".join(p for p in tables if not p.startswith("#"))
        want_index = next((int(p[1:]) for p in tables if p.startswith("#")), None)
        current, seen = "", 0
        assign = re.compile(rf"\s*(\"?){re.escape(name)}\1\s*[=.]")
        for number, line in enumerate(self.lines, start=1):
            found = _HEADER.match(line)
            if found:
                current = found.group(2).replace(" ", "")
                if current == want_table and found.group(1) == "[[":
                    seen += 1
                if not tables and current.split(".")[0] == name:
                    return number  # a table header is where a top-level table is set
                continue
            in_table = current == want_table and (want_index is None or seen == want_index)
            if in_table and assign.match(line):
                return number
        if not tables:
            return None
        for number, line in enumerate(self.lines, start=1):
            found = _HEADER.match(line)
            if found and found.group(2).replace(" ", "") == want_table:
                return number
        return None


@dataclass(frozen=True)
class Table:
    """Typed reads from one table of a TomlFile; errors name the key and its line."""

    file: TomlFile
    data: dict[str, Any]
    name: str

    def key(self, key: str) -> str:
        return f"{self.name}.{key}" if self.name else key

    def fail(self, key: str, expected: str) -> InputFileError:
        return self.file.fail(self.key(key), expected)

    def number(self, key: str, default: float, *, low: float, high: float) -> float:
        value = self.data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(key, f"expected a number from {low:g} to {high:g}, got {value!r}")
        if not low <= value <= high:
            raise self.fail(key, f"expected a number from {low:g} to {high:g}, got {value!r}")
        return float(value)

    def integer(self, key: str, default: int, *, low: int, high: int) -> int:
        value = self.data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise self.fail(key, f"expected a whole number from {low} to {high}, got {value!r}")
        return value

    def boolean(self, key: str, default: bool) -> bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(key, f"expected true or false, got {value!r}")
        return value

    def string(self, key: str, default: str = "", *, required: bool = False) -> str:
        """Stripped text; with `required`, missing or blank text is an error."""
        value = self.data.get(key)
        if value is None and not required:
            return default
        if not isinstance(value, str) or (required and not value.strip()):
            got = "nothing" if value is None else repr(value)
            raise self.fail(key, f"expected text in quotes, got {got}")
        return value.strip()

    def check_known(self, known: set[str] | tuple[str, ...], noun: str = "setting") -> None:
        for key in self.data:
            if key not in known:
                raise self.fail(key, f"unknown {noun} (known: {', '.join(sorted(known))})")
