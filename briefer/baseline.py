"""The baseline analysis: seeds/*.md loaded into per-issue notes, each citing its source.

A seed file is Markdown with front matter between two ``---`` lines. The front matter is
deliberately a small subset of YAML, parsed here without a YAML library:

    ---
    title: Challenges and Opportunities for U.S.-Mexico Security Cooperation
    author: R. Evan Ellis
    outlet: Global Americans
    date: 2024-11-25
    date_note: approximate; ...        (optional; free text)
    url: https://example.org/article   (optional; http or https only)
    cite: Ellis, Nov 2024              (optional; short citation, default "<surname> <year>")
    issues: [border, fentanyl, tariffs]
    ---

One ``key: value`` per line; blank lines and lines starting with ``#`` are ignored; a value may
be wrapped in matching quotes. ``date`` is ``YYYY-MM-DD`` or ``YYYY-MM``; when it was inferred
rather than printed on the source, ``date_note`` says so and, if the note contains the word
"approximate", citations show the date as "2023-08, approximate". ``issues`` is the one list:
``[a, b]``, ``a, b``, or YAML's block form (``issues:`` then ``- a`` lines).

The body is a short summary of the source, then one ``## <issue id>`` section per issue listed
in ``issues`` (no more, no fewer), each holding that source's points in the project's own words.
A section should open with a one-paragraph lead before its bullets: ``Baseline.summary`` joins
the leads of every seed into the plain-text paragraph the digest prints per issue (when a
section has no lead, its first bullet stands in). Leads were chosen over a separate per-issue
``summary:`` key because they keep each seed's view next to its evidence, and a reader of the
file sees exactly what the digest will say.

Folders are read in order and a later folder's file replaces an earlier one with the same stem,
so the bundled seeds come first and the user's folder second. Folders that do not exist are
skipped (most users never create one); ``README.md`` is skipped so a folder can document itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date as _date
from pathlib import Path

from briefer.errors import InputFileError

__all__ = [
    "Baseline",
    "BaselineNote",
    "Seed",
    "SeedError",
    "baselines",
    "load_seeds",
    "parse_seed",
]


class SeedError(InputFileError):
    """A seed file the user can fix."""


_REQUIRED = ("title", "author", "outlet", "date", "issues")
_OPTIONAL = ("date_note", "url", "cite")
_KNOWN = _REQUIRED + _OPTIONAL

_KEY_LINE = re.compile(r"([A-Za-z_][A-Za-z0-9_-]*)\s*:(.*)")
_ISSUE_ID = re.compile(r"[a-z0-9][a-z0-9_-]*")
_DATE = re.compile(r"(\d{4})-(\d{2})(?:-(\d{2}))?")
_SECTION = re.compile(r"##(?!#)\s*(.*?)\s*#*\s*")
_FENCE = re.compile(r"\s{0,3}(```|~~~)")
_HEADING = re.compile(r"(\s{0,3})(#{1,6})(\s)")
_BULLET = re.compile(r"\s{0,3}(?:[-*+]|\d+[.)])\s+")


@dataclass(frozen=True)
class Seed:
    """One seed document: where it came from, and what it says about each issue."""

    key: str  # the file stem; a user's file with the same stem replaces the bundled one
    title: str
    author: str
    outlet: str
    date: str  # "YYYY-MM-DD" or "YYYY-MM"
    url: str | None
    issues: tuple[str, ...]
    summary: str
    # A dict cannot be hashed; leaving it out of the hash keeps Seed usable in sets while
    # equality still compares it.
    sections: dict[str, str] = field(hash=False)
    path: Path
    date_note: str | None = None
    cite: str = ""

    @property
    def date_label(self) -> str:
        if self.date_note and "approximate" in self.date_note.lower():
            return f"{self.date}, approximate"
        return self.date

    @property
    def citation(self) -> str:
        """Plain text: "<title> — <author>, <outlet> (<date>)"."""
        return f"{self.title} — {self.author}, {self.outlet} ({self.date_label})"

    @property
    def citation_markdown(self) -> str:
        title = f"[{_escape_link_text(self.title)}]({self.url})" if self.url else self.title
        return f"{title} — {self.author}, {self.outlet} ({self.date_label})"


@dataclass(frozen=True)
class BaselineNote:
    """What one seed says about one issue."""

    seed: Seed
    markdown: str

    @property
    def lead(self) -> str:
        """The section's opening paragraph (or first bullet) as one line of plain text."""
        return _lead(self.markdown)


@dataclass(frozen=True)
class Baseline:
    """Everything the seeds say about one issue, newest source first."""

    issue_id: str
    notes: tuple[BaselineNote, ...]

    @property
    def markdown(self) -> str:
        if not self.notes:
            return "_No seed document covers this issue yet._\n"
        parts = [
            f"### From: {note.seed.citation_markdown}\n\n{_demote_headings(note.markdown)}"
            for note in self.notes
        ]
        return "\n\n".join(parts) + "\n"

    @property
    def summary(self) -> str:
        """One plain-text paragraph: each seed's lead, followed by its short citation."""
        if not self.notes:
            return f"No baseline analysis for {self.issue_id}: no seed document covers it."
        sentences = []
        for note in self.notes:
            lead = note.lead.rstrip()
            if not lead:
                continue
            # Put the citation inside the sentence: "... (Ellis, Nov 2024)." reads better
            # than a citation dangling after the full stop.
            end = lead[-1] if lead[-1] in ".!?" else "."
            body = lead[:-1] if lead[-1] in ".!?" else lead
            sentences.append(f"{body} ({note.seed.cite}){end}")
        return " ".join(sentences)


