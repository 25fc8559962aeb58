"""Fixtures for the app's Pilot and snapshot tests: a fixture database and a fixed clock."""

from __future__ import annotations

import webbrowser
from pathlib import Path

import pytest

from briefer.tui.app import BrieferApp
from briefer.tui.briefing import Services
from tests.tui.fixture_db import fixture_services


@pytest.fixture
def services(tmp_path: Path) -> Services:
    return fixture_services(tmp_path / "home")


@pytest.fixture
def app(services: Services) -> BrieferApp:
    return BrieferApp(services, poll_on_start=False)


async def settle(pilot) -> None:
    """Wait until every worker has finished and the screen has caught up."""
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


@pytest.fixture
def opened(app: BrieferApp, monkeypatch) -> list[str]:
    """The links the app opens, as if a browser were found; none starts."""
    links: list[str] = []
    monkeypatch.setattr(webbrowser, "get", lambda using=None: webbrowser.GenericBrowser("true"))
    monkeypatch.setattr(app, "open_url", lambda url, **kw: links.append(url))
    return links
