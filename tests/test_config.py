from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from briefer import resources
from briefer.config import Paths, load_config
from briefer.errors import ConfigError


def paths_for(tmp_path: Path, text: str | None = None) -> Paths:
    paths = Paths.resolve(env={"BRIEFER_HOME": str(tmp_path)})
    if text is not None:
        paths.config_file.write_text(text, encoding="utf-8")
    return paths


def test_bundled_defaults_load_with_enough_real_feeds(tmp_path: Path) -> None:
    config = load_config(paths_for(tmp_path))
    enabled = [f for f in config.feeds if f.enabled]
    assert len(enabled) >= 25
    assert {f.lang for f in enabled} >= {"en", "es"}
    assert {f.kind for f in enabled} == {"official", "think-tank", "news", "search"}
    assert all(f.url.startswith(("https://", "http://")) for f in config.feeds)
    assert config.poll.interval_minutes == 30
    assert config.notify.quiet_hours == (time(22, 0), time(7, 0))
    assert config.digest.time == time(7, 0)
    assert config.sources == (resources.default_config(),)


def test_briefer_home_holds_everything(tmp_path: Path) -> None:
    paths = paths_for(tmp_path)
    assert paths.config_file == tmp_path / "config.toml"
    assert paths.db == tmp_path / "briefer.db"
    assert paths.watchlists_dir == tmp_path / "watchlists"
    assert paths.digests_dir == tmp_path / "digests"


def test_user_file_overrides_key_by_key_and_replaces_feeds(tmp_path: Path) -> None:
    paths = paths_for(
        tmp_path,
        "[poll]\ninterval_minutes = 15\n[notify.issues.tariffs]\nmin_score = 85\n"
        '[[feeds]]\nurl = "http://127.0.0.1:9/a.xml"\ntitle = "Local"\n',
    )
    config = load_config(paths)
    assert config.poll.interval_minutes == 15
    assert config.poll.concurrency == 20  # untouched keys keep the default
    assert config.notify.min_score_for("tariffs") == 85
    assert config.notify.min_score_for("border") == config.notify.min_score
    assert [f.url for f in config.feeds] == ["http://127.0.0.1:9/a.xml"]
    assert config.sources[-1] == paths.config_file


def test_explicit_config_and_db_paths(tmp_path: Path) -> None:
    cfg = tmp_path / "elsewhere.toml"
    cfg.write_text("[poll]\nconcurrency = 3\n")
    paths = Paths.resolve(config=cfg, db=tmp_path / "x.db", env={"BRIEFER_HOME": str(tmp_path)})
    assert load_config(paths).poll.concurrency == 3
    assert paths.db == tmp_path / "x.db"


@pytest.mark.parametrize(
    ("text", "where", "expected"),
    [
        ("[poll\ninterval = 1", "line 1", "not valid TOML"),
        ("[poll]\ninterval_minutes = 'often'", "key 'poll.interval_minutes'", "whole number"),
        ("[poll]\ninterval_minutes = 1", "key 'poll.interval_minutes'", "from 5 to 1440"),
        ("[poll]\nintervall_minutes = 10", "key 'poll.intervall_minutes'", "unknown setting"),
        ('[notify]\nquiet_hours = "late"', "key 'notify.quiet_hours'", "HH:MM-HH:MM"),
        ('[notify]\nquiet_hours = "22:00-25:00"', "key 'notify.quiet_hours'", "24-hour"),
        ('[digest]\nformats = ["pdf"]', "key 'digest.formats'", "expected a list"),
        ('[[feeds]]\nurl = "ftp://x/y"', "key 'feeds[1].url'", "http:// or https://"),
        ('[[feeds]]\nurl = "https://x/y"\nkind = "blog"', "key 'feeds[1].kind'", "one of"),
        ("feeds = 3", "[[feeds]]", "list of [[feeds]]"),
        ("[pol]\ninterval_minutes = 10", "line 1", "unknown table 'pol' (did you mean 'poll'?"),
        ('[notify]\nenabled = true\n\n[[feed]]\nurl = "https://x/y"', "line 4", "'feed'"),
        ("[digest.extra]\nx = 1\n[wibble]\ny = 2", "line 3", "unknown table 'wibble'"),
        ("notfy = true", "line 1", "unknown setting 'notfy' (did you mean 'notify'?"),
    ],
)
def test_bad_config_names_file_place_and_expectation(
    tmp_path: Path, text: str, where: str, expected: str
) -> None:
    paths = paths_for(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(paths)
    message = str(info.value)
    assert str(paths.config_file) in message
    assert where in message
    assert expected in message


def test_config_that_is_a_folder_is_reported(tmp_path: Path) -> None:
    paths = paths_for(tmp_path)
    paths.config_file.mkdir()
    with pytest.raises(ConfigError, match="found a folder"):
        load_config(paths)
