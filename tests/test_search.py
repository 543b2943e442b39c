"""Search: folding, tiers, relevance on the shared queries, and properties true of any text."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from esskit import catalogue as cat
from esskit.models import Catalogue
from esskit.search import EmptyQuery, Field, clear_leader, find, fold, query_terms

QUERIES = json.loads((Path(__file__).parent / "data" / "relevance.json").read_text("utf-8"))
CASES = [(query, expected[0]) for kind in ("title", "topic") for query, expected in QUERIES[kind]]
# Queries that real use showed, kept here so that they keep working.
CASES += [
    ("economie numerique", 18),
    ("numérique", 18),
    ("NUMÉRIQUE", 18),
    ("mobilite", 10),
    ("mobilty", 10),
    ("procurment", 7),
    ("covoiturage", 10),
    ("recyclerie", 22),
    ("cantine", 8),
    ("circuits courts", 8),
    ("crèche", 21),
    ("SCIC", 9),
    ("coopérative", 9),
    ("l'accès au foncier", 13),
    ("transition énergétique", 14),
    ("évaluation", 15),
]


@pytest.fixture(scope="module")
def sheets() -> Catalogue:
    return cat.check()


def test_relevance_top1_on_at_least_95_percent(sheets: Catalogue) -> None:
    misses = [
        (q, n) for q, n in CASES if [m.sheet.number for m in find(sheets.sheets, q, limit=1)] != [n]
    ]
    assert len(misses) <= 0.05 * len(CASES), misses


@pytest.mark.parametrize(("query", "expected"), CASES)
def test_relevance_expected_sheet_in_top3(sheets: Catalogue, query: str, expected: int) -> None:
    assert expected in [m.sheet.number for m in find(sheets.sheets, query, limit=3)]


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Numérique", "numerique"),
        ("NUMÉRIQUE", "numerique"),
        ("cœur", "coeur"),
        ("L’Économie", "economie"),
        ("d'intérêt", "interet"),
        ("centres-villes", "centres villes"),
        ("Économie sociale & solidaire", "economie sociale solidaire"),
        ("ruralité(s)", "ruralite s"),
        ("Łódź, Øresund, Đà Nẵng", "lodz oresund da nang"),  # letters with a stroke
    ],
)
def test_fold_removes_case_accents_and_typography(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_same_query_however_typed(sheets: Catalogue) -> None:
    results = {
        q: [m.sheet.number for m in find(sheets.sheets, q)]
        for q in ("numerique", "Numérique", "NUMÉRIQUE", "numériques")
    }
    assert len({tuple(r) for r in results.values()}) == 1, results


def test_ess_synonyms_and_connectors_are_one_word() -> None:
    assert query_terms("économie sociale et solidaire & numérique") == ["ess", "numerique"]
    assert query_terms("SSE and digital") == ["ess", "digital"]
    assert query_terms("social and solidarity economy") == ["ess"]
    for half in ("économie sociale", "économie solidaire", "social economy", "solidarity economy"):
        assert query_terms(half) == ["ess"], half
    assert query_terms("finance solidaire") == ["finance", "solidaire"]


def test_half_of_the_name_finds_what_the_acronym_finds(sheets: Catalogue) -> None:
    def numbers(query: str) -> list[int]:
        return [m.sheet.number for m in find(sheets.sheets, query)]

    assert numbers("économie sociale") == numbers("solidarity economy") == numbers("ESS")


def test_generic_words_do_not_decide_the_ranking(sheets: Catalogue) -> None:
    # eleven titles start "Économie sociale et solidaire &": only "numérique" should count
    results = find(sheets.sheets, "économie sociale et solidaire numérique")
    assert results[0].sheet.number == 18


def test_phrase_match_ranks_above_scattered_words(sheets: Catalogue) -> None:
    results = find(sheets.sheets, "mobilité durable")
    assert results[0].sheet.number == 10 and results[0].tier == 1


def test_typos_are_forgiven_in_the_fuzzy_tier(sheets: Catalogue) -> None:
    best = find(sheets.sheets, "procurment")[0]
    assert (best.sheet.number, best.tier) == (7, 3)


@pytest.mark.parametrize("query", ["7", "fiche 7", "n°7", "sheet 7", "Fiche n° 7", "#7", "no 7"])
def test_a_query_naming_a_sheet_puts_it_first(sheets: Catalogue, query: str) -> None:
    first = find(sheets.sheets, query)[0]
    assert first.sheet.number == 7 and first.matched.field is Field.NUMBER


def test_matched_says_field_and_language(sheets: Catalogue) -> None:
    best = find(sheets.sheets, "car sharing")[0]
    assert best.sheet.number == 10
    assert (best.matched.field, best.matched.lang, best.matched.text) == (
        Field.KEYWORDS,
        "en",
        "car sharing",
    )


def test_highlights_cover_the_matching_words(sheets: Catalogue) -> None:
    best = find(sheets.sheets, "mobilité")[0]
    title = best.sheet.title_fr or ""
    assert [title[a:b] for a, b in best.highlights["title_fr"]] == ["mobilité"]


def test_ties_break_by_sheet_number(sheets: Catalogue) -> None:
    same = sheets.sheets[13]
    twins = [replace(same, number=n) for n in (21, 5, 13)]
    assert [m.sheet.number for m in find(twins, "foncier")] == [5, 13, 21]


@pytest.mark.parametrize("query", ["", "   ", "!!!", "?,;:", "😀", "\u200f", "\x00"])
def test_empty_or_punctuation_only_query_is_refused(sheets: Catalogue, query: str) -> None:
    with pytest.raises(EmptyQuery):
        find(sheets.sheets, query)


@pytest.mark.parametrize("query", ["a", "de la", "the", "l' d' x"])
def test_query_of_common_words_only_is_refused(sheets: Catalogue, query: str) -> None:
    with pytest.raises(EmptyQuery, match="only common words"):
        find(sheets.sheets, query)


def test_nothing_found_gives_no_results(sheets: Catalogue) -> None:
    assert find(sheets.sheets, "xyzzy plugh") == []


def test_loose_search_suggests_close_sheets(sheets: Catalogue) -> None:
    assert find(sheets.sheets, "mobxlytz") == []
    assert 10 in [m.sheet.number for m in find(sheets.sheets, "mobxlytz", loose=True)]


def test_clear_leader_only_when_the_first_clearly_wins(sheets: Catalogue) -> None:
    lead = clear_leader(find(sheets.sheets, "foncier"))
    assert lead is not None and lead.sheet.number == 13
    assert clear_leader(find(sheets.sheets, "acteurs")) is None
    assert clear_leader([]) is None


def test_a_huge_query_is_cut_and_answered(sheets: Catalogue) -> None:
    assert isinstance(find(sheets.sheets, "mobilité " * 20_000), list)


def test_large_catalogue_uses_the_prefilter_and_still_finds(tmp_path: Path) -> None:
    base = cat.check().sheets
    many = [replace(s, number=i) for i, s in enumerate(base * 12)]
    results = find(many, "procurment", limit=None)
    assert {m.sheet.number % 25 for m in results} == {7}
    assert len(results) == 12


@pytest.mark.parametrize(
    ("title", "query"),
    [
        ("Le cœur des villes", "coeur"),
        ("Straße und Platz", "strasse"),
        ("Győr et Kraków", "gyor"),
        ("Łódź et Kraków", "lodz"),
        ("Øresund", "oresund"),
        ("Ελληνικά τοπικά", "ελληνικα"),
        ("L’économie « circulaire »", "economie"),
    ],
)
def test_prefilter_keeps_sheets_in_any_script(sheets: Catalogue, title: str, query: str) -> None:
    target = replace(sheets.sheets[13], number=99, title_fr=title)
    results = find([*sheets.sheets, target], query)
    assert 99 in [m.sheet.number for m in results]


def test_every_way_of_writing_ess_is_found(sheets: Catalogue) -> None:
    names = (
        "L’économie solidaire", "Solidarity economy", "Économie sociale", "SSE", "Social economy"
    )  # fmt: skip
    targets = [
        replace(sheets.sheets[13], number=100 + i, title_fr=f"{name} en Bretagne",
                title_en="Brittany", keywords_fr=(), keywords_en=())
        for i, name in enumerate(names)
    ]  # fmt: skip
    found = {m.sheet.number for m in find([*sheets.sheets, *targets], "ESS", limit=None)}
    assert found >= {target.number for target in targets}


def test_a_word_of_the_name_finds_ess_sheets_after_its_own(sheets: Catalogue) -> None:
    numbers = [m.sheet.number for m in find(sheets.sheets, "économie", limit=None)]
    assert numbers[0] == 22  # "économie circulaire"
    assert {0, 2, 6, 18} <= set(numbers[1:])  # titles that say "économie sociale et solidaire"


def test_unvalidated_line_breaks_do_not_confuse_the_prefilter(sheets: Catalogue) -> None:
    broken = replace(sheets.sheets[0], title_fr="Deux\nlignes")
    results = find([broken, *sheets.sheets[1:]], "foncier")
    assert results[0].sheet.number == 13


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_fold_is_idempotent(text: str) -> None:
    assert fold(fold(text)) == fold(text)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=40), st.integers(min_value=1, max_value=30))
def test_search_never_raises_respects_limit_and_orders_scores(text: str, limit: int) -> None:
    sheets = cat.load().sheets
    try:
        results = find(sheets, text, limit=limit)
    except EmptyQuery:
        assert query_terms(text) == []  # nothing but punctuation, common words or lone letters
        return
    assert len(results) <= limit
    keys = [(m.tier, -m.score, m.sheet.number) for m in results]
    assert keys == sorted(keys)
    assert all(0 <= m.score <= 100 for m in results)
