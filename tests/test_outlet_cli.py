"""`briefer matches` and `briefer search` name the outlet of an aggregator's item, not the
aggregator: two outlets' copies of one headline must not read as the same line twice.

A Google News-like feed is served from a real HTTP server on 127.0.0.1 and polled into a
real SQLite file, as an analyst's first `briefer poll --once` would.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer

from briefer.cli import main
from tests.feeds import Entry, rss

HEADLINE = "Trump amenaza con aranceles de 30% a México por el fentanilo"


def _source(name: str) -> str:
    return f"<source url='https://{name.lower()}.example/'>{name}</source>"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, httpserver: HTTPServer) -> Path:
    monkeypatch.setenv("BRIEFER_HOME", str(tmp_path))
    body = rss(
        [
            Entry(f"{HEADLINE} - Milenio", link="https://n.example/1", extra=_source("Milenio")),
            Entry(f"{HEADLINE} - Proceso", link="https://n.example/2", extra=_source("Proceso")),
        ],
        title="Google News — trade & tariffs",
    )
    httpserver.expect_request("/gn.xml").respond_with_data(body, content_type="application/rss+xml")
    (tmp_path / "config.toml").write_text(
        f'[notify]\nenabled = false\n[[feeds]]\nurl = "{httpserver.url_for("/gn.xml")}"\n'
    )
    result = CliRunner().invoke(main, ["poll", "--once"])
    assert result.exit_code == 0, result.output
    return tmp_path


def cli(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_matches_names_each_outlet(home: Path) -> None:
    out = cli("matches", "--issue", "tariffs")
    assert "Milenio ·" in out and "Proceso ·" in out
    assert "Google News" not in out


def test_matches_json_gives_the_outlet_beside_the_feed(home: Path) -> None:
    rows = json.loads(cli("matches", "--issue", "tariffs", "--json"))
    assert sorted(r["outlet"] for r in rows) == ["Milenio", "Proceso"]
    assert {r["source"] for r in rows} == {"Google News — trade & tariffs"}


def test_search_names_each_outlet(home: Path) -> None:
    out = cli("search", "aranceles")
    assert "Milenio ·" in out and "Proceso ·" in out
    assert "Google News" not in out
    rows = json.loads(cli("search", "aranceles", "--json"))
    assert sorted(r["outlet"] for r in rows) == ["Milenio", "Proceso"]
