"""fetch.py against real HTTP servers on 127.0.0.1: statuses, limits, hostile servers."""

from __future__ import annotations

import asyncio
import gzip
import os
import shutil
import ssl
import subprocess
import time
import tracemalloc
import zlib
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from briefer.fetch import Fetcher, FetchSettings, fetch_all
from briefer.models import FeedRequest, FetchResult, FetchStatus
from tests.feeds import (
    MB,
    ConcurrencyServer,
    closed_port,
    gzip_bomb,
    hang_up,
    items,
    read_request,
    respond,
    response_head,
    rss,
    serve_raw,
    stall_after_headers,
    stall_before_headers,
    stream_body,
    trickle,
)

FEED = rss(items(3))
FAST = FetchSettings(connect_timeout=2, read_timeout=2, total_timeout=5)


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 that no one vouches for, and its key."""
    if shutil.which("openssl") is None:
        if os.environ.get("CI"):
            pytest.fail("openssl is missing (scripts/system-deps.sh installs it)")
        pytest.skip("openssl is missing")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"),
            *("-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


async def fetch(url: str, settings: FetchSettings = FAST, **kw: str | None) -> FetchResult:
    async with Fetcher(settings) as fetcher:
        return await fetcher.fetch(FeedRequest(url, **kw))


# ---------------------------------------------------------------------------- 200 / 304


async def test_ok_records_body_and_validators(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/feed.xml").respond_with_data(
        FEED,
        content_type="application/rss+xml; charset=utf-8",
        headers={
            "ETag": '"v1"',
            "Last-Modified": "Mon, 23 Nov 2026 10:00:00 GMT",
            "Cache-Control": "public, max-age=900",
        },
    )
    result = await fetch(httpserver.url_for("/feed.xml"))
    assert result.status is FetchStatus.OK, result.error
    assert result.http_status == 200
    assert result.body == FEED
    assert result.etag == '"v1"'
    assert result.last_modified == "Mon, 23 Nov 2026 10:00:00 GMT"
    assert result.content_type == "application/rss+xml; charset=utf-8"
    assert result.max_age == 900
    assert result.final_url == httpserver.url_for("/feed.xml")
    assert result.error is None
    assert result.elapsed > 0


async def test_conditional_get_gives_not_modified(httpserver: HTTPServer) -> None:
    seen: list[dict[str, str | None]] = []

    def handler(request: Request) -> Response:
        seen.append(
            {
                "inm": request.headers.get("If-None-Match"),
                "ims": request.headers.get("If-Modified-Since"),
            }
        )
        if request.headers.get("If-None-Match") == '"v1"':
            return Response(status=304, headers={"ETag": '"v1"'})
        return Response(
            FEED,
            content_type="application/rss+xml",
            headers={"ETag": '"v1"', "Last-Modified": "Mon, 23 Nov 2026 10:00:00 GMT"},
        )

    httpserver.expect_request("/feed.xml").respond_with_handler(handler)
    url = httpserver.url_for("/feed.xml")
    first = await fetch(url)
    assert first.status is FetchStatus.OK
    second = await fetch(url, etag=first.etag, last_modified=first.last_modified)
    assert seen == [
        {"inm": None, "ims": None},
        {"inm": '"v1"', "ims": "Mon, 23 Nov 2026 10:00:00 GMT"},
    ]
    assert second.status is FetchStatus.NOT_MODIFIED
    assert second.http_status == 304
    assert second.body is None
    # The validators still hold, so the next poll can be conditional again.
    assert second.etag == '"v1"'
    assert second.last_modified == "Mon, 23 Nov 2026 10:00:00 GMT"


async def test_expires_gives_max_age(httpserver: HTTPServer) -> None:
    expires = datetime.now(UTC) + timedelta(minutes=30)
    httpserver.expect_request("/feed.xml").respond_with_data(
        FEED, headers={"Expires": format_datetime(expires, usegmt=True)}
    )
    result = await fetch(httpserver.url_for("/feed.xml"))
    assert result.max_age is not None
    assert 1790 <= result.max_age <= 1800


async def test_cache_control_max_age_wins_over_expires(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/feed.xml").respond_with_data(
        FEED, headers={"Cache-Control": "max-age=60", "Expires": "0"}
    )
    result = await fetch(httpserver.url_for("/feed.xml"))
    assert result.max_age == 60


async def test_unsafe_validators_are_not_echoed(httpserver: HTTPServer) -> None:
    # A junk ETag stored from an earlier response must not break every later request.
    httpserver.expect_request("/feed.xml").respond_with_data(FEED)
    result = await fetch(httpserver.url_for("/feed.xml"), etag="x\x01y", last_modified="é")
    assert result.status is FetchStatus.OK
    request, _ = httpserver.log[-1]
    assert "If-None-Match" not in request.headers
    assert "If-Modified-Since" not in request.headers


async def test_sends_user_agent_and_accept(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/feed.xml").respond_with_data(FEED)
    await fetch(httpserver.url_for("/feed.xml"))
    request, _ = httpserver.log[-1]
    assert "briefer/" in request.headers["User-Agent"]
    assert "application/rss+xml" in request.headers["Accept"]
    assert "application/atom+xml" in request.headers["Accept"]
    custom = FetchSettings(user_agent="briefer-test/1.0")
    await fetch(httpserver.url_for("/feed.xml"), custom)
    assert httpserver.log[-1][0].headers["User-Agent"] == "briefer-test/1.0"


# ------------------------------------------------------------------- 429 / 503 / 410 / 5xx


@pytest.mark.parametrize("code", [429, 503])
async def test_retry_after_seconds_defers(httpserver: HTTPServer, code: int) -> None:
    httpserver.expect_request("/feed.xml").respond_with_data(
        "slow down", status=code, headers={"Retry-After": "120"}
    )
    before = datetime.now(UTC)
    result = await fetch(httpserver.url_for("/feed.xml"))
    after = datetime.now(UTC)
    assert result.status is FetchStatus.DEFERRED
    assert result.http_status == code
    assert result.retry_after is not None
    assert before + timedelta(seconds=120) <= result.retry_after
    assert result.retry_after <= after + timedelta(seconds=120)
    assert result.body is None
    assert result.error and str(code) in result.error and "next try after" in result.error


@pytest.mark.parametrize("code", [429, 503])
async def test_retry_after_http_date_defers(httpserver: HTTPServer, code: int) -> None:
    when = (datetime.now(UTC) + timedelta(hours=2)).replace(microsecond=0)
    httpserver.expect_request("/feed.xml").respond_with_data(
        "", status=code, headers={"Retry-After": format_datetime(when, usegmt=True)}
    )
    result = await fetch(httpserver.url_for("/feed.xml"))
    assert result.status is FetchStatus.DEFERRED
    assert result.retry_after == when
    assert result.retry_after.tzinfo is not None


async def test_429_without_retry_after_waits_an_hour(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/feed.xml").respond_with_data("", status=429)
    result = await fetch(httpserver.url_for("/feed.xml"))
    assert result.status is FetchStatus.DEFERRED
    assert result.retry_after is not None
    wait = result.retry_after - datetime.now(UTC)
    assert timedelta(minutes=59) < wait <= timedelta(hours=1)


async def test_absurd_retry_after_is_capped(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/feed.xml").respond_with_data(
        "", status=429, headers={"Retry-After": "9" * 40}
    )
    result = await fetch(httpserver.url_for("/feed.xml"))
    assert result.status is FetchStatus.DEFERRED
    assert result.retry_after is not None
    assert result.retry_after - datetime.now(UTC) <= timedelta(days=7)


async def test_410_is_gone(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/feed.xml").respond_with_data("bye", status=410)
    result = await fetch(httpserver.url_for("/feed.xml"))
    assert result.status is FetchStatus.GONE
    assert result.http_status == 410
    assert result.error == "the server says this feed is gone (410)"


@pytest.mark.parametrize(
    ("code", "sentence"),
    [(500, "HTTP 500 Internal Server Error"), (404, "HTTP 404 Not Found"), (599, "HTTP 599")],
)
async def test_http_error_names_the_status(
    httpserver: HTTPServer, code: int, sentence: str
) -> None:
    httpserver.expect_request("/feed.xml").respond_with_data("oops", status=code)
    result = await fetch(httpserver.url_for("/feed.xml"))
    assert result.status is FetchStatus.ERROR
    assert result.http_status == code
    assert result.error == sentence
    assert result.body is None


async def test_server_reason_phrase_is_not_trusted() -> None:
    # The reason phrase is the server's text; the sentence uses the standard one.
    evil = b"HTTP/1.1 500 \x1b]0;pwned\x07\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"

    def handler(conn, stop):  # type: ignore[no-untyped-def]
        conn.recv(65536)
        conn.sendall(evil)

    with serve_raw(handler) as url:
        result = await fetch(url + "/feed.xml")
    assert result.error == "HTTP 500 Internal Server Error"


async def test_a_reply_that_is_not_http_is_an_invalid_response() -> None:
    def handler(conn, stop):  # type: ignore[no-untyped-def]
        conn.recv(65536)
        conn.sendall(b"SSH-2.0-OpenSSH_9.2\r\n\r\n")

    with serve_raw(handler) as url:
        result = await fetch(url + "/feed.xml")
    assert result.status is FetchStatus.ERROR
    assert result.error == "the server sent an invalid HTTP response"


async def test_an_untrusted_certificate_is_refused(tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)

    def handler(conn, stop):  # type: ignore[no-untyped-def]
        with context.wrap_socket(conn, server_side=True):
            pass  # the client gives up during the handshake

    with serve_raw(handler) as url:
        result = await fetch(url.replace("http://", "https://") + "/feed.xml")
    assert result.status is FetchStatus.ERROR
    assert result.error == "secure connection failed (certificate problem)"


async def test_the_proxy_in_the_environment_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []

    def proxy(conn, stop):  # type: ignore[no-untyped-def]
        line, _ = read_request(conn)
        asked.append(line)
        conn.sendall(response_head(200, {"Content-Length": str(len(FEED))}) + FEED)

    with serve_raw(proxy) as url:
        monkeypatch.setenv("HTTP_PROXY", url)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        result = await fetch("http://feeds.example/feed.xml")
    assert result.status is FetchStatus.OK, result.error
    assert result.body == FEED
    assert asked == ["GET http://feeds.example/feed.xml HTTP/1.1"]


# -------------------------------------------------------------------------------- redirects


async def test_redirects_are_followed(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/old").respond_with_data(
        "", status=301, headers={"Location": "/older"}
    )
    httpserver.expect_request("/older").respond_with_data(
        "", status=302, headers={"Location": httpserver.url_for("/feed.xml")}
    )
    httpserver.expect_request("/feed.xml").respond_with_data(FEED, headers={"ETag": '"r"'})
    result = await fetch(httpserver.url_for("/old"))
    assert result.status is FetchStatus.OK
    assert result.url == httpserver.url_for("/old")
    assert result.final_url == httpserver.url_for("/feed.xml")
    assert result.body == FEED
    assert result.etag == '"r"'


async def test_redirect_loop_is_an_error(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/a").respond_with_data("", status=302, headers={"Location": "/b"})
    httpserver.expect_request("/b").respond_with_data("", status=302, headers={"Location": "/a"})
    result = await fetch(httpserver.url_for("/a"), FetchSettings(max_redirects=5))
    assert result.status is FetchStatus.ERROR
    assert result.error == "too many redirects"
    assert len(httpserver.log) == 6  # the first request and five redirects, no more


@pytest.mark.parametrize(
    "location",
    [
        "javascript:alert(1)",
        "file:///etc/passwd",
        "ftp://example.com/feed.xml",
    ],
)
async def test_redirect_to_a_non_web_address_is_refused(
    httpserver: HTTPServer, location: str
) -> None:
    httpserver.expect_request("/a").respond_with_data(
        "", status=302, headers={"Location": location}
    )
    result = await fetch(httpserver.url_for("/a"))
    assert result.status is FetchStatus.ERROR
    assert result.error == "redirected to an invalid or non-web address"
    assert len(httpserver.log) == 1


@pytest.mark.parametrize("location", ["http://example.com:99999/feed.xml", "http://[::1/feed.xml"])
async def test_redirect_to_a_malformed_address_is_refused(location: str) -> None:
    # Raw: a well-behaved test server will not even send such a Location.
    with serve_raw(respond(302, b"", {"Location": location})) as url:
        result = await fetch(url + "/feed.xml")
    assert result.status is FetchStatus.ERROR
    assert result.error == "redirected to an invalid or non-web address"


# ---------------------------------------------------------------------------- bad addresses


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "file:///etc/passwd",
        "data:application/rss+xml,<rss/>",
        "ftp://example.com/feed.xml",
        "feed.xml",
        "http://",
        "http://host:99999/feed",
    ],
)
async def test_non_web_addresses_are_refused_without_a_request(url: str) -> None:
    result = await fetch(url)
    assert result.status is FetchStatus.ERROR
    assert result.http_status is None
    assert result.error and ("address" in result.error)
    assert result.elapsed == 0  # the clock starts with a request; none was started


async def test_connection_refused() -> None:
    result = await fetch(f"http://127.0.0.1:{closed_port()}/feed.xml")
    assert result.status is FetchStatus.ERROR
    assert result.error == "connection refused"


async def test_server_hanging_up() -> None:
    with serve_raw(hang_up) as url:
        result = await fetch(url + "/feed.xml")
    assert result.status is FetchStatus.ERROR
    assert result.error == "the server closed the connection before the feed was complete"


# -------------------------------------------------------------------------------- timeouts


async def test_read_timeout() -> None:
    settings = FetchSettings(read_timeout=0.3, total_timeout=10)
    with serve_raw(stall_before_headers) as url:
        started = time.monotonic()
        result = await fetch(url + "/feed.xml", settings)
        took = time.monotonic() - started
    # The total deadline (10 s) would say "server too slow": this message is the read timeout.
    assert result.status is FetchStatus.ERROR
    assert result.error == "timed out after 0.3 s waiting for data"
    assert took >= 0.3


async def test_stall_after_headers_hits_the_deadline() -> None:
    settings = FetchSettings(read_timeout=30, total_timeout=1)
    with serve_raw(stall_after_headers) as url:
        started = time.monotonic()
        result = await fetch(url + "/feed.xml", settings)
        took = time.monotonic() - started
    assert result.status is FetchStatus.ERROR
    # The read timeout (30 s) would say "waiting for data": this message is the deadline.
    assert result.error == "timed out after 1 s (server too slow)"
    assert result.http_status == 200  # the headers did arrive
    assert took >= 1  # and it was not cut short


async def test_trickle_is_cut_off_by_the_deadline() -> None:
    # A byte every 0.2 s never trips the read timeout; only the total deadline stops it.
    settings = FetchSettings(read_timeout=1, total_timeout=1.5)
    with serve_raw(trickle(0.2)) as url:
        started = time.monotonic()
        result = await fetch(url + "/feed.xml", settings)
        took = time.monotonic() - started
    assert result.status is FetchStatus.ERROR
    assert result.error == "timed out after 1.5 s (server too slow)"
    assert took >= 1.5


async def test_elapsed_is_recorded_on_error() -> None:
    settings = FetchSettings(read_timeout=0.2, total_timeout=5)
    with serve_raw(stall_before_headers) as url:
        result = await fetch(url + "/feed.xml", settings)
    assert result.elapsed >= 0.2


# ------------------------------------------------------------------------------ size caps


async def _fetch_traced(url: str, settings: FetchSettings) -> tuple[FetchResult, int]:
    """The fetch and its peak Python heap (where bodies and inflated data live)."""
    tracemalloc.start()
    try:
        result = await fetch(url, settings)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak


async def test_huge_body_is_cut_off_with_bounded_memory() -> None:
    settings = FetchSettings(total_timeout=20)
    with serve_raw(stream_body(60 * MB)) as url:
        result, peak = await _fetch_traced(url + "/feed.xml", settings)
    assert result.status is FetchStatus.ERROR
    assert result.error == "feed larger than 10 MB (cut off)"
    assert result.body is None
    assert peak < 16 * MB, f"peak {peak / MB:.1f} MB"


async def test_announced_huge_body_is_refused_before_reading() -> None:
    server = stream_body(60 * MB, content_length=True)
    with serve_raw(server) as url:
        result, peak = await _fetch_traced(url + "/feed.xml", FetchSettings(max_bytes=MB))
    assert result.error == "feed larger than 1 MB (cut off)"
    assert peak < MB


async def test_gzip_bomb_is_cut_off_with_bounded_memory() -> None:
    bomb = gzip_bomb(100 * MB)
    assert len(bomb) < MB
    headers = {"Content-Encoding": "gzip", "Content-Length": str(len(bomb))}
    with serve_raw(respond(200, bomb, headers)) as url:
        result, peak = await _fetch_traced(url + "/feed.xml", FetchSettings(total_timeout=20))
    assert result.status is FetchStatus.ERROR
    assert result.error == "feed larger than 10 MB (cut off)"
    assert peak < 16 * MB, f"peak {peak / MB:.1f} MB"


@pytest.mark.parametrize(
    ("encoding", "compress"),
    [
        ("gzip", gzip.compress),
        ("deflate", zlib.compress),  # zlib-wrapped, as the spec says
        ("deflate", lambda b: zlib.compress(b, wbits=-zlib.MAX_WBITS)),  # raw, as IIS sends
    ],
)
async def test_compressed_bodies_are_decoded(encoding: str, compress) -> None:  # type: ignore[no-untyped-def]
    body = rss(items(50))
    with serve_raw(respond(200, compress(body), {"Content-Encoding": encoding})) as url:
        result = await fetch(url + "/feed.xml")
    assert result.status is FetchStatus.OK, result.error
    assert result.body == body


async def test_concatenated_gzip_members_are_one_body() -> None:
    body = rss(items(5))
    compressed = gzip.compress(body[:100]) + gzip.compress(body[100:])
    with serve_raw(respond(200, compressed, {"Content-Encoding": "gzip"})) as url:
        result = await fetch(url + "/feed.xml")
    assert result.body == body


async def test_corrupt_gzip_is_an_error() -> None:
    with serve_raw(respond(200, b"\x1f\x8bnot gzip at all", {"Content-Encoding": "gzip"})) as url:
        result = await fetch(url + "/feed.xml")
    assert result.status is FetchStatus.ERROR
    assert result.error == "could not decompress the feed (corrupt gzip/deflate data)"


async def test_unknown_content_encoding_is_an_error() -> None:
    with serve_raw(respond(200, b"...", {"Content-Encoding": "br"})) as url:
        result = await fetch(url + "/feed.xml")
    assert result.status is FetchStatus.ERROR
    assert result.error == "the feed uses a compression briefer cannot read (br)"


# ----------------------------------------------------------------------------- concurrency


async def test_per_host_limit_is_never_exceeded() -> None:
    settings = FetchSettings(concurrency=20, per_host=2)
    with ConcurrencyServer(FEED, delay=0.15) as server:
        async with Fetcher(settings) as fetcher:
            results = await asyncio.gather(
                *(fetcher.fetch(FeedRequest(f"{server.url}/f{i}.xml")) for i in range(8))
            )
    assert all(r.status is FetchStatus.OK for r in results)
    assert len(server.requests) == 8
    assert server.max_active == 2


async def test_overall_limit_is_never_exceeded() -> None:
    settings = FetchSettings(concurrency=3, per_host=4)
    with ConcurrencyServer(FEED, delay=0.15, ports=4) as server:
        urls = [f"{base}/f{i}.xml" for base in server.urls for i in range(3)]
        results = [r async for r in fetch_all([FeedRequest(u) for u in urls], settings)]
    assert sorted(r.url for r in results) == sorted(urls)
    assert all(r.status is FetchStatus.OK for r in results)
    assert server.max_active == 3


async def test_fetch_all_yields_every_outcome(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/ok").respond_with_data(FEED)
    httpserver.expect_request("/gone").respond_with_data("", status=410)
    requests = [
        FeedRequest(httpserver.url_for("/ok")),
        FeedRequest(httpserver.url_for("/gone")),
        FeedRequest("file:///etc/passwd"),
    ]
    results = {r.url: r.status async for r in fetch_all(requests, FAST)}
    assert results == {
        httpserver.url_for("/ok"): FetchStatus.OK,
        httpserver.url_for("/gone"): FetchStatus.GONE,
        "file:///etc/passwd": FetchStatus.ERROR,
    }
