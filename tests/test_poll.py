"""The whole ingest pipeline against real HTTP servers on 127.0.0.1 and a real SQLite file."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

import briefer.poller
from briefer.cli import main
from briefer.cli.context import AppContext
from briefer.models import FetchStatus, PollReport
from briefer.poller import Poller, StoryCache
from briefer.store import Store
from tests.feeds import Entry, closed_port, items, rss, serve_raw, stall_after_headers

TARIFF = "Trump amenaza con aranceles de 30% a México por el fentanilo"
USMCA = "Revisión del T-MEC: México y EU inician consultas formales"
NOISE = "Lluvias intensas en Monterrey dejan calles inundadas"


def write_config(home: Path, urls: list[str], extra: str = "") -> None:
    feeds = "".join(f'[[feeds]]\nurl = "{u}"\ntitle = "Feed {n}"\n' for n, u in enumerate(urls))
    (home / "config.toml").write_text(
        f"[poll]\ntimeout_seconds = 3\n[notify]\nenabled = false\n{extra}\n{feeds}"
    )


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("BRIEFER_HOME", str(tmp_path))
    return tmp_path


@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """A 1 for every story index a poll builds."""
    counts: list[int] = []
    build = briefer.poller.story_index

    def counted(*args: Any) -> Any:
        counts.append(1)
        return build(*args)

    monkeypatch.setattr(briefer.poller, "story_index", counted)
    return counts


def poll(home: Path, *, every: bool = True, now: datetime | None = None) -> PollReport:
    """One cycle in-process (parsing inline), as the daemon or TUI would run it."""
    ctx = AppContext()
    with ctx.open_store() as store:
        poller = Poller(ctx.config, store, ctx.matcher, issue_versions=ctx.issue_versions)
        return asyncio.run(poller.poll(every=every, now=now))


def cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def serve_feed(httpserver: HTTPServer, path: str, body: bytes, etag: str, modified: str) -> None:
    def handler(request: Request) -> Response:
        if request.headers.get("If-None-Match") == etag:
            return Response(status=304, headers={"ETag": etag})
        headers = {"ETag": etag, "Last-Modified": modified, "Content-Type": "application/rss+xml"}
        return Response(body, headers=headers)

    httpserver.expect_request(path).respond_with_handler(handler)


def test_first_poll_stores_second_is_304_changed_feed_adds_only_new(
    home: Path, httpserver: HTTPServer, built: list[int]
) -> None:
    # The story index is built only by a poll that has items to place.
    first = rss(
        [Entry(TARIFF, link="https://n.example/1"), Entry(NOISE, link="https://n.example/2")]
    )
    serve_feed(httpserver, "/a.xml", first, '"v1"', "Mon, 23 Nov 2026 10:00:00 GMT")
    write_config(home, [httpserver.url_for("/a.xml")])

    report = poll(home)
    [outcome] = report.outcomes
    assert outcome.status is FetchStatus.OK
    assert (outcome.new_items, outcome.new_matches) == (2, len(report.new_matches))
    assert {m.issue_id for m in report.new_matches} >= {"tariffs"}

    assert len(built) == 1
    report = poll(home)
    assert report.outcomes[0].status is FetchStatus.NOT_MODIFIED
    assert report.new_items == 0 and report.new_matches == []
    assert len(built) == 1
    second_request = httpserver.log[-1][0]
    assert second_request.headers["If-None-Match"] == '"v1"'
    assert second_request.headers["If-Modified-Since"] == "Mon, 23 Nov 2026 10:00:00 GMT"

    httpserver.clear()
    changed = rss(
        [
            Entry(USMCA, link="https://n.example/3"),
            Entry(TARIFF, link="https://n.example/1"),
            Entry(NOISE, link="https://n.example/2"),
        ]
    )
    serve_feed(httpserver, "/a.xml", changed, '"v2"', "Mon, 23 Nov 2026 11:00:00 GMT")
    report = poll(home)
    assert report.outcomes[0].new_items == 1
    assert [m.issue_id for m in report.new_matches] == ["usmca_2026"]
    assert len(built) == 2
    with Store(home / "briefer.db") as store:
        assert store.count_items() == 3
        ungrouped = "SELECT count(*) FROM items WHERE story_id IS NULL"
        assert store.conn.execute(ungrouped).fetchone()[0] == 0
        feed = store.feed(httpserver.url_for("/a.xml"))
    # Next check: the 30-minute interval plus up to 10% jitter, so feeds drift apart.
    assert feed is not None and feed.next_due and feed.last_polled
    assert timedelta(minutes=30) <= feed.next_due - feed.last_polled <= timedelta(minutes=33)


def serve_changing(httpserver: HTTPServer, path: str, body: list[bytes]) -> None:
    """Serves `body[0]`, whatever it is at the time of the request."""
    httpserver.expect_request(path).respond_with_handler(
        lambda request: Response(body[0], content_type="application/rss+xml")
    )


def poll_keeping(home: Path, cache: StoryCache) -> PollReport:
    """One cycle with a story index kept between cycles, as the daemon and the app poll."""
    ctx = AppContext()
    with ctx.open_store() as store:
        poller = Poller(ctx.config, store, ctx.matcher, story_cache=cache)
        return asyncio.run(poller.poll(every=True))


def stories_of(home: Path) -> dict[str, int]:
    with Store(home / "briefer.db") as store:
        return dict(store.conn.execute("SELECT link, story_id FROM items"))


def test_a_process_that_polls_again_keeps_its_story_index_until_the_store_changes(
    home: Path, httpserver: HTTPServer, built: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    body = [rss([Entry(TARIFF, link="https://a.example/1")])]
    serve_changing(httpserver, "/a.xml", body)
    write_config(home, [httpserver.url_for("/a.xml")])
    cache = StoryCache()

    poll_keeping(home, cache)
    # A copy of the same headline from elsewhere joins its story through the kept index.
    body[0] = rss(
        [Entry(TARIFF, link="https://a.example/1"), Entry(TARIFF, link="https://b.example/9")]
    )
    poll_keeping(home, cache)
    assert len(built) == 1
    stories = stories_of(home)
    assert stories["https://b.example/9"] == stories["https://a.example/1"]

    # Another process (here a poll without the cache) stores an item: the index is rebuilt.
    other = home / "other.toml"
    httpserver.expect_request("/b.xml").respond_with_data(
        rss([USMCA]), content_type="application/rss+xml"
    )
    other.write_text(
        f'[notify]\nenabled = false\n[[feeds]]\nurl = "{httpserver.url_for("/b.xml")}"\n'
    )
    ctx = AppContext(config_path=other)
    with ctx.open_store() as store:
        asyncio.run(Poller(ctx.config, store, ctx.matcher).poll(every=True))
    built.clear()
    body[0] = rss(
        [Entry(TARIFF, link="https://a.example/1"), Entry(NOISE, link="https://a.example/2")]
    )
    poll_keeping(home, cache)
    assert len(built) == 1

    # So is it after a poll that failed with the index in use (it may hold rolled-back items).
    def failing(self: Poller, ready: Any) -> Any:
        raise RuntimeError("disk on fire")

    built.clear()
    with monkeypatch.context() as m:
        m.setattr(Poller, "_store", failing)
        body[0] = rss([Entry(USMCA, link="https://a.example/3")])
        with pytest.raises(RuntimeError):
            poll_keeping(home, cache)
    assert built == []  # the failed poll used the kept index
    poll_keeping(home, cache)
    assert len(built) == 1
    assert None not in stories_of(home).values()

    # And after the stories were regrouped (here: every item made a story of its own).
    with Store(home / "briefer.db") as store, store.transaction() as conn:
        conn.execute("UPDATE items SET story_id = id")
    built.clear()
    body[0] = rss([Entry(NOISE, link="https://a.example/4")])
    poll_keeping(home, cache)
    assert len(built) == 1


def test_429_defers_410_disables_and_failures_stay_per_feed(
    home: Path, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/good.xml").respond_with_data(
        rss([TARIFF]), content_type="application/rss+xml"
    )
    httpserver.expect_request("/busy.xml").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "7200"}
    )
    httpserver.expect_request("/gone.xml").respond_with_data("gone", status=410)
    httpserver.expect_request("/broken.xml").respond_with_data("oops", status=500)
    refused = f"http://127.0.0.1:{closed_port()}/feed.xml"
    with serve_raw(stall_after_headers) as stalled:
        urls = [
            httpserver.url_for(p) for p in ("/good.xml", "/busy.xml", "/gone.xml", "/broken.xml")
        ]
        write_config(home, [*urls, refused, stalled + "/feed.xml"])
        report = poll(home)

    status = {o.url: o for o in report.outcomes}
    assert status[urls[0]].status is FetchStatus.OK
    assert status[urls[1]].status is FetchStatus.DEFERRED
    assert status[urls[2]].status is FetchStatus.GONE
    assert status[urls[3]].status is FetchStatus.ERROR and "500" in (status[urls[3]].error or "")
    assert status[refused].status is FetchStatus.ERROR and status[refused].error
    # Cut off by the poll's deadline, not by the server giving up after 30 s.
    assert status[stalled + "/feed.xml"].status is FetchStatus.ERROR
    assert status[stalled + "/feed.xml"].error == "timed out after 3 s (server too slow)"

    with Store(home / "briefer.db") as store:
        assert store.count_items() == 1
        feeds = {f.url: f for f in store.feeds()}
    busy = feeds[urls[1]]
    assert busy.next_due is not None
    assert busy.next_due - datetime.now(UTC) > timedelta(minutes=110)
    assert feeds[urls[2]].disabled and feeds[urls[2]].disabled_reason
    assert feeds[urls[3]].error_count == 1

    # Not due: the deferred one waits for its Retry-After; the gone one is never polled again.
    later = poll(home, every=False)
    polled = {o.url for o in later.outcomes}
    assert urls[1] not in polled and urls[2] not in polled
    everything = poll(home, every=True)
    assert urls[2] not in {o.url for o in everything.outcomes}


def test_cli_poll_prints_a_line_per_feed_and_exit_codes(home: Path, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/a.xml").respond_with_data(
        rss(items(10)), content_type="application/rss+xml"
    )
    refused = f"http://127.0.0.1:{closed_port()}/x.xml"
    write_config(home, [httpserver.url_for("/a.xml"), refused])
    code, out = cli("poll", "--once")
    assert code == 0, out
    lines = out.strip().splitlines()
    assert len(lines) == 3
    assert any(line.startswith("ok") and "10 new" in line for line in lines)
    assert any(line.startswith("error") and "refused" in line for line in lines)
    assert lines[-1].startswith("2 feeds polled, 1 failed: 10 new items")

    code, out = cli("poll", "--once")
    assert code == 0 and out.startswith("Nothing due")

    write_config(home, [refused])
    code, out = cli("poll", "--once", "--all")
    assert code == 1, out

    (home / "config.toml").write_text("[poll]\nconcurrency = 0\n")
    code, out = cli("poll", "--once")
    assert code == 2 and "poll.concurrency" in out and "Traceback" not in out


def test_import_poll_then_matches_search_and_doctor(home: Path, httpserver: HTTPServer) -> None:
    """The issue's done-when: import OPML of local feeds, poll, see matches per issue."""
    httpserver.expect_request("/es.xml").respond_with_data(
        rss([TARIFF, USMCA, NOISE]), content_type="application/rss+xml"
    )
    httpserver.expect_request("/en.xml").respond_with_data(
        rss(items(20)), content_type="application/rss+xml"
    )
    opml = home / "local.opml"
    opml.write_text(
        '<?xml version="1.0"?><opml version="2.0"><head/><body>'
        f'<outline text="ES" xmlUrl="{httpserver.url_for("/es.xml")}"/>'
        f'<outline text="EN" xmlUrl="{httpserver.url_for("/en.xml")}"/>'
        "</body></opml>"
    )
    assert cli("feeds", "import", "--replace", str(opml))[0] == 0
    code, out = cli("poll", "--once")
    assert code == 0, out

    code, out = cli("matches", "--issue", "tariffs", "--json")
    assert code == 0
    rows = json.loads(out)
    assert rows and rows[0]["issue"] == "tariffs" and rows[0]["score"] > 0
    assert any(r["title"] == TARIFF for r in rows)
    code, out = cli("matches")
    assert code == 0 and "(tariffs)" in out

    code, out = cli("search", "consultas")
    assert code == 0 and USMCA in out and "usmca_2026" in out
    code, out = cli("doctor")
    assert code == 0, out
    assert "integrity ok" in out and "2 enabled, 0 with problems" in out

    code, out = cli("matches", "--issue", "nope")
    assert code == 2 and "known:" in out


