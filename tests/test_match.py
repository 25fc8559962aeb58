"""The matcher on real text: folding, inflections, whole words, context, exclusions, spans."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from briefer import match as match_module
from briefer.match import Matcher, fold, language, stem
from briefer.models import Match, TermHit
from briefer.resources import default_watchlists
from briefer.watchlist import load_issues
from tests.shared import require_shared


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(load_issues([default_watchlists()]))


def issues(matcher: Matcher, title: str, summary: str = "") -> list[str]:
    return [m.issue_id for m in matcher.match(title, summary)]


def one(matcher: Matcher, title: str, issue: str, summary: str = "") -> Match:
    found = {m.issue_id: m for m in matcher.match(title, summary)}
    assert issue in found, f"{title!r} did not match {issue}: {list(found)}"
    return found[issue]


def custom(tmp_path: Path, toml: str) -> Matcher:
    (tmp_path / "custom.toml").write_text(toml, encoding="utf-8")
    return Matcher(load_issues([tmp_path]))


def test_folding_and_stemming() -> None:
    assert fold("Cárteles") == "carteles"
    assert fold("T-MEC") == "tmec"
    assert fold("EE.UU.") == "eeuu"
    assert stem("carteles") == stem("cartel") == "cartel"
    assert stem("mexicanos") == stem("mexicana") == stem("mexican")
    assert stem("deportes") != stem("deported")  # sports are not deportations


def test_the_plain_word_pattern_finds_the_tokens_token_finds() -> None:
    from briefer.textfold import TOKEN, token_pattern

    texts = ["T-MEC y EE.UU.", "U.S. tariffs", "Aranceles al acero", "a_b 3,5% ¿qué?", "x-", ""]
    for line in require_shared("eval", "dev.jsonl").open(encoding="utf-8"):
        row = json.loads(line)
        texts += [row["title"], row.get("summary") or ""]
    plain = 0
    for text in texts:
        assert token_pattern(text).findall(text) == TOKEN.findall(text), text
        plain += token_pattern(text) is not TOKEN
    assert plain > len(texts) // 3  # the fast pattern is the common case


@pytest.mark.parametrize(
    ("title", "issue"),
    [
        ("Detienen a operador del Cártel de Sinaloa", "fentanyl"),
        ("Detienen a operador del cartel de sinaloa", "fentanyl"),  # accents and case
        ("Decomisan fentanilo en Sonora", "fentanyl"),
        ("Los cárteles mexicanos y el fentanil", "fentanyl"),  # plural, and one typo
        ("Sheinbaum rechaza los aranceles de Trump", "tariffs"),  # plural + context
        ("Revisión del T-MEC: México y EE.UU. se reúnen", "usmca_2026"),
        ("El TMEC se desacelera", "usmca_2026"),
        ("Congreso aprueba la reforma judicial", "judicial_reform"),
        ("Elecciones judiciales: el INE pide aplazarlas", "judicial_reform"),
        ("Sheinbaum pide frenar las deportaciones masivas en Estados Unidos", "border"),
        ("Despliegan a la Guardia Nacional en la frontera norte", "border"),
        ("US deportation flights to Mexico double", "border"),
        ("Trump threatens military strikes on Mexican cartels", "fentanyl"),
    ],
)
def test_english_and_spanish_forms_match(matcher: Matcher, title: str, issue: str) -> None:
    assert issue in issues(matcher, title)


@pytest.mark.parametrize(
    "title",
    [
        "What a good idea, said the police officer",  # DEA in "idea", ICE in "police"
        "The office of the Dean is closed",  # ICE in "office", DEA in "Dean"
        "Ice storm hits Texas; roads covered in ice",  # ice is not ICE
        "Dea Martínez gana el torneo",  # a name, not the DEA
        "Deportes: México y EU empatan en amistoso",  # sports are not deportations
        "Selecciones de México y Estados Unidos se enfrentan",  # not "elecciones"
        "El cartel del festival Vive Latino ya está aquí",  # a poster, not a cartel
    ],
)
def test_acronyms_and_short_words_match_only_whole_words(matcher: Matcher, title: str) -> None:
    assert issues(matcher, title) == []


def test_acronyms_match_as_words(matcher: Matcher) -> None:
    assert issues(matcher, "La DEA acusa a funcionarios") == ["fentanyl"]
    assert issues(matcher, "ICE detains workers in Chicago") == ["border"]
    assert "fentanyl" in issues(matcher, "¡GABINETE DE SEGURIDAD VS. DEA!")


def test_weak_terms_need_their_context(matcher: Matcher) -> None:
    assert issues(matcher, "Canada hit by new US tariffs on lumber") == []
    assert issues(matcher, "Trump amenaza a Canadá con aranceles") == []
    assert issues(matcher, "Europa y México firman acuerdo que elimina aranceles") == []
    assert "tariffs" in issues(matcher, "US slaps tariffs on Mexican tomatoes")
    hit = one(matcher, "US slaps tariffs on Mexican tomatoes", "tariffs")
    kinds = {h.term: h.kind for h in hit.hits}
    assert kinds["tariff"] == "weak"
    assert "context" in kinds.values()
    # Migrants alone could be anyone's: this story has the US but not Mexico.
    assert issues(matcher, "Haití recibe vuelos de deportación desde Estados Unidos") == []


def test_language_limited_terms(matcher: Matcher) -> None:
    assert language("Aranceles bajaron el déficit con México: EU") == "es"
    assert language("EU and Mexico sign a trade agreement") == "en"
    assert language("USMCA") == ""
    # In Spanish EU is the United States; in English it is the European Union.
    assert "tariffs" in issues(matcher, "Aranceles bajaron el déficit automotor con México: EU")
    assert issues(matcher, "EU and Mexico sign a modernised trade agreement") == []


def test_exclusions_rule_an_issue_out(matcher: Matcher) -> None:
    assert issues(matcher, "OPEC cartel cuts output as prices fall") == []
    assert "fentanyl" in issues(matcher, "Drug cartel cuts prices of fentanyl")


def test_spans_point_at_the_matched_text(matcher: Matcher) -> None:
    title = "Sheinbaum responde a la DEA sobre el Cártel de Sinaloa"
    summary = "La DEA acusó a funcionarios; la presidenta lo niega."
    found = one(matcher, title, "fentanyl", summary)
    texts = {"title": title, "summary": summary}
    seen = {(h.term, s.field, texts[s.field][s.start : s.end]) for h in found.hits for s in h.spans}
    assert ("DEA", "title", "DEA") in seen
    assert ("DEA", "summary", "DEA") in seen
    assert ("cártel de Sinaloa", "title", "Cártel de Sinaloa") in seen
    for hit in found.hits:
        assert hit.spans and 0 <= hit.score <= 100


def test_spans_survive_repeated_words_and_punctuation(matcher: Matcher) -> None:
    title = "ICE, ICE y más ICE: “redadas del ICE” en EE.UU. (ICE)"
    found = one(matcher, title, "border")
    spans = [s for h in found.hits for s in h.spans]
    assert spans
    for span in spans:
        assert title[span.start : span.end] in ("ICE", "redadas del ICE")


def test_spans_follow_each_items_own_whitespace(matcher: Matcher) -> None:
    # The same words are one shape, whatever separates them: spans are placed per item.
    words = ["La", "DEA", "y", "el", "Cártel", "de", "Sinaloa"]
    for title in (
        " ".join(words),
        "  La\tDEA y  el\nCártel de\u00a0Sinaloa ",
        "La DEA y el Cártel de Sinaloa\u2003",
        "\u3000La DEA  y el Cártel de Sinaloa",
    ):
        found = one(matcher, title, "fentanyl")
        seen = {title[s.start : s.end] for h in found.hits for s in h.spans}
        assert seen == {
            "DEA",
            "Cártel de\u00a0Sinaloa" if "\u00a0" in title else "Cártel de Sinaloa",
        }


def test_overlapping_terms_count_once(matcher: Matcher) -> None:
    found = one(matcher, "ICE agents detain Mexican workers", "border")
    assert [h.term for h in found.hits] == ["ICE agents"]


def test_results_are_best_first_and_at_or_above_threshold(matcher: Matcher) -> None:
    found = matcher.match(
        "T-MEC: Trump amenaza con aranceles al acero mexicano y a los cárteles",
        "La revisión del T-MEC incluye la seguridad; la DEA participa.",
    )
    scores = [m.score for m in found]
    assert scores == sorted(scores, reverse=True)
    assert {m.issue_id for m in found} >= {"usmca_2026", "tariffs", "fentanyl"}
    thresholds = {i.id: i.threshold for i in matcher.issues}
    assert all(m.score >= thresholds[m.issue_id] for m in found)


def test_threshold_and_typo_scores(tmp_path: Path) -> None:
    strict = custom(
        tmp_path,
        'id = "strict"\ntitle = "S"\nthreshold = 99\n[terms]\nphrases = ["fentanyl"]\n',
    )
    assert [m.issue_id for m in strict.match("fentanyl seizure")] == ["strict"]
    assert strict.match("fentanil seizure") == []  # a typo scores below 99


def test_a_user_issue_matches_with_its_own_terms(tmp_path: Path) -> None:
    lithium = custom(
        tmp_path,
        """
