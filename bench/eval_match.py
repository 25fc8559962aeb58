"""Matching quality on labelled headlines: briefer against an exact-keyword baseline.

    .venv/bin/python bench/eval_match.py [FILE] [--quiet]

FILE is labelled JSON lines (`id`, `title`, `summary`, `labels`); the default is
../shared/eval/dev.jsonl beside the checkout (BRIEFER_SHARED overrides the shared folder).

briefer is measured through its public contract: the file is piped through
`briefer match --jsonl -` in a subprocess, with an empty BRIEFER_HOME so only the bundled
watchlists count, and exactly what it prints is scored. The baseline uses the same
watchlists' terms (phrases, words and weak terms) as plain case-insensitive substrings:
no folding, fuzziness, word boundaries, context or exclusions.

Prints precision, recall and F1 per issue and macro-averaged for both, the false positives
and false negatives, and whether the targets are met (exit status 1 if not):
precision >= 0.85 for every issue, macro F1 >= 0.90, and macro F1 at least 0.10 above the
baseline's.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from briefer.resources import default_watchlists  # noqa: E402
from briefer.watchlist import Issue, load_issues  # noqa: E402

SHARED = Path(os.environ.get("BRIEFER_SHARED", REPO.parent / "shared"))
PRECISION_TARGET = 0.85
MACRO_F1_TARGET = 0.90
MARGIN_TARGET = 0.10


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def briefer_command() -> list[str]:
    script = Path(sys.executable).parent / "briefer"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from briefer.cli import main; sys.exit(main())"]


def run_briefer(rows: list[dict]) -> list[set[str]]:
    """Issues per row, as `briefer match --jsonl` reports them."""
    lines = "".join(
        json.dumps({"id": i, "title": r["title"], "summary": r.get("summary") or ""}) + "\n"
        for i, r in enumerate(rows)
    )
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "BRIEFER_HOME": home}
        done = subprocess.run(
            [*briefer_command(), "match", "--jsonl", "-"],
            input=lines.encode("utf-8"),
            capture_output=True,
            env=env,
            check=False,
        )
    if done.returncode != 0:
        sys.exit(f"briefer match failed ({done.returncode}): {done.stderr.decode()}")
    found: list[set[str]] = [set() for _ in rows]
    for line in done.stdout.decode("utf-8").splitlines():
        out = json.loads(line)
        found[out["id"]] = {m["issue"] for m in out["matches"]}
    return found


def run_baseline(rows: list[dict], issues: list[Issue]) -> list[set[str]]:
    keywords = {
        issue.id: [t.lower() for t in (*issue.phrases, *issue.words, *issue.weak_terms)]
        for issue in issues
    }
    found = []
    for r in rows:
        text = f"{r['title']}\n{r.get('summary') or ''}".lower()
        found.append({i for i, words in keywords.items() if any(w in text for w in words)})
    return found


def score(rows: list[dict], found: list[set[str]], ids: list[str]) -> dict[str, Score]:
    scores = {i: Score() for i in ids}
    for r, got in zip(rows, found, strict=True):
        labels = set(r["labels"])
        for i in ids:
            if i in got and i in labels:
                scores[i].tp += 1
            elif i in got:
                scores[i].fp += 1
            elif i in labels:
                scores[i].fn += 1
    return scores


def macro(scores: dict[str, Score]) -> tuple[float, float, float]:
    n = len(scores)
    return (
        sum(s.precision for s in scores.values()) / n,
        sum(s.recall for s in scores.values()) / n,
        sum(s.f1 for s in scores.values()) / n,
    )


def table(name: str, scores: dict[str, Score]) -> None:
    print(f"\n{name}")
    print(f"  {'issue':<16} {'P':>6} {'R':>6} {'F1':>6}   tp  fp  fn")
    for i, s in scores.items():
        print(
            f"  {i:<16} {s.precision:6.3f} {s.recall:6.3f} {s.f1:6.3f}  "
            f"{s.tp:3d} {s.fp:3d} {s.fn:3d}"
        )
    p, r, f = macro(scores)
    print(f"  {'macro':<16} {p:6.3f} {r:6.3f} {f:6.3f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", nargs="?", type=Path, default=SHARED / "eval" / "dev.jsonl")
    parser.add_argument("--quiet", action="store_true", help="Figures only, no item lists.")
    args = parser.parse_args()
    if not args.file.exists():
        print(f"eval_match: {args.file} not found (give FILE or set BRIEFER_SHARED)")
        return 2
    rows = [json.loads(line) for line in args.file.read_text("utf-8").splitlines() if line.strip()]
    issues = load_issues([default_watchlists()])
    labelled = {label for r in rows for label in r["labels"]}
    ids = [i.id for i in issues if i.id in labelled]

    found = run_briefer(rows)
    ours = score(rows, found, ids)
    base = score(rows, run_baseline(rows, issues), ids)
    print(f"{args.file}: {len(rows)} items, issues {', '.join(ids)}")
    table("briefer (briefer match --jsonl)", ours)
    table("exact-keyword baseline (same terms, substring)", base)

    if not args.quiet:
        for i in ids:
            wrong = [
                (kind, r)
                for r, got in zip(rows, found, strict=True)
                for kind in ("FP", "FN")
                if (kind == "FP" and i in got and i not in r["labels"])
                or (kind == "FN" and i not in got and i in r["labels"])
            ]
            if wrong:
                print(f"\n{i}: false positives and false negatives")
                for kind, r in wrong:
                    print(f"  {kind}  {r['id']}  {r['title'][:110]}")

    _, _, ours_f1 = macro(ours)
    _, _, base_f1 = macro(base)
    checks = [
        (
            f"precision >= {PRECISION_TARGET} for every issue",
            all(s.precision >= PRECISION_TARGET for s in ours.values()),
            ", ".join(f"{i} {s.precision:.3f}" for i, s in ours.items()),
        ),
        (f"macro F1 >= {MACRO_F1_TARGET}", ours_f1 >= MACRO_F1_TARGET, f"{ours_f1:.3f}"),
        (
            f"macro F1 >= baseline + {MARGIN_TARGET}",
            ours_f1 - base_f1 >= MARGIN_TARGET,
            f"{ours_f1:.3f} vs {base_f1:.3f} (+{ours_f1 - base_f1:.3f})",
        ),
    ]
    print("\ntargets")
    for name, ok, detail in checks:
        print(f"  {'met    ' if ok else 'MISSED '} {name}: {detail}")
    return 0 if all(ok for _, ok, _ in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
