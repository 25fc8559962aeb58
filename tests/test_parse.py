"""parse.py: the shared corpus, hostile entries, dates, guids, links, errors and warnings."""

from __future__ import annotations

import pickle
import re
import unicodedata
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import pytest

from briefer.models import ParsedFeed
from briefer.parse import MAX_ITEMS, MAX_SUMMARY, MAX_TITLE, parse_feed
from tests.feeds import Entry, Raw, atom, billion_laughs, items, rss
from tests.shared import require_shared

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
URL = "https://feeds.example.com/news/rss.xml"


def parse(body: bytes, *, url: str = URL, fetched_at: datetime = NOW, **kw: str) -> ParsedFeed:
    return parse_feed(body, url=url, fetched_at=fetched_at, **kw)


def one(entry: Entry | str, *, atom_feed: bool = False) -> object:
    parsed = parse(atom([entry]) if atom_feed else rss([entry]))
    assert len(parsed.items) == 1, parsed
    return parsed.items[0]


_BIDI = {*range(0x202A, 0x202F), *range(0x2066, 0x206A)}


def assert_clean(parsed: ParsedFeed, fetched_at: datetime = NOW) -> None:
    """What every ParsedFeed promises the rest of briefer, whatever the input was."""
    assert isinstance(parsed, ParsedFeed)
    assert not (parsed.items and parsed.error)
    guids = [i.guid for i in parsed.items]
    assert len(guids) == len(set(guids)), "duplicate guids"
    texts = [(parsed.title, False)]
    for item in parsed.items:
        assert item.guid
        assert len(item.title) <= MAX_TITLE
        assert len(item.summary) <= MAX_SUMMARY
        assert item.link is None or re.match(r"https?://[^/\s]", item.link), item.link
        assert item.published.tzinfo is not None
        assert item.published.utcoffset() == timedelta(0)
        assert item.published <= fetched_at
        texts += [(item.title, False), (item.summary, True), (item.author, False)]
    for text, multiline in texts:
        for ch in text:
            if multiline and ch == "\n":
                continue
            assert unicodedata.category(ch) not in ("Cc", "Cs"), repr(text)
            assert ord(ch) not in _BIDI, repr(text)
        assert text == text.strip()


# ------------------------------------------------------------------------------ corpus


def _content_type(body: bytes) -> str | None:
    """feedparser's test files name the Content-Type their test server would send."""
    m = re.search(rb"Header:\s*Content-type:\s*([^\r\n]+)", body[:2000], re.IGNORECASE)
    return m.group(1).decode("ascii", "replace").strip() if m else None


def test_every_feedparser_test_file_parses() -> None:
    root = require_shared("corpus", "feedparser-tests")
    files = sorted(p for p in root.rglob("*") if p.is_file())
    assert len(files) > 2000
    outcomes = {"items": 0, "error": 0, "empty": 0}
    failures = []
    for path in files:
        body = path.read_bytes()
        try:
            parsed = parse(body, content_type=_content_type(body) or "")
            assert_clean(parsed)
        except Exception as exc:  # report every file that fails, not just the first
            failures.append(f"{path.relative_to(root)}: {exc!r}")
            continue
        outcomes["items" if parsed.items else "error" if parsed.error else "empty"] += 1
    assert not failures, "\n".join(failures[:20])
    # Most of feedparser's cases test feed-level elements and carry no entries; those
    # that do must yield items, and ill-formed ones with nothing usable an error.
    assert outcomes["items"] > 500
    assert outcomes["error"] > 200


def test_illformed_files_say_why() -> None:
    root = require_shared("corpus", "feedparser-tests", "illformed")
    said = [parse(p.read_bytes()) for p in sorted(root.rglob("*.xml"))]
    with_reason = [p for p in said if p.error or p.warning]
    assert len(with_reason) >= 12
    for parsed in with_reason:
        reason = parsed.error or parsed.warning or ""
        assert len(reason) <= 200
        assert "\n" not in reason