def load_seeds(dirs: Sequence[Path]) -> list[Seed]:
    """Read ``*.md`` from each folder in turn; a later folder's file overrides by stem.

    The result keeps first-seen order: bundled seeds in file-name order, a user's override in
    the place of the seed it replaces, then the user's new seeds.
    """
    found: dict[str, Seed] = {}
    for folder in map(Path, dirs):
        if not folder.exists():
            continue
        if not folder.is_dir():
            raise SeedError(folder, None, "expected a folder of seed .md files, found a file")
        for path in sorted(folder.glob("*.md")):
            # Editor backups and lock files (".#x.md") are not seeds.
            if path.name.startswith(".") or path.name.lower() == "readme.md":
                continue
            if not path.is_file():
                continue
            seed = parse_seed(path)
            found[seed.key] = seed
    return list(found.values())


def baselines(seeds: Iterable[Seed], issue_ids: Iterable[str]) -> dict[str, Baseline]:
    """One Baseline per requested issue, in the order asked; an issue no seed covers gets an
    empty Baseline rather than a missing key, so callers need no special case."""
    # Newest first: the reader's most current context comes first in the TUI and the digest.
    ordered = sorted(seeds, key=lambda s: s.key)
    ordered.sort(key=lambda s: s.date, reverse=True)
    result: dict[str, Baseline] = {}
    for issue_id in issue_ids:
        notes = tuple(
            BaselineNote(seed=s, markdown=s.sections[issue_id])
            for s in ordered
            if issue_id in s.sections
        )
        result[issue_id] = Baseline(issue_id=issue_id, notes=notes)
    return result


