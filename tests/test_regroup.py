"""Stories across polls and regrouping: the poller's story index, `briefer.regroup`, and
the line `briefer rematch` prints.

Real HTTP servers on 127.0.0.1, real SQLite files, the real matcher and watchlists. Copies
of one report carry identical headlines (which any grouping joins) and other reports are
unrelated, so these tests hold whatever the grouping method.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlite_utils
from click.testing import CliRunner
from pytest_httpserver import HTTPServer

from briefer import regroup, stories
from briefer.cli import main
from briefer.cli.context import AppContext
from briefer.models import FetchResult, FetchStatus, Item, ParsedFeed, PollReport
from briefer.poller import Poller
from briefer.store import Store
from briefer.store.schema import MIGRATIONS
from briefer.stories import StoryIndex
from tests.feeds import Entry, rss

NOW = datetime.now(UTC).replace(microsecond=0)
SENTENCE = "Judge sentences cartel leader to life in prison for fentanyl trafficking"
FLOOD = "Lluvias intensas en Monterrey dejan calles inundadas"
TARIFF = "Trump amenaza con aranceles de 30% a México por el fentanilo"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("BRIEFER_HOME", str(tmp_path))
    return tmp_path


def write_config(home: Path, feeds: dict[str, str]) -> None:
    """`feeds`: url -> configured language ("" for none)."""
    text = "[poll]\ntimeout_seconds = 3\n[notify]\nenabled = false\n"
    for n, (url, lang) in enumerate(feeds.items()):
        text += f'[[feeds]]\nurl = "{url}"\ntitle = "Feed {n}"\n'
        text += f'lang = "{lang}"\n' if lang else ""
    (home / "config.toml").write_text(text)


def poll() -> PollReport:
    ctx = AppContext()
    with ctx.open_store() as store:
        poller = Poller(ctx.config, store, ctx.matcher, issue_versions=ctx.issue_versions)
        return asyncio.run(poller.poll(every=True))


def stories_of(home: Path) -> dict[str, set[int]]:
    """guid -> the set of story ids its copies carry (one per feed)."""
    with Store(home / "briefer.db") as store:
        rows = store.conn.execute("SELECT title, story_id FROM items").fetchall()
    out: dict[str, set[int]] = {}
    for title, story in rows:
        out.setdefault(title, set()).add(story)
    return out


def test_copies_polled_from_two_feeds_share_one_story(home: Path, httpserver: HTTPServer) -> None:
    at = NOW - timedelta(hours=2)
    httpserver.expect_request("/a.xml").respond_with_data(
        rss(
            [
                Entry(SENTENCE, link="https://a.example/1", published=at),
                Entry(FLOOD, link="https://a.example/2", published=at),
            ],
            title="Wire A",
        ),
        content_type="application/rss+xml",
    )
    httpserver.expect_request("/b.xml").respond_with_data(
        rss(
            [Entry(SENTENCE, link="https://b.example/1", published=at + timedelta(hours=1))],
            title="Wire B",
        ),
        content_type="application/rss+xml",
    )
    write_config(home, {httpserver.url_for("/a.xml"): "", httpserver.url_for("/b.xml"): "es"})
    report = poll()
    groups = stories_of(home)
    assert len(groups[SENTENCE]) == 1 and None not in groups[SENTENCE]
    assert groups[FLOOD] != groups[SENTENCE]
    with Store(home / "briefer.db") as store:
        [(story, items, outlets)] = [
            (s.story_id, s.items, s.outlets) for s in store.stories("fentanyl", now=NOW)
        ]
        langs = dict(store.conn.execute("SELECT title, lang FROM items").fetchall())
    assert (items, outlets) == (2, 2)
    assert {m.story_id for m in report.new_matches if m.issue_id == "fentanyl"} == {story}
    assert langs == {SENTENCE: "en", FLOOD: "es"}


def test_a_later_poll_joins_the_stored_story(home: Path, httpserver: HTTPServer) -> None:
    at = NOW - timedelta(hours=30)
    httpserver.expect_request("/a.xml").respond_with_data(
        rss([Entry(SENTENCE, link="https://a.example/1", published=at)]),
        content_type="application/rss+xml",
    )
    write_config(home, {httpserver.url_for("/a.xml"): ""})
    poll()
    httpserver.expect_request("/b.xml").respond_with_data(
        rss([Entry(SENTENCE, link="https://b.example/1", published=NOW)]),
        content_type="application/rss+xml",
    )
    write_config(home, {httpserver.url_for("/a.xml"): "", httpserver.url_for("/b.xml"): ""})
    poll()  # a new process: its index is warmed from the store
    [story] = stories_of(home)[SENTENCE]
    assert story is not None


# -- regroup -----------------------------------------------------------------------------


def fill(path: Path, titles: Sequence[tuple[str, float]], *, stories: StoryIndex | None) -> None:
    """Store (title, hours ago) items, one feed per title so copies come from many feeds."""
    with Store(path) as store:
        for n, (title, hours) in enumerate(titles):
            url = f"http://127.0.0.1:1/{n}.xml"
            published = NOW - timedelta(hours=hours)
            parsed = ParsedFeed(
                title=f"Outlet {n}",
                link=None,
                items=[Item(f"g{n}", title, "", f"https://x.example/{n}", published)],
            )
            store.record_poll(
                url,
                FetchResult(url=url, status=FetchStatus.OK, http_status=200),
                parsed,
                None,
                next_due=NOW,
                now=NOW,
                stories=stories,
            )


WEEK = [
    (SENTENCE, 100),
    (FLOOD, 90),
    (SENTENCE, 99),
    (TARIFF, 50),
    (FLOOD, 89),
    (SENTENCE, 98),
    (TARIFF, 49),
    (SENTENCE, 10),  # four days after the last copy: a story of its own
    (TARIFF, 1),
]


def assignments(path: Path) -> list[tuple[str, int | None, str]]:
    with Store(path) as store:
        return store.conn.execute("SELECT guid, story_id, lang FROM items ORDER BY id").fetchall()


def test_regroup_after_the_method_changed_groups_every_item(tmp_path: Path) -> None:
    grouped, fresh = tmp_path / "grouped.db", tmp_path / "regrouped.db"
    fill(grouped, WEEK, stories=StoryIndex(stories.WINDOW))
    fill(fresh, WEEK, stories=None)
    with Store(fresh) as store:
        store.set_meta(regroup.METHOD_KEY, "an older method")
        assert regroup.pending(store) == len(WEEK)
        report = regroup.run(store, batch=2)
        assert (report.full, report.scanned, report.grouped, report.resumed) == (
            True,
            len(WEEK),
            len(WEEK),
            False,
        )
        assert store.get_meta(regroup.METHOD_KEY) == stories.METHOD
        assert store.meta_with_prefix(regroup.PROGRESS_KEY) == {}
        assert regroup.pending(store) == 0
    # Grouping stored items in time order gives what polling them in that order gave.
    assert assignments(fresh) == assignments(grouped)
    ids = {guid: story for guid, story, _ in assignments(fresh)}
    assert ids["g0"] == ids["g2"] == ids["g5"] != ids["g7"]
    assert ids["g1"] == ids["g4"] and ids["g3"] == ids["g6"] == ids["g8"]


def test_an_interrupted_regroup_resumes_after_its_last_batch(tmp_path: Path) -> None:
    whole, cut = tmp_path / "whole.db", tmp_path / "cut.db"
    for path in (whole, cut):
        fill(path, WEEK, stories=None)
        with Store(path) as store:
            store.set_meta(regroup.METHOD_KEY, "an older method")
    with Store(whole) as store:
        regroup.run(store, batch=2)

    class Interrupted(Exception):
        pass

    def stop_after_two(n: int) -> None:
        batches.append(n)
        if len(batches) == 2:
            raise Interrupted

    batches: list[int] = []
    with Store(cut) as store, pytest.raises(Interrupted):
        regroup.run(store, batch=2, on_batch=stop_after_two)
    with Store(cut) as store:
        assert store.get_meta(regroup.METHOD_KEY) == "an older method"
        assert regroup.pending(store) == len(WEEK) - 4
        report = regroup.run(store, batch=2)
        assert (report.resumed, report.scanned) == (True, len(WEEK) - 4)
        assert store.get_meta(regroup.METHOD_KEY) == stories.METHOD
    assert assignments(cut) == assignments(whole)


def test_a_newer_method_starts_over(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "b.db"
    fill(path, WEEK, stories=None)
    with Store(path) as store:
        store.set_meta(
            regroup.PROGRESS_KEY + stories.METHOD, '{"published": "2000-01-01T00:00:00Z", "id": 1}'
        )
        monkeypatch.setattr(stories, "METHOD", stories.METHOD + "-next")
        assert regroup.pending(store) == len(WEEK)
        assert regroup.run(store).resumed is False
        assert store.get_meta(regroup.METHOD_KEY) == stories.METHOD
        assert store.meta_with_prefix(regroup.PROGRESS_KEY) == {}


def test_items_a_poll_left_ungrouped_join_the_stories_around_them(tmp_path: Path) -> None:
    path = tmp_path / "b.db"
    fill(path, WEEK[:5], stories=StoryIndex(stories.WINDOW))
    with Store(path) as store:
        assert regroup.pending(store) == 0
        assert store.get_meta(regroup.METHOD_KEY) == stories.METHOD
    with Store(path) as store:  # a copy stored by a poll without an index
        url = "http://127.0.0.1:1/late.xml"
        item = Item("late", SENTENCE, "", "https://late.example", NOW - timedelta(hours=97))
        store.record_poll(
            url,
            FetchResult(url=url, status=FetchStatus.OK, http_status=200),
            ParsedFeed(title="Late", link=None, items=[item]),
            None,
            next_due=NOW,
            now=NOW,
        )
        assert store.count_ungrouped() == 1 and regroup.pending(store) == 6
        report = regroup.run(store)
        assert (report.full, report.grouped) == (False, 1)
        assert store.count_ungrouped() == 0 and regroup.pending(store) == 0
    ids = {guid: story for guid, story, _ in assignments(path)}
    assert ids["late"] == ids["g0"]


def test_migrated_database_is_grouped_by_rematch(home: Path) -> None:
    """A database from before stories: `briefer rematch` groups its items and says so."""
    path = home / "briefer.db"
    db = sqlite_utils.Database(sqlite3.connect(path, isolation_level=None))
    MIGRATIONS[1](db)
    db.conn.execute("PRAGMA user_version = 1")
    db.conn.execute("INSERT INTO feeds(id, url, title) VALUES (1, 'http://127.0.0.1:1/a', 'A')")
    for n, title in enumerate([SENTENCE, SENTENCE, FLOOD], start=1):
        db.conn.execute(
            "INSERT INTO items(id, feed_id, guid, title, summary, published) "
            "VALUES (?, 1, ?, ?, '', ?)",
            (n, f"g{n}", title, f"2026-11-2{n}T10:00:00Z"),
        )
    db.conn.close()
    result = CliRunner().invoke(main, ["rematch"])
    assert result.exit_code == 0, result.output
    assert "Grouped 3 items into 2 stories." in result.output
    assert [(g, s, lang) for g, s, lang in assignments(path)] == [
        ("g1", 1, "en"),
        ("g2", 1, "en"),
        ("g3", 3, "es"),
    ]
    result = CliRunner().invoke(main, ["rematch"])
    assert "Grouped" not in result.output
