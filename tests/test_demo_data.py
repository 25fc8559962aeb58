"""The demo's sample news, as the app receives it: served over HTTP, parsed, matched.

The data file names the story each item belongs to; these tests check that the served
items really make the morning the demo is for: several multi-outlet stories in English
and Spanish on every issue, history for the sparklines, one issue surging, new items on
every poll.
"""

from __future__ import annotations

import urllib.request
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import feedparser
import pytest

from briefer.demo import DemoItem, DemoServer, load_demo_feeds
from briefer.match import Matcher, language
from briefer.outlet import split_outlet
from briefer.parse import parse_feed
from briefer.resources import default_watchlists
from briefer.stories import StoryItem, group
from briefer.trend import is_surging
from briefer.watchlist import load_issues

START = datetime(2026, 12, 2, 7, 30, tzinfo=UTC)
POLL = timedelta(seconds=20)
ISSUES = {"border", "fentanyl", "tariffs", "judicial_reform", "usmca_2026"}


@dataclass(frozen=True)
class Served:
    """One item as a poll brings it in, beside what the data file meant by it."""

    demo: DemoItem
    feed: str  # the feed's title
    title: str  # without the outlet suffix
    summary: str
    outlet: str  # the real outlet, else the feed's title (as the app counts coverage)
    lang: str
    published: datetime
    poll: int  # the poll that first brought it
    issues: tuple[str, ...]  # what the real matcher finds


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


def poll_everything(polls: int = 12) -> list[Served]:
    """Poll every demo feed `polls` times, POLL apart, as the app would."""
    feeds = load_demo_feeds()
    by_guid = {f"{f.slug}-{n}": (f, item) for f in feeds for n, item in enumerate(f.items)}
    matcher = Matcher(load_issues([default_watchlists()]))
    clock = Clock()
    served: dict[str, Served] = {}
    with DemoServer(feeds, now=clock) as server:
        for poll in range(1, polls + 1):
            for feed in feeds:
                url = server.url_for(feed.slug)
                body = urllib.request.urlopen(url, timeout=5).read()
                for item in parse_feed(body, url=url, fetched_at=clock.now).items:
                    if item.guid in served:
                        continue
                    # The parser may already split the outlet off; if not, do it here.
                    title, outlet = split_outlet(item.title, item.outlet or None)
                    text = f"{title} {item.summary}"
                    served[item.guid] = Served(
                        demo=by_guid[item.guid][1],
                        feed=feed.title,
                        title=title,
                        summary=item.summary,
                        outlet=outlet or feed.title,
                        lang=language(text) or feed.lang,
                        published=item.published,
                        poll=poll,
                        issues=tuple(m.issue_id for m in matcher.match(title, item.summary)),
                    )
            clock.now += POLL
    assert len(served) == len(by_guid), "some items were never served"
    return list(served.values())


@pytest.fixture(scope="module")
def served() -> list[Served]:
    return poll_everything()


def stories(items: list[Served]) -> dict[str, list[Served]]:
    out: dict[str, list[Served]] = defaultdict(list)
    for item in items:
        out[item.demo.story].append(item)
    return out


def test_every_issue_has_several_multi_outlet_bilingual_stories(served) -> None:
    by_issue: dict[str, list[list[Served]]] = defaultdict(list)
    for members in stories(served).values():
        by_issue[members[0].demo.issue].append(members)
    assert set(by_issue) == ISSUES | {""}
    for issue in ISSUES:
        wide = [
            m
            for m in by_issue[issue]
            if len({i.outlet for i in m}) >= 3 and {i.lang for i in m} == {"en", "es"}
        ]
        assert len(wide) >= 3, issue
        # The biggest is carried far and wide; single-item stories exist too.
        assert max(len({i.outlet for i in m}) for m in by_issue[issue]) >= 5, issue
        assert any(len(m) == 1 for m in by_issue[issue]), issue
    # Outlets: many, in both languages, most of them behind the search feeds.
    outlets = {(i.outlet, i.lang) for i in served}
    assert len({o for o, _ in outlets}) >= 15
    assert {lang for _, lang in outlets} == {"en", "es"}


def test_every_item_matches_its_story_issue_and_nothing_else(served) -> None:
    wrong = [
        (i.demo.story, i.title, i.issues)
        for i in served
        if i.issues != ((i.demo.issue,) if i.demo.issue else ())
    ]
    assert wrong == []
    # A story is one issue's: its items all carry the same intended issue.
    assert all(len({i.demo.issue for i in m}) == 1 for m in stories(served).values())


def test_items_are_in_their_feeds_language(served) -> None:
    feeds = {f.title: f.lang for f in load_demo_feeds()}
    assert [i.title for i in served if i.lang != feeds[i.feed]] == []


