from __future__ import annotations

import sqlite3
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from briefer.errors import DatabaseError
from briefer.models import FetchResult, FetchStatus, Match
from briefer.store import SCHEMA_VERSION, Store, fts_query
from briefer.store.writes import ROWS_PER_INSERT
from tests.factory import FIXED_NOW, add_feed, hit, item

FEED = "http://127.0.0.1:1/feed.xml"


def tariff_match(title: str, score: float = 80.0) -> Match:
    return Match("tariffs", score, (hit("aranceles", title),))


@pytest.fixture
def store(tmp_path: Path):
    with Store(tmp_path / "b.db") as s:
        yield s


def test_schema_is_created_in_wal_mode(store: Store) -> None:
    assert store.schema_version == SCHEMA_VERSION
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.integrity_check() == "ok"


def test_repolling_never_duplicates_and_updates_in_place(store: Store) -> None:
    title = "México responde a los aranceles de EU"
    entries = [(item("a", title), [tariff_match(title)]), (item("b", "Clima en Monterrey"), [])]
    first = add_feed(store, FEED, entries)
    assert [m.issue_id for m in first] == ["tariffs"]
    assert add_feed(store, FEED, entries) == []  # same content: nothing new
    assert store.count_items() == 2

    changed = item("a", title + " (actualizado)")
    again = add_feed(store, FEED, [(changed, [tariff_match(changed.title)])])
    assert again == []  # the item changed but its match is not new
    assert store.count_items() == 2
    [row] = store.matches("tariffs")
    assert row.item.title.endswith("(actualizado)")


def test_feeds_stored_in_one_transaction_commit_together(tmp_path: Path) -> None:
    path = tmp_path / "b.db"
    with Store(path) as store, Store(path) as reader:
        with store.transaction():
            add_feed(store, FEED, [(item("a", "Clima en Monterrey"), [])])
            add_feed(store, FEED + "?2", [(item("b", "Lluvias en Jalisco"), [])])
            assert reader.count_items() == 0  # nothing is seen before the one commit
        assert reader.count_items() == 2
        with pytest.raises(RuntimeError), store.transaction():
            add_feed(store, FEED + "?3", [(item("c", "Turismo en Cancún"), [])])
            raise RuntimeError("the poll failed while storing its next feed")
        assert reader.count_items() == 2  # the batch went back as a whole
        add_feed(store, FEED + "?3", [(item("c", "Turismo en Cancún"), [])])  # and writes go on
        assert reader.count_items() == 3


def test_matches_order_filters_and_dismissal(store: Store) -> None:
    older = FIXED_NOW - timedelta(days=2)
    entries = [
        (item("low", "aranceles bajos", published=FIXED_NOW), [tariff_match("aranceles", 60)]),
        (item("high", "aranceles altos", published=older), [tariff_match("aranceles", 95)]),
    ]
    add_feed(store, FEED, entries)
    best = store.matches("tariffs")
    assert [r.score for r in best] == [95.0, 60.0]
    newest = store.matches("tariffs", order="newest")
    assert newest[0].item.title == "aranceles bajos"
    assert len(store.matches("tariffs", since=FIXED_NOW - timedelta(days=1))) == 1

    store.dismiss(best[0].item.id, "tariffs")
    assert [r.score for r in store.matches("tariffs")] == [60.0]
    assert len(store.matches("tariffs", include_dismissed=True)) == 2


def test_hits_keep_their_spans(store: Store) -> None:
    title = "Nuevos aranceles al acero"
    add_feed(store, FEED, [(item("a", title), [tariff_match(title)])])
    [row] = store.matches("tariffs")
    [span] = row.hits[0].spans
    assert row.item.title[span.start : span.end] == "aranceles"


def test_read_star_and_notified_state(store: Store) -> None:
    add_feed(store, FEED, [(item("a", "aranceles"), [tariff_match("aranceles")])])
    [row] = store.matches("tariffs", unread_only=True)
    store.set_read(row.item.id)
    store.set_starred(row.item.id)
    assert store.matches("tariffs", unread_only=True) == []
    assert len(store.matches("tariffs", starred_only=True)) == 1
    assert store.unnotified([row.item.id]) == {row.item.id}
    store.mark_notified([row.item.id])
    assert store.unnotified([row.item.id]) == set()


