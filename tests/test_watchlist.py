"""Watchlist files: the bundled five, user overrides and additions, and errors a user can fix."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from briefer.cli import main
from briefer.errors import WatchlistError
from briefer.resources import default_watchlists
from briefer.watchlist import DEFAULT_ORDER, load_issue, load_issues

BUNDLED = default_watchlists()

MINIMAL = """\
id = "{id}"
title = "{title}"
description = "One paragraph."
threshold = 70

[terms]
phrases = ["lithium"]
"""


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_bundled_watchlists_load_in_the_fixed_order() -> None:
    issues = load_issues([BUNDLED])
    assert [i.id for i in issues] == list(DEFAULT_ORDER)
    for issue in issues:
        assert issue.title and issue.description
        assert 0 <= issue.threshold <= 100
        assert issue.term_count >= 20
        assert len(issue.version) == 12
        assert issue.path.parent == BUNDLED
        # Both languages are there: at least one term with a Spanish-only letter or word.
        terms = " ".join((*issue.phrases, *issue.words, *issue.weak_terms)).lower()
        assert any(word in terms for word in ("ó", "é", "í", "á", " de ", "t-mec", "jueces"))


def test_user_folder_overrides_by_id_and_adds_issues(tmp_path: Path) -> None:
    user = tmp_path / "watchlists"
    write(user, "lithium.toml", MINIMAL.format(id="lithium", title="Lithium"))
    write(user, "aaa.toml", MINIMAL.format(id="aardvark", title="Sorted by id"))
    mine = write(user, "my-tariffs.toml", MINIMAL.format(id="tariffs", title="My tariffs"))

    issues = load_issues([BUNDLED, user, tmp_path / "missing"])
    assert [i.id for i in issues] == [*DEFAULT_ORDER, "aardvark", "lithium"]
    tariffs = next(i for i in issues if i.id == "tariffs")
    assert tariffs.title == "My tariffs"
    assert tariffs.path == mine
    assert tariffs.phrases == ("lithium",)
    assert tariffs.threshold == 70.0


def test_version_changes_with_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "x.toml", MINIMAL.format(id="x", title="X"))
    before = load_issue(path).version
    assert load_issue(path).version == before
    path.write_text(path.read_text() + "# a comment changes the file\n")
    assert load_issue(path).version != before


def test_bundled_files_can_be_copied_and_still_load(tmp_path: Path) -> None:
    # What the comments tell users to do: copy a file into their folder and edit it.
    user = tmp_path / "watchlists"
    user.mkdir()
    shutil.copy(BUNDLED / "border.toml", user / "border.toml")
    text = (user / "border.toml").read_text()
    (user / "border.toml").write_text(text.replace("threshold = 80", "threshold = 90"))
    border = load_issues([BUNDLED, user])[0]
    assert border.path == user / "border.toml"
    assert border.threshold == 90.0


@pytest.mark.parametrize(
    ("text", "where", "problem"),
    [
        (
            'id = "x"\ntitle = "X"\n[terms]\nphrases = ["a",\n',
            "line 4 (end of file)",
            "not valid TOML",
        ),
        ('id = "x"\ntitle = = "X"\n', "line 2", "not valid TOML"),
        (
            'id = "x"\ntitle = "X"\n\n[terms]\nphrase = ["a"]\n',
            "line 5, key 'terms.phrase'",
            "unknown key",
        ),
        (
            'id = "x"\ntitle = "X"\n\n[terms]\nphrases = "fentanyl"\n',
            "line 5, key 'terms.phrases'",
            "expected a list of quoted terms",
        ),
        ('id = "X Y"\ntitle = "X"\n[terms]\nphrases = ["a"]\n', "line 1, key 'id'", "lower-case"),
        (
            'id = "x"\ntitle = "X"\nthreshold = 101\n[terms]\nphrases = ["a"]\n',
            "line 3, key 'threshold'",
            "from 0 to 100",
        ),
        ('id = "x"\n[terms]\nphrases = ["a"]\n', "key 'title'", "expected text"),
        ('id = "x"\ntitle = "X"\n', "key 'terms.phrases'", "no terms"),
        (
            'id = "x"\ntitle = "X"\n[[weak]]\nterms = ["a"]\ncontext = ["mexico"]\n',
            "line 5, key 'weak[1].context'",
            "no [context] list named 'mexico'",
        ),
        (
            'id = "x"\ntitle = "X"\n[terms]\nwords = ["EU@fr"]\n',
            "line 4, key 'terms.words'",
            "@es or @en",
        ),
    ],
)
def test_mistakes_name_the_file_the_place_and_what_was_expected(
    tmp_path: Path, text: str, where: str, problem: str
) -> None:
    path = write(tmp_path, "mine.toml", text)
    with pytest.raises(WatchlistError) as caught:
        load_issues([tmp_path])
    assert caught.value.path == path
    assert caught.value.where == where
    assert problem in caught.value.problem
    assert str(caught.value).startswith(f"{path}, {where}: ")


def test_two_files_with_one_id_in_a_folder_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, "a.toml", MINIMAL.format(id="same", title="A"))
    second = write(tmp_path, "b.toml", MINIMAL.format(id="same", title="B"))
    with pytest.raises(WatchlistError) as caught:
        load_issues([tmp_path])
    assert caught.value.path == second
    assert "a.toml" in caught.value.problem


def test_the_cli_reports_a_broken_user_watchlist_without_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BRIEFER_HOME", str(tmp_path))
    broken = write(tmp_path / "watchlists", "border.toml", 'id = "border"\ntitle = \n')
    result = CliRunner().invoke(main, ["watchlists", "list"])
    assert result.exit_code == 2
    assert f"{broken}, line 2: not valid TOML" in result.output
    assert "Traceback" not in result.output
