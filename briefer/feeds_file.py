"""Add and remove feeds in the user's config file, in place, keeping its comments.

The first change copies the bundled config into the user's file (or the bundled feed list
into a user file that has none), since a user's [[feeds]] list replaces the bundled one.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path

import tomlkit
from tomlkit.items import AoT, Table

from briefer import resources
from briefer.config import FeedConfig
from briefer.errors import ConfigError
from briefer.toml_file import read_toml

_HTTP = re.compile(r"^https?://[^\s/]+", re.IGNORECASE)


def check_url(url: str) -> str:
    url = url.strip()
    if not _HTTP.match(url):
        raise ConfigError(
            "feed address", None, f"expected an http:// or https:// address, got {url!r}"
        )
    return url


def _load(config_file: Path, defaults: Path) -> tomlkit.TOMLDocument:
    if config_file.is_file():
        read_toml(
            config_file, ConfigError
        )  # a clear error for a broken file before tomlkit sees it
        doc = tomlkit.parse(config_file.read_text(encoding="utf-8"))
        if "feeds" not in doc:
            bundled = tomlkit.parse(defaults.read_text(encoding="utf-8"))
            doc.append("feeds", bundled.get("feeds", tomlkit.aot()))
        return doc
    return tomlkit.parse(defaults.read_text(encoding="utf-8"))


def _save(config_file: Path, doc: tomlkit.TOMLDocument) -> None:
    # Write beside and rename, so a crash never leaves half a config file.
    config_file.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".config-", suffix=".toml", dir=config_file.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(tomlkit.dumps(doc))
        os.replace(tmp, config_file)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _feeds(doc: tomlkit.TOMLDocument) -> AoT:
    feeds = doc.get("feeds")
    if not isinstance(feeds, AoT):
        feeds = tomlkit.aot()
        doc["feeds"] = feeds
    return feeds


def _table(feed: FeedConfig) -> Table:
    table = tomlkit.table()
    table["url"] = feed.url
    for key in ("title", "lang", "kind", "interval_minutes"):
        value = getattr(feed, key)
        if value:
            table[key] = value
    if not feed.enabled:
        table["enabled"] = False
    return table


def add_feeds(
    config_file: Path, feeds: Iterable[FeedConfig], *, defaults: Path | None = None
) -> list[FeedConfig]:
    """Append the feeds not already listed; returns those added."""
    doc = _load(config_file, defaults or resources.default_config())
    table = _feeds(doc)
    present = {str(t.get("url", "")) for t in table}
    added = []
    for feed in feeds:
        url = check_url(feed.url)
        if url in present:
            continue
        table.append(_table(feed))
        present.add(url)
        added.append(feed)
    if added or not config_file.exists():
        _save(config_file, doc)
    return added


def add_feed(
    config_file: Path, url: str, title: str | None = None, *, defaults: Path | None = None
) -> bool:
    return bool(add_feeds(config_file, [FeedConfig(url=url, title=title)], defaults=defaults))


def remove_feed(config_file: Path, url: str, *, defaults: Path | None = None) -> bool:
    doc = _load(config_file, defaults or resources.default_config())
    table = _feeds(doc)
    keep = [t for t in table if str(t.get("url", "")) != url.strip()]
    if len(keep) == len(table):
        return False
    fresh = tomlkit.aot()
    for t in keep:
        fresh.append(t)
    doc["feeds"] = fresh
    _save(config_file, doc)
    return True


def replace_feeds(
    config_file: Path, feeds: Iterable[FeedConfig], *, defaults: Path | None = None
) -> int:
    doc = _load(config_file, defaults or resources.default_config())
    fresh = tomlkit.aot()
    seen: set[str] = set()
    for feed in feeds:
        url = check_url(feed.url)
        if url not in seen:
            seen.add(url)
            fresh.append(_table(feed))
    doc["feeds"] = fresh
    _save(config_file, doc)
    return len(seen)
