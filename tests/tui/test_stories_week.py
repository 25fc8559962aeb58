"""The app on a real week: the 764 labelled headlines of ../shared/eval/stories-dev.jsonl,
stored through the poll's own write path (outlets split from titles, the bundled watchlists,
a StoryIndex), then read as stories in the app."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

from briefer.config import Paths, load_config
from briefer.match import Matcher
from briefer.models import FetchResult, FetchStatus, Item, ParsedFeed
from briefer.outlet import split_outlet
from briefer.resources import default_watchlists
from briefer.store import Store
from briefer.stories import StoryIndex
from briefer.tui.app import BrieferApp
from briefer.tui.briefing import STORY_LIMIT, Services
from briefer.tui.screens.search import SearchScreen
from briefer.tui.screens.story import StoryScreen
from briefer.tui.widgets.story_table import StoryTable
from briefer.tui.widgets.watchlist_panel import WatchlistPanel
from briefer.watchlist import load_issues
from tests.shared import require_shared
from tests.tui.conftest import settle


def seed_week(db: Path, lines: list[dict], matcher: Matcher) -> datetime:
    """Store the week feed by feed, as polls would; returns the latest publication time."""
    feeds: dict[str, list[dict]] = defaultdict(list)
    for line in lines:
        feeds[line["source"]].append(line)
    stories = StoryIndex()
    latest = datetime.min.replace(tzinfo=UTC)
    with Store(db) as store:
        for n, (source, rows) in enumerate(feeds.items()):
            items = []
            for row in rows:
                title, outlet = split_outlet(row["title"])
                published = datetime.fromisoformat(row["published"]).replace(tzinfo=UTC)
                latest = max(latest, published)
                link = f"https://week.example/{row['id']}"
                items.append(Item(row["id"], title, row["summary"], link, published, outlet=outlet))
            url = f"http://127.0.0.1:1/feed/{n}.xml"
            store.record_poll(
                url,
                FetchResult(url=url, status=FetchStatus.OK, http_status=200),
                ParsedFeed(title=source, link=None, items=items),
                [matcher.match(i.title, i.summary) for i in items],
                next_due=latest,
                now=latest,
                stories=stories,
                feed_lang=rows[0]["lang"],
            )
    return latest


def week_services(tmp_path: Path) -> tuple[Services, datetime]:
    path = require_shared("eval", "stories-dev.jsonl")
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.toml").write_text("feeds = []\n[notify]\nenabled = false\n")
    paths = Paths.resolve(env={"BRIEFER_HOME": str(home)})
    issues = load_issues([default_watchlists()])
    matcher = Matcher(issues)
    latest = seed_week(paths.db, lines, matcher)
    now = latest + timedelta(hours=1)
    services = Services(
        config=load_config(paths),
        issues=issues,
        baselines={},
        db_path=paths.db,
        matcher_factory=lambda: matcher,
        now=lambda: now,
    )
    return services, now


async def test_the_dev_week_reads_as_stories(tmp_path: Path) -> None:
    services, now = week_services(tmp_path)
    with Store(services.db_path) as store:
        expected = {i.id: store.stories(i.id, order="new", now=now) for i in services.issues}
        matched = {i.id: len(store.matches(i.id, limit=10_000)) for i in services.issues}
    busiest = max(services.issues, key=lambda i: max((s.items for s in expected[i.id]), default=0))
    widest = max(expected[busiest.id], key=lambda s: (s.items, s.outlets))
    assert widest.items > 1 and widest.outlets > 1  # copies of one event were grouped
    app = BrieferApp(services, poll_on_start=False)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        panel = app.screen.query_one(WatchlistPanel)
        for issue in services.issues:
            panel.highlighted = panel.get_option_index(issue.id)
            await settle(pilot)
            shown = app.screen.query_one(StoryTable).stories
            # One row per story, as the store groups them, never one per copy.
            listed = expected[issue.id][:STORY_LIMIT]  # the list stops at STORY_LIMIT
            assert [s.story_id for s in shown] == [s.story_id for s in listed]
            assert len(shown) <= matched[issue.id]
            assert panel.rows[issue.id].unread == len(expected[issue.id])
        panel.highlighted = panel.get_option_index(busiest.id)
        await settle(pilot)
        table = app.screen.query_one(StoryTable)
        table.focus()
        table.move_cursor(row=[s.story_id for s in table.stories].index(widest.story_id))
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, StoryScreen) and screen.view is not None
        counted = [m for m in screen.view.members if m.match is not None]
        assert len(counted) == widest.items
        assert len({m.outlet for m in counted}) == widest.outlets
        assert all(m.item.read for m in counted)  # opening the story read it
        await pilot.press("escape", "slash")
        word = max(widest.headline.split(), key=len)
        await pilot.press(*word, "enter")
        await settle(pilot)
        search = app.screen
        assert isinstance(search, SearchScreen)
        found = [story_id for story_id, _ in search.story_rows]
        assert found.count(widest.story_id) == 1  # its copies are one row
