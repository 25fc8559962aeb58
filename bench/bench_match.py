"""Matching throughput: `briefer match --jsonl` end to end against a naive fuzzy loop.

    .venv/bin/python bench/bench_match.py [--items N] [--sample N]

Generates N headline-like items (English and Spanish, about a third carrying watchlist
vocabulary, the rest ordinary Mexico and world news with numbers and names that keep the
vocabulary growing) and pipes them through `briefer match --jsonl -` in a subprocess:
wall time including start-up, items/s, and the peak memory of the process tree
(getrusage of children). In the same run it times the naive approach on a sample: every
item against every watchlist term with rapidfuzz's fuzz.partial_ratio. Prints figures and
the ratio; there are no timed assertions anywhere in the test suite.

Targets on a 2-core machine: >= 100,000 items/s end to end, >= 30x the naive loop.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from rapidfuzz import fuzz  # noqa: E402

from briefer.match import Matcher  # noqa: E402
from briefer.resources import default_watchlists  # noqa: E402
from briefer.watchlist import load_issues  # noqa: E402

SHARED = Path(os.environ.get("BRIEFER_SHARED", REPO.parent / "shared"))
THROUGHPUT_TARGET = 100_000
RATIO_TARGET = 30

# Pieces of headlines. Issue vocabulary on one side, everyday news on the other; the
# generator mixes them so that about a third of items can match something.
ISSUE_EN = [
    "ICE agents detain {n} Mexican workers in {us_place}",
    "DEA says {cartel} moves fentanyl through {mx_place}",
    "Trump threatens {n}% tariffs on Mexican steel",
    "USMCA review: negotiators meet in {city} over rules of origin",
    "Mexico's judicial election draws {n} candidates",
    "US designates {cartel} as foreign terrorist organization",
    "Border Patrol reports {n} crossings at the southern border",
    "Mexico extradites {name} to the United States",
]
ISSUE_ES = [
    "Sheinbaum rechaza aranceles de Trump al acero mexicano",
    "Detienen en {mx_place} a operador del {cartel}",
    "Revisión del T-MEC: EU y México discuten reglas de origen",
    "Aseguran {n} kilos de fentanilo en {mx_place}",
    "Congreso aprueba cambios a la elección judicial de {n}",
    "Deportaciones masivas: {n} mexicanos repatriados desde EU",
    "La DEA acusa a funcionarios de {mx_place} de proteger al {cartel}",
    "Migrantes mexicanos en Estados Unidos temen redadas del ICE",
]
PLAIN_EN = [
    "{name} wins {n} votes in {city} mayoral race",
    "Peso gains {n}% against the dollar as {company} reports earnings",
    "Heat wave hits {us_place}; {n} flights delayed",
    "{company} opens a plant in {mx_place} with {n} jobs",
    "What a good idea: {name} on police reform in {city}",
    "Storm leaves {n} without power in {mx_place}",
]
PLAIN_ES = [
    "{name} gana el clásico en el estadio de {city} ante {n} aficionados",
    "La inflación baja a {n}% en junio, informa el Inegi",
    "{company} invierte {n} millones de pesos en {mx_place}",
    "Lluvias dejan {n} damnificados en {mx_place}",
    "Sheinbaum inaugura hospital en {mx_place} con {n} camas",
    "El cartel del festival de {city} reúne a {n} artistas",
    "Homicidios bajan {n}% en {mx_place}, según el Gabinete de Seguridad",
]
SUMMARIES = [
    "Officials said the measure would take effect next month after talks in {city}.",
    "La medida entrará en vigor el próximo mes, según funcionarios de {mx_place}.",
    "Analysts at {company} expect {n} more announcements before the end of the year.",
    "El gobierno de {mx_place} informó que hay {n} personas afectadas.",
    "",
    "",
]
FILL = {
    "cartel": ["Cártel de Sinaloa", "CJNG", "Cártel del Golfo", "Sinaloa Cartel", "cártel"],
    "mx_place": ["Sinaloa", "Jalisco", "Tijuana", "Ciudad Juárez", "Michoacán", "Monterrey"],
    "us_place": ["Texas", "California", "Chicago", "Arizona", "New York"],
    "city": ["Mexico City", "Washington", "Ottawa", "Guadalajara", "Madrid", "Bogotá"],
    "company": ["Pemex", "Banorte", "Walmex", "Tesla", "BYD", "Grupo Bimbo", "Cemex"],
    "name": ["García", "López", "Smith", "Martínez", "Hernández", "Johnson", "Ramírez"],
}


def generate(count: int, seed: int = 7) -> list[dict[str, object]]:
    rng = random.Random(seed)

    def fill(template: str) -> str:
        values = {key: rng.choice(options) for key, options in FILL.items()}
        values["n"] = str(rng.randint(2, 99_999))
        return template.format(**values)

    items = []
    for index in range(count):
        roll = rng.random()
        if roll < 0.34:
            pool = ISSUE_EN if rng.random() < 0.4 else ISSUE_ES
        else:
            pool = PLAIN_EN if rng.random() < 0.4 else PLAIN_ES
        title = fill(rng.choice(pool))
        summary = fill(rng.choice(SUMMARIES))
        items.append({"id": f"g{index}", "title": title, "summary": summary})
    return items


def briefer_command() -> list[str]:
    script = Path(sys.executable).parent / "briefer"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from briefer.cli import main; sys.exit(main())"]


# Runs the command and reports its process tree's peak memory and CPU time. A separate
# small process, because a child forked from this one would count this process's memory
# (200,000 generated items) as its own until it execs.
_MEASURE = """
import resource, subprocess, sys
subprocess.run(sys.argv[1:], check=True)
use = resource.getrusage(resource.RUSAGE_CHILDREN)
print(use.ru_maxrss, use.ru_utime + use.ru_stime, file=sys.stderr)
"""


def end_to_end(items: list[dict[str, object]]) -> tuple[float, int, int, float]:
    """(wall seconds, output lines, peak RSS in KiB, CPU seconds) of briefer match --jsonl."""
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "items.jsonl"
        source.write_text(
            "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in items), "utf-8"
        )
        target = Path(tmp) / "out.jsonl"
        env = {**os.environ, "BRIEFER_HOME": tmp}
        command = [sys.executable, "-c", _MEASURE, *briefer_command(), "match", "--jsonl", "-"]
        with source.open("rb") as stdin, target.open("wb") as stdout:
            start = time.perf_counter()
            done = subprocess.run(
                command, stdin=stdin, stdout=stdout, stderr=subprocess.PIPE, env=env, check=True
            )
            elapsed = time.perf_counter() - start
        peak, cpu = done.stderr.decode().split()[-2:]
        with target.open("rb") as out:
            lines = sum(1 for _ in out)
    return elapsed, lines, int(peak), float(cpu)


def naive(items: list[dict[str, object]]) -> float:
    """Items/s of matching every item against every term with fuzz.partial_ratio."""
    issues = load_issues([default_watchlists()])
    terms = [
        (issue.id, term.lower())
        for issue in issues
        for term in (*issue.phrases, *issue.words, *issue.weak_terms)
    ]
    start = time.perf_counter()
    for item in items:
        text = f"{item['title']} {item['summary']}".lower()
        found = set()
        for issue_id, term in terms:
            if fuzz.partial_ratio(term, text) >= 90:
                found.add(issue_id)
    return len(items) / (time.perf_counter() - start)


def cold_real_headlines() -> tuple[int, float] | None:
    """(items, items/s) matching the labelled real headlines once, every cache empty: the
    generated items repeat shapes that real headlines rarely share, so this is the floor."""
    dev = SHARED / "eval" / "dev.jsonl"
    if not dev.exists():
        return None
    rows = [json.loads(line) for line in dev.read_text("utf-8").splitlines() if line.strip()]
    texts = [(r["title"], r.get("summary") or "") for r in rows]
    matcher = Matcher(load_issues([default_watchlists()]))
    start = time.perf_counter()
    matcher.match_many(texts)
    return len(texts), len(texts) / (time.perf_counter() - start)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=200_000)
    parser.add_argument("--sample", type=int, default=2_000, help="items for the naive loop")
    args = parser.parse_args()

    items = generate(args.items)
    elapsed, lines, peak, cpu = end_to_end(items)
    if lines != len(items):
        print(f"bench_match: expected {len(items)} output lines, got {lines}")
        return 1
    rate = len(items) / elapsed
    naive_rate = naive(items[: args.sample])
    ratio = rate / naive_rate
    print(f"briefer match --jsonl: {len(items):,} items in {elapsed:.2f} s (with start-up)")
    print(f"  {rate:,.0f} items/s, peak memory {peak / 1024:.0f} MiB (largest process)")
    print(f"  CPU {cpu:.2f} s in all its processes: {cpu / len(items) * 1e6:.1f} us per item")
    print(f"naive partial_ratio loop: {naive_rate:,.0f} items/s on {args.sample:,} items")
    real = cold_real_headlines()
    if real:
        print(
            f"real headlines, cold caches, in-process with spans: {real[1]:,.0f} items/s "
            f"({real[0]} items of {SHARED / 'eval' / 'dev.jsonl'})"
        )
    print(f"ratio: {ratio:.0f}x")
    print(
        f"targets: >= {THROUGHPUT_TARGET:,} items/s "
        f"{'met' if rate >= THROUGHPUT_TARGET else 'MISSED'}; "
        f">= {RATIO_TARGET}x {'met' if ratio >= RATIO_TARGET else 'MISSED'} "
        f"(cpus: {os.cpu_count()})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
