"""Render a `digest.Digest` as Markdown, HTML, JSON or Atom.

Markdown, HTML and Atom come from the jinja2 templates in `briefer/templates/`; JSON is built
from the model with json.dumps and described by `docs/digest.schema.json`.

Escaping is on by default in every format, so a template cannot forget it:
- HTML and Atom use jinja2's autoescape (Atom's HTML content is escaped twice: once as HTML
  inside the fragment, once more as XML text).
- Markdown sets jinja2's `finalize` to `md_escape`, so every `{{ value }}` is escaped unless a
  filter marked it `MdSafe` (only `mdurl` and `mdautolink`, which percent-encode).
Links reaching a template are already http(s)-only (`digest.safe_http_link`); the filters check
again so the renderer alone is safe even for a hand-built model.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import date, datetime
from functools import cache
from typing import Any
from urllib.parse import quote

import jinja2
from markupsafe import Markup, escape

from briefer.digest import Digest, safe_http_link

__all__ = [
    "EXTENSIONS",
    "FORMATS",
    "MEDIA_TYPES",
    "SCHEMA_VERSION",
    "MdSafe",
    "md_escape",
    "render",
    "to_json_dict",
]

SCHEMA_VERSION = 1
FORMATS = ("md", "html", "json", "atom")
EXTENSIONS = {"md": "md", "html": "html", "json": "json", "atom": "atom"}
MEDIA_TYPES = {
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "json": "application/json",
    "atom": "application/atom+xml",
}
FEED_NAMESPACE = uuid.UUID("5f0b1c53-7a55-4b8e-9d3e-2b6f0c1e7d41")

PERIOD_WORDS = {
    "day": "the whole day",
    "since": "until now",
    "since-last-export": "since the last exported digest",
    "last-24h": "the last 24 hours (first digest)",
}
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


# -- Markdown escaping ------------------------------------------------------------------------


class MdSafe(str):
    """Text already safe to place in Markdown as it is."""

    __slots__ = ()


# Characters that mean something inline in CommonMark/GFM: emphasis, code, links, images,
# raw HTML, strikethrough, tables, escapes. Each gets a backslash.
_MD_INLINE = re.compile(r"([\\`*_\[\]<>|~#])")
# An entity reference would be decoded ("&lt;script&gt;" shows as "<script>" text): escape it.
_MD_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
# At the start of a line these begin a block (list, heading, quote, setext underline).
_MD_LINE_START = re.compile(r"^([-+=>]|\d+(?=[.)]))")
_MD_ANY = re.compile(r"[\\`*_\[\]<>|~#&]")


def md_escape(value: Any) -> str:
    """Literal text in Markdown: one line, nothing in it can become markup or HTML."""
    if value is None:
        return ""
    if isinstance(value, MdSafe):
        return value
    if isinstance(value, int | float):
        return str(value)
    text = " ".join(str(value).split())
    if _MD_ANY.search(text):
        text = _MD_INLINE.sub(r"\\\1", text)
        text = _MD_ENTITY.sub(r"\\&", text)
    match = _MD_LINE_START.match(text)
    if match:
        if match.group(1).isdigit():
            text = text[: match.end()] + "\\" + text[match.end() :]
        else:
            text = "\\" + text
    return text


def _encode_url(url: str) -> str:
    # Keep the URL's structure; percent-encode what could end a Markdown link or autolink.
    return quote(url, safe=":/?#@!$&'*+,;=%-._~")


def md_url(url: str | None) -> MdSafe:
    safe = safe_http_link(url)
    return MdSafe(_encode_url(safe) if safe else "")


def md_autolink(url: str | None) -> MdSafe:
    safe = safe_http_link(url)
    return MdSafe(f"<{_encode_url(safe)}>" if safe else md_escape(url))


def md_sources(sources: Any) -> MdSafe:
    """ "Feed A, Feed B": each feed's name linked to its own copy of the story."""
    parts = []
    for src in sources:
        url = md_url(src.link)
        name = md_escape(src.feed_title)
        parts.append(f"[{name}]({url})" if url else name)
    return MdSafe(", ".join(parts))


# -- shared filters -------------------------------------------------------------------------------


