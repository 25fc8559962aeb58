"""The digest never prints a summary that only repeats the headline beside it.

Aggregators and some sites send the headline again as the summary, with the outlet's name
once or twice ("... - Woodrow Wilson Center Woodrow Wilson Center"); a database filled by
an older briefer holds such summaries too. Real SQLite files, a real HTTP server.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer

from briefer.cli import main
from briefer.store import Store
from tests.factory import add_feed, item
from tests.feeds import Entry, rss
from tests.test_digest import m

NOW = datetime.now(UTC).replace(microsecond=0)
WILSON = "Infographics: Arms Trafficking Across the U.S.-Mexico Border"
OWN = "Record number of Mexican migrants returned through Ciudad Juárez"
OWN_SUMMARY = "Officials counted more returns in one week than in any month of 2024."


def digest(issue: str) -> str:
    since = (NOW - timedelta(days=2)).date().isoformat()
    result = CliRunner().invoke(main, ["digest", "--since", since, "--issue", issue])
    assert result.exit_code == 0, result.output
    return result.output


def test_a_summary_repeating_the_headline_and_a_doubled_outlet_is_left_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, httpserver: HTTPServer
) -> None:
    monkeypatch.setenv("BRIEFER_HOME", str(tmp_path))
    outlet = "Woodrow Wilson Center"
    body = rss(
        [
            Entry(
                f"{WILSON} - {outlet} - {outlet}",
                link="https://w.example/1",
                summary=f"{WILSON} - {outlet} {outlet}",
                published=NOW - timedelta(hours=3),
                extra=f"<source url='https://w.example/'>{outlet}</source>",
            ),
            Entry(
                OWN,
                link="https://w.example/2",
                summary=OWN_SUMMARY,
                published=NOW - timedelta(hours=2),
            ),
        ]
    )
    httpserver.expect_request("/w.xml").respond_with_data(body, content_type="application/rss+xml")
    (tmp_path / "config.toml").write_text(
        f'[notify]\nenabled = false\n[[feeds]]\nurl = "{httpserver.url_for("/w.xml")}"\n'
    )
    polled = CliRunner().invoke(main, ["poll", "--once"])
    assert polled.exit_code == 0, polled.output
    out = digest("border")
    assert out.count(WILSON) == 1, out  # the headline, not a summary line after it
    assert OWN_SUMMARY in out  # a summary of its own stays


def test_an_echoing_summary_stored_by_an_older_briefer_is_left_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BRIEFER_HOME", str(tmp_path))
    title = "Trump threatens 25% tariffs on Mexican imports over fentanyl"
    echo = replace(
        item("g1", title, summary=f"{title}  Reuters", published=NOW - timedelta(hours=2)),
        outlet="Reuters",
    )
    with Store(tmp_path / "briefer.db") as store:
        add_feed(
            store,
            "https://news.google.example/rss",
            [(echo, [m("tariffs", 92, title, "tariffs")])],
            title="Google News",
            now=NOW,
        )
    out = digest("tariffs")
    assert out.count("Trump threatens 25% tariffs") == 1, out
