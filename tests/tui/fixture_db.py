"""A small, fixed briefing: five issues, matched items of every kind, hostile titles, a failing
feed, and stories: one carried by three outlets in English and Spanish, one that grew after it
was read. Built through the store's own write path at a fixed clock, so snapshots never drift.

Which items share a story is fixed here (FixtureStories), not left to the grouping method,
which improves over time: these tests are about how the app shows stories."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path

from briefer.baseline import baselines, load_seeds
from briefer.config import Paths, load_config
from briefer.match import language
from briefer.models import FetchResult, FetchStatus, Match, ParsedFeed
from briefer.resources import default_seeds
from briefer.store import Store
from briefer.stories import StoryIndex, StoryItem
from briefer.tui.briefing import Services
from tests.factory import FIXED_NOW, hit, item


@dataclass(frozen=True)
class FixtureIssue:
    id: str
    title: str
    description: str
    threshold: float = 60.0
    version: str = "1"


ISSUES = [
    FixtureIssue("border", "Border and migration", "Crossings, enforcement and deportations."),
    FixtureIssue("fentanyl", "Fentanyl and cartels", "Synthetic drugs, precursors, cartels."),
    FixtureIssue("tariffs", "Tariffs and trade", "US tariffs on Mexico and Mexico's answers."),
    FixtureIssue("judicial_reform", "Judicial reform", "Mexico's elected judiciary."),
    FixtureIssue("usmca_2026", "USMCA 2026 review", "The joint review of the trade pact."),
]

HOSTILE_TITLES = [
    "[@click=app.quit]x[/] cartel border tunnel found",
    "[link=file:///etc/passwd]y[/link] fentanyl seizure at Nogales",
    "[bold red]URGENT[/] tariff \x1b[31mred\x1b[0m alert",
]

FEED_NEWS = "https://news.fixture.example/rss"
FEED_WIRE = "https://wire.fixture.example/feed"
FEED_BROKEN = "https://broken.fixture.example/rss"

CONFIG = f"""
[poll]
interval_minutes = 30

[[feeds]]
url = "{FEED_NEWS}"
title = "Fixture News"

[[feeds]]
url = "{FEED_WIRE}"
title = "Fixture Wire"

[[feeds]]
url = "{FEED_BROKEN}"
title = "Broken Feed"
"""


def _m(issue: str, score: float, title: str, *terms: str) -> Match:
    return Match(issue_id=issue, score=score, hits=tuple(hit(t, title) for t in terms))


COMMENT = {
    "en": "Officials on both sides of the border commented on the report.",
    "es": "Funcionarios de ambos lados de la frontera comentaron el informe.",
}


def _entries(prefix: str, rows: list[tuple]):
    """Rows: (title, hours ago, matches) and optionally the outlet (for an aggregator)."""
    entries = []
    for n, (title, hours, matches, *outlet) in enumerate(rows):
        published = FIXED_NOW - timedelta(hours=hours)
        entry = item(
            f"{prefix}-{n}",
            title,
            summary=f"{title}. {COMMENT[language(title) or 'en']}",
            published=published,
        )
        if outlet:
            entry = replace(entry, outlet=outlet[0])
        entries.append((entry, [_m(i, s, title, *t) for i, s, t in matches]))
    return entries


CROSSINGS = [
    "Border Patrol reports drop in crossings at Ciudad Juárez",
    "Cruces en Ciudad Juárez bajan, reporta la Patrulla Fronteriza",
    "Crossings fall at Ciudad Juárez, Border Patrol says",
]
SINALOA = [
    "Cartel fentanyl labs dismantled in Sinaloa raid",
    "Sinaloa raid on fentanyl labs: army reports arrests",
    "Troops dismantle more fentanyl labs in Sinaloa",
]
STORY_OF = {title: "crossings" for title in CROSSINGS} | {title: "sinaloa" for title in SINALOA}


class FixtureStories(StoryIndex):
    """Groups the fixture's items as STORY_OF says; every other item is a story of one."""

    def __init__(self) -> None:
        super().__init__()
        self.first: dict[str, int] = {}

    def add(self, item: StoryItem, story: object = None, found: object = None) -> object:
        label = STORY_OF.get(item.title)
        if label is None:
            return item.id
        return self.first.setdefault(label, int(item.id))  # type: ignore[arg-type]


NEWS = [
    (
        "Border Patrol reports drop in crossings at Ciudad Juárez",
        2,
        [("border", 91, ("Border Patrol", "crossings"))],
    ),
    (
        "Cartel fentanyl labs dismantled in Sinaloa raid",
        3,
        [("fentanyl", 88, ("fentanyl", "Cartel"))],
    ),
    (
        "Aranceles al acero: México responde a Washington",
        5,
        [("tariffs", 84, ("Aranceles", "acero"))],
    ),
    (
        "Senado aprueba cambios a la reforma judicial",
        7,
        [("judicial_reform", 86, ("reforma judicial",))],
    ),
    (
        "USMCA review: negotiators meet in Ottawa",
        9,
        [("usmca_2026", 90, ("USMCA review",)), ("tariffs", 55, ("negotiators",))],
    ),
    (HOSTILE_TITLES[0], 4, [("border", 70, ("border tunnel",)), ("fentanyl", 62, ("cartel",))]),
    (CROSSINGS[2], 5, [("border", 80, ("Border Patrol", "Crossings"))], "Border Times"),
    (SINALOA[2], 1, [("fentanyl", 81, ("fentanyl",))], "Norte Diario"),
    (HOSTILE_TITLES[1], 6, [("fentanyl", 80, ("fentanyl seizure",))]),
    (HOSTILE_TITLES[2], 8, [("tariffs", 66, ("tariff",))]),
    ("Local weather: heat wave expected in Monterrey", 1, []),
]