REAL = "real-feeds"
# path under real-feeds/ -> (items, error expected, warning expected)
REAL_FEEDS = {
    "rbren__rss-parser/test/input/guardian.rss": (55, False, False),
    "rbren__rss-parser/test/input/uolNoticias.rss": (15, False, True),
    "rbren__rss-parser/test/input/encoding.rss": (40, False, False),
    "rbren__rss-parser/test/input/heise.atom": (15, False, False),
    "feed-rs__feed-rs/feed-rs/fixture/rss2/rss_2.0_invalid_1.xml": (0, True, False),
    "feed-rs__feed-rs/feed-rs/fixture/rss2/rss_2.0_nbcny.xml": (1, False, False),
    "feed-rs__feed-rs/feed-rs/fixture/rss2/rss_2.0_spiegel.xml": (1, False, False),
    "feed-rs__feed-rs/feed-rs/fixture/rss2/rss_2.0_ilgiornale.xml": (1, False, False),
    "feed-rs__feed-rs/feed-rs/fixture/rss2/rss_2.0_ilmessaggero.xml": (1, False, False),
    "feed-rs__feed-rs/feed-rs/fixture/rss2/rss_2.0_encoding_1.xml": (1, False, False),
    "feed-rs__feed-rs/feed-rs/fixture/rss0/rss_0.91_encoding_2.xml": (1, False, False),
    "feed-rs__feed-rs/feed-rs/fixture/rss1/rss_1.0_iso8859.xml": (1, False, False),
    "danmactough__node-feedparser/test/feeds/category-feed.xml": (1, False, False),
    "danmactough__node-feedparser/test/feeds/mediacontent-dupes.xml": (1, False, False),
    "danmactough__node-feedparser/test/feeds/tpm.atom": (20, False, False),
    "danmactough__node-feedparser/test/feeds/wapowellness.xml": (29, False, False),
    "danmactough__node-feedparser/test/feeds/iconv.xml": (10, False, False),
    "danmactough__node-feedparser/test/feeds/compressed.xml": (0, True, False),
    # 20 <item> openings, 10 real stories: the rest are empty husks of bad nesting.
    "danmactough__node-feedparser/test/feeds/illegally-nested.xml": (10, False, False),
    "danmactough__node-feedparser/test/feeds/saxerror.xml": (3, False, True),
    "miniflux__v2/internal/reader/parser/testdata/urdu_UTF8.xml": (26, False, False),
    # One of its 10 <item>s is empty (a date and nothing else).
    "miniflux__v2/internal/reader/parser/testdata/no_encoding_ISO-8859-1.xml": (9, False, True),
    "miniflux__v2/internal/reader/parser/testdata/encoding_WINDOWS-1251.xml": (50, False, False),
    "miniflux__v2/internal/reader/parser/testdata/rdf_UTF8.xml": (60, False, False),
}


def test_real_feed_list_is_complete() -> None:
    root = require_shared("corpus", REAL)
    on_disk = {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}
    assert on_disk == set(REAL_FEEDS)


@pytest.mark.parametrize("name", sorted(REAL_FEEDS))
def test_real_feed(name: str) -> None:
    path = require_shared("corpus", REAL, name)
    count, error, warning = REAL_FEEDS[name]
    parsed = parse(path.read_bytes())
    assert_clean(parsed)
    assert len(parsed.items) == count
    assert bool(parsed.error) == error, parsed.error
    assert bool(parsed.warning) == warning, parsed.warning
    if parsed.error:
        assert parsed.error.startswith("not a feed: ")
    for item in parsed.items:
        assert item.title


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("danmactough__node-feedparser/test/feeds/iconv.xml", "Новости Оренбурга"),
        ("rbren__rss-parser/test/input/encoding.rss", "Jornal de Notícias"),
        ("miniflux__v2/internal/reader/parser/testdata/urdu_UTF8.xml", "BBC News اردو"),
        ("miniflux__v2/internal/reader/parser/testdata/encoding_WINDOWS-1251.xml", "iBash"),
    ],
)
def test_real_feed_encodings_decode(name: str, title: str) -> None:
    parsed = parse(require_shared("corpus", REAL, name).read_bytes())
    assert parsed.title.startswith(title)


