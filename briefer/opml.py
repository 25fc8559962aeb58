"""OPML 2.0 both ways: the format every feed reader imports and exports."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import urlsplit

from briefer.clock import utcnow
from briefer.config import FEED_KINDS, FeedConfig
from briefer.errors import InputFileError


class OpmlError(InputFileError):
    pass


@dataclass(frozen=True, slots=True)
class OpmlFeeds:
    """The feeds an OPML file lists, and the outlines left out with why ("a file: address")."""

    feeds: list[FeedConfig]
    skipped: Counter[str] = field(default_factory=Counter)

    def skipped_sentence(self) -> str:
        """E.g. "3 outlines skipped: 2 with a file: address, 1 without a feed address"."""
        total = sum(self.skipped.values())
        if not total:
            return ""
        reasons = ", ".join(f"{n} {why}" for why, n in self.skipped.most_common())
        return f"{total} outline{'s' if total != 1 else ''} skipped: {reasons}"


def read_opml(path: Path) -> OpmlFeeds:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise OpmlError(path, None, f"cannot read it ({exc.strerror})") from None
    return read_opml_bytes(data, path)


def parse_opml(data: bytes, path: Path | str = "OPML") -> list[FeedConfig]:
    return read_opml_bytes(data, path).feeds


def read_opml_bytes(data: bytes, path: Path | str = "OPML") -> OpmlFeeds:
    """Every outline with an xmlUrl, at any depth; categories (folders) are flattened.
    Outlines that are not web feeds are counted by reason, so the user hears of them."""
    if b"<!ENTITY" in data:
        # Entity declarations have no place in OPML and are how expansion attacks start.
        raise OpmlError(path, None, "entity declarations are not allowed in OPML")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        line, _col = exc.position
        raise OpmlError(path, f"line {line}", f"not valid XML ({exc.msg})") from None
    if root.tag != "opml" or root.find("body") is None:
        raise OpmlError(path, None, "expected an OPML file (<opml> with a <body>)")
    feeds: dict[str, FeedConfig] = {}
    skipped: Counter[str] = Counter()
    for outline in root.iter("outline"):
        url = (outline.get("xmlUrl") or outline.get("xmlurl") or "").strip()
        if not url:
            if len(outline) == 0:  # a folder holds outlines; an empty leaf is a dud
                skipped["without a feed address"] += 1
            continue
        if not url.lower().startswith(("http://", "https://")):
            scheme = urlsplit(url).scheme.lower()
            skipped[
                f"with a {scheme}: address"
                if scheme
                else "with an address that is not a web address"
            ] += 1
            continue
        if url in feeds:
            skipped["listed twice"] += 1
            continue
        text = (outline.get("title") or outline.get("text") or "").strip()
        title = None if text in ("", url) else text  # export writes the url when untitled
        category = (outline.get("category") or "").strip("/ ")
        kind = category if category in FEED_KINDS else None
        lang = (outline.get("language") or "").strip() or None
        feeds[url] = FeedConfig(url=url, title=title, kind=kind, lang=lang)
    return OpmlFeeds(list(feeds.values()), skipped)


def to_opml(feeds: Iterable[FeedConfig], *, now: datetime | None = None) -> str:
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = "briefer feeds"
    ET.SubElement(head, "dateCreated").text = format_datetime(now or utcnow())
    body = ET.SubElement(root, "body")
    for feed in feeds:
        attrs = {"type": "rss", "text": feed.title or feed.url, "xmlUrl": feed.url}
        if feed.title:
            attrs["title"] = feed.title
        if feed.kind:
            attrs["category"] = f"/{feed.kind}"
        if feed.lang:
            attrs["language"] = feed.lang
        ET.SubElement(body, "outline", attrs)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
