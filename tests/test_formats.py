"""formats.py on its own: records, the column choice, and documents read back the way their
programs read them (openpyxl, a spreadsheet's CSV import, an HTML parser, CommonMark and pandoc;
LibreOffice and Chromium in slow tests, when the machine has them)."""

from __future__ import annotations

import csv
import dataclasses
import io
import re
import shutil
import subprocess
import time
import unicodedata
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from helpers import Page, parse_html, said
from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markdown_it.token import Token

from esskit import catalogue as cat
from esskit.formats import (
    DEFAULT_COLUMNS,
    GLOSSARY_FIELDS,
    GLOSSARY_PEOPLE_COLUMNS,
    SEARCH_COLUMNS,
    SHEET_FIELDS,
    Format,
    Lang,
    Record,
    TooManyRows,
    columns_for,
    glossary_columns,
    glossary_note,
    glossary_record,
    machine_output,
    neutralise,
    newer_edition_label,
    section_fields,
    sheet_record,
    to_html,
    to_html_sections,
    to_markdown,
    to_markdown_sections,
    to_spreadsheet,
    to_xlsx,
)
from esskit.models import Category, GlossaryEntry, NewerEdition, Sheet, UrlKind

NNBSP = "\N{NARROW NO-BREAK SPACE}"
SEARCH = "https://duckduckgo.com/?q=site%3Asocioeco.org+%22x%22"
"""A web-search address, as `catalogue.sheet_url` builds it for a sheet with no page."""


def record(**fields: Any) -> Record:
    """A sheet record as formats.py receives it, with the given fields over plain defaults."""
    base: Record = {
        "number": 1,
        "category": "lever",
        "title_fr": "Titre",
        "title_en": "Title",
        "url": "https://citego.org/coretet-2585.html",
        "url_kind": "citego",
    }
    return {**base, **fields}


def real_records(*numbers: int) -> list[Record]:
    """The records of the packaged catalogue's sheets that have these numbers."""
    kit = cat.load()
    return [sheet_record(s, *cat.sheet_url(s)) for s in kit.sheets if s.number in numbers]


# ----------------------------------------------------------------------------- records


def test_sheet_record_holds_every_field_of_the_model_and_where_it_opens() -> None:
    model = [field.name for field in dataclasses.fields(Sheet)]
    assert set(SHEET_FIELDS) == {*model, "url", "url_kind"}
    assert SHEET_FIELDS[:6] == ("number", "category", "title_fr", "title_en", "url", "url_kind")
    rest = [name for name in SHEET_FIELDS if name not in SHEET_FIELDS[:6]]
    assert rest == [name for name in model if name in rest]  # the model's order
    (first,) = real_records(8)
    assert list(first) == list(SHEET_FIELDS)


def test_sheet_record_writes_nested_values_as_json_does() -> None:
    (eight,) = real_records(8)
    assert eight["newer_edition"] == {
        "edition": 2026,
        "number": 9,
        "title_fr": "Agriculture et alimentation durables & ESS",
        "page": "https://www.rtes.fr/kit-municipaless-fiche-9-agriculture-et-alimentation-durables-ess",
    }
    assert eight["category"] == "thematic" and isinstance(eight["keywords_fr"], list)
    assert set(eight["links"]) == {"socioeco", "citego", "rtes", "pdf"}
    for name in ("keywords_es", "keywords_it", "keywords_pt", "keywords_de"):
        assert isinstance(eight[name], list)
    bare = Sheet(number=3, category=Category.INTRO, title_en="T")
    assert sheet_record(bare, SEARCH, UrlKind.SEARCH)["newer_edition"] is None


def test_glossary_record_carries_what_replaced_a_scheme() -> None:
    entry = GlossaryEntry(
        term="ZRR",
        fr="zone de revitalisation rurale",
        sheets=(16,),
        replaced_by="France Ruralités Revitalisation (FRR)",
        ended="2024-07-01",
    )
    assert glossary_record(entry) == {
        "term": "ZRR",
        "fr": "zone de revitalisation rurale",
        "en": None,
        "sheets": [16],
        "replaced_by": "France Ruralités Revitalisation (FRR)",
        "ended": "2024-07-01",
        "formerly": None,
    }
    assert list(glossary_record(entry)) == list(GLOSSARY_FIELDS)


FRR = "France Ruralités Revitalisation (FRR)"


