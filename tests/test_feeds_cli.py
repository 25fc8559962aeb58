from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from briefer import resources
from briefer.cli import main
from briefer.config import FeedConfig
from briefer.opml import parse_opml, to_opml


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("BRIEFER_HOME", str(tmp_path))
    return tmp_path


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def user_urls(home: Path) -> list[str]:
    data = tomllib.loads((home / "config.toml").read_text())
    return [f["url"] for f in data["feeds"]]


def test_add_copies_bundled_config_with_comments_then_appends(home: Path) -> None:
    code, out = run("feeds", "add", "http://127.0.0.1:8000/local.xml", "--title", "Local")
    assert code == 0, out
    text = (home / "config.toml").read_text()
    bundled = tomllib.loads(resources.default_config().read_text())
    assert text.startswith(resources.default_config().read_text().splitlines()[0])  # comments kept
    assert user_urls(home)[-1] == "http://127.0.0.1:8000/local.xml"
    assert len(user_urls(home)) == len(bundled["feeds"]) + 1
    code, out = run("feeds", "add", "http://127.0.0.1:8000/local.xml")
    assert code == 0 and "already" in out


def test_remove_keeps_the_rest_and_reports_unknown(home: Path) -> None:
    first = tomllib.loads(resources.default_config().read_text())["feeds"][0]["url"]
    code, _ = run("feeds", "remove", first)
    assert code == 0
    assert first not in user_urls(home)
    code, out = run("feeds", "remove", "https://nowhere.example/feed")
    assert code == 1 and "is not in" in out


def test_add_rejects_non_http(home: Path) -> None:
    code, out = run("feeds", "add", "file:///etc/passwd")
    assert code == 2
    assert "http:// or https://" in out
    assert not (home / "config.toml").exists()


OPML = b"""<?xml version="1.0"?>
<opml version="2.0"><head><title>mine</title></head><body>
  <outline text="Mexico">
    <outline text="Local A" type="rss" xmlUrl="http://127.0.0.1:1/a.xml" category="/news"/>
    <outline text="Local B" type="rss" xmlUrl="http://127.0.0.1:1/b.xml"/>
  </outline>
  <outline text="Not a feed" type="link" url="https://example.com"/>
  <outline text="Bad" xmlUrl="javascript:alert(1)"/>
</body></opml>"""


def test_import_appends_and_replace_replaces(home: Path) -> None:
    opml = home / "mine.opml"
    opml.write_bytes(OPML)
    code, out = run("feeds", "import", str(opml))
    assert code == 0, out
    urls = user_urls(home)
    assert urls[-2:] == ["http://127.0.0.1:1/a.xml", "http://127.0.0.1:1/b.xml"]
    assert len(urls) > 2
    code, out = run("feeds", "import", "--replace", str(opml))
    assert code == 0, out
    assert user_urls(home) == ["http://127.0.0.1:1/a.xml", "http://127.0.0.1:1/b.xml"]
    code, out = run("feeds", "export")
    assert code == 0
    again = parse_opml(out.encode())
    assert [(f.url, f.title, f.kind) for f in again] == [
        ("http://127.0.0.1:1/a.xml", "Local A", "news"),
        ("http://127.0.0.1:1/b.xml", "Local B", None),
    ]


def test_import_says_how_many_outlines_were_skipped_and_why(home: Path) -> None:
    opml = home / "mixed.opml"
    opml.write_bytes(
        OPML.replace(
            b"</body>",
            b'<outline text="Disk" xmlUrl="file:///etc/passwd"/>'
            b'<outline text="Again" xmlUrl="http://127.0.0.1:1/a.xml"/>'
            b'<outline text="JS" xmlUrl=" JavaScript:void(0)"/>'
            b"</body>",
        )
    )
    code, out = run("feeds", "import", str(opml))
    assert code == 0, out
    assert "Imported 2 new feeds" in out
    assert (
        "5 outlines skipped: 2 with a javascript: address, 1 without a feed address, "
        "1 with a file: address, 1 listed twice." in out
    )


def test_import_of_nothing_but_unusable_outlines_says_why(home: Path) -> None:
    opml = home / "bad.opml"
    opml.write_bytes(b'<opml><body><outline xmlUrl="file:///x"/></body></opml>')
    code, out = run("feeds", "import", str(opml))
    assert code != 0
    assert "no web feeds found (1 outline skipped: 1 with a file: address)" in out


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"<opml><body><outline", "line 1"),
        (b"<rss><channel/></rss>", "expected an OPML file"),
        (
            b'<!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]><opml><body/></opml>',
            "entity declarations",
        ),
    ],
)
def test_bad_opml_is_a_clear_error(home: Path, data: bytes, expected: str) -> None:
    opml = home / "bad.opml"
    opml.write_bytes(data)
    code, out = run("feeds", "import", str(opml))
    assert code == 2
    assert str(opml) in out and expected in out
    assert not (home / "config.toml").exists()


def test_opml_round_trip_keeps_everything() -> None:
    feeds = [
        FeedConfig("https://a.example/rss", title="A & B <x>", kind="official", lang="es"),
        FeedConfig("https://b.example/atom?x=1&y=2"),
    ]
    back = parse_opml(to_opml(feeds).encode())
    assert [(f.url, f.title, f.kind, f.lang) for f in back] == [
        ("https://a.example/rss", "A & B <x>", "official", "es"),
        ("https://b.example/atom?x=1&y=2", None, None, None),
    ]


def test_bad_user_config_exits_2_with_one_clear_line(home: Path) -> None:
    (home / "config.toml").write_text("[poll]\nconcurrency = 'many'\n")
    code, out = run("feeds", "list")
    assert code == 2
    assert out.strip().count("\n") == 0
    assert "config.toml" in out and "poll.concurrency" in out and "Traceback" not in out
