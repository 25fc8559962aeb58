"""Ages in the item and feeds screens read as English at any distance."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from briefer.store import ItemRow
from briefer.tui.screens.feeds import when
from briefer.tui.text import ago
from briefer.tui.widgets.item_detail import item_meta

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def row(published: datetime) -> ItemRow:
    return ItemRow(
        id=1,
        title="T",
        summary="",
        link=None,
        published=published,
        feed_title="Wire",
        feed_url="https://wire.example/rss",
        read=False,
        starred=False,
    )


def test_ago_is_relative_or_nothing() -> None:
    assert ago(NOW - timedelta(seconds=5), NOW) == "just now"
    assert ago(NOW - timedelta(hours=3), NOW) == "3h ago"
    assert ago(NOW - timedelta(days=59), NOW) == "59d ago"
    assert ago(NOW - timedelta(days=366), NOW) is None


def test_an_old_item_shows_its_date_once_and_no_date_ago() -> None:
    old = datetime(2025, 11, 22, 9, 30, tzinfo=UTC)
    meta = item_meta(row(old), NOW).plain
    assert "ago" not in meta
    assert meta.count("2025-11-22") == 1
    assert "3h ago" in item_meta(row(NOW - timedelta(hours=3)), NOW).plain


def test_a_feed_polled_long_ago_says_on_its_date() -> None:
    assert when(datetime(2025, 11, 22, tzinfo=UTC), NOW).plain == "on 2025-11-22"
    assert when(NOW - timedelta(minutes=5), NOW).plain == "5m ago"