@pytest.mark.parametrize(
    ("given", "english", "french"),
    [
        (
            {"replaced_by": FRR, "ended": "2024-07-01"},
            f"replaced by {FRR}, 1 July 2024",
            f"remplacé par {FRR}, 1er juillet 2024",
        ),
        (
            {"replaced_by": "ESS France", "ended": "2020"},
            "replaced by ESS France in 2020",
            "remplacé par ESS France en 2020",
        ),
        ({"replaced_by": "X", "ended": "2021-03"}, "replaced by X in March 2021", None),
        ({"ended": "2017"}, "ended in 2017", "terminé en 2017"),
        ({"ended": "2019-12-15"}, "ended on 15 December 2019", "terminé le 15 décembre 2019"),
        ({"ended": "2019-08"}, "ended in August 2019", "terminé en août 2019"),
        ({"replaced_by": "Y"}, "replaced by Y", "remplacé par Y"),
        ({"formerly": "Réseau Z"}, "formerly Réseau Z", "anciennement Réseau Z"),
        ({"ended": "2015", "formerly": "W"}, "ended in 2015; formerly W", None),
        ({}, None, None),
    ],
)
def test_glossary_note_says_what_became_of_a_scheme(
    given: dict[str, str], english: str | None, french: str | None
) -> None:
    entry = GlossaryEntry(term="T", fr="t", **given)  # type: ignore[arg-type]
    assert said("en", glossary_note, entry) == english
    assert said("en", glossary_note, glossary_record(entry)) == english  # a record serves too
    if french is not None or not given:
        assert said("fr", glossary_note, entry) == french


def test_glossary_documents_show_the_note_and_machines_the_data() -> None:
    entry = GlossaryEntry(term="TEPCV", fr="territoire à énergie positive", ended="2017")
    records = [glossary_record(entry)]
    assert glossary_columns(Format.CSV) == list(GLOSSARY_FIELDS)
    assert glossary_columns(Format.MARKDOWN) == list(GLOSSARY_PEOPLE_COLUMNS)
    markdown = said("fr", to_markdown, records, glossary_columns(Format.MARKDOWN))
    assert "| Note |" in markdown.splitlines()[0] and "| terminé en 2017 |" in markdown
    data = machine_output(records, Format.CSV, None, columns=glossary_columns(Format.CSV))
    assert data.splitlines()[1] == "TEPCV,territoire à énergie positive,,,,2017,"


@pytest.mark.parametrize(
    ("display", "expected"),
    [
        (Lang.FR, f"Édition 2026{NNBSP}: fiche 19 «{NNBSP}Animer son territoire{NNBSP}»"),
        (Lang.EN, "2026 edition: sheet 19 “Animer son territoire”"),
    ],
)
def test_a_newer_edition_s_number_is_always_labelled_with_its_edition(
    display: Lang, expected: str
) -> None:
    newer = NewerEdition(edition=2026, number=19, title_fr="Animer son territoire")
    assert said(display.value, newer_edition_label, newer) == expected
    untitled = {"edition": 2026, "number": 19, "title_fr": None, "page": None}
    assert (
        said(display.value, newer_edition_label, untitled) == expected.split(" «")[0].split(" “")[0]
    )


def test_documents_link_a_newer_edition_to_its_page() -> None:
    (eight,) = real_records(8)
    page = eight["newer_edition"]["page"]
    markdown = said("fr", to_markdown_sections, [eight], section_fields(Lang.FR), Lang.FR)
    assert f"- **Nouvelle édition**{NNBSP}: [Édition 2026{NNBSP}: fiche 9 «" in markdown
    assert f"](<{page}>)" in markdown
    html = said("en", to_html, [eight], ["number", "newer_edition"], "t")
    assert f'<a href="{page}">2026 edition: sheet 9 “Agriculture' in html
    sheet = said("en", to_spreadsheet, [eight], ["newer_edition"])
    assert f"2026 edition: sheet 9 “Agriculture et alimentation durables & ESS” ({page})" in sheet


def test_show_s_sections_include_the_newer_edition_only_where_there_is_one() -> None:
    records = real_records(8, 1)
    assert "newer_edition" in section_fields(Lang.FR)
    markdown = said("en", to_markdown_sections, records, section_fields(Lang.EN), Lang.EN)
    first, second = markdown.split("\n## ")
    assert "- **Newer edition**: [2026 edition: sheet 9" in (
        first if "Sheet 8" in first else second
    )
    assert "Newer edition" not in (second if "Sheet 8" in first else first)


# ----------------------------------------------------------------------------- column choice


