"""`briefer stories --jsonl`: the JSON-lines contract, run as a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ITEMS = [
    {
        "id": "a",
        "title": "Marina detiene a 'El Tigre', líder del Cártel del Golfo - Milenio",
        "published": "2026-03-02T09:00",
        "source": "Google News — security",
        "lang": "es",
    },
    {
        "id": 7,
        "title": "Mexican navy arrests Gulf Cartel leader 'El Tigre' - Reuters",
        "published": "2026-03-02T11:30Z",
        "summary": None,
    },
    {
        "id": "c",
        "title": "Peso gains as inflation slows",
        "published": "2026-03-02T10:00+00:00",
        "summary": "",
        "source": "",
        "lang": "",
    },
    {
        "id": "d",
        "title": "Capturan a 'El Tigre', líder del Cártel del Golfo, en Tampico - Infobae",
        "published": "2026-03-02T08:00:00-06:00",
        "summary": "La Marina lo detuvo en Tampico.",
    },
]


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("BRIEFER_HOME", str(tmp_path))
    return tmp_path


def run(args: list[str], stdin: bytes = b"") -> tuple[int, str, str]:
    done = subprocess.run(
        [sys.executable, "-m", "briefer", "stories", *args],
        input=stdin,
        capture_output=True,
        timeout=120,
        env=os.environ.copy(),
    )
    return done.returncode, done.stdout.decode(), done.stderr.decode()


def lines(items: list[dict[str, object]]) -> bytes:
    return "".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items).encode()


def test_one_line_per_item_in_input_order_with_shared_story_values() -> None:
    code, out, err = run(["--jsonl", "-"], lines(ITEMS))
    assert code == 0, err
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["id"] for r in rows] == ["a", 7, "c", "d"]
    story = {r["id"]: r["story"] for r in rows}
    # One arrest in two languages and three outlets, named by its earliest item: "a" at
    # 09:00 UTC ("d" at 08:00 in Mexico is 14:00 UTC).
    assert story["a"] == story[7] == story["d"] == "a"
    assert story["c"] == "c"


def test_from_a_file_with_blank_lines_and_crlf(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_bytes(lines(ITEMS[:2]).replace(b"\n", b"\r\n\r\n"))
    code, out, err = run(["--jsonl", str(source)])
    assert code == 0, err
    assert [json.loads(line)["id"] for line in out.splitlines()] == ["a", 7]


def test_empty_input_gives_empty_output() -> None:
    assert run(["--jsonl", "-"], b"") == (0, "", "")


@pytest.mark.parametrize(
    ("bad", "problem"),
    [
        ("{not json", "not valid JSON"),
        ('["a list"]', "expected a JSON object"),
        ('{"title": "no id", "published": "2026-03-02T09:00"}', 'expected "id"'),
        ('{"id": true, "title": "x", "published": "2026-03-02T09:00"}', 'expected "id"'),
        ('{"id": 2, "published": "2026-03-02T09:00"}', 'expected "title"'),
        ('{"id": 2, "title": "x"}', 'expected "published"'),
        ('{"id": 2, "title": "x", "published": "yesterday"}', 'expected "published"'),
        ('{"id": 2, "title": "x", "published": "2026-03-02", "lang": 5}', 'expected "lang"'),
    ],
)
def test_a_bad_line_stops_with_its_line_number(bad: str, problem: str) -> None:
    good = json.dumps(ITEMS[2])
    code, out, err = run(["--jsonl", "-"], f"{good}\n\n{bad}\n{good}\n".encode())
    assert code == 2
    assert [json.loads(line)["id"] for line in out.splitlines()] == ["c"]  # lines before it
    assert "briefer stories: -, line 3:" in err and problem in err
    assert "Traceback" not in err


def test_invalid_utf8_names_its_line() -> None:
    code, _, err = run(["--jsonl", "-"], lines(ITEMS[:1]) + b'{"id": 1, "title": "\xff"}\n')
    assert code == 2
    assert "line 2: not UTF-8" in err


def test_a_missing_file_or_option_is_named(tmp_path: Path) -> None:
    code, _, err = run(["--jsonl", str(tmp_path / "nope.jsonl")])
    assert code == 1 and "nope.jsonl" in err and "Traceback" not in err
    code, _, err = run([])
    assert code == 2 and "--jsonl" in err


def test_listed_in_the_help() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "briefer", "--help"], capture_output=True, text=True, check=True
    )
    assert "stories" in done.stdout
