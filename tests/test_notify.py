"""Notifications: coalescing and formatting (pure), then delivery on a real D-Bus session bus.

The bus tests run a private dbus-daemon and a recording org.freedesktop.Notifications
server in another process (tests/dbus_fixtures.py) and assert on the Notify calls it got.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from briefer.config import Config, NotifySettings, Paths, load_config
from briefer.models import FetchResult, FetchStatus, Match, NewMatch, ParsedFeed
from briefer.notify import (
    Alert,
    Channel,
    DesktopNotifications,
    StoryNews,
    TerminalProtocol,
    away_alert,
    build_alerts,
    in_quiet_hours,
    notify_new_matches,
    probe_channel,
    terminal_escape,
    terminal_fallback,
    terminal_protocol,
)
from briefer.store import Store
from briefer.stories import StoryIndex
from tests import dbus_fixtures
from tests.dbus_fixtures import FakeNotifyd
from tests.factory import FIXED_NOW, add_feed, hit, item

FEED = "http://127.0.0.1:1/feed.xml"
session_bus = dbus_fixtures.session_bus
fake_notifyd = dbus_fixtures.fake_notifyd


@dataclass(frozen=True)
class Issue:
    id: str
    title: str
    threshold: float = 60.0


ISSUES = [Issue("fentanyl", "Fentanyl"), Issue("tariffs", "Tariffs"), Issue("border", "Border")]


def make_config(tmp_path: Path, **notify: object) -> Config:
    config = load_config(Paths.resolve(env={"BRIEFER_HOME": str(tmp_path)}))
    settings = dataclasses.replace(
        NotifySettings(),
        **{"quiet_hours": None, **notify},  # type: ignore[arg-type]
    )
    return dataclasses.replace(config, notify=settings)


def news(
    story: int, issue: str, score: float, headline: str, *, kind: str = "new", **kw: object
) -> StoryNews:
    return StoryNews(
        story_id=story,
        issue_id=issue,
        kind=kind,
        headline=headline,
        outlet=str(kw.get("outlet", "Reuters")),
        outlets=int(kw.get("outlets", 1)),  # type: ignore[call-overload]
        link=kw.get("link", f"https://example.com/{story}"),  # type: ignore[arg-type]
        score=score,
        published=FIXED_NOW,
        item_id=int(kw.get("item_id", story)),  # type: ignore[call-overload]
    )


def store_matches(store: Store, rows: list[tuple[str, str, float]]) -> list[NewMatch]:
    """Store items through the store's own write path; returns the NewMatches it reports."""
    entries = []
    for n, (title, issue, score) in enumerate(rows):
        entries.append(
            (
                item(f"g{n}", title, link=f"https://example.com/{n}"),
                [Match(issue, score, (hit(title.split()[0], title),))],
            )
        )
    return add_feed(store, FEED, entries, title="Wire & Co")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "briefer.db") as s:
        yield s


# -- pure ------------------------------------------------------------------------------------------


def test_alerts_coalesce_per_issue_best_covered_first() -> None:
    stories = [news(i, "tariffs", 80 + i, f"Tariff story {i}", outlets=1) for i in range(5)]
    stories.append(news(10, "fentanyl", 95, "Fentanyl seizure at Nogales", outlet="CBP"))
    stories.append(news(11, "tariffs", 70, "Tariff truce", outlet="El País", outlets=4))
    alerts = build_alerts(stories, {"tariffs": "Tariffs", "fentanyl": "Fentanyl"})
    assert [a.title for a in alerts] == ["New on Fentanyl", "6 new stories on Tariffs"]
    assert alerts[0].body == "Fentanyl seizure at Nogales — CBP"
    assert alerts[1].lines == (
        "Tariff truce — El País +3 outlets",  # most outlets first, then score
        "Tariff story 4 — Reuters",
        "Tariff story 3 — Reuters",
        "+3 more",
    )
    assert alerts[1].item_ids == (11, 4, 3, 2, 1, 0)
    assert alerts[1].link == "https://example.com/11"
    assert (11, "tariffs", "new") in alerts[1].notices