@pytest.mark.parametrize(
    ("fmt", "titles", "searched", "expected"),
    [
        (Format.SPREADSHEET, Lang.FR, False, ["number", "category", "title_fr", "url"]),
        (Format.XLSX, Lang.EN, False, ["number", "category", "title_en", "url"]),
        (
            Format.XLSX,
            Lang.BOTH,
            True,
            ["number", "score", "category", "title_fr", "title_en", "url"],
        ),
        (Format.SPREADSHEET, Lang.FR, True, ["number", "score", "category", "title_fr", "url"]),
        (Format.MARKDOWN, Lang.FR, True, ["number", "category", "title_fr", "url"]),
        (Format.HTML, Lang.BOTH, False, ["number", "category", "title_fr", "title_en", "url"]),
        (Format.CSV, Lang.FR, False, list(DEFAULT_COLUMNS)),
        (Format.TSV, Lang.EN, True, list(SEARCH_COLUMNS)),
        (Format.PLAIN, Lang.FR, False, list(DEFAULT_COLUMNS)),
    ],
)
def test_columns_follow_the_display_in_documents_and_stay_whole_for_machines(
    fmt: Format, titles: Lang, searched: bool, expected: list[str]
) -> None:
    assert columns_for(fmt, titles, searched) == expected


def test_a_french_spreadsheet_marks_an_english_title_standing_in_for_a_french_one() -> None:
    rows = spreadsheet_import(
        said(
            "fr",
            to_spreadsheet,
            [record(title_fr=None, title_en="Cooperatives")],
            columns_for(Format.SPREADSHEET, Lang.FR),
        ),
        ";",
    )
    assert rows == [
        ["N°", "Catégorie", "Titre (fr)", "Page"],
        ["1", "levier", "Cooperatives (en)", "https://citego.org/coretet-2585.html"],
    ]


# ----------------------------------------------------------------------------- spreadsheet CSV


def spreadsheet_import(text: str, separators: str) -> list[list[str]]:
    """Rows as a spreadsheet's CSV import reads them with several separators ticked (as
    LibreOffice's dialog offers): any of them ends a cell outside quotes, and a cell is quoted
    only when its first character is a quote; a leading byte-order mark says UTF-8."""
    text = text.removeprefix("\ufeff")
    rows: list[list[str]] = []
    row: list[str] = []
    cell: list[str] = []
    quoted, starting, i = False, True, 0
    while i < len(text):
        char = text[i]
        if quoted:
            if char == '"' and text[i + 1 : i + 2] == '"':  # a quote inside quotes
                cell.append('"')
                i += 1
            elif char == '"':
                quoted = False
            else:
                cell.append(char)
        elif char == '"' and starting:
            quoted = True
        elif char in separators or text.startswith("\r\n", i):
            row.append("".join(cell))
            cell = []
            if char == "\r":
                rows.append(row)
                row, i = [], i + 1
            i, starting = i + 1, True
            continue
        else:
            cell.append(char)
        starting = False
        i += 1
    return rows


SEPARATED = [
    record(number=1, title_fr="Utilité sociale, impact social", title_en="a; b", score=49.9),
    record(number=15, title_fr="Tab\there", title_en='He said "yes", then; left', score=12.0),
]


@pytest.mark.parametrize("separators", [";", ";,", ";\t", ";,\t"], ids=repr)
def test_spreadsheet_keeps_one_value_a_column_whatever_separators_an_import_ticks(
    separators: str,
) -> None:
    fields = ["number", "score", "title_fr", "title_en", "url"]
    text = said("fr", to_spreadsheet, SEPARATED, fields).removeprefix("\ufeff")
    rows = spreadsheet_import(text, separators)
    assert rows == list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    assert rows[1:] == [
        ["1", "49,9", "Utilité sociale, impact social", "a; b", SEPARATED[0]["url"]],
        ["15", "12", "Tab\there", 'He said "yes", then; left', SEPARATED[1]["url"]],
    ]


def test_spreadsheet_quotes_text_and_leaves_whole_numbers_bare_after_its_mark() -> None:
    data = said("en", to_spreadsheet, [record(score=3.5)], ["number", "score", "category"])
    assert data == '\ufeff"N°";"Score";"Category"\r\n1;"3,5";"lever"\r\n'


FORMULAS_BEHIND_BLANKS = [
    " =1+1",
    '  =HYPERLINK("https://evil.example/";"clic")',
    "\t=1+1",
    "\u00a0=1+1",
    f"{NNBSP}@SUM(A1)",
    "\u3000+33 1 23",
    "\n-2",
    "=1+1",
]


@pytest.mark.parametrize("title", FORMULAS_BEHIND_BLANKS, ids=repr)
def test_spreadsheet_neutralises_a_formula_behind_blanks(title: str) -> None:
    rows = spreadsheet_import(said("en", to_spreadsheet, [{"title_en": title}], ["title_en"]), ";")
    assert rows[1] == ["'" + title]


