"""Test helpers: build feed XML, and serve hostile HTTP from real sockets on 127.0.0.1.

Builders (return bytes, ready to serve or to parse):

    rss([Entry("Title", link="https://x/1"), "Just a title"], ttl=30)
    atom([Entry("Title", published=datetime(...))])
    rss(items(50))                     # 50 plausible US-Mexico headlines
    billion_laughs()                   # an entity-expansion bomb
    gzip_bomb(100 * MB)                # ~100 KB of gzip that inflates to 100 MB

Strings are XML-escaped; wrap one in `Raw(...)` to insert it verbatim (for numeric
character references, CDATA or deliberately broken XML).

Servers (context managers yielding a base URL "http://127.0.0.1:PORT"):

    with serve_raw(stall_after_headers) as url: ...
    with serve_raw(trickle(0.2)) as url: ...
    with serve_raw(stall_before_headers) as url: ...
    with serve_raw(respond(200, body, headers={...})) as url: ...
    with serve_raw(stream_body(60 * MB)) as url: ...
    with ConcurrencyServer(feed_body, delay=0.2, ports=3) as server:
        server.url, server.urls, server.max_active, server.requests
    port = closed_port()                # nothing listens there: connection refused

Each raw handler is `handler(conn, stop)`; `stop` is set when the server shuts down, so a
handler that waits must wait on it (`stop.wait(t)`) to let the test end promptly.
"""

from __future__ import annotations

import contextlib
import gzip
import socket
import threading
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from functools import cache
from xml.sax.saxutils import escape

MB = 1024 * 1024

# ---------------------------------------------------------------------------------------
# Feed builders


class Raw(str):
    """Inserted into the XML verbatim, not escaped."""


@dataclass
class Entry:
    title: str | None = "Untitled"
    link: str | None = None
    guid: str | None = None
    published: datetime | str | None = None  # a str is inserted as written
    summary: str | None = None  # RSS <description> / Atom <summary>
    author: str | None = None
    content: str | None = None  # RSS <content:encoded> / Atom <content type="html">
    extra: str = ""  # raw XML appended inside the item


def _x(value: str) -> str:
    return value if isinstance(value, Raw) else escape(value)


def _rss_date(value: datetime | str) -> str:
    return value if isinstance(value, str) else format_datetime(value.astimezone(UTC), True)


def _atom_date(value: datetime | str) -> str:
    return value if isinstance(value, str) else value.astimezone(UTC).isoformat()


def _entry(value: Entry | str) -> Entry:
    return value if isinstance(value, Entry) else Entry(title=value)


def rss(
    entries: Iterable[Entry | str] = (),
    *,
    title: str = "Test feed",
    link: str = "https://example.com/",
    ttl: int | None = None,
    extra: str = "",
    encoding: str = "utf-8",
    declaration: bool = True,
) -> bytes:
    """An RSS 2.0 document; `extra` is raw XML inside <channel>."""
    out = []
    if declaration:
        out.append(f'<?xml version="1.0" encoding="{encoding}"?>')
    out.append(
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
    )
    out.append(f"<title>{_x(title)}</title><link>{_x(link)}</link>")
    out.append("<description>Built by tests/feeds.py</description>")
    if ttl is not None:
        out.append(f"<ttl>{ttl}</ttl>")
    out.append(extra)
    for value in entries:
        e = _entry(value)
        out.append("<item>")
        if e.title is not None:
            out.append(f"<title>{_x(e.title)}</title>")
        if e.link is not None:
            out.append(f"<link>{_x(e.link)}</link>")
        if e.guid is not None:
            out.append(f'<guid isPermaLink="false">{_x(e.guid)}</guid>')
        if e.published is not None:
            out.append(f"<pubDate>{_x(_rss_date(e.published))}</pubDate>")
        if e.summary is not None:
            out.append(f"<description>{_x(e.summary)}</description>")
        if e.content is not None:
            out.append(f"<content:encoded>{_x(e.content)}</content:encoded>")
        if e.author is not None:
            out.append(f"<dc:creator>{_x(e.author)}</dc:creator>")
        out.append(e.extra)
        out.append("</item>")
    out.append("</channel></rss>")
    return "\n".join(out).encode(encoding, "xmlcharrefreplace")