def test_search_folds_accents_and_never_raises_on_syntax(store: Store) -> None:
    add_feed(
        store,
        FEED,
        [
            (item("a", "Reforma judicial: elección de jueces"), []),
            (item("b", "Aranceles al acero", summary="La Secretaría de Economía"), []),
        ],
    )
    assert [r.item.title for r in store.search("eleccion")] == [
        "Reforma judicial: elección de jueces"
    ]
    assert len(store.search("secretaria")) == 1
    assert len(store.search("arancel*")) == 1
    for hostile in ['"', "AND OR NOT", "a:b", "(", "*", "NEAR(x y)", "\x1b[2J"]:
        store.search(hostile)  # quoted, so never an FTS5 syntax error
    assert fts_query('say "hi"') == '"say" """hi"""'


def test_a_feed_larger_than_one_insert_statement_is_stored_and_searchable(
    store: Store,
) -> None:
    count = ROWS_PER_INSERT * 2 + 7  # new items go in many to a statement: three here
    entries = [(item(f"g{n}", f"Aduana {n} en Nuevo Laredo"), []) for n in range(count)]
    entries.insert(ROWS_PER_INSERT + 3, (item("g5", "Aduana 5 en Nuevo Laredo, corregido"), []))
    add_feed(store, FEED, entries)
    assert store.count_items() == count  # the guid given twice is one item, as changed
    assert len(store.search("laredo", limit=count + 10)) == count
    assert [r.item.title for r in store.search("corregido")] == [
        "Aduana 5 en Nuevo Laredo, corregido"
    ]
    # FTS5 raises if its index disagrees with the items
    store.conn.execute("INSERT INTO items_fts(items_fts, rank) VALUES ('integrity-check', 1)")
    assert store.integrity_check() == "ok"


def test_failed_poll_keeps_validators_and_counts_errors(store: Store) -> None:
    ok = FetchResult(FEED, FetchStatus.OK, 200, etag='"v1"', last_modified="Mon, 01 Jan 2026")
    store.record_poll(FEED, ok, None, None, next_due=FIXED_NOW, now=FIXED_NOW)
    bad = FetchResult(FEED, FetchStatus.ERROR, 500, error="HTTP 500")
    for _ in range(2):
        outcome, _ = store.record_poll(FEED, bad, None, None, next_due=FIXED_NOW, now=FIXED_NOW)
    feed = store.feed(FEED)
    assert feed is not None
    assert (feed.etag, feed.error_count, feed.last_error) == ('"v1"', 2, "HTTP 500")
    assert outcome.error == "HTTP 500"
    not_modified = FetchResult(FEED, FetchStatus.NOT_MODIFIED, 304)
    store.record_poll(FEED, not_modified, None, None, next_due=FIXED_NOW, now=FIXED_NOW)
    feed = store.feed(FEED)
    assert feed is not None and (feed.etag, feed.error_count) == ('"v1"', 0)


def test_gone_feed_is_disabled_with_reason(store: Store) -> None:
    gone = FetchResult(FEED, FetchStatus.GONE, 410, error="the server says this feed is gone")
    store.record_poll(FEED, gone, None, None, next_due=FIXED_NOW, now=FIXED_NOW)
    feed = store.feed(FEED)
    assert feed is not None and feed.disabled and "gone" in (feed.disabled_reason or "")
    store.reenable_feed(FEED)
    feed = store.feed(FEED)
    assert feed is not None and not feed.disabled


def test_daily_counts_and_issue_counts(store: Store) -> None:
    entries = [
        (
            item(f"i{d}", f"aranceles {d}", published=FIXED_NOW - timedelta(days=d)),
            [tariff_match("aranceles")],
        )
        for d in (0, 0, 1, 5)
    ]
    entries[1] = (item("i0b", "aranceles 0b", published=FIXED_NOW), [tariff_match("aranceles")])
    add_feed(store, FEED, entries)
    counts = store.daily_counts("tariffs", days=7, now=FIXED_NOW)
    assert counts[-1] == 2 and counts[-2] == 1 and counts[-6] == 1 and sum(counts) == 4
    unread, recent, sources = store.issue_counts("tariffs", since=FIXED_NOW - timedelta(hours=23))
    assert (unread, recent, sources) == (4, 2, 1)