@given(st.text())
def test_no_spreadsheet_cell_starts_a_formula_once_its_blanks_are_trimmed(text: str) -> None:
    cell = neutralise(text)
    assert cell in (text, "'" + text)
    assert not cell.lstrip().startswith(("=", "+", "-", "@"))


# ----------------------------------------------------------------------------- workbook


def workbook(data: bytes) -> Any:
    from openpyxl import load_workbook

    return load_workbook(io.BytesIO(data)).active


def test_workbook_has_a_frozen_heading_row_in_the_display_language() -> None:
    fields = ["number", "score", "category", "title_fr", "url"]
    sheet = workbook(said("fr", to_xlsx, [record(score=49.9)], fields, "Kit"))
    assert sheet.title == "Fiches" and sheet.freeze_panes == "A2"
    assert [cell.value for cell in sheet[1]] == ["N°", "Score", "Catégorie", "Titre (fr)", "Page"]
    assert all(cell.font.b for cell in sheet[1])
    english = workbook(said("en", to_xlsx, [record()], ["category"], "Kit"))
    assert english.title == "Sheets" and [c.value for c in english[2]] == ["lever"]


def test_workbook_numbers_are_numbers_and_text_is_text() -> None:
    fields = ["number", "score", "category", "title_fr", "keywords_fr", "published"]
    row = record(number=13, score=49.9, keywords_fr=["foncier", "terres"], published="2020-09")
    cells = workbook(said("fr", to_xlsx, [row], fields, "Kit"))[2]
    assert [cell.value for cell in cells] == [
        13,
        49.9,
        "levier",
        "Titre",
        "foncier, terres",
        "2020-09",
    ]
    assert [cell.data_type for cell in cells] == ["n", "n", "s", "s", "s", "s"]
    assert isinstance(cells[0].value, int) and isinstance(cells[1].value, float)


def test_workbook_addresses_are_links_and_a_search_shows_as_words() -> None:
    rows = [record(number=4), record(number=9, url=SEARCH, url_kind="search")]
    sheet = workbook(said("fr", to_xlsx, rows, ["number", "url"], "Kit"))
    own, search = sheet["B2"], sheet["B3"]
    assert own.value == own.hyperlink.target == "https://citego.org/coretet-2585.html"
    assert search.value == "recherche sur socioeco.org" and search.hyperlink.target == SEARCH
    assert own.style == "Hyperlink"


FORMULA_TITLES = ["=1+1", " =1+1", ' =HYPERLINK("https://evil.example/";"clic")', "@SUM(A1)"]
FORMULA_TITLES += ["-2", "+33", "#N/A", "=", "\t=2"]


def test_workbook_never_holds_a_formula_from_the_catalogue() -> None:
    rows = [record(number=i, title_fr=title) for i, title in enumerate(FORMULA_TITLES)]
    data = said("en", to_xlsx, rows, ["number", "title_fr"], "=1+1")
    sheet = workbook(data)
    cells = [sheet.cell(row=i + 2, column=2) for i in range(len(FORMULA_TITLES))]
    assert [cell.value for cell in cells] == FORMULA_TITLES
    assert {cell.data_type for cell in cells} == {"s"}
    # a person editing the cell keeps text: Excel's "quote prefix", as if typed after an '
    assert [cell.quotePrefix for cell in cells] == [t[:1] != "#" for t in FORMULA_TITLES]
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert "<f>" not in archive.read("xl/worksheets/sheet1.xml").decode()


def test_workbook_shows_control_characters_rather_than_failing() -> None:
    title = "bell\x07 escape\x1b[31m nul\x00 del\x7f mark\u200e"
    summary = "line one\r\nline two\ttabbed"
    cells = workbook(
        said(
            "en",
            to_xlsx,
            [record(title_fr=title, summary_fr=summary)],
            ["title_fr", "summary_fr"],
            "t",
        )
    )[2]
    assert cells[0].value == "bell� escape�[31m nul� del� mark�"
    assert cells[1].value == "line one\nline two\ttabbed"


def test_workbook_cuts_a_cell_longer_than_a_cell_holds() -> None:
    cell = workbook(said("en", to_xlsx, [record(summary_fr="a" * 40_000)], ["summary_fr"], "t"))[
        "A2"
    ]
    assert len(cell.value) == 32_767 and cell.value.endswith("…")


def test_workbook_columns_fit_their_content_within_bounds() -> None:
    rows = [
        record(
            number=22,
            title_fr="Économie sociale et solidaire & revitalisation des centres-villes",
            summary_fr="x" * 5_000,
        )
    ]
    sheet = workbook(
        said("fr", to_xlsx, rows, ["number", "category", "title_fr", "summary_fr"], "t")
    )
    widths = [sheet.column_dimensions[letter].width for letter in "ABCD"]
    assert widths[0] <= 8 < widths[1] < widths[2] <= 60 and widths[3] == 60


