"""Retention on real SQLite files: what a prune keeps and deletes, the full-text index
afterwards, a prune killed halfway, space given back, the config key, the daily job, and
what `briefer doctor` and `briefer prune` say.

Items go in through `record_poll`, as a poll stores them; `now` sets when briefer first
saw them.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from click.testing import CliRunner

from briefer.cli import main
from briefer.config import Paths, load_config
from briefer.errors import ConfigError
from briefer.models import FetchResult, FetchStatus, Item, Match, ParsedFeed
from briefer.prune import (
    LAST_PRUNE_KEY,
    PENDING_KEY,
    RetentionJob,
    prune_database,
    schedule_retention,
)
from briefer.store import Store
from briefer.stories import WINDOW, StoryIndex
from tests.factory import FIXED_NOW, hit

NOW = FIXED_NOW
CUT = NOW - timedelta(days=180)
OLD = NOW - timedelta(days=200)
YOUNG = NOW - timedelta(days=10)


def entry(guid: str, title: str, published: datetime, summary: str = "") -> Item:
    return Item(
        guid=guid,
        title=title,
        summary=summary,
        link=f"https://example.com/{guid}",
        published=published,
    )


def cartel(title: str) -> Match:
    return Match("fentanyl", 80.0, (hit("cartel", title),))


def poll(
    store: Store,
    url: str,
    items: Sequence[Item],
    *,
    matched: Sequence[str] = (),
    seen: datetime,
    stories: StoryIndex | None = None,
) -> None:
    """One poll of `url` at time `seen`; the guids in `matched` match issue "fentanyl"."""
    store.record_poll(
        url,
        FetchResult(url=url, status=FetchStatus.OK, http_status=200),
        ParsedFeed(title=url, link=None, items=list(items)),
        [
            [Match("fentanyl", 80.0, (hit("cartel", i.title),))] if i.guid in matched else []
            for i in items
        ],
        next_due=seen + timedelta(minutes=30),
        now=seen,
        stories=stories,
    )


def ids(store: Store) -> dict[str, int]:
    return {g: int(i) for g, i in store.conn.execute("SELECT guid, id FROM items")}


def fts_ok(store: Store) -> None:
    """The full-text index holds exactly the stored items, and FTS5 agrees."""
    store.conn.execute("INSERT INTO items_fts(items_fts, rank) VALUES ('integrity-check', 1)")
    indexed = store.conn.execute("SELECT count(*) FROM items_fts_docsize").fetchone()[0]
    assert indexed == store.count_items()


@pytest.fixture
def store(tmp_path: Path):
    with Store(tmp_path / "b.db") as s:
        yield s


@pytest.fixture
def mixed(store: Store) -> Store:
    """Old and young items, each kept or not for one reason."""
    index = StoryIndex(WINDOW)
    poll(
        store,
        "http://127.0.0.1:1/a.xml",
        [
            entry("old-plain", "Rainfall totals for the week zanzibar", OLD),
            entry("old-read", "Stock market closes higher quokka", OLD),
            entry("old-matched", "Cartel leader arrested in Sinaloa", OLD),
            entry("old-starred", "Museum reopens after renovation", OLD),
            entry("old-dismissed", "Football final draws record crowd", OLD),
            entry("young-plain", "Traffic delays on the ring road", YOUNG),
            entry("redated", "Harbour dredging contract signed", OLD),
        ],
        matched=["old-matched"],
        seen=OLD,
    )
    # The same headline twice: one story, its first item unmatched, a later one matched.
    poll(
        store,
        "http://127.0.0.1:1/b.xml",
        [entry("story-first", "Governor announces new water plan", OLD)],
        seen=OLD,
        stories=index,
    )
    poll(
        store,
        "http://127.0.0.1:1/c.xml",
        [entry("story-later", "Governor announces new water plan", OLD + timedelta(hours=5))],
        matched=["story-later"],
        seen=OLD + timedelta(hours=5),
        stories=index,
    )
    # An old story of its own, unmatched (a rematch took its match away), once notified.
    poll(
        store,
        "http://127.0.0.1:1/d.xml",
        [entry("gone-story", "Bridge inspection finds minor cracks", OLD)],
        seen=OLD,
        stories=index,
    )
    # A feed that dates its item long ago, first seen last week: not old to briefer.
    poll(
        store,
        "http://127.0.0.1:1/e.xml",
        [entry("redated-late", "Library extends opening hours", OLD)],
        seen=YOUNG,
    )
    known = ids(store)
    store.set_read(known["old-read"])
    store.set_starred(known["old-starred"])
    store.dismiss(known["old-dismissed"], "fentanyl")
    store.mark_story_notified(known["gone-story"], "fentanyl")
    store.dismiss_story(known["gone-story"], "tariffs")
    return store


def test_prune_keeps_matched_starred_dismissed_young_and_whole_stories(mixed: Store) -> None:
    before = ids(mixed)
    assert mixed.story_of(before["story-later"]) == before["story-first"]
    estimate = mixed.prunable(CUT)

    result = mixed.prune(CUT)

    after = ids(mixed)
    assert set(before) - set(after) == {"old-plain", "old-read", "gone-story", "redated"}
    assert result.items == estimate.items == 4
    assert estimate.bytes > 0
    # The story keeps its first item, so its id still names a stored item.
    assert mixed.story_of(after["story-later"]) == after["story-first"]
    members = mixed.story_members(after["story-first"], "fentanyl")
    assert [m.item.id for m in members] == [after["story-first"], after["story-later"]]
    # Nothing refers to a pruned item or to the story that went with it.
    gone = [before[g] for g in ("old-plain", "old-read", "gone-story", "redated")]
    for table, column in (
        ("item_state", "item_id"),
        ("matches", "item_id"),
        ("feedback", "item_id"),
        ("story_notices", "story_id"),
        ("story_dismissals", "story_id"),
    ):
        marks = ",".join("?" * len(gone))
        left = mixed.conn.execute(
            f"SELECT count(*) FROM {table} WHERE {column} IN ({marks})", gone
        ).fetchone()[0]
        assert left == 0, table
    # The starred and dismissed items keep their state.
    assert mixed.conn.execute(
        "SELECT starred FROM item_state WHERE item_id = ?", (after["old-starred"],)
    ).fetchone() == (1,)
    assert mixed.prunable(CUT).items == 0
    assert mixed.prune(CUT).items == 0
    assert mixed.integrity_check() == "ok"


def test_search_forgets_pruned_items_and_the_index_stays_consistent(mixed: Store) -> None:
    assert [r.item.title for r in mixed.search("zanzibar")] == [
        "Rainfall totals for the week zanzibar"
    ]
    mixed.prune(CUT)
    assert mixed.search("zanzibar") == []
    assert mixed.search("quokka") == []
    assert [r.item.title for r in mixed.search("museum")] == ["Museum reopens after renovation"]
    fts_ok(mixed)


def test_small_batches_prune_the_same(mixed: Store) -> None:
    result = mixed.prune(CUT, batch=1)
    assert result.items == 4
    assert result.batches >= 4
    assert len(result.batch_times) == result.batches
    assert "old-plain" not in ids(mixed)
    fts_ok(mixed)


def test_a_batch_rechecks_its_items_in_its_own_transaction(mixed: Store) -> None:
    """Items a poll matched or a reader starred after they were picked are kept."""
    known = ids(mixed)
    cut = CUT.strftime("%Y-%m-%dT%H:%M:%SZ")
    picked = [known["old-plain"], known["old-read"]]
    mixed.set_starred(known["old-read"])
    assert mixed._prune_batch(picked, cut) == 1
    assert set(ids(mixed)) >= {"old-read"} and "old-plain" not in ids(mixed)


def test_stop_between_batches(mixed: Store) -> None:
    calls = []

    def stop() -> bool:
        calls.append(1)
        return len(calls) > 2

    result = mixed.prune(CUT, batch=1, should_stop=stop)
    assert result.stopped
    assert result.items == 2
    assert mixed.prune(CUT).items == 2  # the next run carries on


# -- a prune killed halfway ----------------------------------------------------------------------

KILLED_PRUNE = textwrap.dedent(
    """
    import sys
    from datetime import datetime
    from briefer.store import Store

    path, cut = sys.argv[1], datetime.fromisoformat(sys.argv[2])
    with Store(path) as store:
        def progress():
            print("batch", flush=True)
            return False
        store.prune(cut, batch=50, should_stop=progress)
    print("finished", flush=True)
    """
)


def fill(store: Store, feeds: int, per_feed: int, seen: datetime, *, first: int = 0) -> None:
    """`feeds` feeds of `per_feed` items first seen at `seen`; every 97th item matches."""
    for f in range(first, first + feeds):
        items = [
            entry(
                f"f{f}-{n}",
                f"Report {f}-{n} on regional matters number {n}",
                seen - timedelta(minutes=n),
                summary=f"Details about item {n} of feed {f}, plain words to index. " * 4,
            )
            for n in range(per_feed)
        ]
        matched = [i.guid for i in items[::97]]
        poll(store, f"http://127.0.0.1:1/{f}.xml", items, matched=matched, seen=seen)


def test_kill_during_prune_leaves_a_whole_database(tmp_path: Path) -> None:
    path = tmp_path / "b.db"
    with Store(path) as store:
        fill(store, 4, 2_500, OLD)
        total = store.count_items()
        prunable = store.prunable(CUT).items
    assert prunable > 9_000
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED_PRUNE, str(path), CUT.isoformat()],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert proc.stdout is not None
    for _ in range(20):  # let it commit a few batches, then kill it mid-flight
        assert proc.stdout.readline().strip() == "batch"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL

    with Store(path) as store:
        assert store.integrity_check() == "ok"
        fts_ok(store)
        left = store.count_items()
        deleted = total - left
        # Some batches committed, whole; the one in flight left no trace.
        assert 0 < deleted < prunable
        assert deleted % 50 == 0
        orphans = store.conn.execute(
            "SELECT count(*) FROM item_state WHERE item_id NOT IN (SELECT id FROM items)"
        ).fetchone()[0]
        assert orphans == 0
        assert store.prunable(CUT).items == prunable - deleted
        assert store.prune(CUT).items == prunable - deleted
        assert store.count_items() == total - prunable
        fts_ok(store)


# -- space ---------------------------------------------------------------------------------------


def test_new_database_gives_pruned_space_back(tmp_path: Path) -> None:
    with Store(tmp_path / "b.db") as store:
        assert store.auto_vacuum() == "incremental"
        fill(store, 2, 2_000, OLD)
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        full = store.database_size()
        store.prune(CUT)
        assert store.free_bytes() > 0
        space = store.reclaim_space(step_pages=64)
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        assert store.free_bytes() == 0
        assert space.mode == "incremental" and not space.converted
        assert store.database_size() < full / 2
        assert store.integrity_check() == "ok"


def test_compacting_the_search_index_drops_deleted_text(tmp_path: Path) -> None:
    with Store(tmp_path / "b.db") as store:
        fill(store, 2, 2_000, OLD)
        fill(store, 1, 500, YOUNG, first=2)
        index_pages = "SELECT count(*) FROM items_fts_data"
        store.prune(CUT)
        before = store.conn.execute(index_pages).fetchone()[0]
        steps, longest = store.compact_search_index(step_pages=16)
        assert steps > 1 and longest > 0
        assert store.conn.execute(index_pages).fetchone()[0] < before / 2
        fts_ok(store)
        assert len(store.search("regional", limit=1_000)) == store.count_items()
        assert store.compact_search_index() == (1, pytest.approx(0, abs=1))  # nothing left


def test_daily_job_compacts_the_index_once_enough_went(tmp_path: Path) -> None:
    config = config_for(tmp_path)
    with Store(config.paths.db) as store:
        fill(store, 1, 100, OLD)
        fill(store, 1, 2_000, YOUNG, first=1)
    prune_database(config, now=NOW, pause=0)  # 98 of 2,002 left: under a tenth, pending
    with Store(config.paths.db) as store:
        assert store.get_meta(PENDING_KEY) == "98"
        fill(store, 1, 200, OLD + timedelta(days=1), first=2)
    prune_database(config, now=NOW + timedelta(days=1, hours=1), pause=0)
    with Store(config.paths.db) as store:
        assert store.get_meta(PENDING_KEY) == "0"  # 98 + 197 >= a tenth: compacted
        fts_ok(store)


def test_older_database_converts_only_when_asked(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:  # a database as briefer made them before retention
        conn.execute("PRAGMA auto_vacuum = NONE")
        conn.execute("CREATE TABLE seed(x)")
        conn.execute("DROP TABLE seed")
    with Store(path) as store:
        assert store.auto_vacuum() == "none"
        fill(store, 1, 2_000, OLD)
        store.prune(CUT)
        free = store.free_bytes()
        assert free > 0
        assert store.reclaim_space().freed_bytes == 0  # without convert: left for reuse
        assert store.free_bytes() == free
        space = store.reclaim_space(convert=True)
        assert space.converted and space.mode == "incremental"
        assert store.free_bytes() == 0
        assert store.integrity_check() == "ok"
        fts_ok(store)


# -- config --------------------------------------------------------------------------------------


def config_for(tmp_path: Path, text: str | None = None):
    paths = Paths.resolve(env={"BRIEFER_HOME": str(tmp_path)})
    if text is not None:
        paths.config_file.write_text(text, encoding="utf-8")
    return load_config(paths)


def test_retention_defaults_to_180_days_and_0_turns_it_off(tmp_path: Path) -> None:
    assert config_for(tmp_path).retention.max_age == timedelta(days=180)
    assert config_for(tmp_path, "[retention]\nmax_age_days = 30\n").retention.max_age_days == 30
    assert config_for(tmp_path, "[retention]\nmax_age_days = 0\n").retention.max_age is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[retention]\nmax_age_days = 3", "0 (keep everything) or a whole number of days"),
        ("[retention]\nmax_age_days = 'long'", "from 7 to 3650, got 'long'"),
        ("[retention]\nmax_age_days = 99999", "got 99999"),
        ("[retention]\nmax_age_days = true", "got True"),
        ("[retention]\nmax_age_days = 1.5", "got 1.5"),
        ("[retention]\ndays = 90", "unknown setting (known: max_age_days)"),
        ("retention = 5", "expected a table"),
    ],
)
def test_bad_retention_config_names_file_key_and_expectation(
    tmp_path: Path, text: str, expected: str
) -> None:
    with pytest.raises(ConfigError) as info:
        config_for(tmp_path, text)
    message = str(info.value)
    assert str(tmp_path / "config.toml") in message
    assert "retention" in message
    assert expected in message


# -- the daily job -------------------------------------------------------------------------------


def test_job_prunes_once_a_day(tmp_path: Path) -> None:
    config = config_for(tmp_path)
    with Store(config.paths.db) as store:
        fill(store, 1, 300, OLD)
        prunable = store.prunable(CUT).items
    job = RetentionJob(config)
    report = job.run_if_due(NOW)
    assert report is not None and report.pruned.items == prunable
    assert job.run_if_due(NOW + timedelta(hours=23)) is None  # done today
    with Store(config.paths.db) as store:
        assert store.get_meta(LAST_PRUNE_KEY) == "2026-11-23T12:00:00Z"
        fill(store, 1, 10, OLD + timedelta(days=1), first=1)
    later = job.run_if_due(NOW + timedelta(days=1, minutes=1))
    assert later is not None and later.pruned.items == 10 - 1  # one of them matched
    job.stop()
    assert job.run_if_due(NOW + timedelta(days=5)) is None


def test_job_does_nothing_when_retention_is_off(tmp_path: Path) -> None:
    config = config_for(tmp_path, "[retention]\nmax_age_days = 0\n")
    with Store(config.paths.db) as store:
        fill(store, 1, 50, OLD)
    assert RetentionJob(config).run_if_due(NOW) is None
    assert prune_database(config, now=NOW) is None
    with Store(config.paths.db) as store:
        assert store.count_items() == 50


def test_scheduled_check_runs_only_in_the_polling_process(tmp_path: Path) -> None:
    config = config_for(tmp_path)
    with Store(config.paths.db) as store:
        fill(store, 1, 100, datetime.now(FIXED_NOW.tzinfo) - timedelta(days=400))
    polling = False
    errors: list[str] = []

    async def main() -> None:
        scheduler = AsyncIOScheduler()
        schedule_retention(
            scheduler,
            RetentionJob(config),
            may_run=lambda: polling,
            on_error=lambda doing, exc: errors.append(doing),
        )
        job = scheduler.get_job("retention")
        assert job is not None and job.name == "prune old items"
        await job.func()
        with Store(config.paths.db) as store:
            assert store.count_items() == 100  # another process polls: not ours to prune
        nonlocal polling
        polling = True
        await job.func()

    asyncio.run(main())
    with Store(config.paths.db) as store:
        assert store.count_items() == 2  # the matched ones
    assert errors == []


# -- the CLI -------------------------------------------------------------------------------------


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_doctor_shows_size_and_what_retention_would_free(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BRIEFER_HOME", str(tmp_path))
    (tmp_path / "config.toml").write_text("feeds = []\n", encoding="utf-8")
    old = datetime.now(FIXED_NOW.tzinfo) - timedelta(days=400)
    with Store(tmp_path / "briefer.db") as store:
        fill(store, 1, 200, old)
    code, out = run("doctor")
    assert code == 0, out
    size_line = next(line for line in out.splitlines() if line.startswith("size"))
    assert "KB on disk" in size_line or "MB on disk" in size_line
    assert "prune --vacuum" not in size_line  # made by this briefer: incremental
    retention = next(line for line in out.splitlines() if line.startswith("retention"))
    assert "older than 180 days" in retention
    assert "197 to prune now (about " in retention

    code, out = run("prune", "--dry-run")
    assert code == 0 and "197 items older than 180 days would be pruned" in out
    code, out = run("prune")
    assert code == 0 and out.startswith("Pruned 197 items older than 180 days"), out
    code, out = run("doctor")
    assert "nothing to prune now" in out


def test_prune_cli_says_when_retention_is_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BRIEFER_HOME", str(tmp_path))
    (tmp_path / "config.toml").write_text(
        "feeds = []\n[retention]\nmax_age_days = 0\n", encoding="utf-8"
    )
    code, out = run("prune")
    assert code == 0 and "No database yet" in out
    Store(tmp_path / "briefer.db").close()
    code, out = run("prune")
    assert code == 0 and "Retention is off" in out
    code, out = run("doctor")
    assert "off: every item is kept" in out
