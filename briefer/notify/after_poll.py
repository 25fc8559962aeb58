"""The step after each poll: which new matches to announce, when, and through which channel.

New matches -> drop the ones below the issue's minimum score and the items already
notified (persisted in the store, so restarts never repeat) -> one `Alert` per issue ->
the desktop, else the caller's `fallback` (the TUI's terminal escape and toast; the daemon
just logs). An item counts as notified only once one of them delivered it. In quiet hours
nothing is sent.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from enum import StrEnum
from typing import Protocol

from briefer.clock import utcnow
from briefer.config import Config, NotifySettings
from briefer.models import NewMatch, StoryMember, StoryRow
from briefer.notify.alerts import AWAY, NEW, SPREADING, Alert, StoryNews, away_alert, build_alerts
from briefer.notify.desktop import DesktopNotifications
from briefer.watchlist import IssueLike

log = logging.getLogger(__name__)

HELD_KEY = "notify.held_since"  # meta: when quiet hours first held a story back
HELD_SLACK = timedelta(hours=36)  # stories published this long before then still count
# An item published longer ago than this is a feed's archive (a first poll, a newly added
# feed, an old page a site touched), not news: the app and the digest show it, a
# notification does not announce it ("146 new stories" of which most are years old).
NEWS_MAX_AGE = timedelta(days=7)


class StoryLedger(Protocol):
    """What notify needs from the store (briefer.store.Store fits): the story_notices
    ledger, a story's members (to count its outlets), an issue's stories and meta keys."""

    def unnotified_stories(
        self, pairs: Iterable[tuple[int, str]], kind: str = "new"
    ) -> set[tuple[int, str]]: ...

    def mark_stories_notified(
        self, pairs: Iterable[tuple[int, str]], kind: str = "new", *, now: datetime | None = None
    ) -> None: ...

    def story_members(self, story_id: int, issue_id: str | None = None) -> list[StoryMember]: ...

    def stories(
        self,
        issue_id: str,
        *,
        order: str = "best",
        starred_only: bool = False,
        unread_only: bool = False,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int | None = None,
        now: datetime | None = None,
    ) -> list[StoryRow]: ...

    def get_meta(self, key: str) -> str | None: ...

    def set_meta(self, key: str, value: str) -> None: ...


class Channel(StrEnum):
    """How a notification reaches the user."""

    DESKTOP = "desktop"  # the platform's notification service
    TERMINAL = "terminal"  # the terminal's notification escape (and the bell), in the TUI
    LOG = "log"  # nowhere visible: the daemon's log only


Fallback = Callable[[Alert], bool | Awaitable[bool]]


def in_quiet_hours(quiet: tuple[clock_time, clock_time] | None, now: datetime) -> bool:
    """Whether `now` (converted to local time) falls in the quiet window; it may wrap midnight."""
    if quiet is None:
        return False
    start, end = quiet
    if start == end:
        return False
    local = now.astimezone().time().replace(tzinfo=None)
    if start < end:
        return start <= local < end
    return local >= start or local < end


def eligible(matches: Sequence[NewMatch], settings: NotifySettings) -> tuple[list[NewMatch], int]:
    """The matches scoring at least their issue's minimum, and how many fell short."""
    keep = [m for m in matches if m.score >= settings.min_score_for(m.issue_id)]
    return keep, len(matches) - len(keep)


def outlet_count(store: StoryLedger, story_id: int, issue_id: str) -> int:
    """Distinct outlets (else feeds) among the story's items matched to the issue."""
    return len({m.outlet for m in store.story_members(story_id, issue_id) if m.match})