def test_the_same_records_give_the_same_workbook_bytes() -> None:
    rows = real_records(1, 8, 16)
    first = said("fr", to_xlsx, rows, columns_for(Format.XLSX, Lang.BOTH), "Kit")
    assert said("fr", to_xlsx, rows, columns_for(Format.XLSX, Lang.BOTH), "Kit") == first
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert {entry.date_time for entry in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    from openpyxl import load_workbook

    properties = load_workbook(io.BytesIO(first)).properties
    assert properties.title == "Kit" and properties.creator == "esskit"
    assert properties.created == properties.modified and properties.created.year == 1980


def test_a_glossary_workbook_is_named_for_it_and_notes_what_ended() -> None:
    entry = GlossaryEntry(
        term="TEPCV", fr="territoire à énergie positive", sheets=(14,), ended="2017"
    )
    sheet = workbook(
        said("fr", to_xlsx, [glossary_record(entry)], glossary_columns(Format.XLSX), "g")
    )
    assert sheet.title == "Glossaire"
    assert [cell.value for cell in sheet[2]] == [
        "TEPCV",
        "territoire à énergie positive",
        None,
        "14",
        "terminé en 2017",
    ]


def test_a_workbook_refuses_more_rows_than_a_worksheet_has() -> None:
    class Endless(Sequence[Record]):
        def __len__(self) -> int:
            return 1_048_576

        def __getitem__(self, index: Any) -> Any:
            raise AssertionError("not read")

    with pytest.raises(TooManyRows, match="1,048,575"):
        said("en", to_xlsx, Endless(), ["number"], "t")


def test_machine_output_sends_the_workbook_to_to_xlsx() -> None:
    with pytest.raises(ValueError, match="to_xlsx"):
        machine_output([record()], Format.XLSX, None)


# ----------------------------------------------------------------------------- HTML


def print_rules(style: str) -> dict[str, str]:
    """The print style sheet's rules: each selector and its declarations."""
    block = style.split("@media print{", 1)[1]
    rules: dict[str, str] = {}
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", block):
        for selector in selectors.split(","):
            rules[selector.strip()] = rules.get(selector.strip(), "") + body + ";"
    return rules


@pytest.mark.parametrize("kind", ["table", "sections"])
def test_printing_never_splits_a_row_or_a_section(kind: str) -> None:
    records = real_records(8, 16, 7)
    if kind == "table":
        text = said("fr", to_html, records, columns_for(Format.HTML, Lang.FR), "t")
    else:
        text = said("fr", to_html_sections, records, section_fields(Lang.FR), Lang.FR, "t")
    page = parse_html(text)
    rules = print_rules(page.style)
    for element in ("tr", "section") if kind == "sections" else ("tr",):
        assert "break-inside:avoid" in rules.get(element, ""), element
        assert element in page.tags
    assert all("style" not in attrs for attrs in page.attrs)  # no rule overridden in a tag


def test_addresses_break_only_after_a_slash() -> None:
    text = said("en", to_html, real_records(8, 10, 13), ["number", "url"], "t")
    assert "overflow-wrap" not in text and "word-break" not in text
    assert ".nowrap{white-space:nowrap}" in text
    for anchor in re.findall(r"<a href=[^>]*>(.*?)</a>", text):
        pieces = anchor.split("<wbr>")
        assert all(piece.endswith("/</span>") for piece in pieces[:-1]), anchor
        assert all(re.fullmatch(r'<span class="nowrap">[^<]*</span>', piece) for piece in pieces), (
            anchor
        )
    page = parse_html(text)
    assert [words for _, words in page.links] == [href for href, _ in page.links]


@pytest.mark.parametrize(
    ("display", "words"),
    [(Lang.FR, "recherche sur socioeco.org"), (Lang.EN, "search on socioeco.org")],
)
def test_a_search_address_shows_as_words_with_the_search_as_its_link(
    display: Lang, words: str
) -> None:
    row = record(url=SEARCH, url_kind="search")
    for text in (
        said(display.value, to_html, [row], ["number", "url"], "t"),
        said(display.value, to_html_sections, [row], ["url"], Lang.FR, "t"),
    ):
        assert parse_html(text).links == [(SEARCH, words)]
        assert text.count("duckduckgo") == 1  # only in the href


def test_html_escapes_a_newer_edition_from_the_catalogue() -> None:
    newer = {
        "edition": 2026,
        "number": 1,
        "title_fr": "<script>x</script>",
        "page": 'https://x.org/"><b>',
    }
    text = said("en", to_html, [record(newer_edition=newer)], ["newer_edition"], "t")
    assert "<script>" not in text and "<b>" not in text
    assert parse_html(text).links == [
        ('https://x.org/"><b>', "2026 edition: sheet 1 “<script>x</script>”")
    ]


# ----------------------------------------------------------------------------- Markdown

COMMONMARK = MarkdownIt("commonmark").enable(["table", "strikethrough"])

HOSTILE = [
    "~~~",
    "```",
    "~~struck~~ text",
    "---",
    "***",
    "___",
    "===",
    "# Heading",
    "Fiche ##",
    "+ item",
    "- item",
    "* item",
    "> quote",
    "1. one",
    "2) two",
    "a) pandoc",
    "iv. roman",
    "(@) example",
    ": definition",
    "`code`",
    "<b>bold</b> <!-- c -->",
    "&amp; &#65; &copy;",
    "[a](https://evil.example/)",
    "![i](https://evil.example/i.png)",
    "back\\slash\\",
    "a | b || c",
    "*em* _em_ **strong**",
    "$x$ and $$y$$",
    "x^2^ H~2~O",
    "Title {#id .class}",
    "[^1] note",
    "@doe99 says",
    ":smile: :+1:",
    "\\(x\\)",
]


def plain_inline(token: Token) -> str:
    """The text of an inline token, which must hold nothing but text."""
    children = token.children or []
    assert {child.type for child in children} <= {"text"}, [child.type for child in children]
    return "".join(child.content for child in children)


def table_cells(markdown: str) -> list[list[Token]]:
    """The inline token of every cell of a Markdown table, row by row."""
    rows: list[list[Token]] = []
    for token in COMMONMARK.parse(markdown):
        if token.type == "tr_open":
            rows.append([])
        elif token.type == "inline":
            rows[-1].append(token)
    return rows


@pytest.mark.parametrize("text", HOSTILE)
def test_markdown_table_cells_show_their_text_as_written(text: str) -> None:
    markdown = said("en", to_markdown, [record(title_en=text)], ["number", "title_en"])
    rows = table_cells(markdown)
    assert [len(row) for row in rows] == [2, 2]
    assert plain_inline(rows[1][1]) == text


@pytest.mark.parametrize("text", HOSTILE)
def test_markdown_sections_show_titles_and_summaries_as_written(text: str) -> None:
    row = record(title_en=text, summary_fr=f"{text}\n\n{text} again")
    markdown = said("en", to_markdown_sections, [row], ["summary_fr"], Lang.EN)
    tokens = COMMONMARK.parse(markdown)
    assert [token.type for token in tokens] == [
        "heading_open",
        "inline",
        "heading_close",
        *["paragraph_open", "inline", "paragraph_close"] * 2,
    ]
    assert [plain_inline(t) for t in tokens if t.type == "inline"] == [
        f"Sheet 1 · {text}",
        text,
        f"{text} again",
    ]


def test_a_title_s_closing_hashes_survive_in_its_heading() -> None:
    markdown = said("en", to_markdown_sections, [record(title_en="C'est ## fini ##")], [], Lang.EN)
    (heading,) = [t for t in COMMONMARK.parse(markdown) if t.type == "inline"]
    assert plain_inline(heading) == "Sheet 1 · C'est ## fini ##"


PIPED = (
    "https://citego.org/|[Download](https://evil.example/phish)|![](https://evil.example/b.png)|"
)


def test_a_link_with_pipes_neither_splits_cells_nor_injects_a_link_or_an_image() -> None:
    markdown = said("en", to_markdown, [record(url=PIPED)], ["url", "title_en"])
    rows = table_cells(markdown)
    assert [len(row) for row in rows] == [2, 2]
    link = rows[1][0].children or []
    assert [child.type for child in link] == ["link_open", "text", "link_close"]
    href = str(link[0].attrs["href"])
    assert href.startswith("https://citego.org/%7C") and plain_inline(rows[1][1]) == "Title"
    html = COMMONMARK.render(markdown)
    assert html.count("<a ") == 1 and "<img" not in html


# ----------------------------------------------------------------------------- pandoc


def pandoc() -> Any:
    """pypandoc, whose binary package (a test dependency) ships pandoc itself."""
    return pytest.importorskip("pypandoc", reason="pypandoc-binary (a test dependency) is missing")


def pandoc_html(markdown: str, reader: str) -> Page:
    return parse_html(pandoc().convert_text(markdown, "html", format=reader))


READERS = ["gfm", "commonmark_x-smart", "markdown-smart"]
"""GitHub's Markdown, CommonMark with pandoc's extensions, and pandoc's own (typography aside:
their `smart` extension makes `---` a dash, as a word processor would)."""


def only_visible_links(page: Page) -> bool:
    """Whether every link is an address written out in the text (GitHub links those), never
    one that the text hides."""
    return all(any(link in text for text in page.texts) for link in page.hrefs)


PLAIN_TAGS = {"table", "colgroup", "col", "thead", "tbody", "tr", "th", "td", "p", "h2"}


@pytest.mark.parametrize("reader", READERS)
def test_pandoc_reads_every_hostile_text_as_written(reader: str) -> None:
    rows = [record(number=i, title_en=text) for i, text in enumerate(HOSTILE)]
    page = pandoc_html(said("en", to_markdown, rows, ["number", "title_en"]), reader)
    assert set(page.tags) - {"a"} <= PLAIN_TAGS, set(page.tags) - PLAIN_TAGS
    assert only_visible_links(page) and page.texts[3::2] == HOSTILE
    sections = said(
        "en",
        to_markdown_sections,
        [record(number=i, title_en=text, summary_fr=text) for i, text in enumerate(HOSTILE)],
        ["summary_fr"],
        Lang.EN,
    )
    page = pandoc_html(sections, reader)  # one document: no text may run into the next
    assert set(page.tags) - {"a"} <= PLAIN_TAGS and only_visible_links(page), reader
    written = [[f"Sheet {i} · {text}", text] for i, text in enumerate(HOSTILE)]
    assert page.texts == [text for pair in written for text in pair], reader


@pytest.mark.parametrize("reader", READERS)
def test_pandoc_keeps_a_piped_link_whole(reader: str) -> None:
    page = pandoc_html(said("en", to_markdown, [record(url=PIPED)], ["url", "title_en"]), reader)
    assert len(page.hrefs) == 1 and page.hrefs[0].startswith("https://citego.org/%7C")
    assert "img" not in page.tags and page.texts[-1] == "Title"


def test_pandoc_gives_columns_widths_that_follow_their_content() -> None:
    records = real_records(8, 16, 7, 9)
    markdown = said("fr", to_markdown, records, columns_for(Format.MARKDOWN, Lang.BOTH))
    number, category, title_fr, title_en, page = pandoc_html(markdown, "markdown").widths
    assert 2 <= number < 8 and number < category < min(title_fr, title_en)
    assert page < max(title_fr, title_en)
    assert re.match(r"\| -+: \| -+ \|", markdown.splitlines()[1])  # N° right-aligned


def test_pandoc_gives_word_the_same_column_widths(tmp_path: Path) -> None:
    markdown = said(
        "fr", to_markdown, real_records(8, 16, 7), columns_for(Format.MARKDOWN, Lang.FR)
    )
    html = pandoc_html(markdown, "markdown").widths
    document = tmp_path / "list.docx"
    pandoc().convert_text(markdown, "docx", format="markdown", outputfile=str(document))
    with zipfile.ZipFile(document) as archive:
        xml = archive.read("word/document.xml").decode()
    grid = [int(width) for width in re.findall(r'<w:gridCol w:w="(\d+)"', xml)]
    shares = [100 * width / sum(grid) for width in grid]
    assert shares == pytest.approx(html, abs=1.5)
    assert shares[0] < 8 and shares[0] < shares[1] < shares[2]  # N°, category, title


# ----------------------------------------------------------------------------- cost


def fastest(job: Callable[[], object], times: int = 3) -> float:
    best = float("inf")
    for _ in range(times):
        start = time.perf_counter()
        job()
        best = min(best, time.perf_counter() - start)
    return best


@pytest.mark.parametrize(
    "export",
    [
        lambda rows: said("en", to_markdown, rows, ["number", "summary_fr"]),
        lambda rows: said("en", to_markdown_sections, rows, ["summary_fr"], Lang.EN),
        lambda rows: said("en", to_html_sections, rows, ["summary_fr"], Lang.EN, "t"),
        lambda rows: said("en", to_html, rows, ["number", "summary_fr"], "t"),
    ],
    ids=["markdown", "markdown-sections", "html-sections", "html"],
)
def test_long_runs_of_spaces_cost_in_proportion_to_their_length(
    export: Callable[[list[Record]], str],
) -> None:
    def rows(spaces: int) -> list[Record]:
        return [record(number=i, summary_fr="z" + " " * spaces) for i in range(100)]

    # sizes at which a cost that grows with the square fails within seconds, not minutes
    ratio = fastest(lambda: export(rows(4_000)), 2) / fastest(lambda: export(rows(400)))
    assert ratio < 30, ratio  # the square of ten is 100
    assert fastest(lambda: export(rows(19_999)), 1) < 2.0  # the hostile file's: was 200 s


# ----------------------------------------------------------------------------- other programs


def _profile(tmp_path: Path) -> str:
    return f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}"