def test_real_feed_details() -> None:
    path = require_shared("corpus", REAL, "rbren__rss-parser/test/input/guardian.rss")
    parsed = parse(path.read_bytes())
    first = parsed.items[0]
    assert first.link and first.link.startswith("https://www.theguardian.com/")
    assert first.guid == first.link
    assert first.published == datetime(2018, 1, 31, 7, 26, 5, tzinfo=UTC)
    assert first.author == "David Smith in Washington"
    assert "<" not in first.summary
    assert first.summary.startswith("The president’s ‘new American moment’")


# ------------------------------------------------------------------------ hostile entries


@pytest.mark.parametrize(
    "title",
    [
        "\x1b[31mRed\x1b[0m alert",
        "\x1b]8;;http://x\x07Red\x1b]8;;\x07 alert",
        "\x1b]0;pwned\x07Red alert",
        Raw("&#x1b;[31mRed&#x1b;[0m alert"),
        Raw("&#27;[31mRed&#27;[0m alert"),
        Raw("&#x1b;]0;pwned&#x07;Red alert"),
        "\u202eRed\u202c \u2066alert\u2069",
    ],
)
@pytest.mark.parametrize("atom_feed", [False, True], ids=["rss", "atom"])
def test_hostile_titles_become_plain(title: str, atom_feed: bool) -> None:
    item = one(Entry(title, link="https://example.com/1"), atom_feed=atom_feed)
    assert item.title == "Red alert"  # type: ignore[attr-defined]


def test_escaped_references_in_atom_text_stay_literal() -> None:
    # type="text" means what it says: "&amp;#x1b;" is the six characters "&#x1b;".
    item = one(Entry(Raw("&amp;#x1b;[31mRed"), link="https://example.com/1"), atom_feed=True)
    assert item.title == "&#x1b;[31mRed"  # type: ignore[attr-defined]


@pytest.mark.parametrize("atom_feed", [False, True], ids=["rss", "atom"])
def test_c1_controls_in_titles_are_neutralised(atom_feed: bool) -> None:
    # feedparser maps C1 code points in UTF-8 text to their windows-1252 look-alikes
    # (U+009B becomes "›"); either way no C1 control reaches the terminal.
    item = one(Entry("\u009b31mRed\u0085 \u0090alert", link="https://x.org/1"), atom_feed=atom_feed)
    assert item.title.endswith("alert")  # type: ignore[attr-defined]
    assert not any(0x80 <= ord(c) <= 0x9F for c in item.title)  # type: ignore[attr-defined]


def test_escaped_references_in_rss_html_title() -> None:
    # Escaped twice: an HTML reference inside XML text, which RSS titles often are.
    item = one(Entry(Raw("&amp;#x1b;[31mRed&amp;#27;[0m alert"), link="https://x.org/1"))
    assert item.title == "Red alert"  # type: ignore[attr-defined]


def test_hostile_summary_author_and_feed_title() -> None:
    body = rss(
        [
            Entry(
                "Title",
                link="https://example.com/1",
                summary="<p>\x1b[2JBody\x1b]0;x\x07 &#x1b;[5mtext</p>",
                author="\x1b[31mJane\u202e",
            )
        ],
        title="\x1b]0;feed\x07Feed\x1b[0m",
    )
    parsed = parse(body)
    assert parsed.title == "Feed"
    assert parsed.items[0].summary == "Body text"
    assert parsed.items[0].author == "Jane"
    assert_clean(parsed)


