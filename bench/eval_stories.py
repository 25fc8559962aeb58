"""Story grouping quality on labelled headlines: briefer against two title baselines.

    .venv/bin/python bench/eval_stories.py [FILE] [--in-process] [--halves] [--errors N]

FILE is labelled JSON lines (`id`, `title`, `summary`, `published`, `source`, `lang`,
`story`); the default is ../shared/eval/stories-dev.jsonl beside the checkout
(BRIEFER_SHARED overrides the shared folder; ../shared/eval/STORIES.md defines a story).

briefer is measured through its public contract: the file is piped through
`briefer stories --jsonl -` in a subprocess and exactly what it prints is scored
(`--in-process` calls the same code in this process instead, for quick runs). In the same
run, on the same items:
- every item alone (the floor: B-cubed precision 1, pairwise 0);
- identical titles: items whose folded titles, without the outlet suffix, are equal;
- greedy title similarity: in time order, each item joins the earlier item (within the
  story window) whose suffix-free folded title is most similar by rapidfuzz's
  token_set_ratio, if that reaches the threshold; the threshold is scanned and the best
  one on this file reported, so the baseline is given its best chance.

Scores: B-cubed precision, recall and F1 (per item: the share of its predicted group in its
true story, the share of its story in its predicted group, averaged over items) and
pairwise precision, recall and F1 over item pairs. `--halves` also scores briefer on two
halves of the stories (split by label), to see whether its settings hold on both.
Exit status 1 if the targets are missed: B-cubed F1 >= 0.90, pairwise F1 >= 0.65, and
pairwise F1 at least 0.10 above the better baseline's.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import zlib
from collections import Counter, defaultdict
from collections.abc import Hashable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from rapidfuzz import fuzz  # noqa: E402

from briefer.outlet import split_outlet  # noqa: E402
from briefer.stories import WINDOW  # noqa: E402
from briefer.stories.jsonl import parse_lines, stories_of  # noqa: E402
from briefer.textfold import TOKEN, fold  # noqa: E402

SHARED = Path(os.environ.get("BRIEFER_SHARED", REPO.parent / "shared"))
BCUBED_TARGET = 0.90
PAIRWISE_TARGET = 0.65
MARGIN_TARGET = 0.10
GREEDY_THRESHOLDS = (60, 65, 70, 75, 80, 85, 90, 95)


# -- scores ------------------------------------------------------------------------------------


def bcubed(gold: Sequence[Hashable], predicted: Sequence[Hashable]) -> tuple[float, float, float]:
    pairs = Counter(zip(gold, predicted, strict=True))
    gold_sizes, pred_sizes = Counter(gold), Counter(predicted)
    n = len(gold)
    precision = sum(c * c / pred_sizes[p] for (_, p), c in pairs.items()) / n
    recall = sum(c * c / gold_sizes[g] for (g, _), c in pairs.items()) / n
    return precision, recall, _f1(precision, recall)


def pairwise(gold: Sequence[Hashable], predicted: Sequence[Hashable]) -> tuple[float, float, float]:
    def links(counts: Counter[Any]) -> int:
        return sum(c * (c - 1) // 2 for c in counts.values())

    both = links(Counter(zip(gold, predicted, strict=True)))
    in_pred, in_gold = links(Counter(predicted)), links(Counter(gold))
    precision = both / in_pred if in_pred else 0.0
    recall = both / in_gold if in_gold else 0.0
    return precision, recall, _f1(precision, recall)


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


# -- methods -----------------------------------------------------------------------------------


def _folded_title(row: dict[str, Any]) -> str:
    title, _ = split_outlet(row["title"])
    return " ".join(fold(m.group()) for m in TOKEN.finditer(title))


def _when(row: dict[str, Any]) -> datetime:
    when = datetime.fromisoformat(row["published"])
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when


def alone(rows: Sequence[dict[str, Any]]) -> list[Hashable]:
    return [row["id"] for row in rows]


def identical_titles(rows: Sequence[dict[str, Any]]) -> list[Hashable]:
    first: dict[str, Hashable] = {}
    return [first.setdefault(_folded_title(row) or row["id"], row["id"]) for row in rows]


def greedy_titles(rows: Sequence[dict[str, Any]], threshold: float) -> list[Hashable]:
    """Each item (in time order) joins the most similar earlier item's story, if similar
    enough and within the window: the obvious approach, pairwise over the window."""
    order = sorted(range(len(rows)), key=lambda i: _when(rows[i]))
    titles = [_folded_title(row) for row in rows]
    whens = [_when(row) for row in rows]
    out: list[Hashable] = [None] * len(rows)
    seen: list[int] = []
    for i in order:
        best, story = threshold, rows[i]["id"]
        seen = [j for j in seen if whens[i] - whens[j] <= WINDOW]
        for j in seen:
            score = fuzz.token_set_ratio(titles[i], titles[j]) if titles[i] else 0.0
            if score >= best and (score > best or out[j] is not None):
                best, story = score, out[j]
        out[i] = story
        seen.append(i)
    return out


def briefer_cli(path: Path) -> list[Hashable]:
    with path.open("rb") as stream:
        done = subprocess.run(
            [sys.executable, "-m", "briefer", "stories", "--jsonl", "-"],
            stdin=stream,
            capture_output=True,
            check=True,
            cwd=REPO,
        )
    return [json.loads(line)["story"] for line in done.stdout.splitlines()]


def briefer_in_process(rows: Sequence[dict[str, Any]]) -> list[Hashable]:
    lines = [json.dumps(row, ensure_ascii=False).encode() for row in rows]
    parsed = parse_lines(lines)
    assert parsed.error is None, parsed.error
    return stories_of(parsed)


# -- report ------------------------------------------------------------------------------------


def _row(name: str, gold: Sequence[Hashable], predicted: Sequence[Hashable]) -> tuple[float, ...]:
    b = bcubed(gold, predicted)
    p = pairwise(gold, predicted)
    print(
        f"{name:<34} {b[0]:6.3f} {b[1]:6.3f} {b[2]:6.3f}   {p[0]:6.3f} {p[1]:6.3f} {p[2]:6.3f}"
        f"   {len(set(predicted)):5d}"
    )
    return (*b, *p)


def _header(title: str) -> None:
    print(f"\n{title}")
    print(
        f"{'method':<34} {'B3 P':>6} {'B3 R':>6} {'B3 F1':>6}   {'pw P':>6} {'pw R':>6} "
        f"{'pw F1':>6}   stories"
    )


def errors(rows: Sequence[dict[str, Any]], predicted: Sequence[Hashable], limit: int) -> None:
    """Stories split apart and predicted groups that mix stories, largest first."""
    by_gold: dict[str, list[int]] = defaultdict(list)
    by_pred: dict[Hashable, list[int]] = defaultdict(list)
    for i, row in enumerate(rows):
        by_gold[row["story"]].append(i)
        by_pred[predicted[i]].append(i)
    split = sorted((g for g in by_gold.values() if len({predicted[i] for i in g}) > 1), key=len)
    print(f"\nSplit stories ({len(split)}), largest {limit}:")
    for members in split[::-1][:limit]:
        print(f"  {rows[members[0]]['story']}")
        for i in members:
            print(f"    [{str(predicted[i])[:6]}] {rows[i]['lang']} {rows[i]['title'][:110]}")
    mixed = sorted((g for g in by_pred.values() if len({rows[i]["story"] for i in g}) > 1), key=len)
    print(f"\nMixed groups ({len(mixed)}), largest {limit}:")
    for members in mixed[::-1][:limit]:
        print("  --")
        for i in members:
            print(f"    {rows[i]['story'][:30]:<30} {rows[i]['lang']} {rows[i]['title'][:90]}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("file", nargs="?", type=Path, default=SHARED / "eval/stories-dev.jsonl")
    parser.add_argument("--in-process", action="store_true", help="skip the subprocess")
    parser.add_argument("--halves", action="store_true", help="also score two halves")
    parser.add_argument("--errors", type=int, default=0, metavar="N", help="show N errors each")
    args = parser.parse_args()
    rows = [json.loads(line) for line in args.file.read_text(encoding="utf-8").splitlines() if line]
    gold = [row["story"] for row in rows]
    sizes = Counter(gold)
    print(
        f"{args.file}: {len(rows)} items, {len(sizes)} stories "
        f"({sum(1 for c in sizes.values() if c > 1)} with two or more items)"
    )

    _header("Scores")
    ours = briefer_in_process(rows) if args.in_process else briefer_cli(args.file)
    mine = _row("briefer stories", gold, ours)
    _row("every item alone", gold, alone(rows))
    same = _row("identical titles", gold, identical_titles(rows))
    greedy = {t: greedy_titles(rows, t) for t in GREEDY_THRESHOLDS}
    best_t = max(greedy, key=lambda t: pairwise(gold, greedy[t])[2])
    best = _row(f"greedy token_set_ratio >= {best_t}", gold, greedy[best_t])
    print(
        "\nGreedy baseline by threshold (pairwise F1): "
        + ", ".join(f"{t}: {pairwise(gold, greedy[t])[2]:.3f}" for t in GREEDY_THRESHOLDS)
    )

    if args.halves:
        _header("briefer on two halves of the stories (split by label)")
        for half in (0, 1):
            part = [r for r in rows if zlib.crc32(r["story"].encode()) % 2 == half]
            _row(
                f"half {half + 1} ({len(part)} items)",
                [r["story"] for r in part],
                briefer_in_process(part),
            )
    if args.errors:
        errors(rows, ours, args.errors)

    margin = mine[5] - max(same[5], best[5])
    met = mine[2] >= BCUBED_TARGET and mine[5] >= PAIRWISE_TARGET and margin >= MARGIN_TARGET
    print(
        f"\nTargets: B-cubed F1 >= {BCUBED_TARGET} ({mine[2]:.3f}), pairwise F1 >= "
        f"{PAIRWISE_TARGET} ({mine[5]:.3f}), {MARGIN_TARGET} above the better baseline "
        f"({margin:+.3f}): {'met' if met else 'NOT met'}"
    )
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