def _soffice(tmp_path: Path, *args: str) -> None:
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not on PATH")
    result = subprocess.run(
        [soffice, _profile(tmp_path), "--headless", *args, "--outdir", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr


HOSTILE_ROWS = [
    record(number=1, title_fr=" =1+1", title_en="a, b; c\td", score=12.5),
    record(
        number=2,
        category="thematic",
        title_fr='=HYPERLINK("https://evil.example/";"clic")',
        url=SEARCH,
        url_kind="search",
        score=3.0,
    ),
]
FIELDS = ["number", "score", "category", "title_fr", "title_en", "url"]


@pytest.mark.slow
def test_libreoffice_reads_the_workbook_as_written(tmp_path: Path) -> None:
    book = tmp_path / "kit.xlsx"
    book.write_bytes(said("fr", to_xlsx, HOSTILE_ROWS, FIELDS, "Kit"))
    _soffice(tmp_path, "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1", str(book))
    text = (tmp_path / "out" / "kit.csv").read_text("utf-8")
    assert list(csv.reader(io.StringIO(text, newline=""))) == [
        ["N°", "Score", "Catégorie", "Titre (fr)", "Titre (en)", "Page"],
        ["1", "12.5", "levier", " =1+1", "a, b; c\td", "https://citego.org/coretet-2585.html"],
        [
            "2",
            "3",
            "thématique",
            HOSTILE_ROWS[1]["title_fr"],
            "Title",
            "recherche sur socioeco.org",
        ],
    ]


@pytest.mark.slow
def test_libreoffice_imports_the_spreadsheet_with_every_separator_ticked(tmp_path: Path) -> None:
    sheet = tmp_path / "kit.csv"
    sheet.write_text(said("fr", to_spreadsheet, HOSTILE_ROWS, FIELDS), "utf-8", newline="")
    # separators ; , and tab, quotes, UTF-8, French, and "Trim spaces" (the 11th option)
    options = "CSV:59/44/9,34,76,1,,1036,false,true,false,false,true"
    _soffice(tmp_path, f"--infilter={options}", "--convert-to", "xlsx", str(sheet))
    cells = [
        [(c.value, c.data_type) for c in row]
        for row in workbook((tmp_path / "out" / "kit.xlsx").read_bytes()).iter_rows(min_row=2)
    ]
    assert cells == [
        [
            (1, "n"),
            (12.5, "n"),
            ("levier", "s"),
            ("' =1+1", "s"),
            ("a, b; c\td", "s"),
            (HOSTILE_ROWS[0]["url"], "s"),
        ],
        [
            (2, "n"),
            (3, "n"),
            ("thématique", "s"),
            ("'" + HOSTILE_ROWS[1]["title_fr"], "s"),
            ("Title", "s"),
            (SEARCH, "s"),
        ],
    ]


def _print_to_pdf(chromium: str, page: Path, tmp_path: Path) -> Path:
    """The page printed to PDF by headless Chromium, with a profile of its own."""
    pdf = tmp_path / "kit.pdf"
    result = subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'chromium'}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0 and pdf.exists(), result.stderr
    return pdf


@pytest.mark.slow
def test_chromium_prints_rows_whole_and_breaks_addresses_after_slashes(tmp_path: Path) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("Chromium is not on PATH")
    pypdf = pytest.importorskip("pypdf", reason="pypdf (a test dependency) reads the PDF")
    base = real_records(*range(25))
    rows = [
        {
            **row,
            "number": i,
            "title_fr": f"{row['title_fr'] or row['title_en']} n{i}q",  # one of its own
            "url": f"https://citego.org/bdf_fiche-document-{2500 + i}_fr.html",
            "url_kind": "citego",
        }
        for i, row in enumerate(base * 4)
    ]
    page = tmp_path / "kit.html"
    page.write_text(said("fr", to_html, rows, columns_for(Format.HTML, Lang.FR), "Kit"), "utf-8")
    pdf = _print_to_pdf(chromium, page, tmp_path)
    pages = [unicodedata.normalize("NFKC", p.extract_text()) for p in pypdf.PdfReader(pdf).pages]
    assert len(pages) > 3
    for row in rows:
        title, url = " ".join(row["title_fr"].split()), row["url"]
        holding = [text for text in pages if f"n{row['number']}q" in text]
        assert len(holding) == 1, row["number"]  # the whole row on one page
        text = holding[0]
        assert title in " ".join(text.split()), title
        assert url in text.replace("/\n", "/"), url  # any line break in it is after a slash