def test_a_story_on_two_issues_is_announced_once_and_recorded_for_both() -> None:
    alerts = build_alerts(
        [news(1, "border", 75, "Border, fentanyl"), news(1, "fentanyl", 90, "Border, fentanyl")],
        {},
    )
    assert [(a.issue_id, a.item_ids) for a in alerts] == [("fentanyl", (1,))]
    assert set(alerts[0].notices) == {(1, "fentanyl", "new"), (1, "border", "new")}


def test_spreading_alerts_come_after_new_ones() -> None:
    alerts = build_alerts(
        [
            news(1, "tariffs", 99, "Tariffs doubled", kind="spreading", outlets=6),
            news(2, "tariffs", 70, "Tariff talks"),
        ],
        {"tariffs": "Tariffs"},
    )
    assert [a.title for a in alerts] == ["New on Tariffs", "Spreading on Tariffs"]
    assert alerts[1].body == "Tariffs doubled — now 6 outlets"
    assert alerts[1].notices == ((1, "tariffs", "spreading"),)


def test_a_new_story_already_wide_is_recorded_as_spreading_too() -> None:
    wide = dataclasses.replace(news(1, "tariffs", 90, "Tariffs doubled", outlets=7), wide=True)
    (alert,) = build_alerts([wide], {})
    assert set(alert.notices) == {(1, "tariffs", "new"), (1, "tariffs", "spreading")}


def test_away_alert_sums_up_per_issue() -> None:
    held = [news(i, "fentanyl", 80, f"Fentanyl {i}", outlets=i) for i in range(1, 5)]
    held += [news(7, "tariffs", 85, "Tariffs up"), news(8, "tariffs", 70, "Tariffs down")]
    alert = away_alert(held, {"fentanyl": "Fentanyl and cartels", "tariffs": "Tariffs"})
    assert alert.title == "While you were away"
    assert alert.lines[0] == "4 new stories on Fentanyl and cartels, 2 on Tariffs"
    assert alert.lines[1:] == (
        "Fentanyl 4 — Reuters +3 outlets",
        "Fentanyl 3 — Reuters +2 outlets",
        "Fentanyl 2 — Reuters +1 outlet",
        "+3 more",
    )
    assert len(alert.notices) == 6


def test_markup_is_escaped_and_control_characters_removed() -> None:
    (alert,) = build_alerts([news(1, "tariffs", 90, "Tariffs <b>25%</b> & more\x1b[31m")], {})
    assert "<" not in alert.markup_body and "&amp; more" in alert.markup_body
    assert "\x1b" not in alert.body
    (no_link,) = build_alerts([news(2, "tariffs", 90, "x", link="javascript:alert(1)")], {})
    assert no_link.link is None


def test_quiet_hours_wrap_midnight() -> None:
    local = datetime(2026, 11, 23, 23, 30).astimezone()
    night = (time(22, 0), time(7, 0))
    assert in_quiet_hours(night, local)
    assert in_quiet_hours(night, local.replace(hour=6, minute=59))
    assert not in_quiet_hours(night, local.replace(hour=7, minute=0))
    assert in_quiet_hours((time(9, 0), time(17, 0)), local.replace(hour=12))
    assert not in_quiet_hours((time(9, 0), time(17, 0)), local)
    assert not in_quiet_hours(None, local)


def test_terminal_protocol_and_escapes() -> None:
    assert terminal_protocol({"TERM_PROGRAM": "iTerm.app"}) is TerminalProtocol.OSC9
    assert terminal_protocol({"TERM_PROGRAM": "WezTerm"}) is TerminalProtocol.OSC777
    assert terminal_protocol({"TERM": "xterm-kitty"}) is TerminalProtocol.OSC99
    assert terminal_protocol({"TERM": "foot"}) is TerminalProtocol.OSC777
    assert terminal_protocol({"WT_SESSION": "x"}) is TerminalProtocol.BELL
    assert terminal_protocol({"TERM": "xterm-256color"}) is TerminalProtocol.BELL
    env = {"TERM_PROGRAM": "iTerm.app"}
    assert terminal_escape("New on Fentanyl", "Seizure\x07 at Nogales", env=env) == (
        "\x1b]9;New on Fentanyl: Seizure at Nogales\x07\a"
    )
    wez = terminal_escape("a;b", "c;d", env={"TERM_PROGRAM": "WezTerm"}, bell=False)
    assert wez == "\x1b]777;notify;a,b;c,d\x07"
    tmux = terminal_escape("t", "b", env={"TERM_PROGRAM": "iTerm.app", "TMUX": "/tmp/x"})
    assert tmux == "\x1bPtmux;\x1b\x1b]9;t: b\x07\x1b\\\a"
    assert terminal_escape("t", "b", env={}) == "\a"


