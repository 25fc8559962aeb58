"""`briefer search`: limits on the query, with a sentence instead of minutes of work."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from briefer.cli import main
from briefer.store import Store
from tests.factory import add_feed, item


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("BRIEFER_HOME", str(tmp_path))
    path = tmp_path / "briefer.db"
    with Store(path) as store:
        add_feed(
            store,
            "https://news.example/rss",
            [(item("a", "Tariff talks: Mexico and US negotiators meet"), [])],
        )
    return path


def search(db: Path, *words: str) -> Result:
    return CliRunner().invoke(main, ["--db", str(db), "search", *words])


def test_repeated_words_are_asked_for_once(db: Path) -> None:
    result = search(db, *(["tariff"] * 60))
    assert result.exit_code == 0, result.output
    assert "Tariff talks" in result.output


def test_a_query_of_thousands_of_words_is_refused_with_the_limit(db: Path) -> None:
    result = search(db, *(["tariff"] * 5000))
    assert result.exit_code == 2
    assert "The search is 34,999 characters long; the limit is 500." in result.stderr


def test_too_many_different_words_are_refused_with_the_limit(db: Path) -> None:
    result = search(db, *(f"w{n}" for n in range(25)))
    assert result.exit_code == 2
    assert "The search has 25 different words; the limit is 20." in result.stderr


@pytest.mark.parametrize("query", ["", "   ", "(", "* -"])
def test_a_query_without_a_word_is_refused_with_what_to_type(db: Path, query: str) -> None:
    result = search(db, query)
    assert result.exit_code == 2
    assert "Give at least one word to search for" in result.stderr
