"""Markdown escaping for the digest: every value is literal text unless marked `MdSafe`.

The Markdown template's environment uses `md_escape` as jinja2's `finalize`, so every
`{{ value }}` is escaped unless a filter here returned `MdSafe` (only links, which are
percent-encoded).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from briefer.digest.model import DigestOutlet
from briefer.sanitize import safe_link


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
    safe = safe_link(url)
    return MdSafe(_encode_url(safe) if safe else "")


def md_autolink(url: str | None) -> MdSafe:
    safe = safe_link(url)
    return MdSafe(f"<{_encode_url(safe)}>" if safe else md_escape(url))


def md_outlets(outlets: Sequence[DigestOutlet], limit: int) -> MdSafe:
    """ "Reuters, El País, +3 more": each outlet linked to its own copy of the story."""
    parts = []
    for outlet in outlets[:limit]:
        url = md_url(outlet.link)
        name = md_escape(outlet.name)
        parts.append(f"[{name}]({url})" if url else name)
    if len(outlets) > limit:
        parts.append(f"+{len(outlets) - limit} more")
    return MdSafe(", ".join(parts))