def test_terminal_fallback_writes_the_escape_and_toasts() -> None:
    written: list[str] = []
    toasts: list[tuple[str, str]] = []
    deliver = terminal_fallback(
        written.append, toast=lambda t, b: toasts.append((t, b)), env={"TERM_PROGRAM": "WezTerm"}
    )
    (alert,) = build_alerts([news(1, "tariffs", 90, "Tariff truce")], {"tariffs": "Tariffs"})
    assert deliver(alert) is True
    assert written == ["\x1b]777;notify;New on Tariffs;Tariff truce — Reuters\x07\a"]
    assert toasts == [("New on Tariffs", "Tariff truce — Reuters")]


# -- on a real session bus -----------------------------------------------------------------------


async def test_new_matches_send_coalesced_notifications_once(
    tmp_path: Path, store: Store, fake_notifyd: FakeNotifyd
) -> None:
    config = make_config(tmp_path, min_score=70.0)
    new = store_matches(
        store,
        [
            ("Fentanyl seizure <record> at Nogales", "fentanyl", 92.0),
            ("Tariffs on steel & aluminium", "tariffs", 88.0),
            ("Tariff truce extended", "tariffs", 81.0),
            ("Tariff talk, weakly related", "tariffs", 40.0),  # below the minimum score
        ],
    )
    assert len(new) == 4
    desktop = DesktopNotifications()
    try:
        result = await notify_new_matches(
            config, store, ISSUES, new, desktop=desktop, now=FIXED_NOW
        )
    finally:
        desktop.close()
    assert result.channel is Channel.DESKTOP
    assert result.below_threshold == 1
    assert len(result.delivered) == 2
    calls = fake_notifyd.calls()
    assert [(c["app_name"], c["summary"]) for c in calls] == [
        ("briefer", "New on Fentanyl"),
        ("briefer", "2 new stories on Tariffs"),
    ]
    assert calls[0]["body"] == "Fentanyl seizure &lt;record&gt; at Nogales — Wire &amp; Co"
    assert calls[1]["body"] == (
        "Tariffs on steel &amp; aluminium — Wire &amp; Co\nTariff truce extended — Wire &amp; Co"
    )
    assert calls[0]["app_icon"] == ""  # never desktop-notifier's default Python logo
    assert "default" in calls[0]["actions"]  # clicking opens the item

    # The same matches again (a second poll reporting them): nothing new is said.
    again = await notify_new_matches(config, store, ISSUES, new, now=FIXED_NOW)
    assert again.already_notified == 3 and not again.delivered
    # A restart: a new store connection and a new notifier, the same database.
    with Store(tmp_path / "briefer.db") as reopened:
        after_restart = await notify_new_matches(config, reopened, ISSUES, new, now=FIXED_NOW)
    assert not after_restart.delivered
    assert len(fake_notifyd.calls()) == 2
    # the below-threshold story was never marked, the rest were
    pairs = {(m.story_id, m.issue_id) for m in new}
    assert store.unnotified_stories(pairs) == {(new[3].story_id, "tariffs")}


async def test_quiet_hours_suppress(
    tmp_path: Path, store: Store, fake_notifyd: FakeNotifyd
) -> None:
    local = FIXED_NOW.astimezone()
    start = (local - timedelta(hours=1)).time().replace(second=0, microsecond=0)
    end = (local + timedelta(hours=1)).time().replace(second=0, microsecond=0)
    config = make_config(tmp_path, quiet_hours=(start, end))
    new = store_matches(store, [("Fentanyl precursor ban", "fentanyl", 95.0)])
    result = await notify_new_matches(config, store, ISSUES, new, now=FIXED_NOW)
    assert result.quiet and not result.delivered
    assert fake_notifyd.calls() == []
    # outside the window the same config lets it through
    later = FIXED_NOW + timedelta(hours=3)
    result = await notify_new_matches(config, store, ISSUES, new, now=later)
    assert len(result.delivered) == 1 and len(fake_notifyd.calls()) == 1


