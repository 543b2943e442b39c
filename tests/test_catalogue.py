"""The packaged catalogue, loading, validation errors and the URL each sheet opens."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from helpers import REFERENCE, ROOT, mirror_catalogue, write_catalogue

from esskit import catalogue as cat
from esskit.models import Catalogue, Category, UrlKind

LEVERS = {4, 7, 9, 11, 13, 15, 17, 20, 23, 24}
THEMATIC = {5, 6, 8, 10, 12, 14, 16, 18, 19, 21, 22}
INTRO = {0, 1, 2, 3}


def test_packaged_catalogue_validates_with_25_documents(real: Catalogue) -> None:
    assert [sheet.number for sheet in real.sheets] == list(range(25))
    assert real.kit.publisher == "RTES" and real.kit.edition == 2020


@pytest.mark.parametrize(
    ("category", "numbers"),
    [(Category.INTRO, INTRO), (Category.LEVER, LEVERS), (Category.THEMATIC, THEMATIC)],
)
def test_packaged_categories_are_the_kits(
    real: Catalogue, category: Category, numbers: set[int]
) -> None:
    assert {sheet.number for sheet in real.sheets if sheet.category is category} == numbers


def test_fast_load_of_packaged_file_equals_full_validation(real: Catalogue) -> None:
    assert cat.load() == real


@pytest.mark.skipif(not REFERENCE.exists(), reason="the shared reference is not beside the repo")
def test_packaged_catalogue_matches_the_reference(real: Catalogue) -> None:
    reference = {entry["number"]: entry for entry in json.loads(REFERENCE.read_text("utf-8"))}
    assert set(reference) == {sheet.number for sheet in real.sheets}
    for sheet in real.sheets:
        entry = reference[sheet.number]
        assert sheet.category.value == entry["category"]
        assert sheet.title_en == entry["title_en"]
        assert sheet.title_fr == entry["title_fr"]
        assert sheet.summary_fr == entry["summary_fr"]
        assert sheet.published == entry["published"]
        assert sheet.links.citego == entry["citego_url"]
        assert sheet.links.socioeco == entry["socioeco_url"]
        assert sheet.links.rtes == entry["rtes_url"]
        assert sheet.links.pdf == entry["pdf_name"]
        assert list(sheet.sources) == entry["sources"]
        # reference keywords are all kept, in order, before the added search aids
        assert list(sheet.keywords_fr[: len(entry["keywords_fr"])]) == entry["keywords_fr"]
        assert list(sheet.keywords_en[: len(entry["keywords_en"])]) == entry["keywords_en"]


@pytest.mark.skipif(not REFERENCE.exists(), reason="the shared reference is not beside the repo")
def test_packaged_file_is_what_the_build_script_makes() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "build_catalogue", ROOT / "scripts" / "build_catalogue.py"
    )
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    assert script.build(REFERENCE) == json.loads((ROOT / "data" / "sheets.json").read_text("utf-8"))


@pytest.mark.parametrize("number", [1, 9, 11, 14])
def test_sheets_without_french_title_fall_back_to_english(real: Catalogue, number: int) -> None:
    sheet = cat.get_sheet(real, number)
    assert sheet.title_fr is None
    assert sheet.title == sheet.title_en


def test_url_prefers_socioeco_then_citego_then_search(tiny: Path) -> None:
    loaded = cat.load(tiny)
    assert cat.sheet_url(cat.get_sheet(loaded, 4)) == (
        "https://www.socioeco.org/bdf_fiche-document-1_fr.html",
        UrlKind.SOCIOECO,
    )
    assert cat.sheet_url(cat.get_sheet(loaded, 10)) == (
        "https://citego.org/coretet-10.html",
        UrlKind.CITEGO,
    )
    url, kind = cat.sheet_url(cat.get_sheet(loaded, 9))
    assert kind is UrlKind.SEARCH
    assert url.startswith("https://duckduckgo.com/?q=site%3Asocioeco.org+")
    assert "Cooperative+Societies" in url


def test_search_url_can_be_asked_for_explicitly(tiny: Path) -> None:
    url, kind = cat.sheet_url(cat.get_sheet(cat.load(tiny), 10), search=True)
    assert kind is UrlKind.SEARCH and "mobilit%C3%A9" in url


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("lever", Category.LEVER),
        ("LEVIER", Category.LEVER),
        ("thématique", Category.THEMATIC),
        ("Thematique", Category.THEMATIC),
        ("introduction", Category.INTRO),
        (" intro ", Category.INTRO),
    ],
)
def test_category_names_in_french_and_english(name: str, expected: Category) -> None:
    assert cat.parse_category(name) is expected


def test_unknown_category_names_the_valid_ones() -> None:
    with pytest.raises(cat.UnknownCategory, match="intro, lever or thematic"):
        cat.parse_category("nosuch")


def test_french_category_names_are_names_the_category_option_takes() -> None:
    for category, name in cat.FRENCH_CATEGORIES.items():
        assert cat.parse_category(name) is category


def test_unknown_category_offers_exactly_the_english_and_french_names() -> None:
    with pytest.raises(cat.UnknownCategory) as caught:
        cat.parse_category("nosuch")
    offered = re.findall(r"\w+", str(caught.value).split(": choose ", 1)[1])
    offered = [name for name in offered if name != "or"]
    assert offered == [*Category, *cat.FRENCH_CATEGORIES.values()]
    assert all(cat.parse_category(name) for name in offered)


def test_a_new_french_name_is_taken_and_offered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(cat.FRENCH_CATEGORIES, Category.LEVER, "outil")
    assert cat.parse_category("Outil") is Category.LEVER
    with pytest.raises(cat.UnknownCategory, match=r"\(or introduction, outil, thématique\)$"):
        cat.parse_category("nosuch")


@pytest.mark.parametrize("text", ["13", "fiche 13", "n°13", "#13", "sheet 13", " 13 "])
def test_parse_number_accepts_the_ways_people_write_it(text: str) -> None:
    assert cat.parse_number(text) == 13


@pytest.mark.parametrize("text", ["", "  ", "-1", "abc", "1e3", "10" * 15, "١٣", "13.0"])
def test_parse_number_refuses_what_is_not_a_number(text: str) -> None:
    with pytest.raises(cat.SheetNotFound):
        cat.parse_number(text)


def test_unknown_number_says_the_range(real: Catalogue) -> None:
    with pytest.raises(cat.SheetNotFound, match="0 to 24"):
        cat.get_sheet(real, 99)


def test_the_library_reads_no_environment(tiny: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ESSKIT_CATALOGUE", str(tiny))
    assert len(cat.load().sheets) == 25  # the command reads the variable, not the library
    assert len(cat.load(tiny).sheets) == 4


def test_an_empty_path_names_no_catalogue() -> None:
    with pytest.raises(cat.UnreadableCatalogue, match="empty path"):
        cat.load("")
    with pytest.raises(cat.UnreadableCatalogue, match="empty path"):
        cat.check("")


def test_duplicate_numbers_are_refused(tmp_path: Path) -> None:
    sheet = {"number": 3, "category": "intro", "title_en": "A"}
    path = write_catalogue(tmp_path / "dup.json", [sheet, {**sheet, "title_en": "B"}])
    with pytest.raises(cat.CatalogueError, match="sheet number 3 is used twice"):
        cat.load(path)


def test_every_problem_is_listed_with_its_location(tmp_path: Path) -> None:
    path = write_catalogue(
        tmp_path / "bad.json",
        [
            {"number": 1, "category": "levr", "title_en": "ok"},
            {
                "number": 2,
                "category": "lever",
                "title_en": "",
                "links": {"citego": "http://citego.org/x"},
            },
        ],
    )
    with pytest.raises(cat.CatalogueError) as caught:
        cat.check(path)
    assert caught.value.problems == [
        cat.Problem(
            "sheets[0].category", "unknown value 'levr' (expected 'intro', 'lever' or 'thematic')"
        ),
        cat.Problem("sheets[1].title_en", "empty text"),
        cat.Problem("sheets[1].links.citego", "link must use https"),
    ]


def test_allowed_hosts_and_http_can_be_widened(tmp_path: Path) -> None:
    path = mirror_catalogue(tmp_path / "other.json", "http://mirror.example.org/1")
    with pytest.raises(cat.CatalogueError, match="link must use https"):
        cat.load(path)
    with pytest.raises(cat.CatalogueError, match="not one the kit lives on"):
        cat.load(path, cat.Policy(allow_http=True))
    loaded = cat.load(path, cat.Policy(("example.org",), allow_http=True))
    assert loaded.sheets[0].links.citego == "http://mirror.example.org/1"


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "javascript:alert(1)",
        "data:text/html,x",
        "-https://citego.org",
        "https://citego.org/a b",
        "https://citego.org/\x1b[2J",
        "http://citego.org/x",
        "https://evil.example/x",
        "https://citego.org.evil.example/",
        "https://evil.example%2F.citego.org/",
        "https://a.citego.org@evil.example/",
        "",
    ],
)
def test_safe_url_refuses_anything_but_https_to_the_kits_hosts(url: str) -> None:
    with pytest.raises(cat.UnsafeUrl):
        cat.safe_url(url, cat.Policy())


@pytest.mark.parametrize(
    "url",
    ["https://citego.org/coretet-2581.html", "https://www.socioeco.org/x", "https://RTES.fr/"],
)
def test_safe_url_accepts_the_kits_pages(url: str) -> None:
    assert cat.safe_url(url, cat.Policy()) == url
