"""The two readers behind parse_feed: the fast path (fastfeedparser) and feedparser.

Whichever reads a document, the items must come out the same: every corpus file is read
both ways and compared, and the fast path must turn down what it could get wrong.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree

from briefer.models import ParsedFeed
from briefer.parse import parse_feed, read
from briefer.parse_fast import HARDENED, read_fast
from briefer.parse_feedparser import read_feedparser
from briefer.parse_rules import build_feed
from tests.feeds import Entry, Raw, atom, billion_laughs, items, rss
from tests.shared import require_shared

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
URL = "https://feeds.example.com/news/rss.xml"
UTF8_RSS = "application/rss+xml; charset=utf-8"
FIELDS = ("title", "link", "guid", "published", "summary", "author", "outlet", "outlet_url")


def _content_type(body: bytes) -> str | None:
    """feedparser's test files name the Content-Type their test server would send."""
    m = re.search(rb"Header:\s*Content-type:\s*([^\r\n]+)", body[:2000], re.IGNORECASE)
    return m.group(1).decode("ascii", "replace").strip() if m else None


def _slow(body: bytes, content_type: str | None) -> ParsedFeed:
    raw = read_feedparser(body, url=URL, content_type=content_type)
    return build_feed(raw, url=URL, fetched_at=NOW)


def _worse(fast: ParsedFeed, slow: ParsedFeed) -> list[str]:
    """How the fast path's result falls short of feedparser's, field by field."""
    problems = []
    for name in ("title", "link", "ttl_minutes", "error", "warning"):
        if getattr(fast, name) != getattr(slow, name):
            problems.append(f"feed {name}: {getattr(fast, name)!r} != {getattr(slow, name)!r}")
    if len(fast.items) != len(slow.items):
        problems.append(f"{len(fast.items)} items != {len(slow.items)}")
    for a, b in zip(fast.items, slow.items, strict=False):
        for name in FIELDS:
            mine, theirs = getattr(a, name), getattr(b, name)
            # The one way to differ that is not worse: a date feedparser cannot read
            # (the item would fall back to the time it was fetched) that the fast path can.
            if name == "published" and theirs == NOW and mine < NOW:
                continue
            if mine != theirs:
                problems.append(f"{b.guid}: {name} {mine!r} != {theirs!r}")
    return problems


def test_every_corpus_file_reads_the_same_either_way() -> None:
    root = require_shared("corpus")
    files = sorted(p for p in root.rglob("*") if p.is_file())
    assert len(files) == 2132
    fast = 0
    failures = []
    for path in files:
        body = path.read_bytes()
        content_type = _content_type(body)
        chosen = parse_feed(body, url=URL, fetched_at=NOW, content_type=content_type)
        slow = _slow(body, content_type)
        reader = read(body, url=URL, content_type=content_type)[1]
        fast += reader == "fast"
        problems = _worse(chosen, slow)
        if problems:
            failures.append(f"{path.relative_to(root)} ({reader}): {'; '.join(problems[:3])}")
    assert not failures, "\n".join(failures[:20])
    # The comparison means something only if the fast path is taken: the corpus is mostly
    # feedparser's edge cases, but its plain feeds must go fast.
    assert fast >= 40


@pytest.mark.parametrize(
    "name",
    [
        "rbren__rss-parser/test/input/guardian.rss",
        "rbren__rss-parser/test/input/heise.atom",
        "danmactough__node-feedparser/test/feeds/tpm.atom",
        "miniflux__v2/internal/reader/parser/testdata/urdu_UTF8.xml",
    ],
)
def test_plain_real_feeds_take_the_fast_path(name: str) -> None:
    body = require_shared("corpus", "real-feeds", name).read_bytes()
    assert read(body, url=URL)[1] == "fast"