@pytest.mark.parametrize(
    "text", ["[@click=app.quit]x[/]", "[link=file:///etc/passwd]y[/link]", "[b]bold[/b]"]
)
def test_rich_markup_is_kept_as_literal_text(text: str) -> None:
    item = one(Entry(text, link="https://example.com/1", summary="Said: " + text))
    assert item.title == text  # type: ignore[attr-defined]
    assert item.summary == "Said: " + text  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "link",
    [
        "javascript:alert(1)",
        " JavaScript:alert(1)",
        Raw("&#106;avascript:alert(1)"),
        "data:text/html,<script>alert(1)</script>",
        "file:///etc/passwd",
        "vbscript:msgbox(1)",
    ],
)
@pytest.mark.parametrize("atom_feed", [False, True], ids=["rss", "atom"])
def test_unsafe_links_are_dropped(link: str, atom_feed: bool) -> None:
    item = one(Entry("Title", link=link, guid="urn:g1"), atom_feed=atom_feed)
    assert item.link is None  # type: ignore[attr-defined]
    assert item.guid == "urn:g1"  # type: ignore[attr-defined]


def test_html_summary_is_stripped_and_decoded() -> None:
    summary = (
        "<p>Tariffs &amp; trade: <b>USMCA</b> review&nbsp;starts.</p>"
        "<script>alert(1)</script><style>p{}</style>"
        '<p>Más información <a href="javascript:x">aquí</a> &#8212; &eacute;xito</p>'
    )
    item = one(Entry("Title", link="https://example.com/1", summary=summary))
    assert item.summary == (  # type: ignore[attr-defined]
        "Tariffs & trade: USMCA review starts.\nMás información aquí — éxito"
    )


def test_html_title_is_stripped() -> None:
    item = one(Entry("<b>Bold</b> &amp; <i>brave</i>", link="https://example.com/1"))
    assert item.title == "Bold & brave"  # type: ignore[attr-defined]


def test_content_encoded_when_no_description() -> None:
    item = one(Entry("T", link="https://example.com/1", content="<p>Full <b>story</b></p>"))
    assert item.summary == "Full story"  # type: ignore[attr-defined]


def test_missing_title_comes_from_summary() -> None:
    item = one(Entry(None, link="https://example.com/1", summary="<p>Only a body here.</p>"))
    assert item.title == "Only a body here."  # type: ignore[attr-defined]


def test_caps() -> None:
    item = one(Entry("word " * 200, link="https://example.com/1", summary="<p>x y</p>" * 2000))
    assert len(item.title) <= MAX_TITLE  # type: ignore[attr-defined]
    assert item.title.endswith("…")  # type: ignore[attr-defined]
    assert len(item.summary) <= MAX_SUMMARY  # type: ignore[attr-defined]
    assert "\n" not in item.title  # type: ignore[attr-defined]


def test_billion_laughs_does_not_expand() -> None:
    parsed = parse(billion_laughs(9))
    assert_clean(parsed)
    assert all(len(i.title) < 100 and "lol" * 100 not in i.summary for i in parsed.items)
    assert "lol" * 100 not in parsed.title


def test_external_entities_are_not_read() -> None:
    body = (
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        b'<rss version="2.0"><channel><title>t</title><item><title>x &xxe; y</title>'
        b"<link>https://example.com/1</link></item></channel></rss>"
    )
    parsed = parse(body)
    assert all("root:" not in i.title for i in parsed.items)


def test_body_that_looks_like_a_path_is_not_opened() -> None:
    # feedparser.parse(bytes) would try to open() these as files.
    for body in (b"/etc/passwd", b"/etc/hostname", str(Path(__file__)).encode()):
        parsed = parse(body)
        assert parsed.error and not parsed.items


# --------------------------------------------------------------------------------- dates


def test_dates_are_utc() -> None:
    item = one(Entry("T", link="https://x.org/1", published="Mon, 06 Jan 2025 10:00:00 -0600"))
    assert item.published == datetime(2025, 1, 6, 16, 0, tzinfo=UTC)  # type: ignore[attr-defined]


