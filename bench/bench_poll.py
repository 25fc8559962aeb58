"""Poll benchmark: briefer, newsboat and the `reader` library on the same feeds, one run.

200 RSS feeds of 50 items are served from another process, spread over 50 loopback hosts
(127.0.0.1 to 127.0.0.50: all of 127.0.0.0/8 is loopback on Linux, and the server listens
on 0.0.0.0), every response waiting 100 ms; ETags make a second request answer 304. Each
tool runs as its own process with 20 fetches in flight (briefer's default), twice: the
first poll stores everything, the second finds nothing new. Wall time includes process
start; memory is the peak of the tool's whole process tree (RSS summed over its
processes, sampled every 10 ms).
Before the rounds each tool polls two of the feeds once, untimed (see warm_up).

    apt-get install -y newsboat                  # optional peer
    .venv/bin/pip install -e '.[bench]'          # optional peer: reader
    .venv/bin/python bench/bench_poll.py [--feeds 200] [--items 50] [--hosts 50]

Targets (issue 11): briefer's first poll <= 0.6x newsboat's; its second poll within 1.3x
the network floor (requests x latency / concurrency) plus process start (a `briefer poll
--once` of one feed answering 304, less the latency).
"""

from __future__ import annotations

import argparse
import hashlib
import multiprocessing
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection
from pathlib import Path

CONCURRENCY = 20  # briefer's default [poll] concurrency; every tool gets the same

WORDS = (
    "aranceles acero México frontera migrantes Sheinbaum Trump cártel fentanilo T-MEC revisión "
    "reforma judicial Suprema Corte deportaciones Guardia Nacional nearshoring inversión China "
    "economía peso Banxico elecciones lluvias turismo futbol Monterrey Jalisco Sinaloa"
).split()


def feed_xml(n: int, items: int) -> bytes:
    base = datetime(2026, 11, 20, tzinfo=UTC)
    entries = []
    for i in range(items):
        words = [WORDS[(n * 7 + i * 3 + k * 5) % len(WORDS)] for k in range(9)]
        title = " ".join(words).capitalize()
        entries.append(
            f"<item><title>{title}</title><link>https://news.example/{n}/{i}</link>"
            f"<guid>https://news.example/{n}/{i}</guid>"
            f"<pubDate>{format_datetime(base - timedelta(minutes=i))}</pubDate>"
            f"<description>&lt;p&gt;{title}. {' '.join(reversed(words))}.&lt;/p&gt;"
            "</description></item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Feed {n}</title><link>https://news.example/{n}</link>"
        f"<description>bench</description>{''.join(entries)}</channel></rss>"
    ).encode()


def _serve(feeds: int, items: int, latency: float, hosts: int, conn: Connection) -> None:
    bodies = {f"/feed/{n}.xml": feed_xml(n, items) for n in range(feeds)}
    etags = {path: '"' + hashlib.sha1(b).hexdigest()[:16] + '"' for path, b in bodies.items()}
    counts: Counter[int] = Counter()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in two writes; with Nagle on, the second waits for the
        # client's delayed ACK (40 ms), which no real feed server adds.
        disable_nagle_algorithm = True

        def do_GET(self) -> None:
            if self.path == "/counts":  # how the last run's requests were answered
                with lock:
                    body = repr(dict(counts)).encode()
                    counts.clear()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            time.sleep(latency)
            body = bodies.get(self.path, b"")
            etag = etags.get(self.path, "")
            if not body:
                status = 404
            elif self.headers.get("If-None-Match") == etag:
                status, body = 304, b""
            else:
                status = 200
            with lock:
                counts[status] += 1
            self.send_response(status)
            if status == 200:
                self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
            if etag:
                self.send_header("ETag", etag)
                self.send_header("Last-Modified", "Fri, 20 Nov 2026 00:00:00 GMT")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    ThreadingHTTPServer.daemon_threads = True
    ThreadingHTTPServer.request_queue_size = 512
    server = ThreadingHTTPServer(("0.0.0.0", 0), Handler)
    port = server.server_port
    conn.send([f"http://127.0.0.{1 + n % hosts}:{port}{p}" for n, p in enumerate(bodies)])
    server.serve_forever()


