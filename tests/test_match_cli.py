"""`briefer match`, `briefer watchlists list`: the JSON-lines contract and the text output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from briefer.cli import main
from briefer.cli.match import BLOCK
from briefer.watchlist import DEFAULT_ORDER


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("BRIEFER_HOME", str(tmp_path))
    return tmp_path


def run(args: list[str], stdin: str | bytes | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, args, input=stdin)
    return result.exit_code, result.stdout, result.stderr


ITEMS = [
    {"id": "a", "title": "La DEA acusa al Cártel de Sinaloa", "summary": "Sheinbaum responde."},
    {"id": 7, "title": "Weather: sunny in Oaxaca"},
    {"title": "ICE detains Mexican workers", "summary": None, "lang": "en"},
    {"id": None, "title": "Revisión del T-MEC: aranceles al acero de EU a México"},
]


def test_jsonl_gives_one_line_per_input_in_order() -> None:
    lines = "\n".join(json.dumps(item, ensure_ascii=False) for item in ITEMS) + "\n"
    code, out, err = run(["match", "--jsonl", "-"], lines)
    assert code == 0, err
    rows = [json.loads(line) for line in out.splitlines()]
    assert [row["id"] for row in rows] == ["a", 7, None, None]
    assert [[m["issue"] for m in row["matches"]] for row in rows] == [
        ["fentanyl"],
        [],
        ["border"],
        ["usmca_2026", "tariffs"],
    ]
    first = rows[0]["matches"][0]
    assert set(first) == {"issue", "score", "terms"}
    assert first["score"] == 100.0
    assert set(first["terms"]) == {"DEA", "cártel de Sinaloa"}


def test_jsonl_from_a_file_with_blank_lines_and_crlf(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_bytes(b'{"id": 1, "title": "CJNG ataca"}\r\n\r\n{"id": 2, "title": "nada"}')
    code, out, err = run(["match", "--jsonl", str(source)])
    assert code == 0, err
    assert [json.loads(line) for line in out.splitlines()] == [
        {"id": 1, "matches": [{"issue": "fentanyl", "score": 100.0, "terms": ["CJNG"]}]},
        {"id": 2, "matches": []},
    ]


def test_jsonl_explain_adds_hits_with_spans() -> None:
    item = {"id": 1, "title": "ICE agents detain Mexican workers"}
    code, out, _ = run(["match", "--jsonl", "-", "--explain"], json.dumps(item))
    assert code == 0
    (match,) = json.loads(out)["matches"]
    assert match["hits"] == [
        {"term": "ICE agents", "kind": "phrase", "score": 100.0, "spans": [["title", 0, 10]]}
    ]


@pytest.mark.parametrize(
    ("bad", "problem"),
    [
        ("{not json", "not valid JSON"),
        ('["a list"]', "expected a JSON object"),
        ('{"summary": "no title"}', 'expected "title"'),
        ('{"title": 42}', 'expected "title"'),
    ],
)
def test_a_bad_line_stops_with_its_line_number(bad: str, problem: str) -> None:
    good = json.dumps({"id": 1, "title": "La DEA"})
    code, out, err = run(["match", "--jsonl", "-"], f"{good}\n\n{bad}\n{good}\n")
    assert code == 2
    assert [json.loads(line)["id"] for line in out.splitlines()] == [1]  # lines before it
    assert "line 3:" in err and problem in err


def test_invalid_utf8_names_its_line() -> None:
    code, _, err = run(["match", "--jsonl", "-"], b'{"title": "ok"}\n{"title": "\xff"}\n')
    assert code == 2
    assert "line 2: not UTF-8" in err


def test_text_mode_and_explain() -> None:
    code, out, _ = run(["match", "Sheinbaum rechaza declaraciones de la DEA"])
    assert code == 0
    assert "fentanyl" in out and "DEA" in out
    code, out, _ = run(["match", "--explain", "La DEA y el Cártel de Sinaloa"])
    assert code == 0
    assert "La [[DEA]] y el [[Cártel de Sinaloa]]" in out
    assert "word" in out and "phrase" in out
    code, out, _ = run(["match", "The weather in Oaxaca"])
    assert code == 0 and "no match" in out


# Past the 300 characters a poll keeps of a headline: what matched here before the cap.
FAR = "Weather in Oaxaca, " * 20 + "La DEA y el Cártel de Sinaloa " * 16_000  # ~480 KB


def test_text_longer_than_a_headline_is_cut_as_a_poll_cuts_it() -> None:
    code, out, err = run(["match", FAR])
    assert code == 0
    assert "no match" in out  # the matching words start after character 300
    assert f"the text is {len(FAR):,} characters; only the first 300 are matched" in err
    code, out, err = run(["match", FAR[:300]])
    assert code == 0 and "no match" in out and err == ""


def test_jsonl_titles_and_summaries_are_cut_as_a_poll_cuts_them() -> None:
    lines = json.dumps({"id": 1, "title": FAR}) + "\n"
    lines += json.dumps({"id": 2, "title": "Weather", "summary": "x " * 1000 + FAR}) + "\n"
    code, out, err = run(["match", "--jsonl", "-"], lines)
    assert code == 0, err
    assert [json.loads(line) for line in out.splitlines()] == [
        {"id": 1, "matches": []},
        {"id": 2, "matches": []},
    ]


def test_match_needs_text_or_jsonl() -> None:
    code, _, err = run(["match"])
    assert code == 2 and "--jsonl" in err


def test_watchlists_list_shows_each_issue_and_its_file(home: Path) -> None:
    user = home / "watchlists"
    user.mkdir()
    (user / "lithium.toml").write_text(
        'id = "lithium"\ntitle = "Lithium"\n[terms]\nphrases = ["litio"]\n', encoding="utf-8"
    )
    code, out, _ = run(["watchlists", "list", "--json"])
    assert code == 0
    rows = json.loads(out)
    assert [row["id"] for row in rows] == [*DEFAULT_ORDER, "lithium"]
    assert rows[-1]["file"] == str(user / "lithium.toml")
    assert rows[-1]["terms"] == 1
    code, out, _ = run(["watchlists", "list"])
    assert code == 0
    assert "lithium" in out and "border" in out and str(user / "lithium.toml") in out


def test_large_input_through_worker_processes_matches_one_process(tmp_path: Path) -> None:
    # More than two blocks, so `briefer match --jsonl` forks workers: their output must be
    # what one process writes, line for line.
    titles = [
        "La DEA acusa al Cártel de Sinaloa",
        "Weather in Oaxaca",
        "Trump impone aranceles al acero mexicano",
        "Revisión del T-MEC",
        "ICE detiene a migrantes mexicanos en Texas",
    ]
    lines = []
    size = n = 0
    while size < 2.5 * BLOCK:
        line = json.dumps({"id": n, "title": f"{titles[n % len(titles)]} {n}"}) + "\n"
        lines.append(line)
        size += len(line)
        n += 1
    source = tmp_path / "many.jsonl"
    source.write_text("".join(lines), encoding="utf-8")
    env = {**os.environ, "BRIEFER_HOME": str(tmp_path)}
    command = [sys.executable, "-c", "from briefer.cli import main; main()", "match"]
    outputs = [
        subprocess.run(
            [*command, "--workers", workers, "--jsonl", str(source)],
            capture_output=True,
            env=env,
            check=True,
        ).stdout
        for workers in ("1", "2")
    ]
    assert outputs[0] == outputs[1]
    rows = [json.loads(line) for line in outputs[0].splitlines()]
    assert [row["id"] for row in rows] == list(range(n))
    weather = titles.index("Weather in Oaxaca")
    assert [bool(row["matches"]) for row in rows] == [i % len(titles) != weather for i in range(n)]
