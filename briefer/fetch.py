"""Fetch feeds over HTTP: conditional GET, bounded concurrency, hard limits on time and size.

A feed server is a stranger: it may stall, trickle a byte at a time, send a gzip bomb,
redirect forever or answer 429. `Fetcher.fetch` never raises for any of that; every outcome
is a `FetchResult` whose `error` is a short sentence the user can act on.

The only network I/O in briefer happens here. Over 500 lines because each limit (time,
size, redirects, per-host connections) needs its own guard on the same request path, and
keeping them in one place is what makes "never raises" checkable.
"""

from __future__ import annotations

import asyncio
import errno
import socket
import ssl
import time
import zlib
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from types import TracebackType
from urllib.parse import urlsplit
from urllib.request import getproxies

import aiohttp
import certifi
from yarl import URL

from briefer import USER_AGENT
from briefer.clock import utcnow
from briefer.models import FeedRequest, FetchResult, FetchStatus

__all__ = ["ACCEPT", "FetchSettings", "Fetcher", "fetch_all"]

ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, "
    "application/xml;q=0.8, text/xml;q=0.8, */*;q=0.5"
)
# Only what we can decompress ourselves with a bounded output (see _Inflater).
ACCEPT_ENCODING = "gzip, deflate"

DEFAULT_RETRY_429 = timedelta(hours=1)
DEFAULT_RETRY_503 = timedelta(minutes=15)
# A Retry-After or max-age beyond this is a server bug, not a plan (and a huge value
# would overflow datetime arithmetic).
MAX_SERVER_DELAY = timedelta(days=7)
# Validators are echoed back as request headers; a junk one would make every later
# request of the feed fail before it is sent.
MAX_VALIDATOR_LENGTH = 1024
BAD_REDIRECT = "redirected to an invalid or non-web address"
# Largest piece inflated at once from compressed input.
PIECE = 256 * 1024


@dataclass(frozen=True)
class FetchSettings:
    concurrency: int = 20  # requests in flight overall
    per_host: int = 4  # requests in flight to one host:port
    connect_timeout: float = 10.0
    read_timeout: float = 20.0  # longest silence between two reads
    total_timeout: float = 60.0  # the whole fetch of one feed, redirects included
    max_redirects: int = 5
    max_bytes: int = 10 * 1024 * 1024  # after decompression
    user_agent: str = USER_AGENT


class _Failure(Exception):
    """A failure whose message is already the sentence for the user."""


@dataclass
class _Progress:
    """What is known about a fetch so far, for the result when it then fails."""

    http_status: int | None = None
    final_url: str | None = None


class _Inflater:
    """Undo gzip or deflate with the output bounded: a whole network chunk inflated at
    once can be huge (64 KiB of gzip bomb is 64 MiB of zeros)."""

    def __init__(self, encoding: str) -> None:
        self._gzip = encoding in ("gzip", "x-gzip")
        self._raw_deflate = False
        self._started = False
        self._obj = self._new()

    def _new(self) -> zlib._Decompress:
        if self._gzip:
            return zlib.decompressobj(16 + zlib.MAX_WBITS)
        return zlib.decompressobj(-zlib.MAX_WBITS if self._raw_deflate else zlib.MAX_WBITS)

    def feed(self, data: bytes) -> Iterator[bytes]:
        """Inflate `data` in pieces of at most PIECE bytes; the caller stops when it has
        enough, so a bomb never expands further than one piece past the limit."""
        while data:
            try:
                piece = self._obj.decompress(data, PIECE)
            except zlib.error:
                # "deflate" is zlib-wrapped by the spec, raw by many servers.
                if self._gzip or self._started or self._raw_deflate:
                    raise
                self._raw_deflate = True
                self._obj = self._new()
                continue
            self._started = True
            if piece:
                yield piece
            data = self._obj.unconsumed_tail
            if self._obj.eof:
                rest = self._obj.unused_data
                # Concatenated gzip members are one body; other trailing bytes are junk.
                if not (self._gzip and rest.startswith(b"\x1f\x8b")):
                    return
                self._obj = self._new()
                data = rest


def _size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.3g} MB"
    if n >= 1024:
        return f"{n / 1024:.3g} KB"
    return f"{n} bytes"


def _seconds(x: float) -> str:
    return f"{x:g} s"