def test_atom_updated_is_used_without_published() -> None:
    body = atom(
        [Entry("T", link="https://x.org/1", extra="<updated>2025-03-01T08:30:00+01:00</updated>")]
    )
    assert parse(body).items[0].published == datetime(2025, 3, 1, 7, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    "published",
    [
        None,
        "not a date",
        "Mon, 06 Jan 3025 10:00:00 GMT",  # far future
        (NOW + timedelta(hours=3)).strftime("%a, %d %b %Y %H:%M:%S GMT"),  # ahead of us
        "Thu, 01 Jan 1970 00:00:00 GMT",  # epoch zero: a missing date in disguise
    ],
)
def test_missing_or_absurd_dates_become_fetched_at(published: str | None) -> None:
    item = one(Entry("T", link="https://x.org/1", published=published))
    assert item.published == NOW  # type: ignore[attr-defined]


def test_naive_fetched_at_is_taken_as_utc() -> None:
    parsed = parse(rss([Entry("T", link="https://x.org/1")]), fetched_at=NOW.replace(tzinfo=None))
    assert parsed.items[0].published == NOW


# --------------------------------------------------------------------------------- guids


def test_guids_are_stable_across_parses_and_addresses() -> None:
    body = rss(
        [
            Entry("With id", guid="tag:example.com,2026:1", link="https://x.org/1"),
            Entry("With link only", link="https://x.org/2"),
            Entry("Bare", published="Mon, 06 Jan 2025 10:00:00 GMT"),
            Entry("Bare and undated"),
        ]
    )
    first = parse(body, fetched_at=NOW)
    again = parse(body, url="https://mirror.example.net/rss", fetched_at=NOW + timedelta(hours=5))
    assert [i.guid for i in first.items] == [i.guid for i in again.items]
    guids = [i.guid for i in first.items]
    assert guids[0] == "tag:example.com,2026:1"
    assert guids[1] == "https://x.org/2"
    assert guids[2].startswith("sha1:") and guids[3].startswith("sha1:")
    assert len(set(guids)) == 4


def test_relative_guids_are_kept_as_written() -> None:
    # Not resolved against the feed's address, which can change with a redirect.
    body = rss(
        [
            Entry("A", guid="item-17", link="https://x.org/1"),
            Entry("B", link="https://x.org/2", extra="<guid>item-18</guid>"),  # a "permalink"
        ]
    )
    for url in (URL, "https://elsewhere.example.org/feed"):
        assert [i.guid for i in parse(body, url=url).items] == ["item-17", "item-18"]


def test_duplicate_guids_are_dropped() -> None:
    body = rss(
        [
            Entry("First", guid="same", link="https://x.org/1"),
            Entry("Second", guid="same", link="https://x.org/2"),
            Entry("Third", guid="other", link="https://x.org/3"),
        ]
    )
    assert [i.title for i in parse(body).items] == ["First", "Third"]


def test_overlong_guid_is_hashed() -> None:
    item = one(Entry("T", guid="g" * 5000, link="https://x.org/1"))
    assert item.guid.startswith("sha1:")  # type: ignore[attr-defined]


# --------------------------------------------------------------------------------- links


def test_relative_links_resolve_against_the_feed_url() -> None:
    body = rss(
        [Entry("A", link="/2026/11/a"), Entry("B", link="b.html"), Entry("C", link="//cdn.x/c")],
        link="/",
    )
    parsed = parse(body)
    assert [i.link for i in parsed.items] == [
        "https://feeds.example.com/2026/11/a",
        "https://feeds.example.com/news/b.html",
        "https://cdn.x/c",
    ]
    assert parsed.link == "https://feeds.example.com/"