def test_search_feeds_name_the_real_outlet_as_google_news_does() -> None:
    feeds = [f for f in load_demo_feeds() if f.kind == "search"]
    assert {f.lang for f in feeds} == {"en", "es"}
    with DemoServer(feeds) as server:
        for feed in feeds:
            parsed = feedparser.parse(urllib.request.urlopen(server.url_for(feed.slug)).read())
            assert parsed.entries, feed.slug
            for entry in parsed.entries:
                source = entry.source
                assert source.href.endswith(".example/") and source.title
                assert entry.title.endswith(f" - {source.title}")
                title, outlet = split_outlet(entry.title, source.title)
                assert outlet == source.title and not title.endswith(outlet)


def test_history_spans_ten_days_and_each_poll_brings_a_few_items(served) -> None:
    first = [i for i in served if i.poll == 1]
    days = {(START - i.published).days for i in first}
    assert max(days) == 9 and len(days) >= 7  # sparklines have a shape
    assert all(START - timedelta(days=10) < i.published < START for i in first)
    later = Counter(i.poll for i in served if i.poll > 1)
    assert all(n <= 6 for n in later.values()) and all(later[p] >= 3 for p in (2, 3, 4)), later
    assert sorted(later) == list(range(2, 2 + len(later)))  # no idle polls in between
    # Arrivals are dated when they appear, and bring new stories as well as new outlets.
    assert all(i.published == START + (i.poll - 1) * POLL for i in served if i.poll > 1)
    grouped = stories(served)
    opened = {s for s, m in grouped.items() if min(i.poll for i in m) > 1}
    grown = {s for s, m in grouped.items() if {i.poll for i in m} - {1} and s not in opened}
    assert opened and len(grown) >= 5


def days(times: list[datetime], now: datetime) -> list[int]:
    """How many of `times` fall in each of the 8 24-hour windows up to `now`, oldest first."""
    daily = [0] * 8
    for t in times:
        ago = max(0, int(((now - t).total_seconds() - 1) // 86400))
        if ago < 8:
            daily[7 - ago] += 1
    return daily


def surge(items: list[Served], issue: str, now: datetime) -> tuple[bool, bool]:
    """(surging by items, surging by stories): the one rule, last day vs the week before."""
    mine = [i for i in items if i.demo.issue == issue and i.published <= now]
    day_ago = now - timedelta(days=1)
    last_day = [i for i in mine if i.published >= day_ago]
    by_items = is_surging(days([i.published for i in mine], now), len({i.feed for i in last_day}))
    grouped = stories(mine)
    first_seen = {s: min(i.published for i in m) for s, m in grouped.items()}
    new = [s for s, t in first_seen.items() if t >= day_ago]
    outlets = {i.outlet for s in new for i in grouped[s]}
    by_stories = is_surging(days(list(first_seen.values()), now), len(outlets))
    return by_items, by_stories


def test_tariffs_alone_surge_at_start_and_after_every_poll(served) -> None:
    last = max(i.published for i in served)
    for now in (START, last):
        surging = {issue: surge(served, issue, now) for issue in ISSUES}
        assert surging.pop("tariffs") == (True, True)
        assert all(s == (False, False) for s in surging.values()), surging


def test_grouping_keeps_the_intended_stories_apart(served) -> None:
    """briefer's grouping on the demo items: whatever it joins must mostly be one intended
    story (B-cubed precision). How much of each story it finds is the eval's business
    (bench/eval_stories.py); the data only promises the stories are distinct events."""
    items = [
        StoryItem(n, i.title, i.published, i.summary, i.outlet, i.lang)
        for n, i in enumerate(served)
    ]
    found: dict[object, list[str]] = defaultdict(list)
    for item, story in zip(served, group(items), strict=True):
        found[story].append(item.demo.story)
    precision = sum(
        Counter(members)[intended] / len(members)
        for members in found.values()
        for intended in members
    ) / len(served)
    assert precision >= 0.9


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ('feed = "mercados", hours = 1,', "no feed 'nowhere'"),
        ('feed = "mercados", hours = 1,', "either hours (history) or poll"),
        ('outlet = "Meridian Wire", hours = 3,', "needs an outlet exactly when"),
    ],
)
def test_a_bad_data_file_names_the_story_and_item(change: str, message: str) -> None:
    from importlib import resources

    text = resources.files("briefer.demo_data").joinpath("stories.toml").read_text("utf-8")
    assert change in text
    replacement = {
        "no feed 'nowhere'": 'feed = "nowhere", hours = 1,',
        "either hours (history) or poll": 'feed = "mercados", hours = 1, poll = 2,',
        "needs an outlet exactly when": "hours = 3,",
    }[message]
    with pytest.raises(ValueError) as error:
        load_demo_feeds(text.replace(change, replacement, 1))
    assert message in str(error.value) and "stories.toml: story '" in str(error.value)
    assert ", item " in str(error.value)
