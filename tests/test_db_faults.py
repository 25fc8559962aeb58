"""A damaged, deleted, replaced or full database: one sentence from every command and the
app, a non-zero exit, and nothing written to a file known to be damaged.

Real parts: the `briefer` command line in subprocesses, a real SQLite file damaged by
writing garbage into its middle, a real full disk (a small tmpfs, where we may mount one).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from briefer.errors import DamagedDatabaseError, DatabaseGoneError
from briefer.models import Match
from briefer.store import Store
from briefer.store.faults import damage_marker
from tests.factory import add_feed, hit, item
from tests.feeds import items, rss
from tests.mounts import read_only_file, tmpfs, with_mounts

CLI = "import sys; from briefer.cli import main; sys.exit(main())"
APP = """
import sys
from briefer.cli.context import AppContext
from briefer.tui.app import BrieferApp
from briefer.tui.briefing import Services
app = BrieferApp(Services.from_context(AppContext()), poll_on_start=False)
app.run(headless=True)
sys.exit(app.return_code or 0)
"""


def fill(db: Path, feeds: int = 5, per_feed: int = 200) -> None:
    """A database big enough that its middle pages hold items, matches and their index."""
    with Store(db) as store:
        for f in range(feeds):
            entries = []
            for n in range(per_feed):
                title = f"Tariff talks round {f}-{n}: Mexico and US negotiators meet " + "x" * 150
                match = Match("tariffs", 90.0, (hit("tariff", title),))
                entries.append((item(f"g{f}-{n}", title, summary="summary " * 40), [match]))
            add_feed(store, f"https://example.com/{f}.xml", entries)
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def damage(db: Path) -> None:
    """Garbage over 32 KiB in the middle of the file; the header stays intact."""
    size = db.stat().st_size
    with open(db, "r+b") as fh:
        fh.seek(size // 2 // 4096 * 4096)
        fh.write(bytes(range(256)) * 128)


def digest_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run(home: Path, *args: str, script: str = CLI) -> subprocess.CompletedProcess[str]:
    # Wide enough that the app's message is not wrapped inside the long tmp path.
    env = {**os.environ, "BRIEFER_HOME": str(home), "COLUMNS": "300"}
    env.pop("DBUS_SESSION_BUS_ADDRESS", None)
    return subprocess.run(
        [sys.executable, "-c", script, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    # One feed nobody answers: `poll` must stop at the database, not at the network.
    (home / "config.toml").write_text(
        '[notify]\nenabled = false\n\n[[feeds]]\nurl = "http://127.0.0.1:9/feed.xml"\n'
    )
    return home


@pytest.fixture
def damaged(home: Path) -> Path:
    db = home / "briefer.db"
    fill(db)
    damage(db)
    return db


COMMANDS = [
    ["matches"],
    ["search", "tariff"],
    ["digest", "-o", "digest.md"],
    ["rematch", "--all"],
    ["watchlists", "stats"],
    ["poll", "--once"],
    ["feeds", "list"],
]


def test_every_command_says_the_database_is_damaged_and_writes_nothing(
    home: Path, damaged: Path
) -> None:
    before = digest_of(damaged)
    for args in COMMANDS:
        result = run(home, *args)
        output = result.stdout + result.stderr
        assert result.returncode != 0, (args, output)
        assert "Traceback" not in output, (args, output)
        assert f"The database {damaged} is damaged" in result.stderr, (args, output)
        assert "briefer doctor" in result.stderr, (args, output)
        assert not (home / "digest.md").exists(), "no file written from a damaged database"
    assert digest_of(damaged) == before, "nothing may be written to a damaged database"


def test_the_first_command_to_meet_the_damage_marks_it_for_the_others(
    home: Path, damaged: Path
) -> None:
    assert run(home, "matches").returncode != 0
    assert damage_marker(damaged).exists()
    # Writing would not touch the damaged pages, yet it is refused.
    with pytest.raises(DamagedDatabaseError, match="is damaged"):
        Store(damaged)


def test_doctor_says_what_to_do_and_its_commands_work(home: Path, damaged: Path) -> None:
    result = run(home, "doctor")
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    out = result.stdout
    assert f"The database {damaged} is damaged" in out
    assert ".recover" in out and f"{damaged}.bak" in out and "start fresh" in out

    # The advice is commands to copy; following the "start fresh" ones works.
    fresh = out.split("start fresh", 1)[1]
    moves = [line.strip() for line in fresh.splitlines() if line.strip().startswith("mv ")]
    assert moves
    for command in moves:
        subprocess.run(command, shell=True, check=True)
    assert (home / "briefer.db.bak").exists()
    assert "No database yet" in run(home, "doctor").stdout
    result = run(home, "matches")
    assert result.returncode == 0, result.stderr


def test_doctor_recover_commands_give_a_database_every_command_accepts(
    home: Path, damaged: Path
) -> None:
    if shutil.which("sqlite3") is None:
        message = "needs the sqlite3 program (scripts/system-deps.sh installs it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    out = run(home, "doctor").stdout
    recover = out.split("recover what it holds", 1)[1].split("or start fresh", 1)[0]
    for line in recover.splitlines():
        line = line.strip()
        if line.startswith(("sqlite3 ", "mv ")):
            subprocess.run(line, shell=True, check=True, capture_output=True)
    result = run(home, "doctor")
    assert "integrity ok" in result.stdout, result.stdout + result.stderr
    assert not damage_marker(damaged).exists()
    assert run(home, "matches").returncode == 0


def test_the_app_stops_with_the_sentence_not_a_traceback(home: Path, damaged: Path) -> None:
    assert run(home, "matches").returncode != 0  # now known to be damaged
    result = run(home, script=APP)
    assert result.returncode == 1, result.stderr
    said = " ".join(result.stderr.split())  # the terminal wraps it
    assert "Traceback" not in said
    assert f"briefer: The database {damaged} is damaged" in said
    assert "Run `briefer doctor`" in said


def test_a_damage_marker_for_another_file_is_ignored(home: Path, damaged: Path) -> None:
    assert run(home, "matches").returncode != 0
    damaged.rename(home / "briefer.db.bak")
    result = run(home, "matches")  # a new, sound file at the same path
    assert result.returncode == 0, result.stderr
    assert not damage_marker(damaged).exists()


# -- the file deleted or replaced while a Store has it open -------------------------------


def other_thread(fn: object) -> BaseException | None:
    """Run fn in another thread (as the app's workers do); return what it raised."""
    raised: list[BaseException] = []

    def target() -> None:
        try:
            fn()  # type: ignore[operator]
        except BaseException as exc:
            raised.append(exc)

    t = threading.Thread(target=target)
    t.start()
    t.join()
    return raised[0] if raised else None


@pytest.mark.parametrize("how", ["deleted", "replaced"])
def test_a_deleted_or_replaced_database_is_noticed_and_never_recreated(
    tmp_path: Path, how: str
) -> None:
    db = tmp_path / "briefer.db"
    with Store(db) as app_store:
        add_feed(app_store, "https://example.com/a.xml", [(item("a", "Tariffs"), [])])
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        if how == "replaced":
            with contextlib.closing(sqlite3.connect(db)) as other:
                other.execute("CREATE TABLE t(x)")

        # A worker thread opening its own connection must not make a fresh empty file.
        error = other_thread(lambda: Store(db).close())
        assert isinstance(error, DatabaseGoneError), error
        assert f"was {how}" in str(error) and "start it again" in str(error)
        assert db.exists() == (how == "replaced")

        # The app's periodic look and any write say so too.
        with pytest.raises(DatabaseGoneError, match=f"was {how}"):
            app_store.data_version()
        with pytest.raises(DatabaseGoneError):
            app_store.set_meta("k", "v")
    # Not even once the app's own connection is closed: this process had that file.
    with pytest.raises(DatabaseGoneError):
        Store(db)
    assert db.exists() == (how == "replaced")


def test_the_app_says_so_when_its_database_is_deleted(home: Path) -> None:
    db = home / "briefer.db"
    fill(db, feeds=1, per_feed=3)
    env = {**os.environ, "BRIEFER_HOME": str(home), "COLUMNS": "300"}
    proc = subprocess.Popen(
        [sys.executable, "-c", APP],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # The app has opened the file once its own connection made the shared-memory file.
        while not Path(f"{db}-shm").exists():
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.05)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        _, err = proc.communicate(timeout=120)  # a hang guard: it looks every 3 s
    finally:
        proc.kill()
    said = " ".join(err.split())
    assert proc.returncode == 1, err
    assert "Traceback" not in said
    assert f"briefer: The database {db} was deleted while briefer had it open" in said
    assert not db.exists(), "no fresh empty file under the running app"


# -- a full disk -----------------------------------------------------------------------------


FILL_UNTIL_FULL = """
import sys
from pathlib import Path
sys.path.insert(0, {root!r})
from briefer.cli import main
from briefer.store import Store
from tests.factory import add_feed, item
db = Path({db!r})
try:
    with Store(db) as store:
        for f in range(1000):
            entries = [(item(f"{{f}}-{{n}}", "t " * 99, summary="s " * 300), []) for n in range(50)]
            add_feed(store, f"https://example.com/{{f}}.xml", entries)
except Exception as exc:
    print(type(exc).__name__, exc, file=sys.stderr)
# Then a poll on the full disk, as the user would meet it.
sys.argv = ["briefer", "--db", str(db), "poll", "--once"]
sys.exit(main())
"""


def test_a_full_disk_is_called_a_full_disk(tmp_path: Path, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/feed.xml").respond_with_data(
        rss(items(50)), content_type="application/rss+xml"
    )
    mountpoint = tmp_path / "small"
    mountpoint.mkdir()
    (tmp_path / "config.toml").write_text(
        f'[notify]\nenabled = false\n\n[[feeds]]\nurl = "{httpserver.url_for("/feed.xml")}"\n'
    )
    root = str(Path(__file__).resolve().parent.parent)
    inner = FILL_UNTIL_FULL.format(root=root, db=str(mountpoint / "briefer.db"))
    command = with_mounts([tmpfs(str(mountpoint), "1m")], [sys.executable, "-c", inner])
    env = {**os.environ, "BRIEFER_HOME": str(tmp_path)}
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert "Traceback" not in result.stderr, result.stderr
    assert "DiskFullError The disk is full" in result.stderr, result.stderr
    assert result.returncode != 0
    assert "briefer: The disk is full" in result.stderr, result.stderr


def test_digest_to_a_file_on_a_read_only_database_writes_it_and_says_what_was_not_saved(
    home: Path,
) -> None:
    db = home / "briefer.db"
    fill(db, feeds=1, per_feed=3)
    out = home / "digest.md"
    argv = [sys.executable, "-m", "briefer", "digest", "-o", str(out)]
    command = with_mounts(read_only_file(str(db)), argv)
    env = {**os.environ, "BRIEFER_HOME": str(home)}
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert out.read_text().startswith("# Briefing")
    assert f"Digest written: {out}" in result.stderr
    assert "could not be remembered as the last one" in result.stderr
    assert "is read-only" in result.stderr


def test_the_daemon_logs_the_sentence_not_a_traceback(home: Path, damaged: Path) -> None:
    from tests.test_daemon import HANG_GUARD, start_daemon, stop, wait_for

    assert run(home, "matches").returncode != 0  # now known to be damaged
    proc = start_daemon(home, "--no-notify")
    log = home / "logs" / "daemon.log"
    wait_for(lambda: log.exists() and "error while polling" in log.read_text(), HANG_GUARD, proc)
    stop(proc)
    text = log.read_text()
    assert f"error while polling: The database {damaged} is damaged" in text
    assert "Traceback" not in text
