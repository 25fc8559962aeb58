"""`briefer rematch`, stale-watchlist detection and `briefer watchlists stats`.

Real SQLite files under BRIEFER_HOME, the real matcher and the bundled watchlists; a
watchlist is edited the way a user would: a copy in the user's folder.
"""

from __future__ import annotations

import json
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer

from briefer.cli import main
from briefer.cli.context import AppContext
from briefer.models import FetchResult, FetchStatus, ParsedFeed
from briefer.rematch import VERSION_KEY, rematch, stale_issues, stale_notice
from briefer.resources import default_watchlists
from briefer.store import Store
from briefer.stories import StoryIndex
from tests.factory import FIXED_NOW, item

TITLES = [
    "Trump anuncia aranceles a México por el acero",  # tariffs, and stays so
    "Tariffs on Mexico hit exports",  # tariffs only through the phrase removed below
    "Zanahorias caras en Oaxaca",  # matches only the phrase added below
    "La DEA acusa al Cártel de Sinaloa",  # fentanyl: another issue, never touched
    "Weather in Monterrey",
]


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("BRIEFER_HOME", str(tmp_path))
    return tmp_path


def run(args: list[str]) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, args)
    return result.exit_code, result.stdout, result.stderr


def poll_items(titles: list[str], *, url: str = "https://example.com/feed") -> None:
    """Store `titles` as one poll, matched by the watchlists as they are now."""
    ctx = AppContext()
    items = [
        item(f"g{n}", title, published=FIXED_NOW - timedelta(hours=n))
        for n, title in enumerate(titles)
    ]
    with ctx.open_store() as store:
        stale_issues(store, ctx.issues)  # what `briefer poll` does first
        store.record_poll(
            url,
            FetchResult(url=url, status=FetchStatus.OK, http_status=200),
            ParsedFeed(title="Feed", link=None, items=items),
            ctx.matcher.match_many([(i.title, i.summary) for i in items]),
            next_due=FIXED_NOW,
            now=FIXED_NOW,
            issue_versions=ctx.issue_versions,
            stories=StoryIndex(),  # as the poller groups what it stores
        )


def edit_tariffs(
    home: Path, old: str = '"tariffs on Mexico", ', new: str = '"zanahorias caras", '
) -> None:
    folder = home / "watchlists"
    folder.mkdir(exist_ok=True)
    text = (default_watchlists() / "tariffs.toml").read_text(encoding="utf-8")
    assert old in text
    (folder / "tariffs.toml").write_text(text.replace(old, new, 1), encoding="utf-8")


def stored(store: Store) -> dict[tuple[str, str], tuple[str, str]]:
    """(title, issue) -> (version, matched_at) for every stored match."""
    return {
        (title, issue): (version, at)
        for title, issue, version, at in store.conn.execute(
            "SELECT i.title, m.issue_id, m.version, m.matched_at FROM matches m "
            "JOIN items i ON i.id = m.item_id"
        )
    }


def item_id(store: Store, title: str) -> int:
    return int(store.conn.execute("SELECT id FROM items WHERE title = ?", (title,)).fetchone()[0])


def test_rematch_applies_an_edited_watchlist_and_keeps_reader_state(home: Path) -> None:
    poll_items(TITLES)
    ctx = AppContext()
    with ctx.open_store() as store:
        before = stored(store)
        kept = item_id(store, TITLES[0])
        store.set_read(kept)
        store.set_starred(kept)
        store.mark_notified([kept, item_id(store, TITLES[1]), item_id(store, TITLES[3])])
    assert set(before) == {(TITLES[0], "tariffs"), (TITLES[1], "tariffs"), (TITLES[3], "fentanyl")}

    edit_tariffs(home)
    code, out, err = run(["rematch"])
    assert code == 0, err
    assert "Rematched 5 items." in out
    assert "tariffs" in out and "1 added" in out and "1 removed" in out and "1 unchanged" in out
    assert "fentanyl" not in out  # unchanged watchlists are left alone

    edited = AppContext().issue_versions["tariffs"]
    with AppContext().open_store() as store:
        after = stored(store)
        assert set(after) == {
            (TITLES[0], "tariffs"),
            (TITLES[2], "tariffs"),
            (TITLES[3], "fentanyl"),
        }
        # The pair that still matches is not new: same matched_at, new version.
        assert after[(TITLES[0], "tariffs")] == (edited, before[(TITLES[0], "tariffs")][1])
        assert after[(TITLES[3], "fentanyl")] == before[(TITLES[3], "fentanyl")]
        row = store.item(kept)
        assert row is not None and row.read and row.starred
        # Only the item that matches for the first time may be notified.
        ids = [item_id(store, t) for t in TITLES[:4]]
        assert store.unnotified(ids) == {item_id(store, TITLES[2])}
        assert store.get_meta(VERSION_KEY + "tariffs") == edited
        assert stale_issues(store, AppContext().issues) == []

    code, out, _ = run(["rematch"])
    assert code == 0
    assert out.startswith("Stored matches are up to date with the watchlists")