def test_newer_schema_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "b.db"
    Store(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    before = path.read_bytes()
    with pytest.raises(DatabaseError, match="newer briefer"):
        Store(path)
    assert path.read_bytes() == before


def test_corrupt_file_is_reported_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "b.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(DatabaseError, match="damaged or is not a briefer database"):
        Store(path)
    assert path.read_bytes() == b"this is not sqlite" * 100


def test_locked_database_gives_a_clear_error(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "b.db"
    Store(path).close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    monkeypatch.setattr("briefer.store.connection.BUSY_TIMEOUT_MS", 200)
    try:
        with Store(path) as store, pytest.raises(DatabaseError, match="locked"):
            store.set_meta("k", "v")
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_each_thread_opens_its_own_store(tmp_path: Path) -> None:
    path = tmp_path / "b.db"
    Store(path).close()
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            with Store(path) as s:
                add_feed(
                    s,
                    f"http://127.0.0.1:1/{n}.xml",
                    [(item(f"g{k}", f"t{k}"), []) for k in range(20)],
                )
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with Store(path) as s:
        assert s.count_items() == 80


def _open_store(path: str, barrier: Any, results: Any) -> None:
    barrier.wait()  # all at once: the race is only there when they really start together
    try:
        Store(path).close()
    except Exception as exc:  # reported to the parent
        results.put(repr(exc))
    else:
        results.put("ok")


def test_processes_creating_one_new_database_at_once_all_succeed(tmp_path: Path) -> None:
    """The app and a cron poll starting together on a fresh install must both get in."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    for trial in range(10):
        path = str(tmp_path / f"fresh{trial}.db")
        barrier, results = context.Barrier(3), context.Queue()
        procs = [
            context.Process(target=_open_store, args=(path, barrier, results)) for _ in range(3)
        ]
        for proc in procs:
            proc.start()
        outcomes = [results.get(timeout=30) for _ in procs]
        for proc in procs:
            proc.join(10)
        assert outcomes == ["ok"] * 3
        with Store(path) as store:
            assert store.schema_version == SCHEMA_VERSION
            assert store.integrity_check() == "ok"


def _database(conn: sqlite3.Connection) -> tuple[object, ...]:
    """Everything a database is made of: its schema, header fields and every row (the
    full-text index's included)."""
    pragmas = ("user_version", "auto_vacuum", "journal_mode")
    return (
        [conn.execute(f"PRAGMA {p}").fetchone()[0] for p in pragmas],
        list(conn.iterdump()),
    )


def test_a_new_database_is_what_the_migrations_build(tmp_path: Path) -> None:
    from briefer.store.schema import run_migrations

    with Store(tmp_path / "new.db") as store:  # created from schema.sql, in one go
        created = _database(store.conn)
    conn = sqlite3.connect(tmp_path / "migrated.db", isolation_level=None)
    # as Store opens a database
    conn.execute("PRAGMA recursive_triggers = ON")
    conn.execute("PRAGMA auto_vacuum = INCREMENTAL")
    run_migrations(conn)
    conn.execute("PRAGMA journal_mode = WAL")
    migrated = _database(conn)
    conn.close()
    assert created[0] == migrated[0] == [SCHEMA_VERSION, 2, "wal"]
    assert created[1] == migrated[1]


def test_hits_are_stored_as_json_dumps_writes_them() -> None:
    # Other code reads the stored text; the direct encoding must not differ by a byte.
    from briefer.models import Span, TermHit
    from briefer.store.rows import _json_hits, hits_from_json, hits_to_json

    texts = ["cártel", 'a "quoted" \\ term', "tab\there\nline\x00\x1f\x7f", "\u2028\ud800😀", ""]
    scores: list[Any] = [100.0, 95.0, 85.71428571428571, 99.96, 1e-7, 0.0, 88, float("nan")]
    positions: list[Any] = [(0, 3), (12, 40), (True, 2)]
    cases: list[tuple[TermHit, ...]] = [()]
    for n, text in enumerate(texts):
        for score in scores:
            spans = tuple(
                Span(f, a, b) for f in ("title", "summary") for a, b in positions[: n % 4]
            )
            cases.append((TermHit(text, "phrase", score, spans), TermHit("DEA", "word", 95.0)))
    cases.append((TermHit(None, "word", 90.0),))  # type: ignore[arg-type]
    for hits in cases:
        assert hits_to_json(hits) == _json_hits(hits)
    plain = cases[1]
    assert hits_from_json(hits_to_json(plain)) == plain