def parse_seed(path: Path) -> Seed:
    """Parse one seed file; any problem raises SeedError naming the file and line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise SeedError(path, None, "not UTF-8 text") from None
    except OSError as exc:
        raise SeedError(path, None, f"cannot be read ({exc.strerror or exc})") from None

    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        raise SeedError(path, "line 1", "expected '---' to open the front matter")
    close = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
    if close is None:
        raise SeedError(path, "line 1", "front matter is never closed; expected a '---' line")

    meta, meta_lines = _parse_front_matter(path, lines[1:close], first_line=2)
    for key in _REQUIRED:
        if key not in meta:
            raise SeedError(path, f"front matter key '{key}'", "missing; every seed needs it")

    def where(key: str) -> str:
        return f"line {meta_lines[key]}"

    for key in ("title", "author", "outlet"):
        if not isinstance(meta[key], str) or not meta[key]:
            raise SeedError(path, where(key), f"'{key}' needs a value")
    date_value = meta["date"]
    if not isinstance(date_value, str) or not _valid_date(date_value):
        raise SeedError(path, where("date"), f"date {date_value!r} is not YYYY-MM-DD or YYYY-MM")
    url = meta.get("url")
    if url is not None and (
        not isinstance(url, str) or not re.match(r"https?://\S+$", url, re.IGNORECASE)
    ):
        raise SeedError(path, where("url"), "url must be a single http:// or https:// address")
    issues = meta["issues"]
    if not isinstance(issues, tuple) or not issues:
        raise SeedError(path, where("issues"), "expected a list of issue ids, e.g. [border]")
    for issue_id in issues:
        if not _ISSUE_ID.fullmatch(issue_id):
            raise SeedError(
                path, where("issues"), f"{issue_id!r} is not an issue id (lowercase, _ or -)"
            )
    if len(set(issues)) != len(issues):
        raise SeedError(path, where("issues"), "an issue id is listed twice")

    summary, sections = _parse_body(path, lines, start=close + 1, issues=issues)
    for issue_id in issues:
        if issue_id not in sections:
            raise SeedError(
                path, where("issues"), f"lists '{issue_id}' but there is no '## {issue_id}' section"
            )

    author = str(meta["author"])
    cite = meta.get("cite")
    if not isinstance(cite, str) or not cite:
        cite = f"{author.split()[-1]} {date_value[:4]}"
    date_note = meta.get("date_note")
    return Seed(
        key=path.stem,
        title=str(meta["title"]),
        author=author,
        outlet=str(meta["outlet"]),
        date=date_value,
        url=url if isinstance(url, str) else None,
        issues=issues,
        summary=summary,
        sections=sections,
        path=path,
        date_note=date_note if isinstance(date_note, str) and date_note else None,
        cite=cite,
    )


def _parse_front_matter(
    path: Path, lines: list[str], first_line: int
) -> tuple[dict[str, str | tuple[str, ...]], dict[str, int]]:
    meta: dict[str, str | tuple[str, ...]] = {}
    where: dict[str, int] = {}
    block_list: list[str] | None = None  # collecting "- item" lines after a bare "issues:"
    for offset, raw in enumerate(lines):
        lineno = first_line + offset
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if block_list is not None and stripped.startswith("-"):
            item = _unquote(stripped[1:].strip())
            if not item:
                raise SeedError(path, f"line {lineno}", "empty list item; expected an issue id")
            block_list.append(item)
            continue
        if block_list is not None:
            meta["issues"] = tuple(block_list)
            block_list = None
        match = _KEY_LINE.fullmatch(stripped)
        if match is None:
            raise SeedError(path, f"line {lineno}", "expected 'key: value'")
        key, value = match.group(1), match.group(2).strip()
        if key not in _KNOWN:
            raise SeedError(
                path, f"line {lineno}", f"unknown key '{key}'; expected one of {', '.join(_KNOWN)}"
            )
        if key in meta or key in where:
            raise SeedError(path, f"line {lineno}", f"'{key}' is given twice")
        where[key] = lineno
        if key == "issues":
            if not value:
                block_list = []
                continue
            meta[key] = _parse_inline_list(path, lineno, value)
        else:
            meta[key] = _unquote(value)
    if block_list is not None:
        meta["issues"] = tuple(block_list)
    return meta, where


def _parse_inline_list(path: Path, lineno: int, value: str) -> tuple[str, ...]:
    if value.startswith("["):
        if not value.endswith("]"):
            raise SeedError(path, f"line {lineno}", "list opened with '[' is not closed by ']'")
        value = value[1:-1]
    items = tuple(_unquote(part.strip()) for part in value.split(","))
    if any(not item for item in items):
        raise SeedError(path, f"line {lineno}", "empty item in the issues list")
    return items


def _parse_body(
    path: Path, lines: list[str], start: int, issues: tuple[str, ...]
) -> tuple[str, dict[str, str]]:
    summary_lines: list[str] = []
    sections: dict[str, list[str]] = {}
    heading_line: dict[str, int] = {}
    current: list[str] = summary_lines
    in_fence = False
    for index in range(start, len(lines)):
        line = lines[index]
        lineno = index + 1
        if _FENCE.match(line):
            in_fence = not in_fence
        match = None if in_fence else _SECTION.fullmatch(line.rstrip())
        if match is None:
            current.append(line)
            continue
        issue_id = match.group(1)
        if issue_id not in issues:
            raise SeedError(
                path,
                f"line {lineno}",
                f"section '## {issue_id}' is not in the front matter's issues list",
            )
        if issue_id in sections:
            raise SeedError(
                path,
                f"line {lineno}",
                f"second '## {issue_id}' section (first at line {heading_line[issue_id]})",
            )
        heading_line[issue_id] = lineno
        current = sections[issue_id] = []

    summary = "\n".join(summary_lines).strip()
    if not summary:
        raise SeedError(
            path,
            f"line {start + 1}",
            "expected a short summary of the source before the first '## <issue id>' section",
        )
    bodies: dict[str, str] = {}
    for issue_id, body_lines in sections.items():
        body = "\n".join(body_lines).strip()
        if not body:
            raise SeedError(path, f"line {heading_line[issue_id]}", f"'## {issue_id}' is empty")
        bodies[issue_id] = body
    return summary, bodies


def _valid_date(value: str) -> bool:
    match = _DATE.fullmatch(value)
    if match is None:
        return False
    year, month, day = match.groups()
    try:
        _date(int(year), int(month), int(day) if day else 1)
    except ValueError:
        return False
    return True


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def _escape_link_text(text: str) -> str:
    return text.replace("[", r"\[").replace("]", r"\]")


def _demote_headings(markdown: str, floor: int = 4) -> str:
    """Push headings inside a note below the citation heading (###) so they nest under it."""
    out = []
    in_fence = False
    for line in markdown.splitlines():
        if _FENCE.match(line):
            in_fence = not in_fence
        match = None if in_fence else _HEADING.match(line)
        if match and len(match.group(2)) < floor:
            line = match.group(1) + "#" * floor + line[match.end(2) :]
        out.append(line)
    return "\n".join(out)


def _lead(markdown: str) -> str:
    """The first paragraph, or the first bullet's text, flattened to one plain-text line."""
    lines = markdown.strip().splitlines()
    while lines and (not lines[0].strip() or _HEADING.match(lines[0])):
        lines.pop(0)
    if not lines:
        return ""
    bullet = _BULLET.match(lines[0])
    block = [lines[0][bullet.end() :] if bullet else lines[0]]
    # A paragraph and a bullet both end at a blank line or where the next bullet starts.
    for line in lines[1:]:
        if not line.strip() or _BULLET.match(line):
            break
        block.append(line)
    return _plain(" ".join(part.strip() for part in block))


def _plain(text: str) -> str:
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)  # links and images keep their text
    text = re.sub(r"(\*\*|__)(.+?)\1", r"\2", text)
    text = re.sub(r"(?<![\w*])\*(?![\s*])(.+?)(?<![\s*])\*(?![\w*])", r"\1", text)
    text = text.replace("`", "")
    return re.sub(r"\s+", " ", text).strip()
