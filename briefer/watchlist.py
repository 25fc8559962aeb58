"""Watchlists: one TOML file per watched issue, loaded and validated into `Issue` objects.

Folders are read in order (the bundled defaults first, then the user's own), and a later
file with the same `id` replaces an earlier one, so a user edits a copy rather than the
original. Every mistake in a file is a `WatchlistError` naming the file, the line or key,
and what was expected: a user editing TOML by hand never sees a traceback.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from briefer.errors import WatchlistError
from briefer.toml_file import Table, TomlFile, read_toml

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
    file = read_toml(path, WatchlistError)
    return _issue(file, version=hashlib.sha256(file.raw).hexdigest()[:12])


def _issue(file: TomlFile, *, version: str) -> Issue:
    top = file.table(file.data, "")
    top.check_known(_TOP_KEYS, "key")
    issue_id = top.string("id", required=True)
    if not _ID.match(issue_id):
        raise top.fail(
            "id", f"expected lower-case letters, digits and _ (like 'border'), got {issue_id!r}"
        )
    title = top.string("title", required=True)
    description = " ".join(top.string("description").split())
    threshold = top.number("threshold", DEFAULT_THRESHOLD, low=0, high=100)

    if not isinstance(file.data.get("terms", {}), dict):
        raise top.fail("terms", "expected a table: [terms] with phrases, words, exclude")
    terms = file.table(file.data.get("terms", {}), "terms")
    terms.check_known(_TERM_KEYS, "key")
    phrases = _terms(terms, "phrases")
    words = _terms(terms, "words")
    exclude = _terms(terms, "exclude")

    if not isinstance(file.data.get("context", {}), dict):
        raise top.fail("context", "expected a table: [context] with named lists of terms")
    context_table = file.table(file.data.get("context", {}), "context")
    context = tuple(ContextGroup(name, _terms(context_table, name)) for name in context_table.data)
    weak = _weak(file, file.data.get("weak", []), {g.name for g in context})
    if not (phrases or words or weak):
        raise terms.fail("phrases", "no terms: give at least one phrase, word or weak term")
    return Issue(
        id=issue_id,
        title=title,
        description=description,
        threshold=threshold,
        version=version,
        path=file.path,
        phrases=phrases,
        words=words,
        weak=weak,
        context=context,
        exclude=exclude,
    )


def _weak(file: TomlFile, data: Any, groups: set[str]) -> tuple[WeakRule, ...]:
    if not isinstance(data, list) or not all(isinstance(d, dict) for d in data):
        raise file.fail("weak", "expected [[weak]] tables, each with terms and context")
    rules = []
    for index, entry in enumerate(data, start=1):
        rule = file.table(entry, f"weak[{index}]")
        rule.check_known(_WEAK_KEYS, "key")
        terms = _terms(rule, "terms")
        names = _terms(rule, "context")
        if not terms:
            raise rule.fail("terms", "expected a non-empty list of terms")
        if not names:
            raise rule.fail("context", 'expected the names of [context] lists, like ["mexico"]')
        for name in names:
            if name not in groups:
                known = ", ".join(sorted(groups)) or "none defined"
                raise rule.fail("context", f"no [context] list named {name!r} (known: {known})")
        rules.append(WeakRule(terms, names))
    return tuple(rules)


def _terms(table: Table, key: str) -> tuple[str, ...]:
    value = table.data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise table.fail(key, f'expected a list of quoted terms, like ["a", "b"], got {value!r}')
    terms = []
    for term in value:
        term = " ".join(term.split())
        if not any(ch.isalnum() for ch in term):
            raise table.fail(key, f"term {term!r} has no letters or digits")
        if "@" in term and not term.endswith(("@es", "@en")):
            raise table.fail(
                key, f"term {term!r}: only @es or @en may follow a term (its language)"
            )
        if term not in terms:
            terms.append(term)
    return tuple(terms)
