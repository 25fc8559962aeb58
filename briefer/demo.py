"""`briefer demo`: sample feeds served from 127.0.0.1 by briefer itself, in a throwaway home.

The sample news (demo_data/stories.toml) is a week and a half of invented stories on every
watched issue, each told by several outlets in English and Spanish, with tariffs surging
today. The first poll finds that history; later polls bring a few new items each (new
stories and new outlets joining old ones), so a newcomer sees polling, matching, stories
growing and notifications without any network. No Textual here: the CLI command wires this
to the app.
"""

from __future__ import annotations

import re
import threading
import tomllib
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from briefer.clock import utcnow

DEMO_POLL_SECONDS = 20.0
HOST = "127.0.0.1"
DATA_FILE = "stories.toml"
FEED_KINDS = ("news", "search")


@dataclass(frozen=True, slots=True)
class DemoItem:
    """One invented item, as the data file describes it."""

    story: str  # the story a reader would see: items sharing it report the same event
    issue: str  # the watched issue it is meant to match, "" for none
    feed: str  # slug of the feed that serves it
    title: str  # without any outlet suffix
    summary: str = ""
    outlet: str = ""  # search feeds: the outlet behind the item
    hours: float | None = None  # published this long before the demo started
    poll: int = 1  # the poll that first shows it (dated then); history is there at poll 1

    @property
    def outlet_url(self) -> str:
        """An address for the invented outlet, under the reserved .example domain."""
        folded = unicodedata.normalize("NFKD", self.outlet.casefold())
        words = re.findall(r"[a-z0-9]+", folded.encode("ascii", "ignore").decode())
        return f"https://{'-'.join(words)}.example/"


@dataclass
class DemoFeed:
    slug: str
    title: str
    lang: str
    kind: str  # "search": an aggregator naming the outlet of each item, like Google News
    items: list[DemoItem]
    requests: int = 0
    published: dict[int, datetime] = field(default_factory=dict)  # shown items by index

    def reveal(self, now: datetime, started: datetime) -> None:
        """One more request: show the items due by now. History is dated before `started`,
        later arrivals at the moment they appear."""
        self.requests += 1
        for n, item in enumerate(self.items):
            if n not in self.published and item.poll <= self.requests:
                ago = item.hours
                self.published[n] = now if ago is None else started - timedelta(hours=ago)

    def rss(self, base_url: str) -> bytes:
        shown = sorted(self.published, key=lambda n: self.published[n], reverse=True)
        entries = "".join(self._entry(n, base_url) for n in shown)
        return (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>{escape(self.title)}</title><link>{base_url}/</link>"
            f"<language>{self.lang}</language>{entries}</channel></rss>"
        ).encode()

    def _entry(self, n: int, base_url: str) -> str:
        item = self.items[n]
        link = f"{base_url}/{self.slug}/{n}"
        title, summary, source = item.title, item.summary, ""
        if self.kind == "search":
            # As Google News writes them: the outlet in the title, in <source>, and a
            # description that is only the linked headline and the outlet's name.
            title = f"{item.title} - {item.outlet}"
            summary = (
                f'<a href={quoteattr(link)} target="_blank">{escape(title)}</a>'
                f'&nbsp;&nbsp;<font color="#6f6f6f">{escape(item.outlet)}</font>'
            )
            source = f"<source url={quoteattr(item.outlet_url)}>{escape(item.outlet)}</source>"
        return (
            "<item>"
            f'<guid isPermaLink="false">{self.slug}-{n}</guid>'
            f"<title>{escape(title)}</title>"
            f"<link>{link}</link>"
            f"<description>{escape(summary)}</description>"
            f"<pubDate>{format_datetime(self.published[n], usegmt=True)}</pubDate>"
            f"{source}</item>"
        )


def load_demo_feeds(text: str | None = None) -> list[DemoFeed]:
    """The feeds of the bundled data file (or of `text`), each holding its items."""
    if text is None:
        text = resources.files("briefer.demo_data").joinpath(DATA_FILE).read_text("utf-8")
    data = tomllib.loads(text)
    feeds = {f["slug"]: _feed(f) for f in data["feeds"]}
    for story in data["stories"]:
        for number, entry in enumerate(story["items"], 1):
            where = f"{DATA_FILE}: story {story['key']!r}, item {number}"
            item = _item(story, entry, where)
            feed = feeds.get(item.feed)
            if feed is None:
                raise ValueError(f"{where}: no feed {item.feed!r}")
            if (feed.kind == "search") != bool(item.outlet):
                raise ValueError(f"{where}: needs an outlet exactly when its feed is a search feed")
            feed.items.append(item)
    return list(feeds.values())


def _feed(entry: dict[str, Any]) -> DemoFeed:
    kind = entry.get("kind", "news")
    if kind not in FEED_KINDS:
        raise ValueError(f"{DATA_FILE}: feed {entry['slug']!r}: kind {kind!r} is not news/search")
    return DemoFeed(entry["slug"], entry["title"], entry["lang"], kind, items=[])


def _item(story: dict[str, Any], entry: dict[str, Any], where: str) -> DemoItem:
    if ("hours" in entry) == ("poll" in entry):
        raise ValueError(f"{where}: give either hours (history) or poll (arrival)")
    if entry.get("poll", 2) < 2 or entry.get("hours", 0) < 0:
        raise ValueError(f"{where}: poll must be 2 or more, hours not negative")
    return DemoItem(
        story=story["key"],
        issue=story["issue"],
        feed=entry["feed"],
        title=entry["title"],
        summary=entry.get("summary", ""),
        outlet=entry.get("outlet", ""),
        hours=entry.get("hours"),
        poll=entry.get("poll", 1),
    )


class DemoServer:
    """A stdlib HTTP server in a daemon thread; `url_for(slug)` gives each feed's address."""

    def __init__(
        self,
        feeds: list[DemoFeed] | None = None,
        *,
        port: int = 0,
        now: Callable[[], datetime] = utcnow,
    ) -> None:
        self.feeds = {feed.slug: feed for feed in feeds or load_demo_feeds()}
        self.now = now
        self.started = now()  # history is dated back from here
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

        self.httpd = ThreadingHTTPServer((HOST, port), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.httpd.server_address[1]}"

    def url_for(self, slug: str) -> str:
        return f"{self.base_url}/{slug}.xml"

    def respond(self, path: str) -> tuple[bytes, int, str]:
        slug = path.strip("/").removesuffix(".xml")
        feed = self.feeds.get(slug)
        if feed is None or not path.endswith(".xml"):
            page = "<html><body><p>briefer demo: an invented sample article.</p></body></html>"
            return page.encode(), 200 if "/" in slug else 404, "text/html; charset=utf-8"
        with self._lock:
            feed.reveal(self.now(), self.started)
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
            f'kind = "{feed.kind}"',
            "",
        ]
    config = home / "config.toml"
    config.write_text("\n".join(lines), encoding="utf-8")
    return config
