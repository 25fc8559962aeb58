"""`briefer digest` end to end: click's CliRunner, BRIEFER_HOME in tmp_path, a real --db file."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner, Result

from briefer.cli import main
from briefer.cli.context import AppContext
from briefer.digest import LAST_EXPORT_KEY, last_export, local_tz
from briefer.store import Store
from tests.factory import add_feed, item
from tests.test_digest import ISSUES, SCHEMA, audit_html, m

NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("BRIEFER_HOME", str(tmp_path / "home"))
    # The digest only needs ids and titles; keep these tests independent of watchlists/.
    monkeypatch.setattr(AppContext, "issues", property(lambda self: ISSUES))
    path = tmp_path / "briefer.db"
    with Store(path) as store:
        fresh = "Trump threatens 25% tariffs on Mexican imports over fentanyl"
        fresh2 = "Trump threatens 25% tariffs on Mexican imports over fentanyl - Wire"
        old = "Sheinbaum responde a la amenaza de aranceles de Trump"
        add_feed(
            store,
            "https://news.example/rss",
            [
                (item("n1", fresh, published=NOW - timedelta(hours=2)), [m("tariffs", 92, fresh)]),
                (item("n2", old, published=NOW - timedelta(days=3)), [m("tariffs", 81, old)]),
            ],
            title="Example News",
            now=NOW,
        )
        add_feed(
            store,
            "https://wire.example/atom",
            [(item("w1", fresh2, published=NOW - timedelta(hours=1)), [m("tariffs", 85, fresh2)])],
            title="Wire",
            now=NOW,
        )
    return path


def run(db: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--db", str(db), "digest", *args])


def mark(db: Path) -> datetime | None:
    with Store(db) as store:
        return last_export(store)


def test_default_is_markdown_on_stdout_for_the_last_24h_then_since_that_export(db: Path) -> None:
    first = run(db)
    assert first.exit_code == 0, first.output
    out = first.stdout
    assert out.startswith("# Briefing: ")
    assert "the last 24 hours (first digest)" in out
    assert "Trump threatens 25% tariffs" in out and "Sheinbaum responde" not in out  # 3 days old
    assert "[Example News]" in out and "[Wire]" in out  # every outlet listed
    assert "Baseline: " in out
    exported = mark(db)
    assert exported is not None and exported >= NOW

    second = run(db)
    assert second.exit_code == 0, second.output
    assert "since the last exported digest" in second.stdout
    assert "**Nothing new**" in second.stdout


def test_no_record_is_a_preview(db: Path) -> None:
    assert run(db, "--no-record").exit_code == 0
    assert mark(db) is None
    again = run(db, "--no-record")
    assert "the last 24 hours" in again.stdout


def test_since_covers_until_now_and_is_remembered(db: Path) -> None:
    since = (NOW - timedelta(days=4)).astimezone(local_tz()).strftime("%Y-%m-%dT%H:%M")
    result = run(db, "--since", since)
    assert result.exit_code == 0, result.output
    assert "Sheinbaum responde" in result.stdout and "Trump threatens" in result.stdout
    assert "until now" in result.stdout
    exported = mark(db)
    assert exported is not None and exported >= NOW
    nxt = run(db)
    assert "since the last exported digest" in nxt.stdout
    assert "Nothing new" in nxt.stdout


def test_date_is_one_local_day(db: Path) -> None:
    day = (NOW - timedelta(days=3)).astimezone(local_tz()).date()
    result = run(db, "--date", day.isoformat(), "--format", "json", "--no-record")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["period"]["kind"] == "day"
    assert data["period"]["start"].startswith(day.isoformat() + "T00:00:00")
    titles = [s["headline"] for issue in data["issues"] for s in issue["stories"]]
    assert titles == ["Sheinbaum responde a la amenaza de aranceles de Trump"]


def test_output_file_takes_its_format_from_the_extension(db: Path, tmp_path: Path) -> None:
    target = tmp_path / "out" / "digest.html"
    result = run(db, "-o", str(target))
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert "Digest written: " in result.stderr and str(target) in result.stderr
    text = target.read_text()
    assert text.startswith("<!DOCTYPE html>")
    audit_html(text)


@pytest.mark.parametrize("fmt", ["md", "html", "json", "atom"])
def test_output_folder_gets_a_dated_file_in_each_format(db: Path, tmp_path: Path, fmt: str) -> None:
    folder = tmp_path / "digests"
    folder.mkdir()
    result = run(db, "-o", str(folder), "--format", fmt, "--no-record")
    assert result.exit_code == 0, result.output
    today = datetime.now(UTC).astimezone(local_tz()).strftime("%Y-%m-%d")
    path = folder / f"{today}.{fmt}"
    assert path.is_file()
    if fmt == "json":
        jsonschema.validate(json.loads(path.read_text()), json.loads(SCHEMA.read_text()))


def test_output_folder_that_does_not_exist_yet_is_made(db: Path, tmp_path: Path) -> None:
    # "-o digests/" names a folder, as docs/digest.md says, even before it exists.
    folder = tmp_path / "new" / "digests"
    result = run(db, "-o", f"{folder}/", "--format", "html", "--no-record")
    assert result.exit_code == 0, result.output
    today = datetime.now(UTC).astimezone(local_tz()).strftime("%Y-%m-%d")
    assert folder.is_dir()
    assert (folder / f"{today}.html").read_text().startswith("<!DOCTYPE html>")
    assert f"Digest written: {folder / today}.html" in result.stderr


def test_issue_filter_and_unknown_issue(db: Path) -> None:
    result = run(db, "--issue", "fentanyl", "--format", "json", "--no-record")
    assert result.exit_code == 0, result.output
    assert [i["id"] for i in json.loads(result.stdout)["issues"]] == ["fentanyl"]
    bad = run(db, "--issue", "nope")
    assert bad.exit_code == 2 and "no issue 'nope'" in bad.output and "tariffs" in bad.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--date", "2026-11-23", "--since", "2026-11-22"], "not both"),
        (["--date", "23/11/2026"], "expected a date"),
        (["--since", "yesterday"], "expected a date"),
        (["--since", "2999-01-01"], "not in the past"),
        (["--format", "pdf"], "pdf"),
    ],
)
def test_bad_arguments_exit_2_with_a_reason(db: Path, args: list[str], message: str) -> None:
    result = run(db, *args)
    assert result.exit_code == 2
    assert message in result.output
    assert mark(db) is None


def test_limit_keeps_the_best_per_issue(db: Path) -> None:
    since = (NOW - timedelta(days=4)).astimezone(local_tz()).strftime("%Y-%m-%d")
    result = run(db, "--since", since, "--limit", "1", "--no-record")
    assert result.exit_code == 0, result.output
    assert "Trump threatens" in result.stdout and "Sheinbaum responde" not in result.stdout
    # The wire copy was stored without a story index here, so it is a story of its own.
    assert "2 more stories with less coverage" in result.stdout


def test_damaged_mark_falls_back_to_24_hours(db: Path) -> None:
    with Store(db) as store:
        store.set_meta(LAST_EXPORT_KEY, "not a time")
    result = run(db, "--no-record")
    assert result.exit_code == 0 and "the last 24 hours" in result.stdout
