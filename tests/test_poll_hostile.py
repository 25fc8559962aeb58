"""Bad input loses nothing: real-world corpus, hostile feeds and a poll killed mid-run."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from briefer.cli.context import AppContext
from briefer.models import FetchStatus, PollReport
from briefer.parse_worker import parse_pool
from briefer.poller import Poller
from briefer.store import Store
from tests.feeds import (
    FEED_HEADERS,
    MB,
    Entry,
    Raw,
    RawServer,
    billion_laughs,
    gzip_bomb,
    items,
    read_request,
    response_head,
    rss,
    serve_raw,
    stream_body,
    trickle,
)
from tests.shared import require_shared

UNSAFE_TEXT = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def write_config(home: Path, urls: list[str], timeout: int = 3) -> None:
    feeds = "".join(f'[[feeds]]\nurl = "{u}"\n' for u in urls)
    (home / "config.toml").write_text(
        f"[poll]\ntimeout_seconds = {timeout}\nconcurrency = 20\nper_host = 20\n"
        f"max_feed_mb = 5\n[notify]\nenabled = false\n{feeds}"
    )


def stored_items(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with contextlib.closing(sqlite3.connect(db, timeout=1)) as conn:
            return int(conn.execute("SELECT count(*) FROM items").fetchone()[0])
    except sqlite3.OperationalError:  # not created yet, or busy
        return 0


def poll(home: Path, *, pool: bool = False) -> PollReport:
    os.environ["BRIEFER_HOME"] = str(home)
    ctx = AppContext()
    executor = parse_pool(ctx.issues) if pool else None
    try:
        with ctx.open_store() as store:
            poller = Poller(ctx.config, store, ctx.matcher, executor=executor)
            return asyncio.run(poller.poll(every=True))
    finally:
        if executor is not None:
            executor.shutdown()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("BRIEFER_HOME", str(tmp_path))
    return tmp_path


@pytest.fixture
def static_server() -> Iterator[tuple[str, Path]]:
    root = require_shared("corpus")

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", root
    finally:
        server.shutdown()
        server.server_close()


def assert_only_safe_rows(db: Path) -> None:
    conn = sqlite3.connect(db)
    try:
        for title, summary, link in conn.execute("SELECT title, summary, link FROM items"):
            assert not UNSAFE_TEXT.search(title), repr(title)
            assert not UNSAFE_TEXT.search(summary.replace("\n", "").replace("\t", "")), repr(
                summary
            )
            assert link is None or re.match(r"^https?://[^\s]+$", link), repr(link)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()


def test_every_corpus_file_is_ingested_or_recorded_as_an_error(
    home: Path, static_server: tuple[str, Path]
) -> None:
    base, root = static_server
    files = sorted(p for p in root.rglob("*") if p.is_file())
    assert len(files) > 100
    urls = [f"{base}/{p.relative_to(root).as_posix()}" for p in files]
    write_config(home, urls, timeout=20)
    report = poll(home, pool=True)
    assert len(report.outcomes) == len(urls)
    for outcome in report.outcomes:
        if outcome.status is FetchStatus.ERROR:
            assert outcome.error, outcome.url
        else:
            assert outcome.status is FetchStatus.OK, (outcome.url, outcome.status)
    # Most feedparser test files test one channel element and have no entries; the real
    # feeds carry entries, and all but the deliberately broken ones must come through.
    real = [o for o in report.outcomes if "/real-feeds/" in o.url]
    unread = {o.url.rsplit("/", 1)[1]: o.error for o in real if not o.new_items}
    # compressed.xml is gzip bytes served as a plain file; rss_2.0_invalid_1.xml is truncated.
    assert set(unread) <= {"compressed.xml", "rss_2.0_invalid_1.xml"}, unread
    assert all(unread.values())
    assert sum(o.new_items > 0 for o in report.outcomes) > 500
    assert_only_safe_rows(home / "briefer.db")


HOSTILE_TITLES = [
    Raw("Aranceles &#x1b;[31mrojo&#x1b;[0m y &#27;]8;;http://evil/&#7;enlace"),
    "Raw \x1b[2J\x1b[Hclear screen and \x1b]0;pwned\x07 title",
    "[@click=app.quit]x[/] and [link=file:///etc/passwd]y[/link]",
    "C1 \u009b31m and bidi \u202eevil\u202c",
]


def test_hostile_feeds_cannot_hurt_the_store_and_good_feeds_survive(
    home: Path, httpserver: HTTPServer
) -> None:
    hostile = rss(
        [
            Entry(t, link=link, guid=f"h{n}", summary="<script>alert(1)</script><b>bold</b>")
            for n, (t, link) in enumerate(
                zip(
                    HOSTILE_TITLES,
                    [
                        "javascript:alert(1)",
                        "data:text/html,x",
                        "file:///etc/passwd",
                        " JaVaScRiPt:x",
                    ],
                    strict=True,
                )
            )
        ]
    )
    serve = httpserver.expect_request
    serve("/good.xml").respond_with_data(rss(items(5)), content_type="application/rss+xml")
    serve("/hostile.xml").respond_with_data(hostile, content_type="application/rss+xml")
    serve("/laughs.xml").respond_with_data(billion_laughs(), content_type="application/rss+xml")
    serve("/malformed.xml").respond_with_data(b"<rss><channel><item><title>x</ti", status=200)
    serve("/html.xml").respond_with_data(b"<html><body>Not a feed</body></html>")
    serve("/loop.xml").respond_with_data("", status=302, headers={"Location": "/loop.xml"})
    serve("/bomb.xml").respond_with_data(
        gzip_bomb(60 * MB),
        headers={"Content-Encoding": "gzip", "Content-Type": "application/rss+xml"},
    )
    names = ["good", "hostile", "laughs", "malformed", "html", "loop", "bomb"]
    with serve_raw(trickle(1.0)) as slow, serve_raw(stream_body(60 * MB)) as huge:
        urls = [httpserver.url_for(f"/{n}.xml") for n in names] + [slow + "/t", huge + "/h"]
        write_config(home, urls, timeout=3)
        report = poll(home)

    by_url = {o.url: o for o in report.outcomes}
    # The two endless bodies end by the poll's deadline and size cap, not by the server.
    assert by_url[urls[-2]].error == "timed out after 3 s (server too slow)"
    assert by_url[urls[-1]].error == "feed larger than 5 MB (cut off)"
    assert by_url[urls[0]].status is FetchStatus.OK and by_url[urls[0]].new_items == 5
    assert by_url[urls[1]].new_items == 4
    for url in urls[4:]:  # not a feed, redirect loop, gzip bomb, trickle, 60 MB body
        assert by_url[url].status is FetchStatus.ERROR and by_url[url].error, url
    assert "too many redirects" in (by_url[urls[5]].error or "").lower()
    assert_only_safe_rows(home / "briefer.db")
    with Store(home / "briefer.db") as store:
        titles = {r.item.title for r in store.search("click")}
        assert "[@click=app.quit]x[/] and [link=file:///etc/passwd]y[/link]" in titles
        assert all(r.item.link is None for r in store.search("aranceles") if "rojo" in r.item.title)


def test_poll_killed_mid_run_leaves_a_sound_database(home: Path) -> None:
    """SIGKILL lands while the poll is certainly part-way: a few feeds are held open on
    purpose, so the poll cannot finish, while the others are being stored."""
    body = rss(items(30))
    feeds, held = 60, 3
    release = threading.Event()
    seen_held = threading.Semaphore(0)

    def hold_some(conn: socket.socket, stop: threading.Event) -> None:
        line, _ = read_request(conn)
        if "/held/" in line:
            seen_held.release()
            while not (release.is_set() or stop.wait(0.05)):
                pass
        head = {**FEED_HEADERS, "Content-Length": str(len(body))}
        conn.sendall(response_head(200, head) + body)

    with RawServer(hold_some) as server:
        urls = [f"{server.url}/held/{n}.xml" for n in range(held)]
        urls += [f"{server.url}/feed/{n}.xml" for n in range(held, feeds)]
        # A deadline far beyond the test's run, so the held feeds stay in flight.
        write_config(home, urls, timeout=600)
        (home / "config.toml").write_text(
            (home / "config.toml").read_text().replace("concurrency = 20", "concurrency = 6")
        )
        proc = subprocess.Popen(
            [sys.executable, "-m", "briefer", "poll", "--once"],
            env={**os.environ, "BRIEFER_HOME": str(home)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for _ in range(held):
            while not seen_held.acquire(timeout=0.1):
                assert proc.poll() is None, proc.communicate()[1].decode()
        db = home / "briefer.db"
        stored = 0
        while stored < 30 and proc.poll() is None:
            stored = stored_items(db)
            time.sleep(0.05)
        assert proc.poll() is None, "the poll cannot finish while feeds are held"
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        stored = stored_items(db)
        assert 30 <= stored <= (feeds - held) * 30
        release.set()

        with sqlite3.connect(db) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        report = poll(home)
        assert report.succeeded == feeds
    with Store(db) as store:
        assert store.count_items() == feeds * 30
        assert store.integrity_check() == "ok"
        dupes = store.conn.execute(
            "SELECT count(*) FROM (SELECT 1 FROM items GROUP BY feed_id, guid HAVING count(*) > 1)"
        ).fetchone()[0]
        assert dupes == 0
