"""Configuration: the bundled defaults, overridden by the user's file, validated into one object.

Where things live: everything under BRIEFER_HOME when it is set (portable use and tests),
else the platform's config and data folders. Nothing here runs at import time.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time, timedelta
from pathlib import Path
from typing import Any

import platformdirs

from briefer import resources
from briefer.errors import ConfigError
from briefer.toml_file import Table, TomlFile, read_toml

APP_NAME = "briefer"
DIGEST_FORMATS = ("md", "html", "json", "atom")
FEED_KINDS = ("official", "think-tank", "news", "search")


@dataclass(frozen=True, slots=True)
class Paths:
    config_file: Path  # the user's config (may not exist yet)
    watchlists_dir: Path  # the user's watchlists, overriding the bundled ones
    seeds_dir: Path  # the user's seeds, overriding the bundled ones
    data_dir: Path
    db: Path
    digests_dir: Path
    logs_dir: Path

    @property
    def lock(self) -> Path:
        return self.data_dir / "poller.lock"

    @classmethod
    def resolve(
        cls,
        *,
        config: Path | None = None,
        db: Path | None = None,
        env: Mapping[str, str] | None = None,
    ) -> Paths:
        env = os.environ if env is None else env
        home = env.get("BRIEFER_HOME")
        if home:
            config_dir = data_dir = Path(home).expanduser()
        else:
            config_dir = Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))
            data_dir = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
        return cls(
            config_file=config or config_dir / "config.toml",
            watchlists_dir=config_dir / "watchlists",
            seeds_dir=config_dir / "seeds",
            data_dir=data_dir,
            db=db or data_dir / "briefer.db",
            digests_dir=data_dir / "digests",
            logs_dir=data_dir / "logs",
        )


@dataclass(frozen=True, slots=True)
class FeedConfig:
    url: str
    title: str | None = None
    lang: str | None = None
    kind: str | None = None
    interval_minutes: int | None = None
    enabled: bool = True


@dataclass(frozen=True, slots=True)
class PollSettings:
    interval_minutes: int = 30
    concurrency: int = 20
    per_host: int = 4
    timeout_seconds: float = 30.0
    max_feed_mb: float = 10.0


@dataclass(frozen=True, slots=True)
class NotifySettings:
    enabled: bool = True
    min_score: float = 70.0
    quiet_hours: tuple[time, time] | None = None
    issue_min_score: Mapping[str, float] = field(default_factory=dict)
    spreading_outlets: int = 5  # a story carried by this many outlets is announced once more

    def min_score_for(self, issue_id: str) -> float:
        return self.issue_min_score.get(issue_id, self.min_score)


@dataclass(frozen=True, slots=True)
class DigestSettings:
    time: time | None = None
    folder: Path | None = None
    formats: tuple[str, ...] = ("md", "html")
    full_stories: int = 10  # per issue, the best stories in full; the rest one line each


@dataclass(frozen=True, slots=True)
class RetentionSettings:
    max_age_days: int = 180  # 0: keep everything

    @property
    def max_age(self) -> timedelta | None:
        """How old an unmatched item may get before it is pruned; None: never pruned."""
        return timedelta(days=self.max_age_days) if self.max_age_days else None


@dataclass(frozen=True, slots=True)
class Config:
    paths: Paths
    poll: PollSettings
    notify: NotifySettings
    digest: DigestSettings
    feeds: tuple[FeedConfig, ...]
    retention: RetentionSettings
    sources: tuple[Path, ...]  # the files this was read from, defaults first

    @property
    def watchlist_dirs(self) -> list[Path]:
        return [resources.default_watchlists(), self.paths.watchlists_dir]

    @property
    def seed_dirs(self) -> list[Path]:
        return [resources.default_seeds(), self.paths.seeds_dir]

    @property
    def digest_folder(self) -> Path:
        return self.digest.folder or self.paths.digests_dir


def load_config(paths: Paths, *, defaults: Path | None = None) -> Config:
    """Read the bundled defaults, then the user's file if it exists; the user's keys win."""
    defaults = defaults or resources.default_config()
    origin = read_toml(defaults, ConfigError)
    raw = origin.data
    sources = [defaults]
    if paths.config_file.is_file():
        origin = read_toml(paths.config_file, ConfigError)
        _check_tables(origin)
        raw = _merge(raw, origin.data)
        sources.append(paths.config_file)
    elif paths.config_file.exists():
        raise ConfigError(paths.config_file, None, "expected a file, found a folder")
    # Errors name the file the offending key came from: the user's when they set it.
    return Config(
        paths=paths,
        poll=_poll(raw.get("poll", {}), origin),
        notify=_notify(raw.get("notify", {}), origin),
        digest=_digest(raw.get("digest", {}), origin),
        feeds=_feeds(raw.get("feeds", []), origin),
        retention=_retention(raw.get("retention", {}), origin),
        sources=tuple(sources),
    )


TABLES = ("poll", "notify", "digest", "retention", "feeds")


def _check_tables(file: TomlFile) -> None:
    """A misspelt table ([pol], [[feed]]) would otherwise be ignored without a word."""
    for name in file.data:
        if name in TABLES:
            continue
        kind = "table" if isinstance(file.data[name], dict | list) else "setting"
        close = difflib.get_close_matches(name, TABLES, n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        line = file.line_of(name)
        raise ConfigError(
            file.path,
            f"line {line}" if line else None,
            f"unknown {kind} '{name}' ({hint}known: {', '.join(TABLES)})",
        )


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Tables merge key by key; anything else (including the feeds list) is replaced whole."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _poll(data: Any, origin: TomlFile) -> PollSettings:
    t = origin.table(data, "poll")
    t.check_known({"interval_minutes", "concurrency", "per_host", "timeout_seconds", "max_feed_mb"})
    return PollSettings(
        interval_minutes=t.integer("interval_minutes", 30, low=5, high=24 * 60),
        concurrency=t.integer("concurrency", 20, low=1, high=200),
        per_host=t.integer("per_host", 4, low=1, high=200),
        timeout_seconds=t.number("timeout_seconds", 30, low=1, high=600),
        max_feed_mb=t.number("max_feed_mb", 10, low=0.1, high=200),
    )


_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def _clock(t: Table, key: str, value: str) -> time:
    m = _CLOCK.match(value.strip())
    if not m:
        raise t.fail(key, f'expected a 24-hour time like "07:00", got "{value}"')
    return time(int(m.group(1)), int(m.group(2)))


def _notify(data: Any, origin: TomlFile) -> NotifySettings:
    t = origin.table(data, "notify")
    t.check_known({"enabled", "min_score", "quiet_hours", "issues", "spreading_outlets"})
    quiet = t.string("quiet_hours", "")
    quiet_hours = None
    if quiet:
        parts = quiet.split("-")
        if len(parts) != 2:
            raise t.fail("quiet_hours", f'expected "HH:MM-HH:MM" like "22:00-07:00", got "{quiet}"')
        quiet_hours = (_clock(t, "quiet_hours", parts[0]), _clock(t, "quiet_hours", parts[1]))
    per_issue: dict[str, float] = {}
    issues = data.get("issues", {})
    if not isinstance(issues, dict):
        raise t.fail("issues", "expected tables like [notify.issues.tariffs]")
    for issue_id, table in issues.items():
        sub = origin.table(table, f"notify.issues.{issue_id}")
        sub.check_known({"min_score"})
        per_issue[issue_id] = sub.number("min_score", 70, low=0, high=100)
    return NotifySettings(
        enabled=t.boolean("enabled", True),
        min_score=t.number("min_score", 70, low=0, high=100),
        quiet_hours=quiet_hours,
        issue_min_score=per_issue,
        spreading_outlets=t.integer("spreading_outlets", 5, low=2, high=1000),
    )


def _digest(data: Any, origin: TomlFile) -> DigestSettings:
    t = origin.table(data, "digest")
    t.check_known({"time", "folder", "formats", "full_stories"})
    at = t.string("time", "")
    folder = t.string("folder", "")
    formats = data.get("formats", ["md", "html"])
    if (
        not isinstance(formats, list)
        or not formats
        or any(f not in DIGEST_FORMATS for f in formats)
    ):
        raise t.fail(
            "formats", f"expected a list drawn from {list(DIGEST_FORMATS)}, got {formats!r}"
        )
    return DigestSettings(
        time=_clock(t, "time", at) if at else None,
        folder=Path(folder).expanduser() if folder else None,
        formats=tuple(dict.fromkeys(formats)),
        full_stories=t.integer("full_stories", 10, low=0, high=1000),
    )


# Under a week, unmatched items would go before stories (three days) and searches are done
# with them.
MIN_RETENTION_DAYS = 7
MAX_RETENTION_DAYS = 3650


def _retention(data: Any, origin: TomlFile) -> RetentionSettings:
    t = origin.table(data, "retention")
    t.check_known({"max_age_days"})
    days = t.data.get("max_age_days", 180)
    if (
        isinstance(days, bool)
        or not isinstance(days, int)
        or not (days == 0 or MIN_RETENTION_DAYS <= days <= MAX_RETENTION_DAYS)
    ):
        raise t.fail(
            "max_age_days",
            f"expected 0 (keep everything) or a whole number of days from "
            f"{MIN_RETENTION_DAYS} to {MAX_RETENTION_DAYS}, got {days!r}",
        )
    return RetentionSettings(max_age_days=days)


def _feeds(data: Any, origin: TomlFile) -> tuple[FeedConfig, ...]:
    if not isinstance(data, list):
        raise ConfigError(origin.path, "[[feeds]]", "expected a list of [[feeds]] tables")
    feeds: dict[str, FeedConfig] = {}
    for n, entry in enumerate(data, start=1):
        t = origin.table(entry, f"feeds[{n}]")
        t.check_known({"url", "title", "lang", "kind", "interval_minutes", "enabled"})
        url = t.string("url", "")
        if not re.match(r"^https?://[^\s/]+", url, re.IGNORECASE):
            raise t.fail("url", f"expected an http:// or https:// address, got {url!r}")
        kind = t.string("kind", "") or None
        if kind and kind not in FEED_KINDS:
            raise t.fail("kind", f"expected one of {', '.join(FEED_KINDS)}, got {kind!r}")
        has_interval = "interval_minutes" in entry
        feeds.setdefault(
            url,
            FeedConfig(
                url=url,
                title=t.string("title", "") or None,
                lang=t.string("lang", "") or None,
                kind=kind,
                interval_minutes=(
                    t.integer("interval_minutes", 30, low=5, high=1440) if has_interval else None
                ),
                enabled=t.boolean("enabled", True),
            ),
        )
    return tuple(feeds.values())
