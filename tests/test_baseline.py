"""The bundled baseline analysis and its loader, on real files."""

from __future__ import annotations

import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from briefer.baseline import Baseline, Seed, SeedError, baselines, load_seeds, parse_seed
from briefer.errors import InputFileError
from briefer.resources import default_seeds
from tests.shared import require_shared

ISSUES = ("border", "fentanyl", "tariffs", "judicial_reform", "usmca_2026")

ELLIS = "ellis-2024-security-cooperation"
BERG = "berg-2023-relationship-could-get-worse"
CASTRO = "dominguez-castro-2025-first-100-days"
WILSON = "wilson-center-2024-sheinbaum-security-cooperation"
REPORT = "report-to-congress-2025-trump-threats"

# The seeds README's mapping of issues to the sources that speak to them.
EXPECTED_SOURCES = {
    "border": {ELLIS, BERG, REPORT},
    "fentanyl": {ELLIS, BERG, CASTRO, WILSON, REPORT},
    "tariffs": {ELLIS, BERG, CASTRO, REPORT},
    "judicial_reform": {ELLIS, CASTRO},
    "usmca_2026": {ELLIS, BERG, CASTRO},
}

MAX_SHARED_RUN = 7  # words; a run of 8 or more copied from a source fails


@pytest.fixture(scope="module")
def bundled() -> list[Seed]:
    return load_seeds([default_seeds()])


@pytest.fixture(scope="module")
def by_issue(bundled: list[Seed]) -> dict[str, Baseline]:
    return baselines(bundled, ISSUES)