def atom(
    entries: Iterable[Entry | str] = (),
    *,
    title: str = "Test feed",
    link: str = "https://example.com/",
    feed_id: str = "urn:uuid:60a76c80-d399-11d9-b93C-0003939e0af6",
    updated: datetime | str = datetime(2026, 1, 1, tzinfo=UTC),
    extra: str = "",
) -> bytes:
    """An Atom 1.0 document; `extra` is raw XML inside <feed>."""
    out = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom">',
        f"<title>{_x(title)}</title>",
        f'<link href="{_x(link)}"/>',
        f"<id>{_x(feed_id)}</id>",
        f"<updated>{_x(_atom_date(updated))}</updated>",
        extra,
    ]
    for value in entries:
        e = _entry(value)
        out.append("<entry>")
        if e.title is not None:
            out.append(f"<title>{_x(e.title)}</title>")
        if e.link is not None:
            out.append(f'<link rel="alternate" href="{_x(e.link)}"/>')
        if e.guid is not None:
            out.append(f"<id>{_x(e.guid)}</id>")
        if e.published is not None:
            out.append(f"<published>{_x(_atom_date(e.published))}</published>")
        if e.summary is not None:
            out.append(f'<summary type="html">{_x(e.summary)}</summary>')
        if e.content is not None:
            out.append(f'<content type="html">{_x(e.content)}</content>')
        if e.author is not None:
            out.append(f"<author><name>{_x(e.author)}</name></author>")
        out.append(e.extra)
        out.append("</entry>")
    out.append("</feed>")
    return "\n".join(out).encode("utf-8")


_HEADLINES = [
    "Border crossings at {n}-month low as asylum rule takes effect",
    "Mexico extradites {n} cartel figures to the United States",
    "Fentanyl seizures at Nogales port rise for the {n}th week",
    "USMCA review: Washington and Mexico City trade proposals ({n})",
    "Tariff threat on Mexican steel returns in round {n} of talks",
    "Judicial reform: Mexico's Senate sets vote on {n} nominees",
    "Aranceles: la Secretaría de Economía responde al anuncio número {n}",
    "Reforma judicial: el INE organiza la elección de {n} juzgadores",
]


def items(n: int, *, start: datetime = datetime(2026, 11, 23, 12, tzinfo=UTC)) -> list[Entry]:
    """`n` plausible entries, newest first, each with guid, link, date and an HTML summary."""
    out = []
    for i in range(n):
        headline = _HEADLINES[i % len(_HEADLINES)].format(n=i + 2)
        out.append(
            Entry(
                title=headline,
                link=f"https://news.example.com/2026/11/story-{i}",
                guid=f"https://news.example.com/?p={1000 + i}",
                published=start - timedelta(hours=i),
                summary=(
                    f"<p>{headline}. Officials on both sides of the border said the measure "
                    "would be reviewed &amp; revised within weeks.</p>"
                    f'<p><a href="https://news.example.com/2026/11/story-{i}">Read more</a>'
                    '<img src="https://news.example.com/pixel.gif" alt=""/></p>'
                ),
                author="Staff reporter",
            )
        )
    return out


def billion_laughs(depth: int = 9) -> bytes:
    """An RSS feed whose title would expand to 10**depth copies of "lol"."""
    decls = ['<!ENTITY lol0 "lol">']
    for level in range(1, depth + 1):
        decls.append(f'<!ENTITY lol{level} "{f"&lol{level - 1};" * 10}">')
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE rss [\n'
        + "\n".join(decls)
        + "\n]>\n"
        + f'<rss version="2.0"><channel><title>&lol{depth};</title>'
        + f"<item><title>Laughs &lol{depth};</title><description>&lol{depth};</description>"
        + "<guid>lol</guid></item></channel></rss>"
    ).encode()


