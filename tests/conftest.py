"""Shared fixtures. Feeds are served from real HTTP servers on 127.0.0.1, never the internet."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def httpserver_listen_address() -> tuple[str, int]:
    # pytest-httpserver defaults to "localhost", which may resolve to ::1 first.
    return ("127.0.0.1", 0)