async def test_per_issue_minimum_score(
    tmp_path: Path, store: Store, fake_notifyd: FakeNotifyd
) -> None:
    config = make_config(tmp_path, min_score=50.0, issue_min_score={"tariffs": 90.0})
    new = store_matches(
        store,
        [("Tariffs threatened again", "tariffs", 85.0), ("Border wall funds", "border", 60.0)],
    )
    result = await notify_new_matches(config, store, ISSUES, new, now=FIXED_NOW)
    assert result.below_threshold == 1
    assert [c["summary"] for c in fake_notifyd.calls()] == ["New on Border"]


async def test_disabled_sends_nothing(
    tmp_path: Path, store: Store, fake_notifyd: FakeNotifyd
) -> None:
    config = make_config(tmp_path, enabled=False)
    new = store_matches(store, [("Fentanyl seizure", "fentanyl", 95.0)])
    result = await notify_new_matches(config, store, ISSUES, new, now=FIXED_NOW)
    assert result.disabled and fake_notifyd.calls() == []


async def test_click_opens_the_item(
    tmp_path: Path, store: Store, fake_notifyd: FakeNotifyd
) -> None:
    clicked: asyncio.Queue[Alert] = asyncio.Queue()
    desktop = DesktopNotifications(on_click=clicked.put_nowait)
    try:
        new = store_matches(store, [("Fentanyl lab dismantled in Sinaloa", "fentanyl", 95.0)])
        await notify_new_matches(
            make_config(tmp_path), store, ISSUES, new, desktop=desktop, now=FIXED_NOW
        )
        (call,) = fake_notifyd.calls()
        fake_notifyd.click(call["id"])  # the server emits ActionInvoked from its own process
        alert = await asyncio.wait_for(clicked.get(), 5)
        assert alert.link == "https://example.com/0"
    finally:
        desktop.close()


async def test_click_opens_the_link_in_the_browser_by_default(
    tmp_path: Path, store: Store, fake_notifyd: FakeNotifyd, monkeypatch: pytest.MonkeyPatch
) -> None:
    import briefer.notify.desktop

    opened: asyncio.Queue[str] = asyncio.Queue()
    loop = asyncio.get_running_loop()
    monkeypatch.setattr(
        briefer.notify.desktop.webbrowser,
        "open",
        lambda url: loop.call_soon_threadsafe(opened.put_nowait, url),
    )
    desktop = DesktopNotifications()
    try:
        new = store_matches(store, [("Tariff truce extended", "tariffs", 95.0)])
        await notify_new_matches(
            make_config(tmp_path), store, ISSUES, new, desktop=desktop, now=FIXED_NOW
        )
        (call,) = fake_notifyd.calls()
        fake_notifyd.click(call["id"])
        assert await asyncio.wait_for(opened.get(), 5) == "https://example.com/0"
    finally:
        desktop.close()