def _url_problem(url: str) -> str | None:
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return "not a valid web address"
    if parts.scheme not in ("http", "https"):
        return "only http:// and https:// feed addresses are supported"
    if not parts.hostname:
        return "not a valid web address (no host)"
    return None


def _host_key(url: URL) -> str:
    return f"{url.host}:{url.port}"


def _header_safe(value: str | None) -> str | None:
    if not value or len(value) > MAX_VALIDATOR_LENGTH:
        return None
    if not value.isprintable() or not value.isascii():
        return None
    return value


def _http_date(value: str) -> datetime | None:
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC)


def _retry_after(value: str | None, now: datetime, default: timedelta) -> datetime:
    if value:
        value = value.strip()
        if value.isdigit():
            return now + min(timedelta(seconds=int(value[:9])), MAX_SERVER_DELAY)
        when = _http_date(value)
        if when is not None:
            return min(max(when, now), now + MAX_SERVER_DELAY)
    return now + default


def _max_age(headers: Mapping[str, str], now: datetime) -> int | None:
    cap = int(MAX_SERVER_DELAY.total_seconds())
    cache_control = headers.get("cache-control")
    if cache_control:
        for directive in cache_control.lower().split(","):
            name, _, value = directive.strip().partition("=")
            if name == "max-age":
                value = value.strip().strip('"')
                return min(int(value[:9]), cap) if value.isdigit() else None
    expires = headers.get("expires")
    if expires:
        when = _http_date(expires)
        if when is None:
            return None  # "0" and "-1" mean "already stale": no hint
        # Measure against the server's own clock when it gives one.
        base = _http_date(headers.get("date", "")) or now
        return min(max(int((when - base).total_seconds()), 0), cap)
    return None


def _status_sentence(code: int) -> str:
    try:
        # The standard phrase, never the server's own: that is untrusted text.
        return f"HTTP {code} {HTTPStatus(code).phrase}"
    except ValueError:
        return f"HTTP {code}"


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """The exception, what caused it, and the members of any group on the way: anyio
    hides the socket error ("connection refused") behind "All connection attempts failed"."""
    seen: set[int] = set()
    todo = [exc]
    while todo:
        e = todo.pop()
        if id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        if isinstance(e, BaseExceptionGroup):
            todo.extend(e.exceptions)
        for nxt in (e.__cause__, e.__context__):
            if nxt is not None:
                todo.append(nxt)


def _connect_error(exc: Exception) -> str:
    causes = list(_causes(exc))
    if any(isinstance(e, socket.gaierror) for e in causes):
        return "server not found (DNS lookup failed)"
    if any(isinstance(e, ssl.SSLCertVerificationError) for e in causes):
        return "secure connection failed (certificate problem)"
    if any(isinstance(e, ssl.SSLError) for e in causes):
        return "secure connection failed"
    errnos = {e.errno for e in causes if isinstance(e, OSError) and e.errno}
    if errnos and errnos <= {errno.ECONNREFUSED}:
        return "connection refused"
    if errnos & {errno.ENETUNREACH, errno.EHOSTUNREACH}:
        return "network unreachable"
    if errno.ECONNRESET in errnos:
        return "connection reset by the server"
    text = " ".join(str(e) for e in causes).lower()
    if "name or service not known" in text or "name resolution" in text:
        return "server not found (DNS lookup failed)"
    if "certificate" in text:
        return "secure connection failed (certificate problem)"
    if "refused" in text:
        return "connection refused"
    return "could not connect"


def _tls_context() -> ssl.SSLContext:
    return ssl.create_default_context(cafile=certifi.where())


_REDIRECTS = frozenset({301, 302, 303, 307, 308})