def test_atom_xml_base_is_honoured() -> None:
    body = atom(
        [Entry("A", link="a.html", extra="")],
        extra='<entry xml:base="https://other.example.org/dir/"><title>B</title>'
        '<link href="b.html"/><id>b</id></entry>',
    )
    links = {i.title: i.link for i in parse(body).items}
    assert links == {
        "A": "https://feeds.example.com/news/a.html",
        "B": "https://other.example.org/dir/b.html",
    }


# ------------------------------------------------------------------- errors and warnings


def test_valid_feed_with_no_entries_is_fine() -> None:
    parsed = parse(rss([], title="Quiet feed", ttl=45))
    assert parsed.items == []
    assert parsed.error is None and parsed.warning is None
    assert parsed.title == "Quiet feed"
    assert parsed.ttl_minutes == 45


@pytest.mark.parametrize("ttl", ["0", "-5", "soon", "99999999"])
def test_bad_ttl_is_ignored(ttl: str) -> None:
    assert parse(rss(["A"], extra=f"<ttl>{ttl}</ttl>")).ttl_minutes is None


def test_illformed_feed_with_entries_gets_a_warning() -> None:
    body = rss([Entry("Good", link="https://x.org/1"), Entry(Raw("Broken &nbsp; entity"))])
    parsed = parse(body)
    assert [i.title for i in parsed.items] == ["Good", "Broken entity"]
    assert parsed.error is None
    assert parsed.warning and "undefined entity" in parsed.warning


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (
            b"<html><head><title>Oops</title></head><body><p>Not found</p></body></html>",
            "text/html",
        ),
        (b'<?xml version="1.0"?><rss version="2.0"><channel><title>cut', None),
        (b'{"version": "https://jsonfeed.org/version/1", "items": []}', "application/json"),
        (b"\x1f\x8b\x08\x00binary garbage", None),
    ],
)
def test_not_a_feed_is_an_error(body: bytes, content_type: str | None) -> None:
    parsed = parse(body, content_type=content_type or "")
    assert parsed.items == []
    assert parsed.error and parsed.error.startswith("not a feed: ")
    assert len(parsed.error) < 200


def test_well_formed_xml_that_is_not_a_feed() -> None:
    parsed = parse(b'<?xml version="1.0"?><catalog><book>x</book></catalog>')
    assert parsed.error == "not a feed: no RSS or Atom content found"


@pytest.mark.parametrize("body", [b"", b"   \n"])
def test_empty_body(body: bytes) -> None:
    assert parse(body).error == "the server sent an empty response"


def test_content_type_charset_is_used() -> None:
    body = rss(["Новости: граница"], declaration=False, encoding="windows-1251")
    parsed = parse(body, content_type="application/rss+xml; charset=windows-1251")
    assert parsed.items[0].title == "Новости: граница"


def test_wrong_declared_charset_is_a_warning() -> None:
    body = rss(["Política y aranceles"], encoding="utf-8").replace(
        "Política".encode(), "Política".encode("latin-1")
    )
    parsed = parse(body)
    assert parsed.items and parsed.items[0].title == "Política y aranceles"
    assert parsed.warning and "encoding" in parsed.warning


# ------------------------------------------------------------------------- process pool


def test_parse_feed_runs_in_a_process_pool() -> None:
    body = rss(items(50))
    assert pickle.loads(pickle.dumps(parse_feed)) is parse_feed
    with ProcessPoolExecutor(max_workers=1) as pool:
        parsed = pool.submit(partial(parse_feed, body, url=URL, fetched_at=NOW)).result()
    assert parsed == parse(body)
    assert len(parsed.items) == 50
    assert_clean(parsed)


def test_runaway_feed_is_capped() -> None:
    body = rss([Entry(f"Story {i}", link=f"https://x.org/{i}") for i in range(MAX_ITEMS + 5)])
    parsed = parse(body)
    assert len(parsed.items) == MAX_ITEMS
    assert parsed.items[0].title == "Story 0"
    assert parsed.warning == f"only the first {MAX_ITEMS} of {MAX_ITEMS + 5} entries were kept"