def test_an_ordinary_feed_takes_the_fast_path_and_reads_the_same() -> None:
    for body in (rss(items(50)), atom(items(50))):
        assert read(body, url=URL, content_type=UTF8_RSS)[1] == "fast"
        fast = parse_feed(body, url=URL, fetched_at=NOW, content_type=UTF8_RSS)
        assert len(fast.items) == 50
        assert _worse(fast, _slow(body, UTF8_RSS)) == []


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (rss(["Título"], encoding="iso-8859-1"), None),  # a charset other than UTF-8
        (rss(["Título"]), "application/rss+xml; charset=iso-8859-1"),
        (rss(["Title"]), "text/xml"),  # text/* without a charset is US-ASCII
        (rss(["Title"]), "text/html"),  # not XML: feedparser warns about it
        (rss(["Title"]).replace(b"Title", b"Ti\xe9tle"), None),  # not UTF-8 at all
        (rss([Entry("A\u0085B", link="https://x.org/1")]), None),  # C1: windows-1252 to feedparser
        (rss([Entry(Raw("Broken &nbsp; entity"), link="https://x.org/1")]), None),  # ill-formed
        (rss([Entry("T", link="https://x.org/1", extra="<summary>s</summary>")]), None),
        (rss([Entry("T", link="https://x.org/1", extra="<dc:title>d</dc:title>")]), None),
        (rss(["Only a title"]), None),  # no id and no link: known by its date as written
        (rss([], title="Quiet"), None),  # no entries: feedparser says why
        (
            atom([Entry("A", link="https://x.org/1")], extra='<entry xml:base="https://o.org/"/>'),
            None,
        ),
        (billion_laughs(3), None),
    ],
    ids=[
        "latin1-declared",
        "latin1-header",
        "text-xml",
        "text-html",
        "not-utf8",
        "c1",
        "ill-formed",
        "atom-in-rss",
        "dc-title",
        "no-id-no-link",
        "no-entries",
        "xml-base",
        "doctype",
    ],
)
def test_documents_the_fast_path_turns_down(body: bytes, content_type: str | None) -> None:
    assert read_fast(body, content_type=content_type) is None
    assert read(body, url=URL, content_type=content_type)[1] == "feedparser"


# ------------------------------------------------------------------ hardened XML parsing


def test_hardened_parser_does_not_expand_entities() -> None:
    started = time.monotonic()
    try:
        root = etree.fromstring(billion_laughs(9), parser=HARDENED)
    except etree.XMLSyntaxError:
        return  # refused outright: as good
    assert time.monotonic() - started < 1
    assert "lol" * 100 not in etree.tostring(root, encoding="unicode")