def write_seed(folder: Path, stem: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{stem}.md"
    path.write_text(text, encoding="utf-8")
    return path


GOOD = """\
---
title: A User's Own Source
author: Jane Analyst
outlet: Private notes
date: 2025-03
issues: [tariffs]
---

What this source is about.

## tariffs

Lead sentence for the tariffs baseline.

- A point with a figure: 12%.
"""


# --- the bundled seeds -----------------------------------------------------------------------


def test_bundled_seeds_load_with_full_metadata(bundled: list[Seed]) -> None:
    assert {s.key for s in bundled} == {ELLIS, BERG, CASTRO, WILSON, REPORT}
    for seed in bundled:
        assert seed.title and seed.author and seed.outlet and seed.summary
        assert re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", seed.date)
        assert set(seed.issues) == set(seed.sections)
        assert set(seed.issues) <= set(ISSUES)
        assert seed.path.parent == default_seeds()
    dates = {s.key: s.date for s in bundled}
    assert dates[ELLIS] == "2024-11-25"
    assert dates[REPORT] == "2025-08-25"
    # Inferred dates say so, and citations carry the caveat.
    for key in (BERG, CASTRO, WILSON):
        seed = next(s for s in bundled if s.key == key)
        assert seed.date_note and "approximate" in seed.date_note
        assert "approximate" in seed.citation


def test_every_issue_has_a_baseline_citing_the_right_seeds(
    by_issue: dict[str, Baseline],
) -> None:
    for issue_id in ISSUES:
        baseline = by_issue[issue_id]
        assert {n.seed.key for n in baseline.notes} == EXPECTED_SOURCES[issue_id], issue_id
        assert baseline.markdown.count("### From: ") == len(baseline.notes)
        for note in baseline.notes:
            assert f"### From: {note.seed.title} — {note.seed.author}" in baseline.markdown
            bullets = [ln for ln in note.markdown.splitlines() if ln.startswith("- ")]
            # Wilson's thin-on-figures paper and the judicial notes still give several points.
            assert len(bullets) >= 3, (issue_id, note.seed.key)
            assert len(bullets) <= 8, (issue_id, note.seed.key)
            assert note.lead and not note.lead.startswith("-")


def test_baseline_notes_are_newest_first(by_issue: dict[str, Baseline]) -> None:
    dates = [n.seed.date for n in by_issue["fentanyl"].notes]
    assert dates == sorted(dates, reverse=True)
    assert by_issue["fentanyl"].notes[0].seed.key == REPORT


def test_summary_is_one_plain_paragraph_citing_each_seed(by_issue: dict[str, Baseline]) -> None:
    for issue_id in ISSUES:
        summary = by_issue[issue_id].summary
        assert "\n" not in summary
        assert not re.search(r"[*`#]|\]\(|^- ", summary), summary
        for note in by_issue[issue_id].notes:
            assert f"({note.seed.cite})." in summary
    assert "(Ellis, Nov 2024)" in by_issue["judicial_reform"].summary


# The seeds README lists these figures; each must reach the issue it informs.
KEY_FIGURES = [
    ("tariffs", "$475 billion"),
    ("tariffs", "$427 billion"),
    ("tariffs", "700"),
    ("tariffs", "$13 billion"),
    ("tariffs", "25%"),
    ("tariffs", "30%"),
    ("tariffs", "17%"),
    ("tariffs", "Plan Mexico"),
    ("border", "4 million"),
    ("border", "10,000 National Guard"),
    ("border", "national emergency"),
    ("border", "$60 billion"),
    ("border", "$4.4 billion"),
    ("border", "Homan"),
    ("border", "Remain in Mexico"),
    ("fentanyl", "10,000 National Guard"),
    ("fentanyl", "55 high-level"),
    ("fentanyl", "$3.6 billion"),
    ("fentanyl", "100,000"),
    ("fentanyl", "ton of fentanyl pills in Sinaloa"),
    ("fentanyl", "December 2024"),
    ("fentanyl", "2020 national security law"),
    ("fentanyl", "iron river"),
    ("fentanyl", "visas"),
    ("judicial_reform", "Ken Salazar"),
    ("judicial_reform", "supermajority"),
    ("usmca_2026", "energy"),
    ("usmca_2026", "arbitration"),
    ("usmca_2026", "renegotiation"),
    ("usmca_2026", "rules of origin"),
]


@pytest.mark.parametrize(("issue_id", "figure"), KEY_FIGURES)
def test_key_figures_reach_their_issue(
    by_issue: dict[str, Baseline], issue_id: str, figure: str
) -> None:
    assert figure in by_issue[issue_id].markdown


# --- no copying ------------------------------------------------------------------------------


def _words(text: str) -> list[str]:
    # Fold case, accents and punctuation so "López Obrador's" and "Lopez Obrador s" compare
    # equal: a copy with changed typography is still a copy.
    folded = unicodedata.normalize("NFKD", text.casefold())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    return re.findall(r"[a-z0-9]+", folded)


def _ngrams(words: list[str], n: int) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def _source_texts() -> list[Path]:
    texts = sorted(require_shared("seeds").glob("*.txt"))
    assert texts, "the shared seeds folder holds no seed texts"
    return texts


def test_seed_notes_never_copy_eight_words_from_a_source(bundled: list[Seed]) -> None:
    n = MAX_SHARED_RUN + 1
    source_grams: dict[tuple[str, ...], str] = {}
    for path in _source_texts():
        for gram in _ngrams(_words(path.read_text(encoding="utf-8")), n):
            source_grams.setdefault(gram, path.name)
    copied = []
    for seed in bundled:
        # Titles are citations and may match the source; everything written by us may not.
        ours = [seed.summary, *seed.sections.values(), seed.date_note or ""]
        for gram in _ngrams(_words("\n".join(ours)), n):
            if gram in source_grams:
                copied.append(f"{seed.key} <- {source_grams[gram]}: {' '.join(gram)}")
    assert not copied, "\n".join(copied)


def test_the_copy_check_catches_a_copied_sentence(tmp_path: Path) -> None:
    # Guards the guard: a lightly retyped source sentence must be caught.
    source = _source_texts()[0]
    sentence = _words(source.read_text(encoding="utf-8"))[40:52]
    copied = " ".join(sentence).upper()
    grams = _ngrams(_words(source.read_text(encoding="utf-8")), MAX_SHARED_RUN + 1)
    assert _ngrams(_words(copied), MAX_SHARED_RUN + 1) & grams


# --- overriding and folders ------------------------------------------------------------------


def test_user_folder_overrides_bundled_seed_by_stem_and_adds_new_ones(tmp_path: Path) -> None:
    user = tmp_path / "seeds"
    write_seed(user, ELLIS, GOOD.replace("A User's Own Source", "My Ellis Notes"))
    write_seed(user, "zz-mine", GOOD)
    seeds = load_seeds([default_seeds(), user])
    keys = [s.key for s in seeds]
    assert keys.count(ELLIS) == 1
    assert keys[-1] == "zz-mine"
    ellis = next(s for s in seeds if s.key == ELLIS)
    assert ellis.title == "My Ellis Notes"
    assert ellis.path == user / f"{ELLIS}.md"
    # The override covers only tariffs, so Ellis drops out of the other issues' baselines.
    result = baselines(seeds, ISSUES)
    assert ELLIS not in {n.seed.key for n in result["border"].notes}
    assert "My Ellis Notes" in result["tariffs"].markdown


def test_missing_user_folder_is_skipped_and_readme_is_not_a_seed(tmp_path: Path) -> None:
    folder = tmp_path / "seeds"
    write_seed(folder, "README", "# How to write a seed\n")
    write_seed(folder, "mine", GOOD)
    seeds = load_seeds([tmp_path / "absent", folder])
    assert [s.key for s in seeds] == ["mine"]


def test_a_file_where_a_folder_is_expected_is_an_error(tmp_path: Path) -> None:
    not_a_folder = write_seed(tmp_path, "seeds", GOOD)
    with pytest.raises(InputFileError) as info:
        load_seeds([not_a_folder])
    assert info.value.path == not_a_folder


def test_issue_without_seeds_gets_an_empty_baseline(bundled: list[Seed]) -> None:
    result = baselines(bundled, ["border", "water_treaty"])
    assert list(result) == ["border", "water_treaty"]
    assert result["water_treaty"].notes == ()
    assert "No seed document" in result["water_treaty"].markdown
    assert "water_treaty" in result["water_treaty"].summary


def test_optional_fields_and_yaml_style_list(tmp_path: Path) -> None:
    text = GOOD.replace(
        "issues: [tariffs]\n",
        'url: "https://example.org/a"\ncite: Analyst, Mar 2025\nissues:\n  - tariffs\n',
    ).replace("## tariffs\n", "## tariffs\n\n### A subheading\n")
    seed = parse_seed(write_seed(tmp_path, "opt", text))
    assert seed.url == "https://example.org/a"
    assert seed.issues == ("tariffs",)
    assert seed.cite == "Analyst, Mar 2025"
    md = baselines([seed], ["tariffs"])["tariffs"].markdown
    assert "### From: [A User's Own Source](https://example.org/a) — Jane Analyst" in md
    assert "#### A subheading" in md  # nested under the citation heading
    assert baselines([seed], ["tariffs"])["tariffs"].summary == (
        "Lead sentence for the tariffs baseline (Analyst, Mar 2025)."
    )


def test_default_cite_is_surname_and_year(tmp_path: Path) -> None:
    seed = parse_seed(write_seed(tmp_path, "plain", GOOD))
    assert seed.cite == "Analyst 2025"
    assert seed.url is None
    assert hash(seed) == hash(parse_seed(seed.path))


# --- malformed files -------------------------------------------------------------------------

MALFORMED = [
    pytest.param(GOOD.replace("---\ntitle", "title", 1), "line 1", "'---'", id="no-opening"),
    pytest.param(GOOD.replace("---\n\nWhat", "\nWhat"), "line 1", "never closed", id="unclosed"),
    pytest.param(
        GOOD.replace("author: Jane Analyst", "author Jane Analyst"),
        "line 3",
        "key: value",
        id="no-colon",
    ),
    pytest.param(
        GOOD.replace("outlet: Private notes", "publisher: Private notes"),
        "line 4",
        "unknown key 'publisher'",
        id="unknown-key",
    ),
    pytest.param(
        GOOD.replace("author: Jane Analyst\n", ""),
        "front matter key 'author'",
        "missing",
        id="missing-key",
    ),
    pytest.param(
        GOOD.replace("date: 2025-03", "date: March 2025"), "line 5", "YYYY-MM-DD", id="bad-date"
    ),
    pytest.param(
        GOOD.replace("date: 2025-03", "date: 2025-02-30"), "line 5", "YYYY-MM-DD", id="no-such-day"
    ),
    pytest.param(
        GOOD.replace("issues: [tariffs]", "issues: [tariffs"), "line 6", "']'", id="open-list"
    ),
    pytest.param(
        GOOD.replace("issues: [tariffs]", "issues: [tariffs, border]"),
        "line 6",
        "no '## border' section",
        id="listed-without-section",
    ),
    pytest.param(
        GOOD.replace("## tariffs", "## Tariffs"),
        "line 11",
        "not in the front matter's issues list",
        id="section-not-listed",
    ),
    pytest.param(
        GOOD + "\n## tariffs\n\n- again\n", "line 17", "second '## tariffs'", id="duplicate"
    ),
    pytest.param(
        GOOD.replace("What this source is about.\n", ""), "line 8", "summary", id="no-summary"
    ),
    pytest.param(
        GOOD.replace("issues: [tariffs]", "issues: [tariffs]\nurl: ftp://x"),
        "line 7",
        "http",
        id="bad-url",
    ),
    pytest.param(
        GOOD.replace("title: A User's", "title: A User's\ntitle: Again"),
        "line 3",
        "twice",
        id="duplicate-key",
    ),
]


@pytest.mark.parametrize(("text", "where", "problem"), MALFORMED)
def test_malformed_seed_names_file_and_place(
    tmp_path: Path, text: str, where: str, problem: str
) -> None:
    path = write_seed(tmp_path / "user", "broken", text)
    with pytest.raises(SeedError) as info:
        load_seeds([default_seeds(), tmp_path / "user"])
    error = info.value
    assert isinstance(error, InputFileError)
    assert error.path == path
    assert error.where == where
    assert problem in error.problem
    assert str(error).startswith(f"{path}, {where}: ")


def test_non_utf8_seed_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.md"
    path.write_bytes(GOOD.replace("Jane", "Jané").encode("latin-1"))
    with pytest.raises(SeedError, match="UTF-8") as info:
        parse_seed(path)
    assert info.value.path == path


# --- boundaries ------------------------------------------------------------------------------


def test_baseline_module_imports_neither_textual_nor_click() -> None:
    code = (
        "import sys, briefer.baseline; "
        "bad = [m for m in ('textual', 'click') if m in sys.modules]; "
        "sys.exit(str(bad) if bad else 0)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
