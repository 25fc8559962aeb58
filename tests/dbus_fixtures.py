# ruff: noqa: F821, F722
# mypy: disable-error-code="name-defined,valid-type"
"""A real D-Bus session bus with a recording notification server, for the notify tests.

`session_bus` starts a private dbus-daemon (no service activation, so an installed dunst is
never auto-started) and points DBUS_SESSION_BUS_ADDRESS at it. `fake_notifyd` runs this
file as a subprocess: a small org.freedesktop.Notifications server (dbus-fast) that appends
every Notify call to a JSONL file and can "click" a notification on request, so the traffic
really crosses a bus between processes.

Use in a test module: `session_bus = dbus_fixtures.session_bus` (and
`fake_notifyd = ...`), which pytest picks up as fixtures and ruff does not flag.
In CI (CI set) a missing dbus-daemon fails the tests instead of skipping them.
"""

import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

PATH = "/org/freedesktop/Notifications"


def _require(tool: str) -> None:
    if shutil.which(tool):
        return
    message = f"{tool} is not installed (Debian package: dbus-daemon, or dbus)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(autouse=True)
def _no_real_desktop(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test may reach the developer's own notification server."""
    for var in ("DBUS_SESSION_BUS_ADDRESS", "DISPLAY", "WAYLAND_DISPLAY", "XDG_RUNTIME_DIR"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def session_bus(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[str]:
    _require("dbus-daemon")
    sockdir = tempfile.mkdtemp(prefix="bus", dir="/tmp")  # AF_UNIX paths max out at 108 bytes
    services = tmp_path / "dbus-services"  # empty: nothing gets auto-activated
    services.mkdir()
    conf = tmp_path / "session.conf"
    conf.write_text(
        '<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"\n'
        ' "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">\n'
        f"<busconfig><type>session</type><listen>unix:dir={sockdir}</listen>"
        f"<servicedir>{services}</servicedir>"
        '<policy context="default"><allow send_destination="*" eavesdrop="true"/>'
        '<allow eavesdrop="true"/><allow own="*"/></policy></busconfig>\n'
    )
    proc = subprocess.Popen(
        ["dbus-daemon", f"--config-file={conf}", "--nofork", "--print-address=1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    address = proc.stdout.readline().strip()
    assert address, "dbus-daemon printed no address"
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", address)
    try:
        yield address
    finally:
        proc.terminate()
        proc.wait(5)
        shutil.rmtree(sockdir, ignore_errors=True)


class FakeNotifyd:
    def __init__(self, record: Path, proc: subprocess.Popen[str]) -> None:
        self.record = record
        self.proc = proc

    def calls(self) -> list[dict[str, Any]]:
        text = self.record.read_text() if self.record.exists() else ""
        return [json.loads(line) for line in text.splitlines() if line]

    def click(self, nid: int, action: str = "default") -> None:
        """Emit ActionInvoked from the server process, as a user's click would (blocking)."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(f"{nid} {action}\n")
        self.proc.stdin.flush()


@pytest.fixture
def fake_notifyd(session_bus: str, tmp_path: Path) -> Iterator[FakeNotifyd]:
    record = tmp_path / "notify.jsonl"
    record.touch()
    proc = subprocess.Popen(
        [sys.executable, __file__, str(record)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=os.environ.copy(),
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    try:
        yield FakeNotifyd(record, proc)
    finally:
        proc.terminate()
        proc.wait(5)


# -- the recording server (runs as a subprocess) ---------------------------------------------------


async def _serve(record_path: str) -> None:  # pragma: no cover - runs in the subprocess
    from dbus_fast import BusType
    from dbus_fast.aio import MessageBus
    from dbus_fast.service import ServiceInterface, dbus_method, dbus_signal

    class Notifications(ServiceInterface):
        def __init__(self) -> None:
            super().__init__("org.freedesktop.Notifications")
            self.next_id = 0

        @dbus_method()
        def Notify(
            self,
            app_name: "s",
            replaces_id: "u",
            app_icon: "s",
            summary: "s",
            body: "s",
            actions: "as",
            hints: "a{sv}",
            expire_timeout: "i",
        ) -> "u":
            self.next_id += 1
            rec = {
                "id": self.next_id,
                "app_name": app_name,
                "app_icon": app_icon,
                "summary": summary,
                "body": body,
                "actions": list(actions),
                "hints": {k: v.value for k, v in hints.items() if not isinstance(v.value, bytes)},
            }
            with open(record_path, "a") as f:
                f.write(json.dumps(rec) + "\n")
            return self.next_id

        @dbus_method()
        def CloseNotification(self, nid: "u") -> None:
            self.NotificationClosed(nid, 3)

        @dbus_method()
        def GetCapabilities(self) -> "as":
            return ["body", "actions", "body-markup"]

        @dbus_method()
        def GetServerInformation(self) -> "ssss":
            return ["fake-notifyd", "briefer-tests", "0.1", "1.2"]

        @dbus_signal()
        def NotificationClosed(self, nid: int, reason: int) -> "uu":
            return [nid, reason]

        @dbus_signal()
        def ActionInvoked(self, nid: int, key: str) -> "us":
            return [nid, key]

    bus = await MessageBus(bus_type=BusType.SESSION).connect()
    server = Notifications()
    bus.export(PATH, server)
    await bus.request_name("org.freedesktop.Notifications")
    print("ready", flush=True)
    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line:
            break
        nid, key = line.split()
        server.ActionInvoked(int(nid), key)


if __name__ == "__main__":  # pragma: no cover
    asyncio.run(_serve(sys.argv[1]))
