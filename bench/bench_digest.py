"""Digest of a busy day: 5,000 matches, built and rendered in every format.

Prints the time to build the model (the issue's stories from the store, the best ten in full
with their outlets) and to render each
format, against a baseline measured in the same run: the same rows fetched from the store
and dumped naively with json.dumps. Target: every format under 1 s.

    .venv/bin/python bench/bench_digest.py [--matches 5000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import functools
import json
import random
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from briefer.digest import Period, build_digest
from briefer.digest.render import FORMATS, render
from briefer.models import FetchResult, FetchStatus, Item, Match, ParsedFeed, TermHit
from briefer.store import Store
from briefer.stories import StoryIndex

NOW = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)
TZ = timezone(timedelta(hours=-6), "CST")
ISSUE_IDS = ["border", "fentanyl", "tariffs", "judicial", "usmca"]
SHARED_EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval" / "dev.jsonl"

SUBJECTS = ["Sheinbaum", "Trump", "Mexico", "The Senate", "Cartel leaders", "CBP", "Ebrard",
            "The Supreme Court", "Sinaloa officials", "US Treasury", "The DEA"]  # fmt: skip
VERBS = ["warns over", "responds to", "announces", "rejects", "backs", "investigates",
         "delays", "targets", "confirms", "questions"]  # fmt: skip
OBJECTS = ["25% tariffs on steel", "fentanyl seizures in Sonora", "border troop deployment",
           "judicial election results", "USMCA review talks", "remittance tax plan",
           "auto rules of origin", "asylum processing limits", "precursor chemical imports",
           "extradition of cartel figures"]  # fmt: skip


@dataclass(frozen=True)
class BenchIssue:
    id: str
    title: str


def headlines(n: int, rng: random.Random) -> list[str]:
    pool: list[str] = []
    if SHARED_EVAL.exists():
        pool = [json.loads(line)["title"] for line in SHARED_EVAL.open(encoding="utf-8")]
    titles = []
    for i in range(n):
        if pool and i % 2:
            base = rng.choice(pool)
        else:
            base = f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)}"
        # About one in five is the same story again from another feed, as aggregators do.
        titles.append(base if rng.random() < 0.2 else f"{base} ({i})")
    return titles


def build_db(path: Path, matches: int, rng: random.Random) -> None:
    store = Store(path)
    feeds = 25
    titles = headlines(matches, rng)
    per_feed: dict[int, list[tuple[Item, list[Match]]]] = {f: [] for f in range(feeds)}
    for i, title in enumerate(titles):
        published = NOW - timedelta(seconds=rng.randrange(1, 24 * 3600))
        issue = ISSUE_IDS[i % len(ISSUE_IDS)]
        hit = TermHit(term=issue, kind="phrase", score=90.0)
        entry = Item(
            guid=f"g{i}",
            title=title,
            summary=f"{title}. " + "Context sentence about the story. " * 6,
            link=f"https://news{i % feeds}.example/story/{i}",
            published=published,
        )
        per_feed[i % feeds].append((entry, [Match(issue, rng.uniform(50, 100), (hit,))]))
    index = StoryIndex()  # as a poll does: copies of a headline join its story
    for f, entries in per_feed.items():
        url = f"https://news{f}.example/feed"
        parsed = ParsedFeed(title=f"News {f}", link=None, items=[e for e, _ in entries])
        store.record_poll(
            url,
            FetchResult(url=url, status=FetchStatus.OK, http_status=200),
            parsed,
            [ms for _, ms in entries],
            next_due=NOW,
            now=NOW,
            stories=index,
        )
    store.close()


def best_of(repeat: int, fn: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--matches", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    rng = random.Random(20261123)
    issues = [BenchIssue(i, i.title()) for i in ISSUE_IDS]
    baselines = {i: f"Baseline paragraph for {i}. " * 8 for i in ISSUE_IDS}
    period = Period(NOW - timedelta(hours=24), NOW, "since-last-export")

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        start = time.perf_counter()
        build_db(db, args.matches, rng)
        print(f"fixture: {args.matches} matches written in {time.perf_counter() - start:.2f} s")
        store = Store(db)

        def naive() -> str:
            rows = [r for i in ISSUE_IDS for r in store.matches(i, since=period.start)]
            return json.dumps(
                [
                    {
                        "issue": r.issue_id,
                        "score": r.score,
                        "terms": r.terms,
                        "title": r.item.title,
                        "summary": r.item.summary,
                        "link": r.item.link,
                        "source": r.item.feed_title,
                        "published": r.item.published.isoformat(),
                    }
                    for r in rows
                ]
            )

        def build() -> object:
            return build_digest(store, issues, baselines, period, tz=TZ, now=NOW)

        digest = build_digest(store, issues, baselines, period, tz=TZ, now=NOW)
        t_naive = best_of(args.repeat, naive)
        t_build = best_of(args.repeat, build)
        print(
            f"digest: {digest.match_count} matches -> {digest.story_count} stories "
            f"({digest.match_count - digest.story_count} copies folded into stories); "
            f"best of {args.repeat}"
        )
        print(f"{'step':<26}{'seconds':>9}{'x naive':>9}")
        print(f"{'naive json.dumps (base)':<26}{t_naive:>9.3f}{1.0:>9.1f}")
        print(f"{'build model':<26}{t_build:>9.3f}{t_build / t_naive:>9.1f}")
        worst = 0.0
        for fmt in FORMATS:
            t_render = best_of(args.repeat, functools.partial(render, digest, fmt))
            total = t_build + t_render
            worst = max(worst, total)
            size = len(render(digest, fmt).encode("utf-8")) / 1e6
            print(
                f"{'render ' + fmt:<26}{t_render:>9.3f}{t_render / t_naive:>9.1f}"
                f"   build+render {total:.3f} s, {size:.1f} MB"
            )
        store.close()
    verdict = "under" if worst < 1.0 else "OVER"
    print(
        f"slowest build+render: {worst:.3f} s, {worst / t_naive:.1f}x the naive dump "
        f"({verdict} the 1 s target, which assumes an idle machine)"
    )


if __name__ == "__main__":
    main()