@cache
def gzip_bomb(size: int = 100 * MB) -> bytes:
    """A gzip stream of `size` zero bytes (about 1000:1, so 100 MB is ~100 KB)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(MB)
    parts = [compressor.compress(block) for _ in range(size // MB)]
    parts.append(compressor.compress(bytes(size % MB)))
    parts.append(compressor.flush())
    return b"".join(parts)


def gzipped(body: bytes) -> bytes:
    return gzip.compress(body)


# ---------------------------------------------------------------------------------------
# Raw socket servers

Handler = Callable[[socket.socket, threading.Event], None]


def read_request(conn: socket.socket, timeout: float = 5.0) -> tuple[str, dict[str, str]]:
    """Read one request head; returns the request line and lower-cased headers."""
    conn.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            break
        data += chunk
    head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    line, *rest = head.split("\r\n")
    headers = {}
    for h in rest:
        name, _, value = h.partition(":")
        headers[name.strip().lower()] = value.strip()
    return line, headers


def response_head(
    status: int = 200, headers: dict[str, str] | None = None, reason: str = "OK"
) -> bytes:
    lines = [f"HTTP/1.1 {status} {reason}"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


FEED_HEADERS = {"Content-Type": "application/rss+xml; charset=utf-8", "Connection": "close"}


def respond(status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> Handler:
    """Answer every request with this status, headers and body, then close."""

    def handler(conn: socket.socket, stop: threading.Event) -> None:
        read_request(conn)
        all_headers = {**FEED_HEADERS, "Content-Length": str(len(body)), **(headers or {})}
        conn.sendall(response_head(status, all_headers) + body)

    return handler


def stall_before_headers(conn: socket.socket, stop: threading.Event) -> None:
    """Accept the request, then say nothing at all."""
    read_request(conn)
    stop.wait(30)


def stall_after_headers(conn: socket.socket, stop: threading.Event) -> None:
    """Send 200 headers and the start of a feed, then go silent."""
    read_request(conn)
    conn.sendall(response_head(200, FEED_HEADERS) + b'<?xml version="1.0"?><rss')
    stop.wait(30)


def trickle(interval: float = 0.2, chunk: bytes = b" ") -> Handler:
    """Send 200 headers, then one `chunk` every `interval` seconds, forever."""

    def handler(conn: socket.socket, stop: threading.Event) -> None:
        read_request(conn)
        conn.sendall(response_head(200, FEED_HEADERS) + b'<?xml version="1.0"?>')
        while not stop.wait(interval):
            conn.sendall(chunk)

    return handler


def stream_body(
    size: int, *, content_length: bool = False, headers: dict[str, str] | None = None
) -> Handler:
    """A 200 whose body is `size` bytes of feed-ish filler, streamed in 64 KiB writes
    (never held in memory). With `content_length`, the size is announced up front."""

    def handler(conn: socket.socket, stop: threading.Event) -> None:
        read_request(conn)
        head = {**FEED_HEADERS, **(headers or {})}
        if content_length:
            head["Content-Length"] = str(size)
        conn.sendall(response_head(200, head) + b'<?xml version="1.0"?><rss><!--')
        block = b"x" * 65536
        sent = 0
        while sent < size and not stop.is_set():
            conn.sendall(block)
            sent += len(block)

    return handler


def hang_up(conn: socket.socket, stop: threading.Event) -> None:
    """Read the request and close without answering."""
    read_request(conn)


def closed_port() -> int:
    """A local port with nothing listening on it (connect gets 'connection refused')."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RawServer:
    """A threaded TCP server on 127.0.0.1 running `handler` for each connection."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.stop = threading.Event()
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self._sock.settimeout(0.05)
        self.port = int(self._sock.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}"
        self.connections = 0
        self._threads: list[threading.Thread] = []
        self._acceptor = threading.Thread(target=self._accept, daemon=True)

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            t = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self._threads.append(t)
            t.start()

    def _serve(self, conn: socket.socket) -> None:
        with conn, contextlib.suppress(OSError):
            self.handler(conn, self.stop)
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_WR)

    def __enter__(self) -> RawServer:
        self._acceptor.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self._acceptor.join(2)
        self._sock.close()
        for t in self._threads:
            t.join(2)


@contextlib.contextmanager
def serve_raw(handler: Handler) -> Iterator[str]:
    """Serve `handler` on a fresh port; yields the base URL."""
    with RawServer(handler) as server:
        yield server.url


@dataclass
class ConcurrencyServer:
    """HTTP on `ports` ports (one thread per connection) that serves `body` after `delay`
    seconds and counts the requests in flight at once, across all its ports. Each port is
    a different host:port to a client, so several ports test a global limit."""

    body: bytes
    delay: float = 0.2
    ports: int = 1
    headers: dict[str, str] = field(default_factory=dict)
    active: int = 0
    max_active: int = 0
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _servers: list[RawServer] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self._servers[0].url

    @property
    def urls(self) -> list[str]:
        return [s.url for s in self._servers]

    def _handle(self, conn: socket.socket, stop: threading.Event) -> None:
        line, headers = read_request(conn)
        with self._lock:
            self.requests.append((line, headers))
            self.active += 1
            self.max_active = max(self.max_active, self.active)
        try:
            stop.wait(self.delay)
        finally:
            with self._lock:
                self.active -= 1
        head = {**FEED_HEADERS, "Content-Length": str(len(self.body)), **self.headers}
        conn.sendall(response_head(200, head) + self.body)

    def __enter__(self) -> ConcurrencyServer:
        self._servers = [RawServer(self._handle).__enter__() for _ in range(self.ports)]
        return self

    def __exit__(self, *exc: object) -> None:
        for server in self._servers:
            server.__exit__(*exc)