def test_hardened_parser_reads_no_external_entity(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0:secret")
    body = (
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>'
        '<rss version="2.0"><channel><title>t</title><item><title>x &xxe; y</title>'
        "<link>https://example.com/1</link></item></channel></rss>"
    ).encode()
    try:
        root = etree.fromstring(body, parser=HARDENED)
    except etree.XMLSyntaxError:
        pass
    else:
        assert "secret" not in etree.tostring(root, encoding="unicode")
    assert read_fast(body, content_type=None) is None
    parsed = parse_feed(body, url=URL, fetched_at=NOW)
    assert all("secret" not in i.title for i in parsed.items)


def test_hardened_parser_keeps_libxml2_limits() -> None:
    # huge_tree=False: libxml2 refuses nesting deeper than 256 levels.
    deep = b'<rss version="2.0"><channel><item><title>t</title><link>https://x.org/1</link>'
    deep += b"<x>" * 5000 + b"</x>" * 5000 + b"</item></channel></rss>"
    with pytest.raises(etree.XMLSyntaxError):
        etree.fromstring(deep, parser=HARDENED)
    assert read_fast(deep, content_type=None) is None
    parsed = parse_feed(deep, url=URL, fetched_at=NOW)
    assert parsed.error or parsed.items


def test_a_feed_body_that_is_a_url_is_not_fetched() -> None:
    # fastfeedparser fetches a str starting with http; the body is always bytes.
    parsed = parse_feed(b"http://127.0.0.1:9/feed.xml", url=URL, fetched_at=NOW)
    assert parsed.error and not parsed.items


# ------------------------------------------------------------------------------ outlets

GOOGLE_NEWS_ITEM = (
    "<item><title>Mexico answers the tariff threat - El Universal</title>"
    "<link>https://news.google.com/rss/articles/abc</link>"
    '<guid isPermaLink="false">CBMiabc</guid>'
    "<pubDate>Mon, 23 Nov 2026 10:00:00 GMT</pubDate>"
    "<description>&lt;a href=&quot;https://news.google.com/rss/articles/abc&quot;&gt;Mexico "
    "answers&lt;/a&gt;</description>"
    '<source url="https://www.eluniversal.com.mx">El Universal</source></item>'
)


def _google_news(encoding: str = "utf-8") -> bytes:
    return (
        f'<?xml version="1.0" encoding="{encoding}"?><rss version="2.0"><channel>'
        "<title>Google News</title><link>https://news.google.com/</link>"
        f"<description>Google News</description>{GOOGLE_NEWS_ITEM}</channel></rss>"
    ).encode(encoding)


@pytest.mark.parametrize(
    ("body", "reader"),
    [(_google_news(), "fast"), (_google_news("iso-8859-1"), "feedparser")],
)
def test_aggregator_source_becomes_the_outlet(body: bytes, reader: str) -> None:
    assert read(body, url=URL)[1] == reader
    item = parse_feed(body, url=URL, fetched_at=NOW).items[0]
    assert item.title == "Mexico answers the tariff threat"
    assert item.outlet == "El Universal"
    assert item.outlet_url == "https://www.eluniversal.com.mx"
    assert item.guid == "CBMiabc"


@pytest.mark.parametrize("encoding", ["utf-8", "iso-8859-1"], ids=["fast", "feedparser"])
def test_a_summary_that_only_repeats_the_headline_is_dropped(encoding: str) -> None:
    # Google News describes each item as its headline and outlet again.
    echo = (
        "&lt;a href=&quot;https://news.google.com/rss/articles/abc&quot;&gt;Mexico answers the "
        "tariff threat&lt;/a&gt;&amp;nbsp;&amp;nbsp;&lt;font color=&quot;#6f6f6f&quot;&gt;"
        "El Universal&lt;/font&gt;"
    )
    body = _google_news(encoding).replace(
        b"&lt;a href=&quot;https://news.google.com/rss/articles/abc&quot;&gt;Mexico "
        b"answers&lt;/a&gt;",
        echo.encode(),
    )
    item = parse_feed(body, url=URL, fetched_at=NOW).items[0]
    assert (item.title, item.summary) == ("Mexico answers the tariff threat", "")
    # A summary of its own stays.
    own = parse_feed(_google_news(encoding), url=URL, fetched_at=NOW).items[0]
    assert own.summary == "Mexico answers"


@pytest.mark.parametrize("fast", [True, False], ids=["fast", "feedparser"])
def test_atom_source_becomes_the_outlet(fast: bool) -> None:
    source = (
        "<source><title>Reuters</title><link href='https://www.reuters.com/'/>"
        "<id>tag:reuters</id></source>"
    )
    body = atom([Entry("Peso falls - Reuters", link="https://x.org/1", extra=source)])
    content_type = UTF8_RSS if fast else "text/html"
    assert read(body, url=URL, content_type=content_type)[1] == ("fast" if fast else "feedparser")
    item = parse_feed(body, url=URL, fetched_at=NOW, content_type=content_type).items[0]
    assert (item.title, item.outlet, item.outlet_url) == (
        "Peso falls",
        "Reuters",
        "https://www.reuters.com/",
    )


def test_without_a_source_a_named_suffix_is_the_outlet() -> None:
    body = rss([Entry("Senate votes on judges - Milenio", link="https://x.org/1")])
    item = parse_feed(body, url=URL, fetched_at=NOW, content_type=UTF8_RSS).items[0]
    assert (item.title, item.outlet, item.outlet_url) == ("Senate votes on judges", "Milenio", None)


# -------------------------------------------------------------------------------- links

TRICKY_LINKS = [
    "https://x.org/a/../b",
    "https://x.org/a/./b",
    "https://x.org/a;params",
    "https://x.org/a;",
    "https://x.org/a?",
    "https://x.org/a#",
    "https://x.org/a#frag",
    "https://x.org:8080/a",
    "https://x.org:99999/a",
    "https://user:pw@x.org/a",
    "HTTPS://X.ORG/A",
    "https://x.org/a b",
    " https://x.org/a",
    "https://x.org/a?b=1&amp;c=2",
    "https://x.org/a?b=1&c=2",
    "https://x.org",
    "https://x.org?q=1",
    "https://-/",
    "https:///a",
    "http://[::1]/a",
    "https://x.org/\u00e9",
    "javascript:alert(1)",
    "/relative/path",
    "//cdn.x.org/a",
    "a.html",
    "",
]


def test_the_quick_link_check_agrees_with_safe_link() -> None:
    from briefer.parse_rules import link
    from briefer.sanitize import safe_link

    links = list(TRICKY_LINKS)
    root = require_shared("corpus")
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        body = path.read_bytes()
        raw = read_feedparser(body, url=URL, content_type=_content_type(body))
        links += [e.link for e in raw.entries if e.link]
    links += [e.link for e in read_feedparser(rss(items(50)), url=URL, content_type=None).entries]
    assert len(links) > 500
    for value in links:
        for base in (URL, "http://feeds.example.com/"):
            assert link(value, base) == safe_link(value, base), value