async def test_no_server_uses_the_fallback_and_does_not_keep_probing(
    tmp_path: Path, store: Store, session_bus: str
) -> None:
    ticks = [0.0]
    desktop = DesktopNotifications(clock=lambda: ticks[0], reprobe_seconds=600)
    probes = 0
    real_probe = desktop._probe

    async def counting_probe() -> bool:
        nonlocal probes
        probes += 1
        return await real_probe()

    desktop._probe = counting_probe  # type: ignore[method-assign]
    shown: list[Alert] = []

    def terminal(alert: Alert) -> bool:
        shown.append(alert)
        return True

    config = make_config(tmp_path)
    first = store_matches(store, [("Fentanyl seizure", "fentanyl", 95.0)])
    result = await notify_new_matches(
        config, store, ISSUES, first, desktop=desktop, fallback=terminal, now=FIXED_NOW
    )
    assert result.channel is Channel.TERMINAL and [a.title for a in shown] == ["New on Fentanyl"]
    assert result.problem and "notification server" in result.problem
    shown_pair = (first[0].story_id, "fentanyl")
    assert store.unnotified_stories([shown_pair]) == set()  # shown in the terminal: counts

    # Another cycle soon after: no second probe (each failed attempt leaks a bus connection).
    ticks[0] = 60.0
    more = add_feed(
        store,
        "http://127.0.0.1:1/other.xml",
        [(item("z", "Tariffs up"), [Match("tariffs", 90.0)])],
    )
    undelivered = await notify_new_matches(
        config, store, ISSUES, more, desktop=desktop, fallback=lambda a: False, now=FIXED_NOW
    )
    assert not undelivered.delivered and probes == 1
    not_shown = (more[0].story_id, "tariffs")
    assert store.unnotified_stories([not_shown]) == {not_shown}  # not shown: not marked
    ticks[0] = 700.0
    assert not await desktop.available()
    assert probes == 2


async def test_no_bus_at_all(tmp_path: Path, store: Store) -> None:
    new = store_matches(store, [("Fentanyl seizure", "fentanyl", 95.0)])
    result = await notify_new_matches(make_config(tmp_path), store, ISSUES, new, now=FIXED_NOW)
    assert not result.delivered
    assert result.problem == "no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set)"


async def test_probe_channel_sentences(fake_notifyd: FakeNotifyd) -> None:
    assert await probe_channel() == "desktop notifications work (D-Bus)."


async def test_probe_channel_without_service(monkeypatch: pytest.MonkeyPatch) -> None:
    text = await probe_channel(env={"TERM_PROGRAM": "WezTerm", "TMUX": "x"})
    assert text.startswith("desktop notifications unavailable (no D-Bus session bus")
    assert "OSC777" in text and "allow-passthrough" in text


# -- stories, not copies (real D-Bus) -----------------------------------------------------------