class FeedServer:
    """The feeds, served from another process (so the server never competes with the
    tools for a GIL)."""

    def __init__(self, feeds: int, items: int, latency: float, hosts: int) -> None:
        parent, child = multiprocessing.Pipe()
        self.process = multiprocessing.get_context("fork").Process(
            target=_serve, args=(feeds, items, latency, hosts, child), daemon=True
        )
        self.process.start()
        self.urls: list[str] = parent.recv()

    def counts(self) -> dict[int, int]:
        """Responses by status since the last call."""
        import urllib.request

        base = self.urls[0].rsplit("/feed/", 1)[0]
        with urllib.request.urlopen(f"{base}/counts") as response:
            return dict(eval(response.read().decode()))  # our own repr of a dict of ints

    def close(self) -> None:
        self.process.kill()
        self.process.join()


# ---------------------------------------------------------------------- measuring a run


_TICK = os.sysconf("SC_CLK_TCK")


def _tree(root: int, cpu: dict[int, float]) -> int:
    """Bytes of RSS summed over `root` and its descendants; records each one's CPU seconds
    so far in `cpu` (by pid: a process's last reading stays when it exits)."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    ticks: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        pid = int(entry.name)
        parents[pid] = int(fields[1])
        rss[pid] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        ticks[pid] = int(fields[11]) + int(fields[12])  # utime + stime
    tree = {root}
    grew = True
    while grew:
        grew = False
        for pid, parent in parents.items():
            if parent in tree and pid not in tree:
                tree.add(pid)
                grew = True
    for pid in tree:
        cpu[pid] = max(cpu.get(pid, 0.0), ticks.get(pid, 0) / _TICK)
    return sum(rss.get(pid, 0) for pid in tree)


@dataclass
class Run:
    seconds: float
    cpu: float  # CPU seconds of the whole process tree (sampled: a lower bound)
    peak_mib: float
    output: str
    responses: dict[int, int]  # how the server answered this run: {200: 200} or {304: 200}


SERVER: FeedServer


def run(command: list[str], env: dict[str, str]) -> Run:
    """Run `command` to the end; wall time and the peak RSS of its process tree."""
    SERVER.counts()
    start = time.perf_counter()
    proc = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    peak = 0
    cpu: dict[int, float] = {}
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree(proc.pid, cpu))
            done.wait(0.01)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output, _ = proc.communicate()
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"{command[0]} failed ({proc.returncode}):\n{output[-2000:]}")
    return Run(seconds, sum(cpu.values()), peak / 2**20, output, SERVER.counts())


def briefer_command() -> list[str]:
    script = Path(sys.executable).parent / "briefer"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from briefer.cli import main; sys.exit(main())"]


# ------------------------------------------------------------------------------- tools


def briefer_runs(
    urls: list[str], home: Path, workers: str | None, latency: float
) -> tuple[Run, Run, float, Run]:
    """First poll, second poll, process start, and a poll with nothing due.

    Process start is a poll of one feed answering 304, less the server's latency: what a
    poll pays besides the network and the feeds (imports, config, database, one fetch).

    `workers`: BRIEFER_PARSE_WORKERS for the runs ("0": parse in-line; None: the default
    rule, which forks workers when 100 feeds or more are due)."""
    feeds = "".join(f'[[feeds]]\nurl = "{u}"\n' for u in urls)
    (home / "config.toml").write_text(f"[notify]\nenabled = false\n{feeds}")
    env = {**os.environ, "BRIEFER_HOME": str(home)}
    env.pop("BRIEFER_PARSE_WORKERS", None)
    if workers is not None:
        env["BRIEFER_PARSE_WORKERS"] = workers
    poll = [*briefer_command(), "poll", "--once", "--no-notify"]
    first = run([*poll, "--all"], env)
    second = run([*poll, "--all"], env)
    idle = run(poll, env)  # every feed was just checked: nothing is due
    assert "Nothing due" in idle.output, idle.output
    one = home / "one.toml"
    one.write_text(f'[notify]\nenabled = false\n[[feeds]]\nurl = "{urls[0]}"\n')
    single = run([*briefer_command(), "--config", str(one), *poll[1:], "--all"], env)
    assert single.responses == {304: 1}, single.responses
    return first, second, single.seconds - latency, idle


def newsboat_runs(urls: list[str], home: Path) -> tuple[Run, Run] | None:
    """First poll and the first poll that sends validators: newsboat 2.21 stores a feed's
    ETag only from its second fetch on (newsboat issue #2734), so its second run is
    unconditional again and its third is the one answered 304."""
    binary = shutil.which("newsboat")
    if binary is None:
        return None
    (home / "urls").write_text("".join(f"{u}\n" for u in urls))
    (home / "config").write_text(f"reload-threads {CONCURRENCY}\nshow-read-feeds yes\n")
    env = {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config")}
    env["XDG_DATA_HOME"] = str(home / ".local")
    command = [binary, "-u", str(home / "urls"), "-C", str(home / "config")]
    command += ["-c", str(home / "cache.db"), "-x", "reload"]
    first = run(command, env)
    run(command, env)
    return first, run(command, env)


_READER = """
import sys
from reader import make_reader
reader = make_reader(sys.argv[1])
for url in sys.argv[3:]:
    reader.add_feed(url, exist_ok=True)
reader.update_feeds(workers=int(sys.argv[2]), scheduled=False)
print(reader.get_entry_counts().total)
"""


def reader_runs(urls: list[str], home: Path) -> tuple[Run, Run] | None:
    try:
        import reader  # noqa: F401
    except ImportError:
        return None
    command = [sys.executable, "-c", _READER, str(home / "reader.sqlite"), str(CONCURRENCY)]
    command += urls
    return run(command, dict(os.environ)), run(command, dict(os.environ))


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--feeds", type=int, default=200)
    ap.add_argument("--items", type=int, default=50)
    ap.add_argument("--hosts", type=int, default=50)
    ap.add_argument("--latency", type=float, default=0.1)
    ap.add_argument(
        "--compare-inline",
        action="store_true",
        help="also run briefer with parsing in-line (BRIEFER_PARSE_WORKERS=0)",
    )
    ap.add_argument(
        "--rounds", type=int, default=1, help="run every tool this many times, alternating"
    )
    args = ap.parse_args()
    global SERVER
    server = SERVER = FeedServer(args.feeds, args.items, args.latency, args.hosts)
    floor = args.feeds * args.latency / CONCURRENCY
    print(
        f"{args.feeds} feeds x {args.items} items on {args.hosts} hosts, "
        f"{args.latency * 1000:.0f} ms latency, {CONCURRENCY} fetches in flight; "
        f"network floor {floor:.2f} s"
    )

    def line(name: str, first: Run, second: Run) -> None:
        print(
            f"{name:9} first {first.seconds:5.2f} s (CPU {first.cpu:5.2f} s)  "
            f"second {second.seconds:5.2f} s (CPU {second.cpu:5.2f} s)  "
            f"peak {max(first.peak_mib, second.peak_mib):4.0f} MiB  "
            f"(answers: first {first.responses}, second {second.responses})"
        )

    try:
        warm_up(server.urls, args.latency)
        rounds = [one_round(server.urls, floor, args.latency, args.compare_inline, line)]
        for n in range(2, args.rounds + 1):
            print(f"-- round {n}")
            rounds.append(one_round(server.urls, floor, args.latency, args.compare_inline, line))
        if len(rounds) > 1:
            summary(rounds)
    finally:
        server.close()


def warm_up(urls: list[str], latency: float) -> None:
    """Each tool polls two feeds once, untimed: the first run after a while loads the
    program and its libraries from disk (3 s more for briefer's first poll once here, with
    the same CPU), which is not what the rounds compare."""
    few = urls[:2]
    with tempfile.TemporaryDirectory() as tmp:
        homes = [Path(tmp, tool) for tool in ("briefer", "newsboat", "reader")]
        for home in homes:
            home.mkdir()
        briefer_runs(few, homes[0], None, latency)
        newsboat_runs(few, homes[1])
        reader_runs(few, homes[2])


@dataclass
class Round:
    briefer: float  # first poll, seconds
    second: float  # second poll (all 304)
    target2: float  # what the second poll may take
    newsboat: float | None
    reader: float | None


def one_round(
    urls: list[str], floor: float, latency: float, inline: bool, line: Callable[..., None]
) -> Round:
    """Every tool once, on the same feeds: briefer, newsboat, reader."""
    with tempfile.TemporaryDirectory() as tmp:
        b1, b2, start, idle = briefer_runs(urls, Path(tmp), None, latency)
    line("briefer", b1, b2)
    print(
        f"briefer   process start {start:.2f} s (a poll of one feed answering 304, less its "
        f"latency); a poll with nothing due {idle.seconds:.2f} s"
    )
    if inline:
        with tempfile.TemporaryDirectory() as tmp:
            i1, i2, _, _ = briefer_runs(urls, Path(tmp), "0", latency)
        line("in-line", i1, i2)
        print(
            f"briefer with workers / in-line: first poll {b1.seconds / i1.seconds:.2f}x, "
            f"second poll {b2.seconds / i2.seconds:.2f}x"
        )
    newsboat = peer_runs("newsboat", newsboat_runs, urls, line, "apt-get install -y newsboat")
    peer = peer_runs("reader", reader_runs, urls, line, "pip install -e '.[bench]'")

    target2 = 1.3 * floor + start
    print(
        f"second poll: {b2.seconds:.2f} s against a target of {target2:.2f} s "
        f"(1.3 x {floor:.2f} s floor + {start:.2f} s start): "
        f"{'met' if b2.seconds <= target2 else 'NOT met'}"
    )
    if newsboat is not None:
        n1, n2 = newsboat
        ratio = b1.seconds / n1.seconds
        print(
            f"briefer / newsboat: first poll {ratio:.2f}x (target <= 0.6: "
            f"{'met' if ratio <= 0.6 else 'NOT met'}), second poll "
            f"{b2.seconds / n2.seconds:.2f}x"
        )
    if peer is not None:
        r1, r2 = peer
        print(
            f"briefer / reader: first poll {b1.seconds / r1.seconds:.2f}x, "
            f"second poll {b2.seconds / r2.seconds:.2f}x"
        )
    return Round(
        b1.seconds,
        b2.seconds,
        target2,
        newsboat[0].seconds if newsboat else None,
        peer[0].seconds if peer else None,
    )


def peer_runs(
    name: str,
    runs: Callable[[list[str], Path], tuple[Run, Run] | None],
    urls: list[str],
    line: Callable[..., None],
    install: str,
) -> tuple[Run, Run] | None:
    """A peer's first and second poll, printed; None when it is not installed."""
    with tempfile.TemporaryDirectory() as tmp:
        result = runs(urls, Path(tmp))
    if result is None:
        print(f"{name:9} not installed ({install}): no ratio")
    else:
        line(name, *result)
    return result


def summary(rounds: list[Round]) -> None:
    """Medians over the rounds, and each round's ratio: the peers' times move from run to
    run (newsboat's first poll by a third here), so one round's ratio says little."""
    first = statistics.median(r.briefer for r in rounds)
    print(f"== {len(rounds)} rounds, medians: briefer first poll {first:.2f} s", end="")
    met = sum(r.second <= r.target2 for r in rounds)
    print(f", second poll within its target in {met} of {len(rounds)}")
    for name in ("newsboat", "reader"):
        theirs = [getattr(r, name) for r in rounds if getattr(r, name) is not None]
        if not theirs:
            continue
        ratios = sorted(r.briefer / getattr(r, name) for r in rounds if getattr(r, name))
        median = statistics.median(theirs)
        print(
            f"   {name}: first poll {median:.2f} s; briefer / {name} {first / median:.2f}x "
            f"(rounds: {', '.join(f'{x:.2f}' for x in ratios)})"
        )
        if name == "newsboat":
            held = sum(x <= 0.6 for x in ratios)
            print(f"   first poll <= 0.6x newsboat in {held} of {len(ratios)} rounds")


if __name__ == "__main__":
    main()