class Fetcher:
    """Fetch feeds with bounded concurrency. Use as `async with Fetcher(s) as f:`."""

    def __init__(self, settings: FetchSettings | None = None) -> None:
        self.settings = settings or FetchSettings()
        self._all = asyncio.Semaphore(max(1, self.settings.concurrency))
        self._hosts: dict[str, asyncio.Semaphore] = {}
        self._session: aiohttp.ClientSession | None = None
        self._ssl: asyncio.Future[ssl.SSLContext] | None = None

    async def __aenter__(self) -> Fetcher:
        # One TLS context for every request. Loading the CA bundle takes 20-80 ms, which
        # OpenSSL spends without holding the GIL: so in a thread, while the first requests
        # are set up, instead of before them.
        self._ssl = asyncio.get_running_loop().run_in_executor(None, _tls_context)
        s = self.settings
        self._session = aiohttp.ClientSession(
            # The semaphores here are the limits; the connector only keeps connections
            # alive for reuse.
            connector=aiohttp.TCPConnector(limit=0, limit_per_host=0),
            headers={
                "User-Agent": s.user_agent,
                "Accept": ACCEPT,
                "Accept-Encoding": ACCEPT_ENCODING,
            },
            timeout=aiohttp.ClientTimeout(
                total=None, connect=s.connect_timeout, sock_read=s.read_timeout
            ),
            # Bodies are inflated by _Inflater, with the output bounded.
            auto_decompress=False,
            # HTTP(S)_PROXY and NO_PROXY, as users of other tools expect; but only when a
            # proxy is set, since aiohttp then looks them (and ~/.netrc) up in a thread on
            # every request.
            trust_env=bool(getproxies()),
        )
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session, self._session = self._session, None
        if self._ssl is not None and self._ssl.done() and not self._ssl.cancelled():
            self._ssl.exception()  # a failure was each fetch's to report; seen, not logged
        if session is not None:
            await session.close()

    def _host_slot(self, url: URL) -> asyncio.Semaphore:
        key = _host_key(url)
        slot = self._hosts.get(key)
        if slot is None:
            slot = self._hosts[key] = asyncio.Semaphore(max(1, self.settings.per_host))
        return slot

    async def fetch(self, req: FeedRequest) -> FetchResult:
        """Fetch one feed. Never raises (except when the caller cancels it)."""
        if self._session is None:
            raise RuntimeError("use Fetcher inside `async with`")
        problem = _url_problem(req.url)
        url: URL | None = None
        if problem is None:
            try:
                url = URL(req.url.strip())
            except ValueError:
                problem = "not a valid web address"
        if url is None:
            return FetchResult(url=req.url, status=FetchStatus.ERROR, error=problem)
        # Host first, then the global slot: a feed queued behind its busy host must not
        # hold a slot other hosts could use. The deadline starts once we may go.
        async with self._host_slot(url), self._all:
            start = time.monotonic()
            progress = _Progress()
            try:
                async with asyncio.timeout(self.settings.total_timeout):
                    result = await self._fetch(self._session, req, url, progress)
            except Exception as exc:  # every failure is a result, whatever raised it
                result = FetchResult(
                    url=req.url,
                    status=FetchStatus.ERROR,
                    http_status=progress.http_status,
                    final_url=progress.final_url,
                    error=self._sentence(exc),
                )
            return replace(result, elapsed=time.monotonic() - start)

    def _sentence(self, exc: Exception) -> str:
        s = self.settings
        # Order matters: aiohttp's timeouts are TimeoutErrors, its certificate errors are
        # connector errors, and its connector errors are OSErrors.
        match exc:
            case _Failure():
                return str(exc)
            case aiohttp.ConnectionTimeoutError():
                return f"timed out after {_seconds(s.connect_timeout)} connecting"
            case aiohttp.ServerTimeoutError():
                return f"timed out after {_seconds(s.read_timeout)} waiting for data"
            case TimeoutError():
                return f"timed out after {_seconds(s.total_timeout)} (server too slow)"
            case aiohttp.ClientProxyConnectionError() | aiohttp.ClientHttpProxyError():
                return "the proxy refused or failed the request"
            case aiohttp.ClientConnectorError():
                return _connect_error(exc)
            case aiohttp.ServerDisconnectedError() | aiohttp.ClientPayloadError():
                return "the server closed the connection before the feed was complete"
            case aiohttp.InvalidURL():
                # The feed's own address was checked up front: this came from a redirect.
                return BAD_REDIRECT
            case aiohttp.ClientResponseError():
                return "the server sent an invalid HTTP response"
            case aiohttp.ClientOSError() | ConnectionError():
                return "connection lost while downloading"
            case zlib.error():
                return "could not decompress the feed (corrupt gzip/deflate data)"
            case OSError():
                return f"network error: {exc.strerror or type(exc).__name__}"
        return f"unexpected error ({type(exc).__name__})"

    async def _fetch(
        self, session: aiohttp.ClientSession, req: FeedRequest, url: URL, progress: _Progress
    ) -> FetchResult:
        assert self._ssl is not None
        tls = await self._ssl
        headers: dict[str, str] = {}
        if etag := _header_safe(req.etag):
            headers["If-None-Match"] = etag
        if last_modified := _header_safe(req.last_modified):
            headers["If-Modified-Since"] = last_modified
        for _ in range(self.settings.max_redirects + 1):
            # Redirects are followed here, so each new address is checked before use.
            async with session.get(
                url, headers=headers, allow_redirects=False, ssl=tls
            ) as response:
                progress.http_status = response.status
                progress.final_url = str(url)
                location = response.headers.get("Location")
                if response.status not in _REDIRECTS or location is None:
                    return await self._result(req, response, url)
            url = _redirect_target(url, location)
        raise _Failure("too many redirects")

    async def _result(
        self, req: FeedRequest, response: aiohttp.ClientResponse, url: URL
    ) -> FetchResult:
        code = response.status
        h = response.headers
        now = utcnow()
        base = FetchResult(
            url=req.url,
            status=FetchStatus.ERROR,
            http_status=code,
            final_url=str(url),
            content_type=h.get("content-type"),
        )
        if code == 304:
            return replace(
                base,
                status=FetchStatus.NOT_MODIFIED,
                # A 304 may carry fresh validators; otherwise the ones we sent still hold.
                etag=_header_safe(h.get("etag")) or req.etag,
                last_modified=_header_safe(h.get("last-modified")) or req.last_modified,
                max_age=_max_age(h, now),
            )
        if code in (429, 503):
            default = DEFAULT_RETRY_429 if code == 429 else DEFAULT_RETRY_503
            when = _retry_after(h.get("retry-after"), now, default)
            what = "rate limited" if code == 429 else "server busy or down"
            return replace(
                base,
                status=FetchStatus.DEFERRED,
                retry_after=when,
                error=f"{what} ({_status_sentence(code)}); "
                f"next try after {when:%Y-%m-%d %H:%M} UTC",
            )
        if code == 410:
            return replace(
                base, status=FetchStatus.GONE, error="the server says this feed is gone (410)"
            )
        if not 200 <= code < 300:
            return replace(base, error=_status_sentence(code))
        return replace(
            base,
            status=FetchStatus.OK,
            body=await self._read_body(response),
            etag=_header_safe(h.get("etag")),
            last_modified=_header_safe(h.get("last-modified")),
            max_age=_max_age(h, now),
        )

    async def _read_body(self, response: aiohttp.ClientResponse) -> bytes:
        limit = self.settings.max_bytes
        too_large = f"feed larger than {_size(limit)} (cut off)"
        encodings = [
            e
            for e in (
                part.strip().lower()
                for part in response.headers.get("content-encoding", "").split(",")
            )
            if e and e != "identity"
        ]
        if len(encodings) > 1 or (encodings and encodings[0] not in ("gzip", "x-gzip", "deflate")):
            raise _Failure(
                f"the feed uses a compression briefer cannot read ({', '.join(encodings)})"
            )
        inflater = _Inflater(encodings[0]) if encodings else None
        if inflater is None:
            # Refuse an announced oversize body before reading any of it.
            length = response.headers.get("content-length", "")
            if length.isdigit() and int(length) > limit:
                raise _Failure(too_large)
        body = bytearray()
        async for raw in response.content.iter_any():
            for piece in inflater.feed(raw) if inflater else (raw,):
                body += piece
                if len(body) > limit:
                    raise _Failure(too_large)
        return bytes(body)


def _redirect_target(url: URL, location: str) -> URL:
    """Where a redirect from `url` to `location` goes, if that is a web address."""
    try:
        target = url.join(URL(location.strip()))
        target.port  # noqa: B018 - a malformed port raises here, not in the next request
    except ValueError:
        raise _Failure(BAD_REDIRECT) from None
    if target.scheme not in ("http", "https") or not target.host:
        raise _Failure(BAD_REDIRECT)
    return target


async def fetch_all(
    requests: Iterable[FeedRequest], settings: FetchSettings | None = None
) -> AsyncIterator[FetchResult]:
    """Fetch every request concurrently; yield results as they complete."""
    async with Fetcher(settings) as fetcher:
        tasks = [asyncio.create_task(fetcher.fetch(r)) for r in requests]
        try:
            for next_done in asyncio.as_completed(tasks):
                yield await next_done
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