def _news(
    store: StoryLedger,
    matches: Sequence[NewMatch],
    settings: NotifySettings,
    poll: Sequence[NewMatch],
) -> tuple[list[StoryNews], int]:
    """What this poll's matches say: stories new on an issue, and stories that just reached
    `spreading_outlets`. Copies of a story already announced for the issue say nothing;
    returns the news and how many (story, issue) pairs were such copies."""
    best: dict[tuple[int, str], NewMatch] = {}
    for m in matches:
        key = (m.story_id, m.issue_id)
        if key not in best or m.score > best[key].score:
            best[key] = m
    fresh = store.unnotified_stories(best, NEW)
    unspread = store.unnotified_stories(best, SPREADING)
    # A story whose first item came in this poll has all its items in it too: count its
    # outlets here rather than ask the store once a story (a first poll brings hundreds).
    born = {m.item_id for m in poll}
    in_poll: dict[tuple[int, str], set[str]] = {}
    for m in poll:
        in_poll.setdefault((m.story_id, m.issue_id), set()).add(m.outlet or m.feed_title)
    news = []
    for (story_id, issue_id), m in best.items():
        is_new = (story_id, issue_id) in fresh
        if not is_new and (story_id, issue_id) not in unspread:
            continue  # announced, and announced as spreading: nothing more to say
        if story_id in born:
            outlets = len(in_poll[(story_id, issue_id)])
        else:
            outlets = max(1, outlet_count(store, story_id, issue_id))
        if not is_new and outlets < settings.spreading_outlets:
            continue  # a copy of a story already announced
        news.append(
            StoryNews(
                story_id=story_id,
                issue_id=issue_id,
                kind=NEW if is_new else SPREADING,
                headline=m.title,
                outlet=m.outlet or m.feed_title,
                outlets=outlets,
                link=m.link,
                score=m.score,
                published=m.published,
                item_id=m.item_id,
                wide=outlets >= settings.spreading_outlets,
            )
        )
    copies = len(best) - len(fresh)
    return news, copies


def _outlet_of(store: StoryLedger, row: StoryRow) -> str:
    """The outlet (else the feed) that carried the story's headline."""
    for member in store.story_members(row.story_id, row.issue_id):
        if member.item.id == row.headline_item_id:
            return member.outlet
    return ""


def _held_since(store: StoryLedger) -> datetime | None:
    text = store.get_meta(HELD_KEY)
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None  # a damaged mark: nothing to sum up, rather than a crash
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _hold(store: StoryLedger, now: datetime) -> None:
    """Remember that quiet hours held something back (the first time only)."""
    if _held_since(store) is None:
        store.set_meta(HELD_KEY, now.astimezone(UTC).isoformat(timespec="seconds"))


def _held_news(
    store: StoryLedger,
    issues: Sequence[IssueLike],
    settings: NotifySettings,
    since: datetime,
    now: datetime,
    skip: set[tuple[int, str]],
) -> list[StoryNews]:
    """The stories held back since `since`: not announced, above the issue's minimum.

    Items published a little before quiet hours but fetched during them count too
    (HELD_SLACK), as they would have been announced had quiet hours not been on.
    """
    news = []
    for issue in issues:
        floor = settings.min_score_for(issue.id)
        rows = [
            r
            for r in store.stories(issue.id, order="best", since=since - HELD_SLACK, now=now)
            if r.score >= floor and (r.story_id, issue.id) not in skip
        ]
        waiting = store.unnotified_stories([(r.story_id, issue.id) for r in rows], NEW)
        news += [
            StoryNews(
                story_id=r.story_id,
                issue_id=issue.id,
                kind=NEW,
                headline=r.headline,
                outlet=_outlet_of(store, r),
                outlets=r.outlets,
                link=r.link,
                score=r.score,
                published=r.last_update,
                item_id=r.headline_item_id,
                wide=r.outlets >= settings.spreading_outlets,
            )
            for r in rows
            if (r.story_id, issue.id) in waiting
        ]
    return news


