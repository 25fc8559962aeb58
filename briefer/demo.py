"""`briefer demo`: sample feeds served from 127.0.0.1 by briefer itself, in a throwaway home.

The server reveals one more item per feed on every request, so each poll brings new
matches and a newcomer sees polling, matching and notifications without any network.
No Textual here: the CLI command wires this to the app.
"""

from __future__ import annotations

import threading
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from xml.sax.saxutils import escape

DEMO_POLL_SECONDS = 20.0


@dataclass
class DemoFeed:
    slug: str
    title: str
    lang: str
    start: int
    items: list[tuple[str, str]]
    revealed: int = 0
    published: list[datetime] = field(default_factory=list)

    def reveal(self, now: datetime) -> None:
        """First request: the `start` items, spread over the last three days; then one more."""
        if self.revealed == 0:
            self.revealed = min(self.start, len(self.items))
            # Older items first, the newest a couple of hours old.
            span = [timedelta(hours=2 + 70 * (self.revealed - 1 - n) / max(1, self.revealed - 1))
                    for n in range(self.revealed)]  # fmt: skip
            self.published = [now - delta for delta in span]
        elif self.revealed < len(self.items):
            self.revealed += 1
            self.published.append(now)

    def rss(self, base_url: str) -> bytes:
        entries = []
        for n in range(self.revealed - 1, -1, -1):
            title, summary = self.items[n]
            entries.append(
                "<item>"
                f'<guid isPermaLink="false">{self.slug}-{n}</guid>'
                f"<title>{escape(title)}</title>"
                f"<link>{base_url}/{self.slug}/{n}</link>"
                f"<description>{escape(summary)}</description>"
                f"<pubDate>{format_datetime(self.published[n], usegmt=True)}</pubDate>"
                "</item>"
            )
        return (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>{escape(self.title)}</title><link>{base_url}/</link>"
            f"<language>{self.lang}</language>{''.join(entries)}</channel></rss>"
        ).encode()


def load_demo_feeds() -> list[DemoFeed]:
    text = resources.files("briefer.demo_data").joinpath("headlines.toml").read_text("utf-8")
    return [
        DemoFeed(
            slug=f["slug"],
            title=f["title"],
            lang=f["lang"],
            start=int(f["start"]),
            items=[(title, summary) for title, summary in f["items"]],
        )
        for f in tomllib.loads(text)["feeds"]
    ]


class DemoServer:
    """A stdlib HTTP server in a daemon thread; `url_for(slug)` gives each feed's address."""

    def __init__(self, feeds: list[DemoFeed] | None = None, *, port: int = 0) -> None:
        self.feeds = {feed.slug: feed for feed in feeds or load_demo_feeds()}
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body, status, kind = server.respond(self.path)
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass  # the TUI owns the terminal

        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def url_for(self, slug: str) -> str:
        return f"{self.base_url}/{slug}.xml"

    def respond(self, path: str) -> tuple[bytes, int, str]:
        slug = path.strip("/").removesuffix(".xml")
        feed = self.feeds.get(slug)
        if feed is None or not path.endswith(".xml"):
            page = "<html><body><p>briefer demo: an invented sample article.</p></body></html>"
            return page.encode(), 200 if "/" in slug else 404, "text/html; charset=utf-8"
        with self._lock:
            feed.reveal(datetime.now(UTC))
            return feed.rss(self.base_url), 200, "application/rss+xml; charset=utf-8"

    def start(self) -> DemoServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> DemoServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def write_demo_home(home: Path, server: DemoServer) -> Path:
    """A BRIEFER_HOME-style folder: config.toml listing the local feeds; returns its path."""
    home.mkdir(parents=True, exist_ok=True)
    lines = [
        "# Written by `briefer demo`: the bundled sample feeds, served from 127.0.0.1.",
        "[poll]",
        "interval_minutes = 5",
        "timeout_seconds = 10",
        "",
    ]
    for feed in server.feeds.values():
        lines += [
            "[[feeds]]",
            f'url = "{server.url_for(feed.slug)}"',
            f'title = "{feed.title}"',
            f'lang = "{feed.lang}"',
            'kind = "news"',
            "",
        ]
    config = home / "config.toml"
    config.write_text("\n".join(lines), encoding="utf-8")
    return config