def clock(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%d %H:%M")


def iso(dt: datetime) -> str:
    return dt.isoformat(timespec="seconds")


def long_day(day: date) -> str:
    return f"{_DAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]} {day.year}"


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"


def score(value: float) -> str:
    return f"{value:.0f}"


def html_link(url: str | None) -> str:
    """For href: the http(s) URL or an empty string (the template then prints no link)."""
    return safe_http_link(url) or ""


def xml_text(value: Any) -> Markup:
    """Escape as XML text even when `value` is Markup (HTML content inside Atom)."""
    return escape(str(value))


def _digest_day(d: Digest) -> date:
    # A calendar-day digest is named for its day; any other for the day it ends.
    return d.start.date() if d.period_kind == "day" else d.end.date()


def _common(env: jinja2.Environment) -> jinja2.Environment:
    env.filters.update(
        clock=clock,
        iso=iso,
        long_day=long_day,
        plural=plural,
        score=score,
        href=html_link,
        xmltext=xml_text,
    )
    env.globals.update(period_words=PERIOD_WORDS, digest_day=_digest_day)
    return env


@cache
def _markdown_env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("briefer", "templates"),
        autoescape=False,  # Markdown escaping is done by finalize, for every value
        finalize=md_escape,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters.update(mdurl=md_url, mdautolink=md_autolink, mdsources=md_sources)
    env.globals.update(br=MdSafe("  "))
    return _common(env)


@cache
def _markup_env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("briefer", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    return _common(env)


def _atom_context(d: Digest) -> dict[str, Any]:
    span = f"{d.start.isoformat()}/{d.end.isoformat()}"
    return {
        "feed_id": FEED_NAMESPACE.urn,
        "entry_id": lambda key: uuid.uuid5(FEED_NAMESPACE, f"{span}/{key}").urn,
    }


# -- JSON ---------------------------------------------------------------------------------------


def to_json_dict(d: Digest) -> dict[str, Any]:
    """The digest as plain JSON data; docs/digest.schema.json describes it."""
    return {
        "schema_version": SCHEMA_VERSION,
        "generated": iso(d.generated),
        "period": {
            "start": iso(d.start),
            "end": iso(d.end),
            "timezone": d.timezone,
            "kind": d.period_kind,
        },
        "totals": {
            "issues": len(d.sections),
            "issues_with_news": d.active_issue_count,
            "stories": d.story_count,
            "items": d.item_count,
            "matches": d.match_count,
            "sources": d.source_count,
            "feed_problems": len(d.problems),
        },
        "issues": [
            {
                "id": s.issue_id,
                "title": s.title,
                "baseline": s.baseline,
                "match_count": s.match_count,
                "story_count": s.story_count,
                "omitted": s.omitted,
                "entries": [
                    {
                        "item_id": e.item_id,
                        "title": e.title,
                        "summary": e.summary,
                        "link": safe_http_link(e.link),
                        "published": iso(e.published),
                        "score": e.score,
                        "terms": list(e.terms),
                        "sources": [
                            {
                                "feed_title": src.feed_title,
                                "feed_url": src.feed_url,
                                "item_id": src.item_id,
                                "title": src.title,
                                "link": safe_http_link(src.link),
                                "published": iso(src.published),
                            }
                            for src in e.sources
                        ],
                    }
                    for e in s.entries
                ],
            }
            for s in d.sections
        ],
        "feed_problems": [
            {
                "title": p.title,
                "url": p.url,
                "error": p.error,
                "error_count": p.error_count,
                "disabled": p.disabled,
                "disabled_reason": p.disabled_reason,
                "last_polled": iso(p.last_polled) if p.last_polled else None,
            }
            for p in d.problems
        ],
    }


# -- entry point ---------------------------------------------------------------------------------


def render(d: Digest, fmt: str) -> str:
    """The digest as text in `fmt` (one of FORMATS)."""
    if fmt == "json":
        return json.dumps(to_json_dict(d), ensure_ascii=False, indent=2) + "\n"
    if fmt == "md":
        return _markdown_env().get_template("digest.md.j2").render(d=d)
    if fmt == "html":
        return _markup_env().get_template("digest.html.j2").render(d=d)
    if fmt == "atom":
        return _markup_env().get_template("digest.atom.j2").render(d=d, **_atom_context(d))
    raise ValueError(f"unknown digest format {fmt!r}; expected one of {', '.join(FORMATS)}")