class Wire:
    """Outlets posting into one store the way a poll does: record_poll with one StoryIndex,
    so copies of a headline join its story. Each outlet is its own feed."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.index = StoryIndex()
        self.posted = 0

    def post(
        self, outlet: str, title: str, issue: str, score: float = 90.0, at: datetime = FIXED_NOW
    ) -> list[NewMatch]:
        self.posted += 1
        url = f"http://127.0.0.1:1/{outlet.lower().replace(' ', '-')}.xml"
        entry = item(f"{outlet}-{self.posted}", title, published=at)
        parsed = ParsedFeed(title=outlet, link=None, items=[entry])
        _, new = self.store.record_poll(
            url,
            FetchResult(url=url, status=FetchStatus.OK, http_status=200),
            parsed,
            [[Match(issue, score, (hit(title.split()[0], title),))]],
            next_due=at + timedelta(minutes=30),
            now=at,
            stories=self.index,
        )
        return new


TASK_FORCE = "Mexico and US agree on joint fentanyl task force"


async def test_copies_of_an_announced_story_are_silent(
    tmp_path: Path, store: Store, fake_notifyd: FakeNotifyd
) -> None:
    config = make_config(tmp_path)
    wire = Wire(store)
    first = wire.post("Reuters", TASK_FORCE, "fentanyl")
    said = await notify_new_matches(config, store, ISSUES, first, now=FIXED_NOW)
    assert [a.title for a in said.delivered] == ["New on Fentanyl"]
    for outlet in ("El País", "Milenio", "AP"):
        copy = wire.post(outlet, TASK_FORCE, "fentanyl")
        assert copy[0].story_id == first[0].story_id  # the same story
        said = await notify_new_matches(config, store, ISSUES, copy, now=FIXED_NOW)
        assert not said.alerts and said.already_notified == 1
    other = wire.post("AP", "Fentanyl precursor shipment seized in Manzanillo", "fentanyl")
    await notify_new_matches(config, store, ISSUES, other, now=FIXED_NOW)
    assert [c["summary"] for c in fake_notifyd.calls()] == ["New on Fentanyl", "New on Fentanyl"]
    assert [c["body"] for c in fake_notifyd.calls()] == [
        f"{TASK_FORCE} — Reuters",
        "Fentanyl precursor shipment seized in Manzanillo — AP",
    ]


async def test_a_story_spreading_past_the_threshold_is_announced_once(
    tmp_path: Path, store: Store, fake_notifyd: FakeNotifyd
) -> None:
    config = make_config(tmp_path, spreading_outlets=3)
    wire = Wire(store)
    for outlet in ("Reuters", "El País", "Milenio", "AP", "Infobae"):
        await notify_new_matches(
            config, store, ISSUES, wire.post(outlet, TASK_FORCE, "fentanyl"), now=FIXED_NOW
        )
    with Store(tmp_path / "briefer.db") as reopened:  # a restart says nothing more either
        again = wire.post("Proceso", TASK_FORCE, "fentanyl")
        assert not (await notify_new_matches(config, reopened, ISSUES, again, now=FIXED_NOW)).alerts
    calls = [(c["summary"], c["body"]) for c in fake_notifyd.calls()]
    assert calls == [
        ("New on Fentanyl", f"{TASK_FORCE} — Reuters"),
        ("Spreading on Fentanyl", f"{TASK_FORCE} — now 3 outlets"),
    ]


async def test_a_story_already_wide_when_new_does_not_spread_later(
    tmp_path: Path, store: Store, fake_notifyd: FakeNotifyd
) -> None:
    config = make_config(tmp_path, spreading_outlets=3)
    wire = Wire(store)
    burst = [m for o in ("Reuters", "El País", "AP") for m in wire.post(o, TASK_FORCE, "fentanyl")]
    await notify_new_matches(config, store, ISSUES, burst, now=FIXED_NOW)
    await notify_new_matches(
        config, store, ISSUES, wire.post("Milenio", TASK_FORCE, "fentanyl"), now=FIXED_NOW
    )
    calls = [(c["summary"], c["body"]) for c in fake_notifyd.calls()]
    assert calls == [("New on Fentanyl", f"{TASK_FORCE} — Reuters +2 outlets")]


async def test_quiet_hours_are_summed_up_once_when_they_end(
    tmp_path: Path, store: Store, fake_notifyd: FakeNotifyd
) -> None:
    from briefer.models import PollReport
    from briefer.scheduler import NotifyStep

    # The night was three hours ago; the scheduler's notify step runs now, on the clock.
    night_at = datetime.now(UTC) - timedelta(hours=3)
    local = night_at.astimezone()
    quiet = (
        (local - timedelta(hours=1)).time().replace(second=0, microsecond=0),
        (local + timedelta(hours=1)).time().replace(second=0, microsecond=0),
    )
    config = make_config(tmp_path, quiet_hours=quiet)
    wire = Wire(store)
    night = [
        ("Reuters", TASK_FORCE, "fentanyl"),
        ("El País", TASK_FORCE, "fentanyl"),  # a copy: still one story
        ("AP", "Fentanyl lab dismantled in Sinaloa", "fentanyl"),
        ("Milenio", "Fentanilo: decomisan 300 kilos en Sonora", "fentanyl"),
        ("Reuters", "Tariff truce extended to March", "tariffs"),
    ]
    for outlet, title, issue in night:
        new = wire.post(outlet, title, issue, at=night_at)
        said = await notify_new_matches(config, store, ISSUES, new, now=night_at)
        assert said.quiet or (said.already_notified and not said.delivered)
    assert fake_notifyd.calls() == []

    # The first poll after quiet hours has nothing new of its own: one summary all the same.
    step = NotifyStep(config, ISSUES)
    try:
        result = await step(PollReport())
        assert [a.title for a in result.delivered] == ["While you were away"]
        assert (await step(PollReport())).alerts == []  # the next poll: nothing more to say
    finally:
        step.close()
    (call,) = fake_notifyd.calls()
    assert call["summary"] == "While you were away"
    assert call["body"].splitlines() == [
        "3 new stories on Fentanyl, 1 on Tariffs",
        f"{TASK_FORCE} — Reuters +1 outlet",
        "Fentanyl lab dismantled in Sinaloa — AP",
        "Fentanilo: decomisan 300 kilos en Sonora — Milenio",
        "+1 more",
    ]
    # What the summary told is in the ledger: a later copy is silent.
    copy = wire.post("AP", "Tariff truce extended to March", "tariffs", at=night_at)
    assert not (await notify_new_matches(config, store, ISSUES, copy, now=FIXED_NOW)).alerts


# -- briefer notify ------------------------------------------------------------------------------


def _cli(tmp_path: Path, *args: str) -> tuple[int, str]:
    from click.testing import CliRunner

    from briefer.cli import main

    runner = CliRunner()
    result = runner.invoke(main, list(args), env={"BRIEFER_HOME": str(tmp_path)})
    return result.exit_code, result.output


def test_notify_test_sends_one(tmp_path: Path, fake_notifyd: FakeNotifyd) -> None:
    code, out = _cli(tmp_path, "notify", "--test")
    assert (code, out) == (0, "Sent a desktop notification.\n")
    (call,) = fake_notifyd.calls()
    assert (call["app_name"], call["summary"]) == ("briefer", "briefer: test notification")


def test_notify_test_without_a_service_fails(tmp_path: Path, session_bus: str) -> None:
    code, out = _cli(tmp_path, "notify", "--test")
    assert code == 1
    assert out.startswith("Desktop notifications unavailable: no notification server")


def test_notify_reports_the_channel(tmp_path: Path, fake_notifyd: FakeNotifyd) -> None:
    assert _cli(tmp_path, "notify") == (0, "Notifications: desktop notifications work (D-Bus).\n")


# -- the scheduler's poll -> notify path, end to end --------------------------------------------


async def test_scheduled_polls_notify_each_item_exactly_once(
    tmp_path: Path, httpserver: object, fake_notifyd: FakeNotifyd
) -> None:
    from pytest_httpserver import HTTPServer
    from werkzeug import Request, Response

    from briefer.config import FeedConfig
    from briefer.match import Matcher
    from briefer.scheduler import (
        BrieferScheduler,
        NotifyOptions,
        ScheduleSettings,
        TickOutcome,
        create_scheduler,
    )
    from briefer.watchlist import Issue as WatchIssue
    from tests.feeds import Entry, rss

    issues = [
        WatchIssue(
            "fentanyl", "Fentanyl", "", 80, "v1", tmp_path / "f.toml", phrases=("fentanyl",)
        ),
        WatchIssue("tariffs", "Tariffs", "", 80, "v1", tmp_path / "t.toml", phrases=("tariff",)),
    ]
    day = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)  # news, not archive
    entries = [
        Entry("Fentanyl seizure at Nogales", guid="1", link="https://n.example/1", published=day),
        Entry(
            "Fentanyl lab raided in Sinaloa",
            guid="2",
            link="https://n.example/2",
            published=day - timedelta(hours=1),
        ),
        Entry("New tariffs on <steel> & aluminium", guid="3", link="https://n.example/3"),
        Entry("Weather in Monterrey", guid="4", link="https://n.example/4"),
    ]
    server: HTTPServer = httpserver  # type: ignore[assignment]

    def feed(request: Request) -> Response:
        return Response(rss(entries, title="Wire"), content_type="application/rss+xml")

    server.expect_request("/feed.xml").respond_with_handler(feed)
    config = dataclasses.replace(
        make_config(tmp_path), feeds=(FeedConfig(server.url_for("/feed.xml")),)
    )

    def tomorrow() -> datetime:  # every feed is due at every tick
        return datetime.now(UTC) + timedelta(days=1)

    def scheduler() -> BrieferScheduler:
        return create_scheduler(
            config,
            issues,
            Matcher(issues),
            role="daemon",
            digest=False,
            settings=ScheduleSettings(clock=tomorrow),
            notify=NotifyOptions(),
        )

    sched = scheduler()
    assert await sched.tick() is TickOutcome.POLLED
    calls = [(c["summary"], c["body"]) for c in fake_notifyd.calls()]
    assert calls == [
        (
            "2 new stories on Fentanyl",
            "Fentanyl seizure at Nogales — Wire\nFentanyl lab raided in Sinaloa — Wire",
        ),
        ("New on Tariffs", "New tariffs on &lt;steel&gt; &amp; aluminium — Wire"),
    ]
    assert await sched.tick() is TickOutcome.POLLED
    assert len(fake_notifyd.calls()) == 2  # a second poll: nothing new, nothing said
    await sched.aclose()

    restarted = scheduler()
    assert await restarted.tick() is TickOutcome.POLLED
    assert len(fake_notifyd.calls()) == 2  # a restart: still nothing
    entries.append(Entry("Fentanyl precursor shipment stopped", guid="5"))
    assert await restarted.tick() is TickOutcome.POLLED
    assert [c["summary"] for c in fake_notifyd.calls()[2:]] == ["New on Fentanyl"]
    await restarted.aclose()


async def test_scheduled_digest_says_digest_ready_except_in_quiet_hours(
    tmp_path: Path, fake_notifyd: FakeNotifyd
) -> None:
    from briefer.scheduler import NotifyStep

    local = FIXED_NOW.astimezone()
    quiet = (
        (local - timedelta(hours=1)).time().replace(second=0, microsecond=0),
        (local + timedelta(hours=1)).time().replace(second=0, microsecond=0),
    )
    written = [tmp_path / "digests" / "2026-11-23.md", tmp_path / "digests" / "2026-11-23.html"]
    step = NotifyStep(make_config(tmp_path, quiet_hours=quiet), ISSUES)
    try:
        await step.announce_digest(written, now=FIXED_NOW)
        assert fake_notifyd.calls() == []  # quiet hours hold it back
        await step.announce_digest(written, now=FIXED_NOW + timedelta(hours=3))
    finally:
        step.close()
    [call] = fake_notifyd.calls()
    assert (call["app_name"], call["summary"]) == ("briefer", "Digest ready")
    assert call["body"] == "\n".join(str(p) for p in written)

    off = NotifyStep(make_config(tmp_path, enabled=False), ISSUES)
    try:
        await off.announce_digest(written, now=FIXED_NOW + timedelta(hours=3))
    finally:
        off.close()
    assert len(fake_notifyd.calls()) == 1


def test_a_feeds_archive_is_shown_but_not_announced(
    tmp_path: Path, httpserver: object, fake_notifyd: FakeNotifyd, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A first poll of a think tank's feed brings pages years old: the notification names
    this week's stories only, not "146 new stories" of which most are archive."""
    from pytest_httpserver import HTTPServer

    from tests.feeds import Entry, rss

    now = datetime.now(UTC).replace(microsecond=0)
    entries = [
        Entry("Fentanyl seizure at Nogales", guid="1", published=now - timedelta(hours=2)),
        Entry("Fentanyl lab raided in Sinaloa", guid="2", published=now - timedelta(days=6)),
        Entry("Fentanyl and the opium crisis", guid="3", published=now - timedelta(days=400)),
        Entry("Tariffs on Mexico in the 1990s", guid="4", published=now - timedelta(days=30)),
    ]
    server: HTTPServer = httpserver  # type: ignore[assignment]
    server.expect_request("/feed.xml").respond_with_data(
        rss(entries, title="Think tank"), content_type="application/rss+xml"
    )
    monkeypatch.setenv("BRIEFER_HOME", str(tmp_path))
    (tmp_path / "config.toml").write_text(
        f'[notify]\nquiet_hours = ""\n[[feeds]]\nurl = "{server.url_for("/feed.xml")}"\n'
    )
    from click.testing import CliRunner

    from briefer.cli import main

    result = CliRunner().invoke(main, ["poll", "--once"])
    assert result.exit_code == 0, result.output
    assert (
        "Notify: 1 of 1 notifications sent (desktop); 2 matches older than a week not announced."
        in (result.output)
    )
    assert [(c["summary"], c["body"]) for c in fake_notifyd.calls()] == [
        (
            "2 new stories on Fentanyl, cartels and security cooperation",
            "Fentanyl seizure at Nogales — Think tank\nFentanyl lab raided in Sinaloa — Think tank",
        )
    ]
    with Store(tmp_path / "briefer.db") as store:  # the archive is stored and shown
        assert len(store.matches("fentanyl")) == 3 and len(store.matches("tariffs")) == 1