@dataclass(slots=True)
class NotifyResult:
    alerts: list[Alert] = field(default_factory=list)  # what there was to say this cycle
    delivered: list[Alert] = field(default_factory=list)  # what reached the user
    channel: Channel | None = None  # how the last delivered alert got there
    quiet: bool = False  # quiet hours held everything back
    disabled: bool = False  # [notify] enabled = false
    below_threshold: int = 0  # matches under their issue's min_score
    archive: int = 0  # matches to items published more than NEWS_MAX_AGE ago
    already_notified: int = 0  # copies: (story, issue) pairs announced before, now or earlier
    problem: str | None = None  # why the desktop was unavailable, if it was

    @property
    def undelivered(self) -> list[Alert]:
        return [a for a in self.alerts if a not in self.delivered]

    def summary(self) -> str:
        if self.disabled:
            return "notifications are off ([notify] enabled = false)"
        n = self.archive
        archive = f"; {n} match{'es' * (n != 1)} older than a week not announced" if n else ""
        if not self.alerts:
            return "nothing to notify" + archive
        if self.quiet:
            return f"{len(self.alerts)} notifications held back: quiet hours"
        text = f"{len(self.delivered)} of {len(self.alerts)} notifications sent"
        if self.channel:
            text += f" ({self.channel})"
        if self.problem and len(self.delivered) < len(self.alerts):
            text += f"; desktop unavailable: {self.problem}"
        return text + archive


async def notify_new_matches(
    config: Config,
    store: StoryLedger,
    issues: Sequence[IssueLike],
    new: Sequence[NewMatch],
    *,
    now: datetime | None = None,
    desktop: DesktopNotifications | None = None,
    fallback: Fallback | None = None,
) -> NotifyResult:
    """Notify the user of a poll's new stories; returns what was said and how.

    Call it after every poll, even one with nothing new: the first call after quiet hours
    sums up what they held back ("While you were away: ..."), once.

    Pass a long-lived `desktop` from an app or daemon (clicks need it alive); without one, a
    throwaway is used (fine for `briefer poll --once`). `fallback` is tried for each alert
    the desktop did not take; return True when it reached the user (the TUI's terminal
    escape and toast), False when it did not (a log line).
    """
    settings = config.notify
    now = now or utcnow()
    result = NotifyResult()
    if not settings.enabled:
        result.disabled = bool(new)
        return result
    keep, result.below_threshold = eligible(new, settings)
    recent = [m for m in keep if m.published >= now - NEWS_MAX_AGE]
    result.archive, keep = len(keep) - len(recent), recent
    news, result.already_notified = _news(store, keep, settings, new) if keep else ([], 0)
    titles = {issue.id: issue.title for issue in issues}
    if in_quiet_hours(settings.quiet_hours, now):
        if news:
            _hold(store, now)
            result.alerts = build_alerts(news, titles)
            result.quiet = True
            log.info("quiet hours: %d notifications held back", len(result.alerts))
        return result

    held_since = _held_since(store)
    if held_since is not None:
        told_now = {(n.story_id, n.issue_id) for n in news if n.kind == NEW}
        held = _held_news(store, issues, settings, held_since, now, told_now)
        if held:
            result.alerts.append(away_alert(held, titles))
        else:
            store.set_meta(HELD_KEY, "")  # everything held was announced some other way
    result.alerts += build_alerts(news, titles)
    if not result.alerts:
        return result

    own = desktop is None
    channel = desktop or DesktopNotifications()
    try:
        for alert in result.alerts:
            via = await deliver(alert, channel, fallback)
            if via is None:
                continue
            result.delivered.append(alert)
            result.channel = via
            _record(store, alert, now)
        result.problem = channel.problem
    finally:
        if own:
            channel.close()
    return result


def _record(store: StoryLedger, alert: Alert, now: datetime) -> None:
    """Write a delivered alert's stories to the ledger, so none is announced again."""
    for kind in (NEW, SPREADING):
        pairs = [(story, issue) for story, issue, k in alert.notices if k == kind]
        if pairs:
            store.mark_stories_notified(pairs, kind, now=now)
    if alert.issue_id == AWAY:
        store.set_meta(HELD_KEY, "")


async def deliver(
    alert: Alert, desktop: DesktopNotifications, fallback: Fallback | None
) -> Channel | None:
    """The desktop first, then `fallback`; None (and a log line) when neither reached anyone."""
    if await desktop.send(alert):
        return Channel.DESKTOP
    if fallback is not None:
        try:
            outcome = fallback(alert)
            if not isinstance(outcome, bool):
                outcome = await outcome
        except Exception:
            log.exception("notification fallback failed")
            outcome = False
        if outcome:
            return Channel.TERMINAL
    log.info("not delivered: %s: %s", alert.title, alert.body.replace("\n", " | "))
    return None
