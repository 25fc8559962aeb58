"""split_outlet: the real outlet behind an aggregator's " - Outlet" title suffix."""

from __future__ import annotations

import pytest

from briefer.outlet import echoes_title, split_outlet


@pytest.mark.parametrize(
    ("title", "source", "expected"),
    [
        # Google News with its <source> name: the suffix naming it is cut.
        (
            "Homicidios caen 48% en México - El Sol de México",
            "El Sol de México",
            ("Homicidios caen 48% en México", "El Sol de México"),
        ),
        # Compared folded: case, accents and a domain's ending do not matter.
        ("EU no renovará el T-MEC - EL PAÍS", "El País", ("EU no renovará el T-MEC", "El País")),
        (
            "EU no renovará el T-MEC - infobae.com",
            "Infobae",
            ("EU no renovará el T-MEC", "Infobae"),
        ),
        # An outlet whose own name holds " - ".
        (
            "What to know about the tariff plan - ABC News - Breaking News, Latest News and Videos",
            "ABC News - Breaking News, Latest News and Videos",
            (
                "What to know about the tariff plan",
                "ABC News - Breaking News, Latest News and Videos",
            ),
        ),
        # The source is the outlet even when the title does not name it.
        ("Plain headline", "Reuters", ("Plain headline", "Reuters")),
        ("Tariffs - a primer", "Reuters", ("Tariffs - a primer", "Reuters")),
        # A repeated suffix is cut as often as it repeats.
        (
            "USMCA at Four - Woodrow Wilson Center - Woodrow Wilson Center",
            "Woodrow Wilson Center",
            ("USMCA at Four", "Woodrow Wilson Center"),
        ),
        ("- Woodrow Wilson Center", "Woodrow Wilson Center", ("", "Woodrow Wilson Center")),
    ],
)
def test_with_a_source_name(title: str, source: str, expected: tuple[str, str]) -> None:
    assert split_outlet(title, source) == expected


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        (
            "Trump busca restringir exportaciones de México - Reforma",
            ("Trump busca restringir exportaciones de México", "Reforma"),
        ),
        (
            "Violencia digital afecta al 20 por ciento de usuarios - MVS Noticias",
            ("Violencia digital afecta al 20 por ciento de usuarios", "MVS Noticias"),
        ),
        # Lower-case outlets are domains or single words.
        (
            "Camiones chinos complican aranceles - sipse.com",
            ("Camiones chinos complican aranceles", "sipse.com"),
        ),
        ("México fue la mejor sede - sdpnoticias", ("México fue la mejor sede", "sdpnoticias")),
        # A hyphen inside a word is part of the name; a spaced one is not.
        (
            "Homicidios caen 48% - López-Dóriga Digital",
            ("Homicidios caen 48%", "López-Dóriga Digital"),
        ),
        ("US-Mexico talks resume - Reuters", ("US-Mexico talks resume", "Reuters")),
        (
            "Fortalecen alianza - El Popular, periodismo con causa",
            ("Fortalecen alianza", "El Popular, periodismo con causa"),
        ),
        ("Campaña | UNICEF México - UNICEF", ("Campaña | UNICEF México", "UNICEF")),
        (
            "Mexico Institute - Woodrow Wilson Center - Woodrow Wilson Center",
            ("Mexico Institute", "Woodrow Wilson Center"),
        ),
        ("- Woodrow Wilson Center", ("", "Woodrow Wilson Center")),
        # A headline's own dash clause is no outlet.
        ("Trump habla - y México responde", ("Trump habla - y México responde", "")),
        ("Sheinbaum - ¿qué sigue?", ("Sheinbaum - ¿qué sigue?", "")),
        (
            "Aranceles: lo que viene - Análisis: el T-MEC en riesgo",
            ("Aranceles: lo que viene - Análisis: el T-MEC en riesgo", ""),
        ),
        ("No suffix at all", ("No suffix at all", "")),
        ("Ends with a dash -", ("Ends with a dash -", "")),
        ("", ("", "")),
    ],
)
def test_without_a_source_name(title: str, expected: tuple[str, str]) -> None:
    assert split_outlet(title) == expected
    assert split_outlet(title, "") == expected
    assert split_outlet(title, None) == expected


@pytest.mark.parametrize(
    ("summary", "title", "outlet", "echo"),
    [
        ("Peso falls  Reuters", "Peso falls", "Reuters", True),
        ("Peso falls Reuters", "Peso falls", "Reuters", True),
        ("Peso falls - Reuters Reuters", "Peso falls", "Reuters", True),
        ("Reuters Peso falls", "Peso falls", "Reuters", True),
        ("Peso falls as rates rise", "Peso falls", "Reuters", False),
        ("Peso falls", "Peso falls", "", True),
        ("PESO FALLS - reuters.com", "Peso falls", "Reuters", True),
        ("Reuters: Peso falls", "Peso falls", "Reuters", True),
        ("Peso falls as Banxico cuts rates", "Peso falls", "Reuters", False),
        ("Reuters", "Peso falls", "Reuters", False),
        ("", "Peso falls", "Reuters", False),
    ],
)
def test_a_summary_that_echoes_the_title(summary: str, title: str, outlet: str, echo: bool) -> None:
    assert echoes_title(summary, title, outlet) is echo


def _key_by_regex(name: str) -> str:
    # _key as first written: every step a regular expression.
    import re
    import unicodedata

    name = name.casefold().strip()
    if not name.isascii():
        name = unicodedata.normalize("NFKD", name)
    name = re.sub(r"^(?:https?://)?(?:www\.)?", "", name)
    name = re.sub(r"(?:\.(?:com|org|net|gob|gov|co|mx|es|us|info|tv|news))+/?$", "", name)
    return re.sub(r"[\W_]+", "", name)


def test_names_are_compared_as_the_regular_expressions_fold_them() -> None:
    import random

    from briefer.outlet import _key

    pieces = [
        "El País", "EL PAÍS", "infobae.com", "https://www.", "http://", "www.", ".com", ".mx/",
        ".com.mx", "\n", " ", "_", "-", "“", "”", "—", "¿", "¡", "«", "ß", "ﬁ", "²", "①", "ͺ",
        "Straße", "São Paulo", "東京", "Ελλάδα", "a_b", "x.tv", "news", "Milenio", "ñ", "e\u0301",
        "\u00a0", "T-MEC", "abc", "123", "%", ".", "/", "ǅ", "İ", "\U0001d400",
    ]  # fmt: skip
    rng = random.Random(5)
    for _ in range(20_000):
        name = "".join(rng.choices(pieces, k=rng.randint(0, 8)))
        assert _key(name) == _key_by_regex(name), repr(name)
