"""Stories in the store: migration 2, assignment while polling, and the story API.

Real SQLite files; items go in through `record_poll` as a poll stores them. Stories are
made of items with identical headlines (which any grouping joins) and of unrelated ones
(which none does), so these tests hold whatever the grouping method.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlite_utils

from briefer.models import FetchResult, FetchStatus, Item, Match, NewMatch, ParsedFeed
from briefer.store import SCHEMA_VERSION, Store, StoryRow
from briefer.store.schema import MIGRATIONS
from briefer.stories import METHOD, WINDOW, StoryIndex
from briefer.stories.rank import story_rank
from tests.factory import FIXED_NOW, hit

WIRE = "http://127.0.0.1:1/wire.xml"
NEWS = "http://127.0.0.1:1/news.xml"
DIARIO = "http://127.0.0.1:1/diario.xml"

SENTENCE = "Judge sentences cartel leader to life in prison for fentanyl trafficking"
FLOOD = "Heavy rains flood the streets of Monterrey overnight"
TARIFF = "Tariffs on Mexican steel take effect next week"


def entry(
    guid: str,
    title: str,
    *,
    hours_ago: float = 0,
    outlet: str = "",
    summary: str = "",
) -> Item:
    return Item(
        guid=guid,
        title=title,
        summary=summary,
        link=f"https://example.com/{guid}",
        published=FIXED_NOW - timedelta(hours=hours_ago),
        outlet=outlet,
        outlet_url=f"https://{outlet.lower().replace(' ', '')}.example" if outlet else None,
    )


def fentanyl(title: str, score: float = 80.0) -> Match:
    return Match("fentanyl", score, (hit("cartel", title),))


def poll(
    store: Store,
    url: str,
    items: Sequence[Item],
    *,
    matched: dict[str, float] | None = None,
    stories: StoryIndex | None = None,
    title: str = "",
    feed_lang: str | None = None,
    now: datetime = FIXED_NOW,
) -> list[NewMatch]:
    """One successful poll of `url`; items whose guid is in `matched` match "fentanyl"
    with that score."""
    scores = matched if matched is not None else {i.guid: 80.0 for i in items}
    parsed = ParsedFeed(title=title or url.rsplit("/", 1)[-1], link=None, items=list(items))
    _, new = store.record_poll(
        url,
        FetchResult(url=url, status=FetchStatus.OK, http_status=200),
        parsed,
        [[fentanyl(i.title, scores[i.guid])] if i.guid in scores else [] for i in items],
        next_due=now + timedelta(minutes=30),
        now=now,
        stories=stories,
        feed_lang=feed_lang,
    )
    return new


def item_id(store: Store, guid: str) -> int:
    return int(store.conn.execute("SELECT id FROM items WHERE guid = ?", (guid,)).fetchone()[0])


@pytest.fixture
def store(tmp_path: Path):
    with Store(tmp_path / "b.db") as s:
        yield s


@pytest.fixture
def index() -> StoryIndex:
    return StoryIndex(WINDOW)


def by_headline(rows: Sequence[StoryRow]) -> dict[str, StoryRow]:
    return {r.headline: r for r in rows}


# -- migration 2 -------------------------------------------------------------------------


def v1_database(path: Path) -> None:
    """A database as briefer wrote it before stories, with items, matches and state."""
    db = sqlite_utils.Database(sqlite3.connect(path, isolation_level=None))
    MIGRATIONS[1](db)
    conn = db.conn
    conn.execute("PRAGMA user_version = 1")
    conn.execute("INSERT INTO feeds(id, url, title) VALUES (1, ?, 'Wire')", (WIRE,))
    for n, title in enumerate([SENTENCE, FLOOD], start=1):
        conn.execute(
            "INSERT INTO items(id, feed_id, guid, link, title, summary, published, fetched, "
            "content_hash) VALUES (?, 1, ?, ?, ?, '', ?, ?, 'h')",
            (n, f"g{n}", f"https://example.com/{n}", title, f"2026-11-2{n}T10:00:00Z", "x"),
        )
    conn.execute(
        "INSERT INTO matches VALUES (1, 'fentanyl', 80.0, '[]', 'v', '2026-11-21T10:00:00Z')"
    )
    conn.execute("INSERT INTO item_state(item_id, read, starred) VALUES (1, 1, 1)")
    conn.execute("INSERT INTO meta(key, value) VALUES ('watchlist_version:fentanyl', 'v')")
    conn.close()


def test_migration_2_keeps_a_v1_database_and_leaves_it_to_regroup(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    v1_database(path)
    with Store(path) as store:
        assert store.schema_version == SCHEMA_VERSION == 4
        assert store.integrity_check() == "ok"
        rows = store.conn.execute(
            "SELECT id, title, outlet, outlet_url, lang, story_id FROM items ORDER BY id"
        ).fetchall()
        assert rows == [(1, SENTENCE, "", None, "", None), (2, FLOOD, "", None, "", None)]
        assert store.get_meta("watchlist_version:fentanyl") == "v"
        # Nothing grouped yet, so the method is not recorded: regroup has work to do.
        assert store.get_meta("stories_method") is None
        [story] = store.stories("fentanyl", now=FIXED_NOW)
        assert (story.story_id, story.headline, story.items, story.starred) == (
            1,
            SENTENCE,
            1,
            True,
        )
        assert story.unread == 0 and story.outlets == 1
        assert [r.item.id for r in store.search("Monterrey")] == [2]
        since = FIXED_NOW - timedelta(days=3)
        assert [s.story_id for s in store.stories("fentanyl", since=since, now=FIXED_NOW)] == [1]
        # Assigning stories does not touch the full-text index; editing a title does.
        store.conn.execute("UPDATE items SET story_id = 1 WHERE id = 2")
        assert [r.story_id for r in store.search("Monterrey")] == [1]
        store.conn.execute("UPDATE items SET title = 'Sequía en Sonora' WHERE id = 2")
        assert store.search("Monterrey") == [] and len(store.search("Sonora")) == 1
    with Store(path) as again:  # opening again changes nothing
        assert again.schema_version == SCHEMA_VERSION and again.count_items() == 2


def test_a_new_database_records_the_grouping_method(store: Store) -> None:
    assert store.get_meta("stories_method") == METHOD
    tables = {r[0] for r in store.conn.execute("SELECT name FROM sqlite_master")}
    assert {"story_dismissals", "story_notices", "idx_items_story_id"} <= tables


def test_migration_2_runs_again_safely(tmp_path: Path) -> None:
    path = tmp_path / "b.db"
    Store(path).close()
    db = sqlite_utils.Database(sqlite3.connect(path, isolation_level=None))
    MIGRATIONS[2](db)  # a process that died before recording user_version 2
    db.conn.close()
    with Store(path) as store:
        assert store.schema_version == SCHEMA_VERSION and store.integrity_check() == "ok"


# -- assignment while polling ------------------------------------------------------------


def test_poll_assigns_stories_outlets_and_languages(store: Store, index: StoryIndex) -> None:
    first = poll(store, WIRE, [entry("w1", SENTENCE, hours_ago=5)], stories=index)
    copies = poll(
        store,
        NEWS,
        [
            entry("n1", SENTENCE, hours_ago=2, outlet="Daily Planet"),
            entry("n2", FLOOD, hours_ago=1, outlet="Daily Planet"),
        ],
        stories=index,
        title="news.google.com search",
    )
    story = item_id(store, "w1")
    assert [m.story_id for m in first] == [story]
    assert [(m.story_id, m.outlet, m.lang) for m in copies] == [
        (story, "Daily Planet", "en"),
        (item_id(store, "n2"), "Daily Planet", "en"),
    ]
    assert store.story_of(item_id(store, "n1")) == story
    stored = store.conn.execute(
        "SELECT guid, outlet, outlet_url, lang, story_id FROM items ORDER BY id"
    ).fetchall()
    assert stored == [
        ("w1", "", None, "en", story),
        ("n1", "Daily Planet", "https://dailyplanet.example", "en", story),
        ("n2", "Daily Planet", "https://dailyplanet.example", "en", item_id(store, "n2")),
    ]


def test_language_falls_back_to_the_feed_setting(store: Store, index: StoryIndex) -> None:
    new = poll(
        store,
        DIARIO,
        [entry("d1", "Sheinbaum: aranceles"), entry("d2", "El gobierno y los aranceles del acero")],
        stories=index,
        feed_lang="es",
    )
    assert [m.lang for m in new] == ["es", "es"]
    new = poll(store, WIRE, [entry("w1", "Sheinbaum: tariffs")], stories=index)
    assert [m.lang for m in new] == [""]  # too short to tell, and the feed says nothing


def test_a_changed_item_keeps_its_story(store: Store, index: StoryIndex) -> None:
    poll(store, WIRE, [entry("w1", SENTENCE, hours_ago=3)], stories=index)
    poll(store, NEWS, [entry("n1", SENTENCE, hours_ago=2)], stories=index)
    story = item_id(store, "w1")
    poll(store, NEWS, [entry("n1", SENTENCE + " (updated)", hours_ago=2)], stories=index)
    assert store.story_of(item_id(store, "n1")) == story


def test_without_an_index_items_are_their_own_stories(store: Store) -> None:
    new = poll(store, WIRE, [entry("w1", SENTENCE), entry("w2", SENTENCE, hours_ago=1)])
    ids = [item_id(store, "w1"), item_id(store, "w2")]
    assert [m.story_id for m in new] == ids
    assert (
        store.conn.execute("SELECT count(*) FROM items WHERE story_id IS NULL").fetchone()[0] == 2
    )
    assert sorted(s.story_id for s in store.stories("fentanyl", now=FIXED_NOW)) == sorted(ids)


def test_recent_story_items_warm_an_index(store: Store, index: StoryIndex) -> None:
    poll(
        store,
        WIRE,
        [entry("w1", SENTENCE, hours_ago=30), entry("w2", FLOOD, hours_ago=100)],
        stories=index,
    )
    recent = store.recent_story_items(FIXED_NOW - timedelta(hours=48))
    assert [(i.title, story) for i, story in recent] == [(SENTENCE, item_id(store, "w1"))]
    warm = StoryIndex(WINDOW)
    for story_item, story in recent:
        warm.add(story_item, story)
    poll(store, NEWS, [entry("n1", SENTENCE, hours_ago=1)], stories=warm)
    assert store.story_of(item_id(store, "n1")) == item_id(store, "w1")


# -- an issue's stories ------------------------------------------------------------------


@pytest.fixture
def week(store: Store, index: StoryIndex) -> Store:
    """Three stories for "fentanyl": the sentence on three outlets in two languages, the
    flood on one, an older tariff story on two; plus an unmatched copy of the sentence."""
    poll(
        store,
        WIRE,
        [
            entry("w1", SENTENCE, hours_ago=10),
            entry("w2", FLOOD, hours_ago=1),
            entry("w3", TARIFF, hours_ago=70),
        ],
        matched={"w1": 70.0, "w2": 95.0, "w3": 60.0},
        stories=index,
        title="Wire",
    )
    poll(
        store,
        NEWS,
        [
            entry("n1", SENTENCE, hours_ago=6, outlet="Daily Planet"),
            entry("n2", SENTENCE, hours_ago=5, outlet="Le Monde"),
            entry("n3", TARIFF, hours_ago=69, outlet="Daily Planet"),
            entry("n4", SENTENCE, hours_ago=4, outlet="Daily Planet"),
        ],
        matched={"n1": 90.0, "n2": 75.0, "n3": 60.0},
        stories=index,
        title="news.google.com",
    )
    # The same report in Spanish, joined to the story by hand: grouping across languages
    # is the grouping module's job, counting languages is the store's.
    poll(
        store,
        DIARIO,
        [entry("d1", "Condenan a cadena perpetua al líder del cártel", hours_ago=3)],
        matched={"d1": 85.0},
        title="Diario",
    )
    store.conn.execute("UPDATE items SET story_id = ? WHERE guid = 'd1'", (item_id(store, "w1"),))
    return store


def test_stories_count_outlets_languages_and_items(week: Store) -> None:
    rows = by_headline(week.stories("fentanyl", now=FIXED_NOW))
    assert set(rows) == {SENTENCE, FLOOD, TARIFF}
    sentence = rows[SENTENCE]
    assert sentence.story_id == item_id(week, "w1")
    # Wire, Daily Planet, Le Monde, Diario: n4 is the same outlet and is not matched anyway.
    assert (sentence.outlets, sentence.items, sentence.unread) == (4, 4, 4)
    assert sentence.langs == frozenset({"en", "es"})
    assert sentence.headline_item_id == item_id(week, "n1")  # best score: 90
    assert sentence.link == "https://example.com/n1" and sentence.score == 90.0
    assert sentence.hits[0].term == "cartel"
    assert sentence.first_seen == FIXED_NOW - timedelta(hours=10)
    assert sentence.last_update == FIXED_NOW - timedelta(hours=3)
    assert (rows[TARIFF].outlets, rows[FLOOD].outlets) == (2, 1)
    assert sentence.rank == story_rank(4, sentence.last_update, 90.0, FIXED_NOW)


def test_best_first_puts_coverage_first_and_new_orders_by_update(week: Store) -> None:
    best = [r.headline for r in week.stories("fentanyl", now=FIXED_NOW)]
    assert best == [SENTENCE, FLOOD, TARIFF]
    new = [r.headline for r in week.stories("fentanyl", order="new", now=FIXED_NOW)]
    assert new == [FLOOD, SENTENCE, TARIFF]
    assert [r.headline for r in week.stories("fentanyl", order="new", limit=1)] == [FLOOD]
    assert len(week.stories("fentanyl", limit=2, now=FIXED_NOW)) == 2
    with pytest.raises(ValueError, match="order"):
        week.stories("fentanyl", order="score")


def test_since_and_until_window_the_stories(week: Store) -> None:
    recent = week.stories("fentanyl", since=FIXED_NOW - timedelta(hours=24), now=FIXED_NOW)
    assert {r.headline for r in recent} == {SENTENCE, FLOOD}
    then = by_headline(week.stories("fentanyl", until=FIXED_NOW - timedelta(hours=5, minutes=30)))
    assert set(then) == {SENTENCE, TARIFF}  # the flood came later
    assert (then[SENTENCE].items, then[SENTENCE].outlets) == (2, 2)  # as it stood then


def test_read_stories_show_what_is_new_since(week: Store, index: StoryIndex) -> None:
    story = item_id(week, "w1")
    assert by_headline(week.stories("fentanyl"))[SENTENCE].new_since_read == 0
    week.set_story_read(story, "fentanyl")
    sentence = by_headline(week.stories("fentanyl"))[SENTENCE]
    assert (sentence.unread, sentence.new_since_read) == (0, 0)
    assert {r.headline for r in week.stories("fentanyl", unread_only=True)} == {FLOOD, TARIFF}
    poll(
        week,
        NEWS,
        [entry("n5", SENTENCE, hours_ago=1, outlet="El Heraldo")],
        matched={"n5": 70.0},
        stories=index,
    )
    sentence = by_headline(week.stories("fentanyl"))[SENTENCE]
    assert (sentence.unread, sentence.new_since_read, sentence.outlets) == (1, 1, 5)
    week.set_story_read(story, "fentanyl", read=False)
    sentence = by_headline(week.stories("fentanyl"))[SENTENCE]
    assert (sentence.unread, sentence.new_since_read) == (5, 0)
    # Only the story's items matched to this issue are marked; n4 is not matched.
    assert week.item(item_id(week, "n4")).read is False  # type: ignore[union-attr]


def test_starring_a_story(week: Store) -> None:
    week.set_story_starred(item_id(week, "w3"), "fentanyl")
    assert [r.headline for r in week.stories("fentanyl", starred_only=True)] == [TARIFF]
    week.set_story_starred(item_id(week, "w3"), "fentanyl", starred=False)
    assert week.stories("fentanyl", starred_only=True) == []


def test_a_dismissed_story_stays_hidden_as_it_grows(week: Store, index: StoryIndex) -> None:
    story = item_id(week, "w1")
    week.dismiss(item_id(week, "w2"), "fentanyl")  # the flood, dismissed on its own before
    week.dismiss_story(story, "fentanyl", now=FIXED_NOW)
    assert [r.headline for r in week.stories("fentanyl")] == [TARIFF]
    feedback = week.conn.execute(
        "SELECT count(*) FROM feedback WHERE verdict = 'not_relevant'"
    ).fetchone()[0]
    assert feedback == 5  # the story's four matched items, and the flood
    poll(week, NEWS, [entry("n6", SENTENCE, hours_ago=1)], matched={"n6": 99.0}, stories=index)
    assert week.story_of(item_id(week, "n6")) == story
    assert [r.headline for r in week.stories("fentanyl")] == [TARIFF]
    assert week.story_counts("fentanyl", since=FIXED_NOW - timedelta(days=7)) == (1, 1, 1)

    week.undismiss_story(story, "fentanyl")
    sentence = by_headline(week.stories("fentanyl"))[SENTENCE]
    assert sentence.items == 5
    # The flood's own dismissal is not the story's to undo.
    assert FLOOD not in by_headline(week.stories("fentanyl"))
    week.undismiss_story(story, "fentanyl")  # nothing to undo: no error


def test_members_are_every_item_earliest_first(week: Store) -> None:
    story = item_id(week, "w1")
    members = week.story_members(story, "fentanyl")
    assert [m.item.id for m in members] == [
        item_id(week, g) for g in ("w1", "n1", "n2", "n4", "d1")
    ]
    assert [m.outlet for m in members] == [
        "Wire",
        "Daily Planet",
        "Le Monde",
        "Daily Planet",
        "Diario",
    ]
    assert [m.lang for m in members] == ["en", "en", "en", "en", "es"]
    assert [m.match.score if m.match else None for m in members] == [70.0, 90.0, 75.0, None, 85.0]
    assert members[1].match is not None and members[1].match.terms == ["cartel"]
    assert [m.match.issue_id for m in week.story_members(story) if m.match] == ["fentanyl"] * 4
    assert [m.match for m in week.story_members(story, "tariffs")] == [None] * 5
    alone = item_id(week, "w2")
    assert [m.item.title for m in week.story_members(alone)] == [FLOOD]
    assert week.story_of(10_000) is None


def test_story_counts_and_daily_counts(week: Store, index: StoryIndex) -> None:
    week.set_story_read(item_id(week, "w2"), "fentanyl")
    unread, since, total = week.story_counts("fentanyl", since=FIXED_NOW - timedelta(hours=24))
    assert (unread, since, total) == (2, 2, 3)
    # The tariff story grows 40 hours before FIXED_NOW, but it began 70 hours before, in
    # the third 24 hours back: it counts there only. Days are 24-hour windows up to now.
    poll(week, WIRE, [entry("w4", TARIFF, hours_ago=40)], matched={"w4": 60.0}, stories=index)
    assert week.story_of(item_id(week, "w4")) == item_id(week, "w3")
    assert week.daily_story_counts("fentanyl", days=4, now=FIXED_NOW) == [0, 1, 0, 2]
    assert week.daily_story_counts("fentanyl", days=2, now=FIXED_NOW) == [0, 2]
    assert week.story_counts("tariffs", since=FIXED_NOW) == (0, 0, 0)


def test_story_activity_counts_the_last_day_new_stories_and_their_outlets(
    week: Store, index: StoryIndex
) -> None:
    activity = week.story_activity("fentanyl", days=3, now=FIXED_NOW)
    # Sentence and flood are new: Wire, Daily Planet, Le Monde, Diario carried them.
    assert (activity.unread, activity.daily, activity.new_outlets) == (3, (1, 0, 2), 4)
    # A new outlet on an old story is not a new story's; one exactly 24 hours old is.
    poll(
        week,
        "http://127.0.0.1:1/norte.xml",
        [
            entry("e1", TARIFF, hours_ago=2, outlet="El Norte"),
            entry("e2", "Governor names a new security chief", hours_ago=24, outlet="El Sur"),
        ],
        stories=index,
    )
    tariff = item_id(week, "w3")
    week.conn.execute("UPDATE items SET story_id = ? WHERE guid = 'e1'", (tariff,))
    activity = week.story_activity("fentanyl", days=3, now=FIXED_NOW)
    assert (activity.unread, activity.daily, activity.new_outlets) == (4, (1, 0, 3), 5)
    # As it stood 48 hours ago: only the tariff story, then 22 hours old, on two outlets.
    before = FIXED_NOW - timedelta(hours=48)
    then = week.story_activity("fentanyl", days=2, now=before, until=before)
    assert (then.daily, then.new_outlets) == ((0, 1), 2)
    assert week.story_activity("tariffs", days=2, now=FIXED_NOW).daily == (0, 0)


def test_search_rows_carry_their_story(week: Store) -> None:
    rows = week.search("cartel leader")
    assert {r.story_id for r in rows} == {item_id(week, "w1")}
    assert len(rows) == 4


def test_story_notices_are_kept_per_kind(week: Store) -> None:
    story = item_id(week, "w1")
    pairs = [(story, "fentanyl"), (story, "tariffs")]
    assert week.unnotified_stories(pairs) == set(pairs)
    week.mark_story_notified(story, "fentanyl", "new", now=FIXED_NOW)
    week.mark_story_notified(story, "fentanyl", "new", now=FIXED_NOW + timedelta(hours=1))
    assert week.unnotified_stories(pairs) == {(story, "tariffs")}
    assert week.unnotified_stories(pairs, "spreading") == set(pairs)
    week.mark_stories_notified(pairs, "spreading")
    assert week.unnotified_stories(pairs, "spreading") == set()
    at = week.conn.execute(
        "SELECT at FROM story_notices WHERE kind = 'new' AND issue_id = 'fentanyl'"
    ).fetchall()
    assert at == [("2026-11-23T12:00:00Z",)]  # the first notice is the one kept
    assert week.unnotified_stories([]) == set()
    with pytest.raises(ValueError, match="notice"):
        week.mark_story_notified(story, "fentanyl", "loud")


# -- ranking -----------------------------------------------------------------------------


def test_rank_puts_coverage_first_then_recency_then_score() -> None:
    now = FIXED_NOW
    hours = lambda h: now - timedelta(hours=h)  # noqa: E731
    assert story_rank(4, hours(36), 60, now) > story_rank(1, hours(0), 100, now)
    assert story_rank(2, hours(1), 60, now) > story_rank(2, hours(10), 60, now)
    assert story_rank(2, hours(5), 90, now) > story_rank(2, hours(5), 60, now)
    # One half-life halves the rank; a date in the future counts as now.
    assert story_rank(3, hours(36), 80, now) == pytest.approx(story_rank(3, now, 80, now) / 2)
    assert story_rank(3, now + timedelta(hours=5), 80, now) == story_rank(3, now, 80, now)
    assert story_rank(0, now, 80, now) == story_rank(1, now, 80, now) > 0
