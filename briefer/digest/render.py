"""Render a `Digest` as Markdown, HTML, JSON or Atom.

Markdown, HTML and Atom come from the jinja2 templates in `briefer/templates/`; JSON is built
by `json_data` and described by `docs/digest.schema.json`.

Escaping is on by default in every format, so a template cannot forget it:
- HTML and Atom use jinja2's autoescape (Atom's HTML content is escaped twice: once as HTML
  inside the fragment, once more as XML text).
- Markdown sets jinja2's `finalize` to `markdown.md_escape`, so every `{{ value }}` is
  escaped unless a filter marked it `MdSafe` (only the link filters, which escape names
  and percent-encode links).
Links reaching a template are already http(s)-only (`sanitize.safe_link`); the filters check
again so the renderer alone is safe even for a hand-built model.
"""

from __future__ import annotations

import json
import uuid
from functools import cache
from typing import Any

import jinja2
from markupsafe import Markup, escape

from briefer.digest import filters
from briefer.digest.json_data import to_json_dict
from briefer.digest.markdown import MdSafe, md_autolink, md_escape, md_outlets, md_url
from briefer.digest.model import Digest
from briefer.sanitize import safe_link

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


def html_link(url: str | None) -> str:
    """For href: the http(s) URL or an empty string (the template then prints no link)."""
    return safe_link(url) or ""


def xml_text(value: Any) -> Markup:
    """Escape as XML text even when `value` is Markup (HTML content inside Atom)."""
    return escape(str(value))


def _common(env: jinja2.Environment) -> jinja2.Environment:
    env.filters.update(
        clock=filters.clock,
        iso=filters.iso,
        long_day=filters.long_day,
        plural=filters.plural,
        score=filters.score,
        spark=filters.spark,
        langs=filters.langs,
        when=filters.when,
        href=html_link,
        xmltext=xml_text,
    )
    env.globals.update(period_words=PERIOD_WORDS, digest_day=filters.digest_day)
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
    env.filters.update(mdurl=md_url, mdautolink=md_autolink, mdoutlets=md_outlets)
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