WIRE = [
    (CROSSINGS[1], 3, [("border", 84, ("Patrulla Fronteriza", "Cruces"))]),
    (SINALOA[1], 26, [("fentanyl", 76, ("fentanyl",))]),
    (
        "Migrants wait at the border as asylum rules tighten",
        10,
        [("border", 78, ("border", "asylum"))],
    ),
    ("Deportation flights to Mexico rise, officials say", 20, [("border", 74, ("Deportation",))]),
    (
        "Fentanyl precursor shipments seized at Manzanillo port",
        30,
        [("fentanyl", 83, ("Fentanyl precursor",))],
    ),
    ("Steel tariffs hit Mexican exporters", 50, [("tariffs", 79, ("Steel tariffs",))]),
    (
        "Supreme Court candidates campaign ahead of judicial vote",
        26 * 3,
        [("judicial_reform", 71, ("judicial vote",))],
    ),
    (
        "Auto rules of origin at stake in USMCA talks",
        24 * 12,
        [("usmca_2026", 82, ("USMCA", "rules of origin"))],
    ),
]


def _add_feed(store: Store, url: str, title: str, entries: list, stories: StoryIndex) -> None:
    store.record_poll(
        url,
        FetchResult(url=url, status=FetchStatus.OK, http_status=200),
        ParsedFeed(title=title, link=None, items=[entry for entry, _ in entries]),
        [list(found) for _, found in entries],
        next_due=FIXED_NOW + timedelta(minutes=30),
        now=FIXED_NOW,
        stories=stories,
    )


def build_fixture_db(db: Path) -> None:
    stories = FixtureStories()
    with Store(db) as store:
        store.sync_feeds([(FEED_NEWS, "Fixture News"), (FEED_WIRE, "Fixture Wire")])
        _add_feed(store, FEED_NEWS, "Fixture News", _entries("news", NEWS), stories)
        _add_feed(store, FEED_WIRE, "Fixture Wire", _entries("wire", WIRE), stories)
        store.record_poll(
            FEED_BROKEN,
            FetchResult(FEED_BROKEN, FetchStatus.ERROR, error="could not connect (refused)"),
            None,
            None,
            next_due=FIXED_NOW + timedelta(minutes=15),
            now=FIXED_NOW - timedelta(minutes=5),
        )
        # Some state: the oldest border item read, a fentanyl item starred, and the Sinaloa
        # story read when it had one item (two have joined it since).
        border = store.matches("border", order="newest")
        store.set_read(border[-1].item.id)
        store.set_starred(store.matches("fentanyl", order="newest")[-1].item.id)
        read_before = next(m for m in store.matches("fentanyl") if m.item.title == SINALOA[1])
        store.set_read(read_before.item.id)


def fixture_services(home: Path) -> Services:
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text(CONFIG, encoding="utf-8")
    paths = Paths.resolve(env={"BRIEFER_HOME": str(home)})
    config = load_config(paths)
    notes = baselines(load_seeds([default_seeds()]), [i.id for i in ISSUES])
    build_fixture_db(paths.db)
    return Services(
        config=config,
        issues=ISSUES,
        baselines={key: value.markdown for key, value in notes.items()},
        db_path=paths.db,
        matcher_factory=_bundled_matcher,
        now=lambda: FIXED_NOW,
    )


def _bundled_matcher():
    # Displayed issues are fixed above (snapshots must not follow watchlist edits); matching
    # a polled feed uses the real bundled watchlists.
    from briefer.match import Matcher
    from briefer.resources import default_watchlists
    from briefer.watchlist import load_issues

    return Matcher(load_issues([default_watchlists()]))


UNMATCHED = "Juárez bridge traffic slows as inspections grow"
MANY_TERMS = "Patrulla Fronteriza y DEA: crimen organizado y cartel en Ciudad Juárez"
LONG_OUTLET = "Servicio Universal de Noticias"


def add_to_crossings(services: Services) -> None:
    """Two more items of the crossings story, added after the snapshots' fixture: one from
    an outlet with a long name that matched no issue, one matched on many terms."""
    rows = [
        (UNMATCHED, 1, [], LONG_OUTLET),
        (MANY_TERMS, 2, [("border", 70, ("Patrulla Fronteriza", "crimen organizado", "DEA",
                                          "cartel"))]),
    ]  # fmt: skip
    with Store(services.db_path) as store:
        story = next(s for s in store.stories("border") if s.headline == CROSSINGS[0])
        _add_feed(store, "https://other.example/rss", "Other", _entries("o", rows), StoryIndex())
        for title, *_ in rows:
            store.conn.execute(
                "UPDATE items SET story_id = ? WHERE title = ?", (story.story_id, title)
            )
        store.conn.commit()
