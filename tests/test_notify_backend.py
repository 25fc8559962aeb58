"""briefer.notify.backend on a real D-Bus session bus: what desktop-notifier leaves to us.

If a desktop-notifier upgrade renames what the adapter reaches into, these fail first.
"""

from __future__ import annotations

import asyncio

import pytest
from desktop_notifier import DesktopNotifier

from briefer.notify import backend
from tests import dbus_fixtures
from tests.dbus_fixtures import FakeNotifyd

session_bus = dbus_fixtures.session_bus
fake_notifyd = dbus_fixtures.fake_notifyd


async def connections() -> set[str]:
    """The unique names on the bus (one per connection), seen from a connection of our own."""
    from dbus_fast.aio import MessageBus

    bus = await MessageBus().connect()
    try:
        introspection = await bus.introspect("org.freedesktop.DBus", "/org/freedesktop/DBus")
        proxy = bus.get_proxy_object("org.freedesktop.DBus", "/org/freedesktop/DBus", introspection)
        names = await proxy.get_interface("org.freedesktop.DBus").call_list_names()  # type: ignore[attr-defined]
        return {n for n in names if n.startswith(":") and n != bus.unique_name}
    finally:
        bus.disconnect()


async def settle(expected: set[str]) -> set[str]:
    """The bus drops a closed connection's name asynchronously: wait until it has."""
    for _ in range(100):
        now = await connections()
        if now == expected:
            return now
        await asyncio.sleep(0.05)
    return await connections()


async def test_a_failed_probe_leaves_a_connection_that_close_connection_drops(
    session_bus: str,
) -> None:
    before = await connections()
    notifier = DesktopNotifier(app_name="briefer", app_icon=None)
    with pytest.raises(Exception, match=r"org\.freedesktop\.Notifications"):
        await notifier.get_capabilities()  # nobody owns the name: the probe fails
    leaked = await connections()
    assert len(leaked - before) == 1  # desktop-notifier kept its connection open
    backend.close_connection(notifier)
    assert await settle(before) == before


async def test_close_connection_after_sending(fake_notifyd: FakeNotifyd) -> None:
    before = await connections()
    notifier = DesktopNotifier(app_name="briefer", app_icon=None)
    await notifier.send("title", "body")
    assert [c["summary"] for c in fake_notifyd.calls()] == ["title"]
    assert len(await connections() - before) == 1
    backend.close_connection(notifier)
    assert await settle(before) == before


def test_close_connection_before_any_connection_is_harmless() -> None:
    backend.close_connection(DesktopNotifier(app_name="briefer", app_icon=None))


def test_linux_has_a_real_backend() -> None:
    assert backend.backend_problem() is None
