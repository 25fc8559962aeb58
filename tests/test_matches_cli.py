"""`briefer matches`: a cut list says it is cut, so a reader does not take 50 for all."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from briefer.cli import main
from briefer.store import Store
from tests.factory import add_feed, item
from tests.test_digest import m

TITLES = [
    "Trump threatens 25% tariffs on Mexican imports",
    "Mexico answers US steel tariffs with its own",
    "Tariff talks between Mexico and the US resume",
]


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("BRIEFER_HOME", str(tmp_path))
    with Store(tmp_path / "briefer.db") as store:
        add_feed(
            store,
            "https://news.example/rss",
            [
                (item(f"t{n}", t), [m("tariffs", 90 - n, t, "tariffs")])
                for n, t in enumerate(TITLES)
            ],
        )
    return tmp_path


def matches(*args: str) -> str:
    result = CliRunner().invoke(main, ["matches", "--issue", "tariffs", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_a_cut_list_says_there_are_more(home: Path) -> None:
    out = matches("--limit", "2")
    assert (
        out.splitlines()[0] == "Tariffs and trade pressure (tariffs): the best 2; more with --limit"
    )
    assert TITLES[0] in out and TITLES[1] in out and TITLES[2] not in out


def test_a_whole_list_gives_its_count(home: Path) -> None:
    out = matches("--limit", "3")
    assert out.splitlines()[0] == "Tariffs and trade pressure (tariffs): 3 matches"
    assert all(t in out for t in TITLES)