id = "lithium"
title = "Lithium"
threshold = 80
[terms]
phrases = ["litio", "lithium"]
words = ["LitioMx"]
exclude = ["batería de juguete"]
[[weak]]
terms = ["salar"]
context = ["mexico"]
[context]
mexico = ["Sonora", "México"]
""",
    )
    assert [m.issue_id for m in lithium.match("México nacionaliza el litio")] == ["lithium"]
    assert lithium.match("Un salar en Bolivia") == []
    assert [m.issue_id for m in lithium.match("Un salar en Sonora")] == ["lithium"]
    assert lithium.match("Litio para una batería de juguete") == []


def test_single_and_batch_agree_and_spanless_is_the_same(matcher: Matcher) -> None:
    texts = [
        ("La DEA y el Cártel de Sinaloa", ""),
        ("Aranceles bajaron el déficit automotor con México: EU", ""),
        ("Nothing here", "at all"),
        ("ICE agents detain Mexican workers", "ICE says 12 were detained"),
    ] * 3
    batch = matcher.match_many(texts)
    fresh = Matcher(matcher.issues)
    assert [fresh.match(t, s) for t, s in texts] == batch
    spanless = fresh.match_many(texts, spans=False)
    stripped = [
        [
            Match(m.issue_id, m.score, tuple(TermHit(h.term, h.kind, h.score) for h in m.hits))
            for m in found
        ]
        for found in batch
    ]
    assert spanless == stripped


def test_single_and_batch_agree_on_the_whole_dev_set() -> None:
    dev = require_shared("eval", "dev.jsonl")
    rows = [json.loads(line) for line in dev.read_text("utf-8").splitlines() if line.strip()]
    texts = [(r["title"], r.get("summary") or "") for r in rows]
    issues_ = load_issues([default_watchlists()])
    batch = Matcher(issues_).match_many(texts)
    single = Matcher(issues_)
    assert [single.match(t, s) for t, s in texts] == batch
    # Batches of any size, in any order, give the same answers.
    shuffled = Matcher(issues_)
    reordered = list(reversed(texts))
    chunks = [shuffled.match_many(reordered[i : i + 7]) for i in range(0, len(reordered), 7)]
    assert list(reversed([m for chunk in chunks for m in chunk])) == batch
    assert sum(1 for found in batch if found) > 100


def test_forgetting_the_caches_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    # A long-running poller outgrows the caches; starting them over must only cost time.
    texts = [
        ("La DEA y el Cártel de Sinaloa", "Sheinbaum responde a la DEA."),
        ("Aranceles bajaron el déficit automotor con México: EU", ""),
        ("ICE agents detain Mexican workers", "ICE says 12 were detained"),
        ("Revisión del T-MEC: aranceles al acero", "Nothing else here at all"),
    ]
    issues_ = load_issues([default_watchlists()])
    expected = Matcher(issues_).match_many(texts * 5)
    monkeypatch.setattr(match_module, "_CHUNK_LIMIT", 8)
    monkeypatch.setattr(match_module, "_SHAPE_LIMIT", 1)
    small = Matcher(issues_)
    assert [small.match_many([text])[0] for text in texts * 5] == expected
    assert small.match_many(texts * 5) == expected