def test_new_database_is_not_stale_and_records_versions(home: Path) -> None:
    ctx = AppContext()
    with ctx.open_store() as store:
        assert stale_issues(store, ctx.issues) == []
        assert store.meta_with_prefix(VERSION_KEY) == {
            VERSION_KEY + i.id: i.version for i in ctx.issues
        }


def test_stale_detection_and_the_poll_notice(home: Path) -> None:
    poll_items(TITLES)
    with AppContext().open_store() as store:
        assert stale_notice(store, AppContext().issues) is None
    edit_tariffs(home)
    ctx = AppContext()
    with ctx.open_store() as store:
        assert [i.id for i in stale_issues(store, ctx.issues)] == ["tariffs"]
        assert stale_notice(store, ctx.issues) == (
            "Watchlist tariffs changed: run `briefer rematch` to apply it to stored items."
        )
        # Items polled under the new version do not make the issue current.
        assert store.count_stale_matches("tariffs", ctx.issue_versions["tariffs"]) == 2


def test_database_from_before_versions_were_recorded(home: Path) -> None:
    poll_items(TITLES)
    with AppContext().open_store() as store:
        store.update_meta({}, delete=list(store.meta_with_prefix(VERSION_KEY)))
    edit_tariffs(home)
    ctx = AppContext()
    with ctx.open_store() as store:
        # No record: the versions on the stored matches tell.
        assert [i.id for i in stale_issues(store, ctx.issues)] == ["tariffs"]
        assert store.get_meta(VERSION_KEY + "fentanyl") == ctx.issue_versions["fentanyl"]


def test_a_new_watchlist_is_stale_on_a_database_with_items(home: Path) -> None:
    poll_items(TITLES)
    folder = home / "watchlists"
    folder.mkdir()
    (folder / "carrots.toml").write_text(
        'id = "carrots"\ntitle = "Carrots"\ndescription = "Carrot prices."\n'
        '[terms]\nphrases = ["zanahorias"]\n',
        encoding="utf-8",
    )
    ctx = AppContext()
    with ctx.open_store() as store:
        assert [i.id for i in stale_issues(store, ctx.issues)] == ["carrots"]
    code, out, err = run(["rematch"])
    assert code == 0, err
    assert "carrots" in out and "1 added" in out


def many_titles(n: int) -> list[str]:
    return [TITLES[k % len(TITLES)] + f" ({k})" for k in range(n)]


