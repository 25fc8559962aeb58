"""Watchlists: one TOML file per watched issue, loaded and validated into `Issue` objects.

Folders are read in order (the bundled defaults first, then the user's own), and a later
file with the same `id` replaces an earlier one, so a user edits a copy rather than the
original. Every mistake in a file is a `WatchlistError` naming the file, the line or key,
and what was expected: a user editing TOML by hand never sees a traceback.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from briefer.errors import WatchlistError

# The five issues briefer was built for come first, in this order; any others follow by id.
DEFAULT_ORDER = ("border", "fentanyl", "tariffs", "judicial_reform", "usmca_2026")
DEFAULT_THRESHOLD = 80.0

_ID = re.compile(r"[a-z][a-z0-9_]*\Z")
_TOP_KEYS = ("id", "title", "description", "threshold", "terms", "weak", "context")
_TERM_KEYS = ("phrases", "words", "exclude")
_WEAK_KEYS = ("terms", "context")


class IssueLike(Protocol):
    """What code that only names issues needs from one (`Issue` fits; so do test doubles)."""

    @property
    def id(self) -> str: ...

    @property
    def title(self) -> str: ...


class DescribedIssue(IssueLike, Protocol):
    """An issue the app shows: its id and title, and the paragraph that says what it covers."""

    @property
    def description(self) -> str: ...


@dataclass(frozen=True, slots=True)
class WeakRule:
    """Terms too broad to count alone: they count only when every named context is present."""

    terms: tuple[str, ...]
    context: tuple[str, ...]  # names of ContextGroups in the same issue


@dataclass(frozen=True, slots=True)
class ContextGroup:
    name: str
    terms: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Issue:
    id: str
    title: str
    description: str
    threshold: float  # 0-100: an item matches at or above it
    version: str  # content hash of the file: a changed watchlist means stored matches are stale
    path: Path
    phrases: tuple[str, ...] = ()  # fuzzy: accents, case, inflections, small misspellings
    words: tuple[str, ...] = ()  # whole words only; all-capital acronyms also match case
    weak: tuple[WeakRule, ...] = ()
    context: tuple[ContextGroup, ...] = ()
    exclude: tuple[str, ...] = ()  # any of these rules the issue out for an item

    @property
    def weak_terms(self) -> tuple[str, ...]:
        return tuple(term for rule in self.weak for term in rule.terms)

    @property
    def term_count(self) -> int:
        """Terms that can make an item match (not context or exclusions)."""
        return len(self.phrases) + len(self.words) + len(self.weak_terms)


def load_issues(dirs: Sequence[Path]) -> list[Issue]:
    """Every `*.toml` in `dirs`; a later folder's issue replaces an earlier one with its id.

    Missing folders are skipped (the user's folder usually does not exist yet). Two files
    in the same folder with the same id are an error: which one wins would be an accident.
    """
    issues: dict[str, Issue] = {}
    for folder in dirs:
        if not folder.is_dir():
            continue
        here: dict[str, Issue] = {}
        for path in sorted(folder.glob("*.toml")):
            issue = load_issue(path)
            if issue.id in here:
                raise WatchlistError(
                    path, "key 'id'", f"'{issue.id}' is already the id of {here[issue.id].path}"
                )
            here[issue.id] = issue
        issues.update(here)
    return sorted(issues.values(), key=_order)


def _order(issue: Issue) -> tuple[int, str]:
    if issue.id in DEFAULT_ORDER:
        return (DEFAULT_ORDER.index(issue.id), "")
    return (len(DEFAULT_ORDER), issue.id)


def load_issue(path: Path) -> Issue:
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise WatchlistError(path, None, "not UTF-8 text") from None
    except OSError as exc:
        raise WatchlistError(path, None, f"cannot read it ({exc.strerror})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        where, problem = _decode_error(exc, text)
        raise WatchlistError(path, where, f"not valid TOML: {problem}") from None
    reader = _Reader(path, text)
    return reader.issue(data, version=hashlib.sha256(raw).hexdigest()[:12])


def _decode_error(exc: tomllib.TOMLDecodeError, text: str) -> tuple[str, str]:
    # Python 3.11's TOMLDecodeError has no lineno attribute; the position is in the message.
    message = str(exc)
    found = re.search(r"\s*\(at line (\d+), column \d+\)$", message)
    if found:
        return f"line {found.group(1)}", message[: found.start()]
    found = re.search(r"\s*\(at end of document\)$", message)
    if found:
        last = text.rstrip("\n").count("\n") + 1
        return f"line {last} (end of file)", message[: found.start()]
    return "", message


class _Reader:
    """Typed reads from one parsed file; errors name the key and, when found, its line."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.lines = text.splitlines()

    def fail(self, key: str, expected: str) -> WatchlistError:
        line = self._line_of(key)
        where = f"line {line}, key '{key}'" if line else f"key '{key}'"
        return WatchlistError(self.path, where, expected)

    def _line_of(self, key: str) -> int | None:
        """Best effort: the line where a dotted key (e.g. 'terms.phrases', 'weak[2].context')
        is set, found by following table headers. None when it cannot be told."""
        parts = re.sub(r"\[(\d+)\]", r".#\1", key).split(".")
        *tables, name = parts
        # "weak.#2.context" -> the second [[weak]] header, then its 'context' key.
        want_table = ".".join(p for p in tables if not p.startswith("#"))
        want_index = next((int(p[1:]) for p in tables if p.startswith("#")), None)
        current, seen = "", 0
        header = re.compile(r"\s*(\[\[?)\s*([A-Za-z0-9_.\- ]+?)\s*\]\]?\s*(#.*)?$")
        assign = re.compile(rf"\s*(\"?){re.escape(name)}\1\s*=")
        for number, line in enumerate(self.lines, start=1):
            found = header.match(line)
            if found:
                current = found.group(2).replace(" ", "")
                if current == want_table and found.group(1) == "[[":
                    seen += 1
                continue
            in_table = current == want_table and (want_index is None or seen == want_index)
            if in_table and assign.match(line):
                return number
            if not want_table and not current and assign.match(line):
                return number
        if not tables:
            return None
        # The key is missing: point at the table that should hold it.
        for number, line in enumerate(self.lines, start=1):
            found = header.match(line)
            if found and found.group(2).replace(" ", "") == want_table:
                return number
        return None

    def issue(self, data: dict[str, Any], *, version: str) -> Issue:
        self._known(data, "", _TOP_KEYS)
        issue_id = self._text(data, "id", required=True)
        if not _ID.match(issue_id):
            raise self.fail(
                "id", f"expected lower-case letters, digits and _ (like 'border'), got {issue_id!r}"
            )
        title = self._text(data, "title", required=True)
        description = " ".join(self._text(data, "description").split())
        threshold = data.get("threshold", DEFAULT_THRESHOLD)
        if isinstance(threshold, bool) or not isinstance(threshold, int | float):
            raise self.fail("threshold", f"expected a number from 0 to 100, got {threshold!r}")
        if not 0 <= threshold <= 100:
            raise self.fail("threshold", f"expected a number from 0 to 100, got {threshold!r}")

        terms = data.get("terms", {})
        if not isinstance(terms, dict):
            raise self.fail("terms", "expected a table: [terms] with phrases, words, exclude")
        self._known(terms, "terms", _TERM_KEYS)
        phrases = self._terms(terms, "terms.phrases")
        words = self._terms(terms, "terms.words")
        exclude = self._terms(terms, "terms.exclude")

        context_data = data.get("context", {})
        if not isinstance(context_data, dict):
            raise self.fail("context", "expected a table: [context] with named lists of terms")
        context = tuple(
            ContextGroup(name, self._terms(context_data, f"context.{name}"))
            for name in context_data
        )
        weak = self._weak(data.get("weak", []), {g.name for g in context})
        if not (phrases or words or weak):
            raise self.fail(
                "terms.phrases", "no terms: give at least one phrase, word or weak term"
            )
        return Issue(
            id=issue_id,
            title=title,
            description=description,
            threshold=float(threshold),
            version=version,
            path=self.path,
            phrases=phrases,
            words=words,
            weak=weak,
            context=context,
            exclude=exclude,
        )

    def _weak(self, data: Any, groups: set[str]) -> tuple[WeakRule, ...]:
        if not isinstance(data, list) or not all(isinstance(d, dict) for d in data):
            raise self.fail("weak", "expected [[weak]] tables, each with terms and context")
        rules = []
        for index, rule in enumerate(data, start=1):
            key = f"weak[{index}]"
            self._known(rule, key, _WEAK_KEYS)
            terms = self._terms(rule, f"{key}.terms")
            names = self._terms(rule, f"{key}.context")
            if not terms:
                raise self.fail(f"{key}.terms", "expected a non-empty list of terms")
            if not names:
                raise self.fail(
                    f"{key}.context", 'expected the names of [context] lists, like ["mexico"]'
                )
            for name in names:
                if name not in groups:
                    known = ", ".join(sorted(groups)) or "none defined"
                    raise self.fail(
                        f"{key}.context", f"no [context] list named {name!r} (known: {known})"
                    )
            rules.append(WeakRule(terms, names))
        return tuple(rules)

    def _known(self, data: dict[str, Any], table: str, known: Sequence[str]) -> None:
        for key in data:
            if key not in known:
                dotted = f"{table}.{key}" if table else key
                raise self.fail(dotted, f"unknown key (expected one of: {', '.join(known)})")

    def _text(self, data: dict[str, Any], key: str, *, required: bool = False) -> str:
        value = data.get(key)
        if value is None and not required:
            return ""
        if not isinstance(value, str) or not value.strip():
            got = "nothing" if value is None else repr(value)
            raise self.fail(key, f"expected text in quotes, got {got}")
        return value.strip()

    def _terms(self, data: dict[str, Any], key: str) -> tuple[str, ...]:
        value = data.get(key.rsplit(".", 1)[-1], [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(key, f'expected a list of quoted terms, like ["a", "b"], got {value!r}')
        terms = []
        for term in value:
            term = " ".join(term.split())
            if not any(ch.isalnum() for ch in term):
                raise self.fail(key, f"term {term!r} has no letters or digits")
            if "@" in term and not term.endswith(("@es", "@en")):
                raise self.fail(
                    key, f"term {term!r}: only @es or @en may follow a term (its language)"
                )
            if term not in terms:
                terms.append(term)
        return tuple(terms)
