"""The digest model and its four renderings: golden files, safety, schema, Atom round trip.

Fixture databases are built through the store's write path (tests/factory.py), except the
hostile rows, which are written straight into SQL to prove the renderer itself is safe even
if the sanitiser upstream missed something.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta, timezone
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import feedparser
import jsonschema
import pytest
import tzlocal
from markdown_it import MarkdownIt
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode

from briefer.config import Config, DigestSettings, Paths, load_config
from briefer.digest import (
    Digest,
    Period,
    build_digest,
    default_period,
    last_export,
    local_tz,
    period_for_day,
    period_since,
    record_export,
    write_daily_digest,
)
from briefer.digest.json_data import to_json_dict
from briefer.digest.markdown import md_escape
from briefer.digest.render import FORMATS, render
from briefer.models import FetchResult, FetchStatus, Item, Match, ParsedFeed
from briefer.store import Store, to_db_time
from briefer.stories import StoryIndex
from tests.factory import FIXED_NOW, add_feed, hit, item

REPO = Path(__file__).resolve().parents[1]
SCHEMA = REPO / "docs" / "digest.schema.json"
CST = timezone(timedelta(hours=-6), "CST")  # fixed: golden output never depends on the machine


@dataclass(frozen=True)
class FakeIssue:
    id: str
    title: str


ISSUES = [
    FakeIssue("tariffs", "Tariffs and trade"),
    FakeIssue("fentanyl", "Fentanyl"),
    FakeIssue("border", "Border and migration"),
]
BASELINES = {
    "tariffs": "Washington has tied tariff threats to migration and fentanyl (Berg 2023).",
    "fentanyl": "Seizures rose while cooperation narrowed to intelligence sharing (Ellis 2024).",
    "border": "Crossings fell sharply after new asylum rules (Wilson Center 2024).",
}
PERIOD = Period(
    start=datetime(2026, 11, 22, 12, 0, tzinfo=UTC), end=FIXED_NOW, kind="since-last-export"
)


def at(hour: int, minute: int = 0, day: int = 23) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def m(issue: str, score: float, title: str, *terms: str) -> Match:
    return Match(issue, score, tuple(hit(t, title) for t in terms))


def post(
    store: Store,
    index: StoryIndex,
    url: str,
    entries: list[tuple[Item, list[Match]]],
    *,
    title: str,
    now: datetime = FIXED_NOW,
) -> None:
    """One successful poll of `url`, its items grouped into stories as a poll groups them."""
    store.record_poll(
        url,
        FetchResult(url=url, status=FetchStatus.OK, http_status=200),
        ParsedFeed(title=title, link=None, items=[i for i, _ in entries]),
        [ms for _, ms in entries],
        next_due=now + timedelta(minutes=30),
        now=now,
        stories=index,
    )


def build_fixture(store: Store) -> None:
    t1 = "Trump threatens 25% tariffs on Mexican imports over fentanyl"
    t2 = "Sheinbaum responde a la amenaza de aranceles de Trump"
    t3 = "Decomisan 300 kilos de fentanilo en Sinaloa"
    t4 = "Border crossings at lowest level since 2020"  # before the period: left out
    index = StoryIndex()
    post(
        store,
        index,
        "https://news.example/rss",
        [
            (
                item(
                    "n1",
                    t1,
                    summary="The president said duties would start in February.",
                    published=at(10, 5),
                ),
                [m("tariffs", 92, t1, "tariffs"), m("fentanyl", 74, t1, "fentanyl")],
            ),
            (item("n2", t4, published=at(9, 0, day=20)), [m("border", 80, t4, "Border")]),
        ],
        title="Example News",
    )
    # An aggregator: the outlet is named on the item, not by the feed.
    wire_copy = replace(item("w1", t1, published=at(10, 40)), outlet="Wire Service")
    post(
        store,
        index,
        "https://news.google.example/rss/search?q=mexico",
        [(wire_copy, [m("tariffs", 88, t1, "tariffs")])],
        title="Google News: mexico",
    )
    post(
        store,
        index,
        "https://diario.example/feed",
        [
            (
                item(
                    "d1",
                    t2,
                    summary="La presidenta dijo que México responderá con calma.",
                    published=at(7, 30),
                ),
                [m("tariffs", 81, t2, "aranceles")],
            ),
            (item("d2", t3, published=at(3, 15)), [m("fentanyl", 84, t3, "fentanilo")]),
        ],
        title="Diario Ejemplo",
    )
    # Which items tell one story is the grouping method's call, tested on its own; the
    # digest's tests fix it: the wire copy joins the first report, the rest stand alone.
    store.conn.execute("UPDATE items SET story_id = id")
    store.conn.execute(
        "UPDATE items SET story_id = (SELECT id FROM items WHERE guid = 'n1') WHERE guid = 'w1'"
    )
    store.conn.commit()
    for _ in range(2):
        store.record_poll(
            "https://broken.example/rss",
            FetchResult(
                "https://broken.example/rss",
                FetchStatus.ERROR,
                503,
                error="the server answered 503 Service Unavailable",
            ),
            None,
            None,
            next_due=FIXED_NOW,
            now=FIXED_NOW,
        )
    store.record_poll(
        "https://gone.example/feed",
        FetchResult(
            "https://gone.example/feed",
            FetchStatus.GONE,
            410,
            error="the feed was removed (HTTP 410)",
        ),
        None,
        None,
        next_due=FIXED_NOW,
        now=FIXED_NOW,
    )


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "briefer.db")
    build_fixture(s)
    return s


def fixture_digest(store: Store, period: Period = PERIOD) -> Digest:
    return build_digest(store, ISSUES, BASELINES, period, tz=CST, now=FIXED_NOW)


HOSTILE_TITLES = [
    "<script>alert(1)</script> tariffs",
    "[x](javascript:alert(1)) aranceles",
    "*bold* _it_ # not a heading `code` ~~gone~~ | a | b | tariffs",
    '<img src=x onerror="alert(1)"> tariffs',
    "# Heading-looking tariffs",
    "&lt;script&gt;alert(2)&lt;/script&gt; entity-encoded aranceles headline",
    "tariffs\x1b]8;;https://evil.example\x07click\x1b]8;;\x07\x1b[31m red\x00",
]
HOSTILE_SUMMARIES = [
    "# heading\n- list\n1. ordered\n> quote\n===\n<iframe src=https://evil.example></iframe>",
    "- starts like a list",
    "1) starts like an ordered list",
    "=== setext",
    "> quote <style>body{background:url(https://evil.example/x.png)}</style>",
    "[click](https://evil.example) ![img](https://evil.example/p.png) <https://evil.example>",
    "",
]
HOSTILE_LINKS = [
    "javascript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    " JaVaScRiPt:alert(1)",
    'https://ok.example/a"onmouseover="alert(1)',
    "https://ok.example/x)[y](javascript:alert(1)",
    "vbscript:msgbox(1)",
    "//evil.example/protocol-relative",
]


def add_hostile(store: Store) -> None:
    """Rows no sanitiser cleaned: written with SQL, straight past parse.py and safe_link."""
    now = to_db_time(FIXED_NOW)
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO feeds(url, title, added, last_error, error_count) VALUES (?, ?, ?, ?, ?)",
            (
                "javascript:alert('feed')",
                '<b onmouseover="alert(1)">Evil *feed*</b>',
                now,
                "<script>alert('error')</script> [x](javascript:alert(1))",
                3,
            ),
        )
        feed_id = conn.execute("SELECT last_insert_rowid()").fetchone()[0]
        for n, (title, summary, link) in enumerate(
            zip(HOSTILE_TITLES, HOSTILE_SUMMARIES, HOSTILE_LINKS, strict=True)
        ):
            cur = conn.execute(
                "INSERT INTO items(feed_id, guid, link, title, summary, published, fetched, "
                "content_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (feed_id, f"evil{n}", link, title, summary, to_db_time(at(9, n)), now, "x"),
            )
            terms = json.dumps([{"term": "<script>*t*</script>", "kind": "phrase", "score": 90}])
            conn.execute(
                "INSERT INTO matches(item_id, issue_id, score, terms, version, matched_at) "
                "VALUES (?, 'tariffs', ?, ?, '', ?)",
                (cur.lastrowid, 90 - n, terms, now),
            )


class Audit(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str, str | None]] = []
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += [(tag, k, v) for k, v in attrs]
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.styles.append(data)


FORBIDDEN_TAGS = {
    "script", "iframe", "frame", "object", "embed", "img", "link", "base", "form", "input",
    "svg", "math", "video", "audio", "source", "picture", "applet", "template",
}  # fmt: skip


def audit_html(text: str) -> Audit:
    """No script, no event handler, no non-http(s) link, no remote or embedded asset."""
    audit = Audit()
    audit.feed(text)
    audit.close()
    assert not FORBIDDEN_TAGS & set(audit.tags), FORBIDDEN_TAGS & set(audit.tags)
    for tag, name, value in audit.attrs:
        assert not name.startswith("on"), (tag, name, value)
        assert name not in ("src", "srcset", "style", "background", "poster", "formaction")
        if name == "href":
            assert value and (value.startswith(("http://", "https://", "#"))), (tag, value)
        if tag == "meta" and name == "http-equiv":
            assert value != "refresh"
    for css in audit.styles:
        assert "url(" not in css and "@import" not in css
    return audit


def hostile_digest(tmp_path: Path) -> Digest:
    store = Store(tmp_path / "hostile.db")
    add_hostile(store)
    return build_digest(store, [ISSUES[0]], BASELINES, PERIOD, tz=CST, now=FIXED_NOW)


def markdown_to_html(text: str) -> str:
    # CommonMark with raw HTML allowed, plus GFM tables and strikethrough: the most a notes
    # app or mail client might do with pasted Markdown.
    md = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    return md.render(text)


# -- golden files --------------------------------------------------------------------------------


class TextFile(SingleFileSnapshotExtension):
    """One readable file per rendering (tests/__snapshots__/test_digest/*), diffed as text."""

    _write_mode = WriteMode.TEXT


def golden(snapshot: SnapshotAssertion, fmt: str) -> SnapshotAssertion:
    """Compare with the stored file; `pytest --snapshot-update` rewrites it after a change."""
    extension = type(f"TextFile_{fmt}", (TextFile,), {"_file_extension": fmt})
    return snapshot.use_extension(extension)


@pytest.mark.parametrize("fmt", FORMATS)
def test_golden_fixture(store: Store, fmt: str, snapshot: SnapshotAssertion) -> None:
    assert render(fixture_digest(store), fmt) == golden(snapshot, fmt)


@pytest.mark.parametrize("fmt", FORMATS)
def test_golden_one_story_in_full_the_rest_one_line(
    store: Store, fmt: str, snapshot: SnapshotAssertion
) -> None:
    d = build_digest(store, ISSUES, BASELINES, PERIOD, tz=CST, now=FIXED_NOW, full=1)
    assert render(d, fmt) == golden(snapshot, fmt)


@pytest.mark.parametrize("fmt", FORMATS)
def test_golden_empty_period_is_a_nothing_new_digest(
    store: Store, fmt: str, snapshot: SnapshotAssertion
) -> None:
    empty = fixture_digest(store, period_for_day(date(2026, 12, 1), CST))
    assert empty.is_empty and empty.story_count == 0
    text = render(empty, fmt)
    assert text == golden(snapshot, fmt)
    if fmt in ("md", "html"):
        assert "Nothing new" in text


# -- the model -----------------------------------------------------------------------------------


def test_model_lists_each_story_once_best_covered_first(store: Store) -> None:
    d = fixture_digest(store)
    tariffs, fentanyl, border = d.sections
    assert [s.issue_id for s in d.sections] == ["tariffs", "fentanyl", "border"]
    top = tariffs.stories[0]
    assert top.headline == "Trump threatens 25% tariffs on Mexican imports over fentanyl"
    assert [o.name for o in top.outlets] == ["Example News", "Wire Service"]
    assert [o.link for o in top.outlets] == ["https://example.com/n1", "https://example.com/w1"]
    assert top.items == 2 and top.score == 92 and top.langs == ("en",)
    assert tariffs.match_count == 3 and len(tariffs.stories) == 2
    assert tariffs.stories[1].langs == ("es",)
    # Equal coverage on fentanyl: the more recent story first, though it scored lower.
    assert [s.score for s in fentanyl.stories] == [74, 84]
    assert border.stories == () and border.match_count == 0  # the 20 Nov item is outside
    assert fentanyl.baseline == BASELINES["fentanyl"]
    assert d.match_count == 5 and d.story_count == 4
    assert [p.url for p in d.problems] == [
        "https://gone.example/feed",
        "https://broken.example/rss",
    ]
    assert d.problems[0].disabled and d.problems[1].error_count == 2
    assert d.start.utcoffset() == timedelta(hours=-6)


def test_trend_counts_stories_not_copies(store: Store) -> None:
    tariffs = fixture_digest(store).sections[0]
    assert len(tariffs.daily) == 8 and tariffs.daily[-1] == 2  # 3 items, 2 stories
    assert not tariffs.surging  # 2 new stories is not a surge


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_story_lists_its_outlets_once_in_every_format(store: Store, fmt: str) -> None:
    text = render(fixture_digest(store), fmt)
    assert "Example News" in text and "Wire Service" in text
    assert "https://example.com/w1" in text
    headline = "Trump threatens 25% tariffs on Mexican imports over fentanyl"
    # Once per issue it is on (tariffs, fentanyl). JSON also has each outlet's own title
    # (2 outlets on tariffs, 1 on fentanyl); Atom also names each issue's top story.
    assert text.count(headline) == {"md": 2, "html": 2, "json": 5, "atom": 4}[fmt]


def test_dismissed_stories_are_left_out(store: Store) -> None:
    d = fixture_digest(store)
    first = d.sections[1].stories[0]
    store.dismiss_story(first.story_id, "fentanyl")
    again = fixture_digest(store)
    assert first.story_id not in [s.story_id for s in again.sections[1].stories]


def test_baseline_objects_with_summary_are_accepted(store: Store) -> None:
    @dataclass(frozen=True)
    class Note:
        summary: str

    d = build_digest(
        store, ISSUES, {"tariffs": Note("From the seeds.")}, PERIOD, tz=CST, now=FIXED_NOW
    )
    assert d.sections[0].baseline == "From the seeds."
    assert "No baseline" in d.sections[1].baseline


def test_real_seed_baselines_go_in(store: Store) -> None:
    from briefer import resources
    from briefer.baseline import baselines, load_seeds

    notes = baselines(load_seeds([resources.default_seeds()]), [i.id for i in ISSUES])
    d = build_digest(store, ISSUES, notes, PERIOD, tz=CST, now=FIXED_NOW)
    assert d.sections[0].baseline == notes["tariffs"].summary != ""
    assert "\n" not in d.sections[0].baseline


def test_max_per_issue_keeps_the_best_and_counts_the_rest(store: Store) -> None:
    d = build_digest(store, ISSUES, BASELINES, PERIOD, tz=CST, now=FIXED_NOW, max_per_issue=1)
    tariffs = d.sections[0]
    assert len(tariffs.stories) == 1 and tariffs.omitted == 1 and tariffs.story_count == 2
    assert tariffs.stories[0].score == 92
    assert "1 more story with less coverage" in render(d, "md")
    assert to_json_dict(d)["issues"][0]["omitted"] == 1


def test_the_best_are_in_full_and_the_rest_one_line_each(store: Store) -> None:
    d = build_digest(store, ISSUES, BASELINES, PERIOD, tz=CST, now=FIXED_NOW, full=1)
    tariffs = d.sections[0]
    assert len(tariffs.top) == 1 and len(tariffs.rest) == 1
    md = render(d, "md")
    assert "\nAlso:\n\n- [Sheinbaum responde a la amenaza de aranceles de Trump]" in md
    assert "La presidenta dijo" not in md  # a one-line story has no summary
    data = to_json_dict(d)["issues"][0]["stories"]
    assert [s["in_full"] for s in data] == [True, False]


# -- periods and the export mark -------------------------------------------------------------------


def test_period_for_day_is_local_midnight_to_midnight_even_across_dst() -> None:
    ny = ZoneInfo("America/New_York")
    p = period_for_day(date(2026, 11, 1), ny)  # clocks go back: a 25-hour day
    assert p.start == datetime(2026, 11, 1, 4, 0, tzinfo=UTC)
    assert p.end.astimezone(UTC) - p.start.astimezone(UTC) == timedelta(hours=25)
    assert period_for_day(date(2026, 11, 23), CST).start == datetime(2026, 11, 23, 6, tzinfo=UTC)


def test_default_period_is_24h_first_then_since_the_last_export(tmp_path: Path) -> None:
    store = Store(tmp_path / "b.db")
    first = default_period(store, FIXED_NOW, CST)
    assert first.kind == "last-24h" and first.end - first.start == timedelta(hours=24)
    assert last_export(store) is None
    record_export(store, FIXED_NOW)
    later = FIXED_NOW + timedelta(hours=5)
    second = default_period(store, later, CST)
    assert second.kind == "since-last-export"
    assert second.start == FIXED_NOW and second.end == later
    record_export(store, FIXED_NOW - timedelta(days=3))  # an old day exported: mark stays
    assert last_export(store) == FIXED_NOW
    store.set_meta("digest.last_export", "garbage")
    assert default_period(store, later, CST).kind == "last-24h"


def test_period_since_reads_naive_times_as_local() -> None:
    p = period_since(datetime(2026, 11, 23, 0, 0), FIXED_NOW, CST)
    assert p.start == datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
    assert p.end == FIXED_NOW


# -- writing files for the scheduler and the TUI ---------------------------------------------


def make_config(tmp_path: Path, formats: tuple[str, ...]) -> Config:
    paths = Paths.resolve(env={"BRIEFER_HOME": str(tmp_path / "home")})
    config = load_config(paths)
    return replace(config, digest=DigestSettings(folder=tmp_path / "out", formats=formats))


def test_write_daily_digest_writes_every_format_and_remembers(store: Store, tmp_path: Path) -> None:
    config = make_config(tmp_path, FORMATS)
    written = write_daily_digest(config, store, ISSUES, BASELINES, now=FIXED_NOW, tz=CST)
    out = tmp_path / "out"
    assert written == [
        out / "2026-11-23.md",
        out / "2026-11-23.html",
        out / "2026-11-23.json",
        out / "2026-11-23.atom",
        out / "latest.atom",
    ]
    assert all(p.is_file() for p in written)
    assert "Trump threatens" in (out / "2026-11-23.md").read_text()
    assert (out / "latest.atom").read_text() == (out / "2026-11-23.atom").read_text()
    assert last_export(store) == FIXED_NOW
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temp files left

    # A second export the same day covers only what came since, and overwrites nothing.
    later = FIXED_NOW + timedelta(hours=6)
    again = write_daily_digest(config, store, ISSUES, BASELINES, now=later, tz=CST)
    assert again[0] == out / "2026-11-23-120000.md"
    assert "Trump threatens" in (out / "2026-11-23.md").read_text()
    second = json.loads((out / "2026-11-23-120000.json").read_text())
    assert second["period"]["start"] == "2026-11-23T06:00:00-06:00"
    assert second["totals"]["stories"] == 0
    assert last_export(store) == later


def test_write_daily_digest_uses_the_configured_formats_only(store: Store, tmp_path: Path) -> None:
    config = make_config(tmp_path, ("md", "html"))
    written = write_daily_digest(config, store, ISSUES, BASELINES, now=FIXED_NOW, tz=CST)
    assert [p.name for p in written] == ["2026-11-23.md", "2026-11-23.html"]


# -- safety ----------------------------------------------------------------------------------------


def test_html_digest_is_self_contained_and_inert(store: Store, tmp_path: Path) -> None:
    for d in (fixture_digest(store), hostile_digest(tmp_path)):
        text = render(d, "html")
        audit = audit_html(text)
        assert audit.tags.count("style") == 1
        assert "http-equiv" in text and "default-src 'none'" in text
        assert 'name="viewport" content="width=device-width' in text  # phones
        assert "@media print" in text and "@media (prefers-color-scheme: dark)" in text
        assert "<script" not in text.lower()


def test_hostile_items_come_out_as_text_in_html(tmp_path: Path) -> None:
    text = render(hostile_digest(tmp_path), "html")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "&lt;img src=x onerror=" in text
    assert "\x1b" not in text and "\x00" not in text and "\x07" not in text
    assert 'href="data:' not in text and "vbscript" not in text


def test_hostile_items_cannot_inject_markdown_or_html(tmp_path: Path) -> None:
    text = render(hostile_digest(tmp_path), "md")
    html = markdown_to_html(text)
    audit = audit_html(html)
    for tag in ("em", "code", "del", "s", "table", "blockquote", "h3", "h4", "h5", "h6", "hr"):
        assert tag not in audit.tags, (tag, html)
    assert audit.tags.count("h1") == 1  # the digest's own title
    assert audit.tags.count("h2") == 2  # one issue, then "Feeds with problems"
    assert audit.tags.count("ol") == 1  # the story list; summaries start no list of their own
    assert audit.tags.count("ul") == 1  # the feed problems list
    hrefs = [v for _, name, v in audit.attrs if name == "href"]
    assert hrefs and all(h and h.startswith("https://") for h in hrefs)
    assert not any("evil.example" in (h or "") for h in hrefs)  # summary links stay text
    # What the feed said is still there for the reader, as text.
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&amp;lt;script&amp;gt;alert(2)" in html  # an entity in a title stays literal
    assert "*bold*" in html and "`code`" in html
    assert "\x1b" not in text and "\x00" not in text


def test_hostile_links_are_dropped_everywhere(tmp_path: Path) -> None:
    d = hostile_digest(tmp_path)
    links = [o.link for st in d.sections[0].stories for o in st.outlets]
    assert len(links) == len(HOSTILE_LINKS)
    # Only the two http(s) ones survive, as links whose odd characters each format encodes.
    kept = [link for link in links if link]
    assert kept == ['https://ok.example/a"onmouseover="alert(1)', HOSTILE_LINKS[4]]
    md = render(d, "md")
    assert "(https://ok.example/x%29%5By%5D%28javascript:alert%281%29)" in md
    assert "(https://ok.example/a%22onmouseover=%22alert%281%29)" in md
    assert 'href="https://ok.example/a&#34;onmouseover=&#34;alert(1)"' in render(d, "html")
    data = to_json_dict(d)
    for entry in data["issues"][0]["stories"]:
        assert entry["link"] is None or entry["link"].startswith("https://")


def test_md_escape_leaves_nothing_active() -> None:
    assert md_escape("*a* _b_ `c` [d](e) <f> # g ~h~ |i|") == (
        r"\*a\* \_b\_ \`c\` \[d\](e) \<f\> \# g \~h\~ \|i\|"
    )
    assert md_escape("- x") == r"\- x" and md_escape("12. x") == r"12\. x"
    assert md_escape("a\n# b") == r"a \# b"
    assert md_escape("AT&T &amp;") == r"AT&T \&amp;"


# -- JSON and Atom ---------------------------------------------------------------------------------


def test_json_matches_the_documented_schema(store: Store, tmp_path: Path) -> None:
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    digests = [
        fixture_digest(store),
        fixture_digest(store, period_for_day(date(2026, 12, 1), CST)),
        hostile_digest(tmp_path),
    ]
    for d in digests:
        data = json.loads(render(d, "json"))
        assert data["schema_version"] == 2
        validator.validate(data)


def test_atom_parses_back_with_one_entry_per_issue_that_moved(store: Store) -> None:
    parsed = feedparser.parse(render(fixture_digest(store), "atom"))
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    titles = [e.title for e in parsed.entries]
    assert len(titles) == 3
    assert titles[0].startswith("Tariffs and trade: 2 stories")
    assert titles[1].startswith("Fentanyl: 2 stories")
    assert titles[2].startswith("2 feeds with problems")
    assert [e.tags[0].term for e in parsed.entries] == ["tariffs", "fentanyl", "feed-problems"]
    assert len({e.id for e in parsed.entries}) == 3
    assert "Wire Service" in parsed.entries[0].content[0].value


def test_atom_entry_ids_are_stable_per_period_and_differ_between_periods(store: Store) -> None:
    a = feedparser.parse(render(fixture_digest(store), "atom"))
    b = feedparser.parse(render(fixture_digest(store), "atom"))
    other = Period(PERIOD.start - timedelta(days=1), PERIOD.end, "since")
    c = feedparser.parse(render(fixture_digest(store, other), "atom"))
    assert [e.id for e in a.entries] == [e.id for e in b.entries]
    assert a.feed.id == c.feed.id
    assert not {e.id for e in a.entries} & {e.id for e in c.entries}


def test_empty_atom_has_a_nothing_new_entry(store: Store) -> None:
    empty = fixture_digest(store, period_for_day(date(2026, 12, 1), CST))
    parsed = feedparser.parse(render(empty, "atom"))
    assert not parsed.bozo
    assert parsed.entries[0].title.startswith("Nothing new")


def test_hostile_atom_is_well_formed_and_its_html_inert(tmp_path: Path) -> None:
    text = render(hostile_digest(tmp_path), "atom")
    root = ElementTree.fromstring(text.encode("utf-8"))
    ns = {"a": "http://www.w3.org/2005/Atom"}
    contents = [c.text or "" for c in root.iterfind("a:entry/a:content", ns)]
    assert contents
    for html in contents:
        audit_html(html)
        assert "<script" not in html
    for link in root.iterfind("a:entry/a:link", ns):
        assert link.get("href", "").startswith("https://")
    assert not feedparser.parse(text).bozo


# -- layering -----------------------------------------------------------------------------


def test_digest_modules_do_not_load_click_or_textual() -> None:
    code = (
        "import sys, briefer.digest\n"
        "print(','.join(sorted(m for m in sys.modules "
        "if m.split('.')[0] in ('textual', 'click'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_local_tz_is_an_iana_zone_and_survives_a_bad_tz(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "America/Mexico_City")
    tzlocal.reload_localzone()
    try:
        assert str(local_tz()) == "America/Mexico_City"
        monkeypatch.setenv("TZ", "Not/AZone")
        with pytest.raises(ZoneInfoNotFoundError):
            tzlocal.reload_localzone()
        assert local_tz().utcoffset(datetime.now()) is not None  # a fixed offset, not a crash
    finally:
        monkeypatch.undo()
        tzlocal.reload_localzone()


def test_since_last_export_takes_late_arrivals_but_not_a_new_feeds_backlog(
    store: Store,
) -> None:
    late = "Mexican Senate approves security law after late-night vote"
    backlog = "Archive: Senate approves security law in 2019 session"
    add_feed(
        store,
        "https://slow.example/rss",
        [
            # Dated ten minutes before the last export, first seen after it.
            (item("s1", late, published=at(11, 50, day=22)), [m("border", 70, late)]),
            (item("s2", backlog, published=at(9, 0, day=19)), [m("border", 71, backlog)]),
        ],
        title="Slow Feed",
        now=at(8, 0),
    )
    rolling = fixture_digest(store)
    assert [st.headline for st in rolling.sections[2].stories] == [late]
    explicit = fixture_digest(store, replace(PERIOD, kind="since"))
    assert explicit.sections[2].stories == ()  # --since means published since, as asked


def test_xml_invalid_characters_never_reach_atom_or_html(tmp_path: Path) -> None:
    store = Store(tmp_path / "odd.db")
    title = "Tariffs\ufffe on steel\uffff \x0bagain\x0c"
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO feeds(url, title, added) VALUES ('https://odd.example/rss', ?, ?)",
            ("Odd\uffff Feed", to_db_time(FIXED_NOW)),
        )
        cur = conn.execute(
            "INSERT INTO items(feed_id, guid, link, title, summary, published, fetched, "
            "content_hash) VALUES (1, 'o1', 'https://odd.example/1', ?, '', ?, ?, 'x')",
            (title, to_db_time(at(9)), to_db_time(FIXED_NOW)),
        )
        conn.execute(
            "INSERT INTO matches(item_id, issue_id, score, terms, version, matched_at) "
            "VALUES (?, 'tariffs', 90, '[]', '', ?)",
            (cur.lastrowid, to_db_time(FIXED_NOW)),
        )
    d = build_digest(store, [ISSUES[0]], BASELINES, PERIOD, tz=CST, now=FIXED_NOW)
    assert d.sections[0].stories[0].headline == "Tariffs on steel again"
    ElementTree.fromstring(render(d, "atom").encode("utf-8"))  # well-formed XML
    assert not feedparser.parse(render(d, "atom")).bozo