def test_interrupted_rematch_resumes_and_ends_as_a_full_run(
    home: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    titles = many_titles(40)
    poll_items(titles)
    edit_tariffs(home)
    full_db = tmp_path_factory.mktemp("full") / "briefer.db"
    shutil.copy(AppContext().paths.db, full_db)

    ctx = AppContext()
    calls = []

    def stop_after_two(n: int) -> None:
        calls.append(n)
        if len(calls) == 2:
            raise KeyboardInterrupt

    with ctx.open_store() as store:
        (issue,) = stale_issues(store, ctx.issues)
        with pytest.raises(KeyboardInterrupt):
            rematch(store, ctx.matcher, [issue], batch=7, on_batch=stop_after_two)
        # Two batches committed, with their progress; the watchlist is still stale.
        assert store.get_meta(f"rematch:tariffs:{issue.version}") is not None
        assert stale_issues(store, ctx.issues) == [issue]
        report = rematch(store, ctx.matcher, [issue], batch=7)
        assert report.resumed_after == item_id(store, titles[13])
        assert report.scanned == 40 - 14
        resumed = stored(store)
        assert store.meta_with_prefix("rematch:") == {}
        # The totals cover the whole rematch, the interrupted part included.
        changes = report.changes["tariffs"]
    with Store(full_db) as store:
        full = rematch(store, ctx.matcher, [issue], batch=1000)
        assert full.changes["tariffs"] == changes
        assert full.scanned == 40
        assert stored(store) == resumed


def test_cli_rematch_resumes_and_says_so(home: Path) -> None:
    poll_items(many_titles(12))
    edit_tariffs(home)
    ctx = AppContext()
    with ctx.open_store() as store:
        (issue,) = stale_issues(store, ctx.issues)

        def stop(n: int) -> None:
            raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            rematch(store, ctx.matcher, [issue], batch=5, on_batch=stop)
    code, out, err = run(["rematch", "--batch", "5"])
    assert code == 0, err
    assert "Rematched 7 items, resuming after item 5." in out


def test_rematch_all_and_issue_options(home: Path) -> None:
    poll_items(TITLES)
    code, out, err = run(["rematch", "--issue", "fentanyl"])
    assert (code, out) == (
        0,
        "Stored matches are up to date with watchlist fentanyl (--all recomputes anyway).\n",
    )
    code, out, err = run(["rematch", "--all", "--issue", "fentanyl"])
    assert code == 0, err
    assert "fentanyl" in out and "1 unchanged" in out and "tariffs" not in out
    code, out, err = run(["rematch", "--all"])
    assert code == 0, err
    assert all(i in out for i in ("border", "tariffs", "usmca_2026"))
    code, out, err = run(["rematch", "--issue", "nope"])
    assert code == 2
    assert "no watchlist has id 'nope'" in err


def test_rematch_without_a_database(home: Path) -> None:
    code, _, err = run(["rematch"])
    assert code == 1
    assert "no database here yet" in err
    assert not (home / "briefer.db").exists()


def test_stats_counts_hits_last_match_and_dismissals(home: Path) -> None:
    poll_items(TITLES)
    with AppContext().open_store() as store:
        store.dismiss(item_id(store, TITLES[1]), "tariffs")
    code, out, err = run(["watchlists", "stats", "--issue", "tariffs", "--json"])
    assert code == 0, err
    (issue,) = json.loads(out)
    assert issue["issue"] == "tariffs"
    terms = {(t["term"], t["kind"]): t for t in issue["terms"]}
    assert terms[("tariffs on Mexico", "phrase")] == {
        "term": "tariffs on Mexico",
        "kind": "phrase",
        "hits": 1,
        "last_matched": "2026-11-23",
        "dismissed": 1,
        "dismissed_share": 1.0,
        "flag": "noisy",
    }
    assert terms[("aranceles a México", "phrase")]["hits"] == 1
    assert terms[("aranceles a México", "phrase")]["flag"] == ""
    assert terms[("import duties", "weak")]["flag"] == "dead"
    context = {t["term"]: t for t in issue["context"]}
    assert context["Mexico"]["hits"] == 1
    # Dead terms first, then noisy ones.
    flags = [t["flag"] for t in issue["terms"]]
    assert flags == sorted(flags, key=lambda f: {"dead": 0, "noisy": 1}.get(f, 2))

    code, out, err = run(["watchlists", "stats", "--issue", "tariffs"])
    assert code == 0, err
    assert "tariffs on Mexico (phrase)  [noisy]" in out
    assert "1 (100%)" in out
    assert "context terms" in out


def test_stats_all_issues_and_errors(home: Path) -> None:
    code, out, err = run(["watchlists", "stats"])
    assert code == 1 and "no database here yet" in err
    poll_items(TITLES)
    code, out, err = run(["watchlists", "stats"])
    assert code == 0, err
    assert [line.split()[0] for line in out.splitlines() if line and not line[0].isspace()] == [
        "border",
        "fentanyl",
        "tariffs",
        "judicial_reform",
        "usmca_2026",
    ]
    code, out, err = run(["watchlists", "stats", "--issue", "nope"])
    assert code == 2 and "no watchlist has id 'nope'" in err


def test_stats_show_terms_removed_from_the_watchlist(home: Path) -> None:
    poll_items(TITLES)
    edit_tariffs(home)
    code, out, err = run(["watchlists", "stats", "--issue", "tariffs", "--json"])
    assert code == 0, err
    terms = {t["term"]: t for t in json.loads(out)[0]["terms"]}
    assert terms["tariffs on Mexico"]["flag"] == "removed"
    assert terms["zanahorias caras"]["flag"] == "dead"


def test_items_with_a_null_summary_are_scanned(home: Path) -> None:
    # A summary stored as NULL is read as "" (match_many wants strings).
    poll_items(TITLES)
    with AppContext().open_store() as store:
        with store.transaction() as conn:
            conn.execute("UPDATE items SET summary = NULL")
        batches = list(store.item_texts(batch=2))
    assert [len(b) for b in batches] == [2, 2, 1]
    assert all(summary == "" for b in batches for _, _, summary in b)


def test_poll_says_when_a_watchlist_changed(home: Path, httpserver: HTTPServer) -> None:
    from tests.feeds import items, rss

    httpserver.expect_request("/a.xml").respond_with_data(
        rss(items(3)), content_type="application/rss+xml"
    )
    (home / "config.toml").write_text(
        f'[notify]\nenabled = false\n[[feeds]]\nurl = "{httpserver.url_for("/a.xml")}"\n'
    )
    poll_items(TITLES, url="https://example.com/other")
    code, out, err = run(["poll", "--once", "--all"])
    assert code == 0, err
    assert "changed" not in out
    edit_tariffs(home)
    code, out, err = run(["poll", "--once", "--all"])
    assert code == 0, err
    assert out.splitlines()[0] == (
        "Watchlist tariffs changed: run `briefer rematch` to apply it to stored items."
    )


def test_rematch_in_worker_processes_matches_one_process(
    home: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    poll_items(many_titles(30))
    edit_tariffs(home)
    single = tmp_path_factory.mktemp("single") / "briefer.db"
    shutil.copy(AppContext().paths.db, single)
    code, out, err = run(["rematch", "--workers", "2", "--batch", "4"])
    assert code == 0, err
    code, out_single, err = run(["--db", str(single), "rematch", "--workers", "1"])
    assert code == 0, err
    assert out == out_single
    # matched_at is the wall clock of each run: the two runs need not share a second.
    with AppContext().open_store() as pooled, Store(single) as alone:
        assert {k: v[0] for k, v in stored(pooled).items()} == {
            k: v[0] for k, v in stored(alone).items()
        }