def test_a_feed_keeps_the_name_the_user_gave_it(home: Path, httpserver: HTTPServer) -> None:
    # config `title` (also `feeds add --title` and an OPML outline's text) names the feed
    # everywhere; a feed without one is shown by its own title.
    named = httpserver.url_for("/named.xml")
    plain = httpserver.url_for("/plain.xml")
    for path in ("/named.xml", "/plain.xml"):
        httpserver.expect_request(path).respond_with_data(
            rss([Entry(TARIFF, link=f"https://example.com{path}")], title="Google News"),
            content_type="application/rss+xml",
        )
    (home / "config.toml").write_text(
        "[notify]\nenabled = false\n"
        f'[[feeds]]\nurl = "{named}"\ntitle = "Security search"\n[[feeds]]\nurl = "{plain}"\n'
    )
    poll(home)
    with Store(home / "briefer.db") as store:
        titles = {f.url: f.title for f in store.feeds()}
    assert titles == {named: "Security search", plain: "Google News"}
    # Renaming it in the config renames it at the next poll, whatever the feed calls itself.
    (home / "config.toml").write_text(
        "[notify]\nenabled = false\n"
        f'[[feeds]]\nurl = "{named}"\ntitle = "Cartels search"\n[[feeds]]\nurl = "{plain}"\n'
    )
    poll(home)
    with Store(home / "briefer.db") as store:
        assert store.feed(named).title == "Cartels search"  # type: ignore[union-attr]
