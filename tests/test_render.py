"""Output formats: golden files for a small catalogue, round trips, and text that must not break."""

from __future__ import annotations

import csv
import io
import itertools
import json
import os
import re
import subprocess
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from helpers import esskit_command, parse_html, said
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from esskit import catalogue as cat
from esskit.cli import app
from esskit.display import sheets_table
from esskit.formats import (
    BINARY_FORMATS,
    Format,
    Lang,
    UnknownField,
    default_lang,
    french_typography,
    parse_fields,
    to_csv,
    to_spreadsheet,
    to_tsv,
)
from esskit.models import Sheet, UrlKind

Run = Callable[..., subprocess.CompletedProcess[str]]
GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("ESSKIT_UPDATE_GOLDEN") == "1"

CASES = [
    ("list.json", ["list", "--format", "json"]),
    ("list.jsonl", ["list", "--format", "jsonl"]),
    ("list.csv", ["list", "--format", "csv"]),
    ("list.tsv", ["list", "--format", "tsv"]),
    ("list.plain", ["list", "--format", "plain"]),
    ("list.table", ["list", "--format", "table", "--lang", "both"]),
    ("list.tree", ["list", "--tree", "--lang", "fr"]),
    ("search.csv", ["search", "acteurs", "--format", "csv"]),
    ("search.table", ["search", "acteurs", "--format", "table", "--lang", "both"]),
    ("search.json", ["search", "acteurs", "--format", "json"]),
    ("show.json", ["show", "4", "--json"]),
    ("show-several.json", ["show", "9", "0", "--json"]),
    ("show.table", ["show", "4", "--format", "table"]),
    ("fields.tsv", ["list", "--format", "tsv", "--fields", "url,number"]),
    ("list.md", ["list", "--format", "markdown", "--lang", "both"]),
    ("list-fr.md", ["list", "--format", "markdown", "--lang", "fr"]),
    ("search.md", ["search", "acteurs", "--format", "markdown", "--lang", "en"]),
    ("show.md", ["show", "4", "9", "--format", "markdown", "--lang", "both"]),
    ("list.html", ["list", "--format", "html", "--lang", "fr"]),
    ("show.html", ["show", "4", "9", "--format", "html"]),
    ("list.spreadsheet.csv", ["list", "--format", "spreadsheet", "--lang", "fr"]),
    ("search.spreadsheet.csv", ["search", "acteurs", "--format", "spreadsheet"]),
]


PLACEHOLDER_SCORE = 12.5
"""Every search result's score in the golden files: they check the formats, not the ranking."""


@pytest.fixture
def fixed_scores(monkeypatch: pytest.MonkeyPatch) -> None:
    """Search finds what it finds, in its order, but each result scores PLACEHOLDER_SCORE."""
    from esskit import search

    found = search.find

    def find(*args: Any, **kwargs: Any) -> list[search.Match]:
        return [match._replace(score=PLACEHOLDER_SCORE) for match in found(*args, **kwargs)]

    monkeypatch.setattr(search, "find", find)


@pytest.mark.parametrize(("name", "args"), CASES, ids=[name for name, _ in CASES])
@pytest.mark.usefixtures("fixed_scores")
def test_golden_output(runner: CliRunner, tiny: Path, name: str, args: list[str]) -> None:
    result = runner.invoke(
        app, [*args, "--catalogue", str(tiny)], catch_exceptions=False, env={"COLUMNS": "100"}
    )
    assert result.exit_code == 0, result.stderr
    golden = GOLDEN / name
    if UPDATE:
        golden.write_text(result.stdout, "utf-8")
    assert result.stdout == golden.read_text("utf-8")


def test_json_and_jsonl_round_trip_to_the_same_sheets(runner: CliRunner, tiny: Path) -> None:
    as_json = json.loads(runner.invoke(app, ["list", "-c", str(tiny), "--json"]).stdout)
    lines = runner.invoke(app, ["list", "-c", str(tiny), "-f", "jsonl"]).stdout.splitlines()
    assert [json.loads(line) for line in lines] == as_json
    loaded = cat.load(tiny)
    assert [item["title_en"] for item in as_json] == [s.title_en for s in loaded.sheets]
    assert [item["title_fr"] for item in as_json] == [s.title_fr for s in loaded.sheets]


def test_csv_reads_back_to_the_same_fields(runner: CliRunner, tiny: Path) -> None:
    fields = "number,title_fr,title_en,keywords_fr,url"
    out = runner.invoke(app, ["list", "-c", str(tiny), "-f", "csv", "--fields", fields]).stdout
    rows = list(csv.DictReader(io.StringIO(out, newline="")))
    loaded = cat.load(tiny)
    assert [row["title_en"] for row in rows] == [s.title_en for s in loaded.sheets]
    assert [row["title_fr"] for row in rows] == [s.title_fr or "" for s in loaded.sheets]
    assert rows[1]["keywords_fr"] == "acteurs; cartographie"


def test_markup_looking_text_is_printed_as_written(runner: CliRunner, tiny: Path) -> None:
    for fmt in Format:
        if fmt in BINARY_FORMATS:  # a workbook is bytes: test_formats reads it back
            continue
        out = runner.invoke(
            app,
            ["show", "4", "-c", str(tiny), "-f", fmt.value, "--fields", "title_fr,title_en"],
            env={"COLUMNS": "200"},
        ).stdout
        if fmt is Format.MARKDOWN:  # escaped, so that Markdown shows it as written
            out = re.sub(r"\\(.)", r"\1", out)
        assert "[brouillon] Connaître [/fr] les acteurs [bold]" in out, fmt
        assert "[link=https://evil.example]" in out, fmt


def test_unknown_field_lists_the_valid_ones(runner: CliRunner) -> None:
    result = runner.invoke(app, ["list", "--fields", "number,nosuch", "--json"])
    assert result.exit_code == 2
    assert "unknown field 'nosuch'" in result.stderr and "title_fr" in result.stderr
    with pytest.raises(UnknownField):
        parse_fields("", ["number"])


def test_search_fields_include_score_and_matched(runner: CliRunner) -> None:
    out = runner.invoke(app, ["search", "foncier", "--json", "--fields", "score,matched"]).stdout
    assert set(json.loads(out)[0]) == {"score", "matched"}


def test_piped_default_is_plain_and_table_can_be_forced(runner: CliRunner, tiny: Path) -> None:
    plain = runner.invoke(app, ["list", "-c", str(tiny)]).stdout
    assert plain == (GOLDEN / "list.plain").read_text("utf-8")
    table = runner.invoke(app, ["list", "-c", str(tiny), "-f", "table"]).stdout
    assert "N°" in table and "\t" not in table


def test_tree_is_for_people_only(runner: CliRunner) -> None:
    result = runner.invoke(app, ["list", "--tree", "--json"])
    assert result.exit_code == 2 and "--tree" in result.stderr and result.stdout == ""


def test_json_and_format_must_agree(runner: CliRunner) -> None:
    result = runner.invoke(app, ["list", "--json", "--format", "csv"])
    assert result.exit_code == 2 and "--json and --format csv" in result.stderr


@pytest.mark.parametrize(
    ("value", "lang"),
    [
        ("fr_FR.UTF-8", Lang.FR),
        ("en_GB.UTF-8", Lang.EN),
        ("C", Lang.BOTH),
        (None, Lang.BOTH),
        ("", Lang.BOTH),
        ("de_DE", Lang.BOTH),
    ],
)
def test_default_lang_follows_lang(value: str | None, lang: Lang) -> None:
    assert default_lang(value) is lang


def test_lang_from_environment_chooses_title_column(runner: CliRunner, tiny: Path) -> None:
    french = runner.invoke(app, ["list", "-c", str(tiny), "-f", "table"], env={"LANG": "fr_FR"})
    english = runner.invoke(app, ["list", "-c", str(tiny), "-f", "table"], env={"LANG": "en_US"})
    assert "Titre (fr)" in french.stdout and "Title (en)" not in french.stdout
    assert "Title (en)" in english.stdout and "Titre (fr)" not in english.stdout


def test_table_shows_control_characters_as_replacement() -> None:
    from rich.console import Console

    sheet = replace(cat.load().sheets[4], title_fr="Bad\x1b[31m title\x07")
    console = Console(width=120, file=io.StringIO(), color_system=None)
    console.print(sheets_table([sheet], Lang.FR))
    text = console.file.getvalue()  # type: ignore[attr-defined]
    assert "\x1b" not in text and "\x07" not in text and "Bad\N{REPLACEMENT CHARACTER}[31m" in text


@given(st.lists(st.text(), min_size=1, max_size=4))
def test_csv_is_correct_for_any_text(values: list[str]) -> None:
    fields = [f"f{i}" for i in range(len(values))]
    record = dict(zip(fields, values, strict=True))
    out = to_csv([record], fields)
    rows = list(csv.reader(io.StringIO(out, newline="")))
    assert rows == [fields, values]


@given(st.lists(st.text(), min_size=1, max_size=4))
def test_tsv_rows_stay_one_line_for_any_text(values: list[str]) -> None:
    fields = [f"f{i}" for i in range(len(values))]
    out = to_tsv([dict(zip(fields, values, strict=True))], fields, header=False)
    assert out.endswith("\n") and out.count("\n") == 1
    assert len(out[:-1].split("\t")) == len(values)
    escapes = {"t": "\t", "n": "\n", "r": "\r", "\\": "\\"}
    cells = out[:-1].split("\t")
    assert [re.sub(r"\\(.)", lambda m: escapes[m.group(1)], cell) for cell in cells] == values


# ----------------------------------------------------------------------------- exports for people


def markdown_rows(text: str) -> list[list[str]]:
    """The cells of a Markdown pipe table, unescaped, without its rule line."""
    rows = []
    for line in text.splitlines():
        if not line.startswith("|") or set(line) <= set("|-: "):
            continue
        cells = re.split(r"(?<!\\)\|", line.strip())[1:-1]
        rows.append([re.sub(r"\\(.)", r"\1", cell.strip()) for cell in cells])
    return rows


def test_markdown_table_reads_back_to_the_sheets(runner: CliRunner, tiny: Path) -> None:
    out = runner.invoke(app, ["list", "-c", str(tiny), "-f", "markdown", "--lang", "both"]).stdout
    rows = markdown_rows(out)
    loaded = cat.load(tiny)
    assert rows[0] == ["N°", "Category", "Titre (fr)", "Title (en)", "Page"]
    assert [int(row[0]) for row in rows[1:]] == [s.number for s in loaded.sheets]
    assert [row[3] for row in rows[1:]] == [s.title_en for s in loaded.sheets]
    assert [row[4] for row in rows[1:]] == [
        markdown_link(s, "search on socioeco.org") for s in loaded.sheets
    ]


def markdown_link(sheet: Sheet, search_words: str) -> str:
    """How a Markdown document links to a sheet's page: its address, or words for a search."""
    url, kind = cat.sheet_url(sheet)
    return f"[{search_words}](<{url}>)" if kind is UrlKind.SEARCH else f"<{url}>"


def test_markdown_search_is_a_table_of_the_results(runner: CliRunner) -> None:
    out = runner.invoke(app, ["search", "foncier", "-f", "markdown", "--lang", "fr"]).stdout
    rows = markdown_rows(out)
    assert rows[0] == ["N°", "Catégorie", "Titre (fr)", "Page"]
    assert rows[1][:2] == ["13", "levier"]


def test_markdown_tables_right_align_every_number_column(runner: CliRunner) -> None:
    args = ["search", "mobilité", "-f", "markdown", "--fields", "title_fr,score,number,url"]
    rule = runner.invoke(app, args).stdout.splitlines()[1]
    assert re.fullmatch(r"\| -{3,} \| -{2,}: \| -{2,}: \| -{3,} \|", rule), rule


def test_html_tables_right_align_every_number_column(runner: CliRunner) -> None:
    args = ["search", "mobilité", "-f", "html", "--fields", "title_fr,score,number,url"]
    out = runner.invoke(app, args).stdout
    assert ".number{text-align:right}" in out
    rows = re.findall(r"<tr>(.*?)</tr>", out)
    assert len(rows) >= 3  # the heading and at least two results
    for row in rows:
        cells = re.findall(r"<t[hd]([^>]*)>", row)
        assert ['class="number"' in cell for cell in cells] == [False, True, True, False]


def test_markdown_sections_give_each_sheet_in_the_order_given(runner: CliRunner) -> None:
    out = runner.invoke(app, ["show", "16", "8", "1", "-f", "markdown", "--lang", "fr"]).stdout
    titles = [line for line in out.splitlines() if line.startswith("## ")]
    assert [title.split(" · ")[0] for title in titles] == [
        "## Fiche 16",
        "## Fiche 8",
        "## Fiche 1",
    ]
    assert titles[2].endswith("(en)")
    assert "- **Catégorie**\N{NARROW NO-BREAK SPACE}: thématique" in out
    assert "<https://citego.org/coretet-2593.html>" in out


SAFE_TAGS = {"html", "head", "meta", "title", "style", "body", "main", "h1", "h2", "section"}
SAFE_TAGS |= {"table", "thead", "tbody", "tr", "th", "td", "a", "p", "span", "wbr"}


def test_html_page_is_a_real_table_with_working_links(runner: CliRunner, tiny: Path) -> None:
    out = runner.invoke(app, ["list", "-c", str(tiny), "-f", "html", "--lang", "both"]).stdout
    assert out.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in out
    assert "http" not in out.replace(">https://", "").split("<body>")[0]  # no external asset
    page = parse_html(out)
    loaded = cat.load(tiny)
    assert set(page.tags) <= SAFE_TAGS and "table" in page.tags
    assert page.rows[0] == ["N°", "Category", "Titre (fr)", "Title (en)", "Page"]
    assert [row[1] for row in page.rows[1:]] == [s.category.value for s in loaded.sheets]
    assert [row[2] for row in page.rows[1:]] == [s.title_fr or "—" for s in loaded.sheets]
    assert [row[3] for row in page.rows[1:]] == [s.title_en for s in loaded.sheets]
    assert page.hrefs == [cat.sheet_url(s)[0] for s in loaded.sheets]


def test_html_never_reads_catalogue_text_as_markup(runner: CliRunner, tmp_path: Path) -> None:
    from helpers import write_catalogue

    hostile = '<script>alert("x")</script> & <b>gras</b>'
    sheet = {"number": 1, "category": "lever", "title_en": hostile, "summary_fr": hostile}
    path = write_catalogue(tmp_path / "hostile.json", [sheet])
    for args in (["list"], ["show", "1"], ["search", "gras"]):
        out = runner.invoke(app, [*args, "-c", str(path), "-f", "html"]).stdout
        page = parse_html(out)
        assert set(page.tags) <= SAFE_TAGS, args
        assert any(hostile in cell for row in page.rows for cell in row), args


def test_html_sections_give_each_sheet_with_its_summary(runner: CliRunner) -> None:
    out = runner.invoke(app, ["show", "8", "7", "-f", "html", "--lang", "fr"]).stdout
    page = parse_html(out)
    assert page.langs == ["fr"] and page.tags.count("section") == 2
    assert out.index('id="sheet-8"') < out.index('id="sheet-7"')
    labels = [row[0] for row in page.rows]
    assert labels.count("Catégorie") == 2 and labels.count("Résumé") == 2
    assert page.hrefs == [
        "https://citego.org/coretet-2585.html",
        "https://www.rtes.fr/kit-municipaless-fiche-9-agriculture-et-alimentation-durables-ess",
        "https://citego.org/coretet-2584.html",
        "https://www.rtes.fr/kit-municipaless-fiche-8-commande-publique-responsable",
    ]
    nnbsp = "\N{NARROW NO-BREAK SPACE}"
    newer = (
        f"Édition 2026{nnbsp}: fiche 9 «{nnbsp}Agriculture et alimentation durables & ESS{nnbsp}»"
    )
    assert page.rows[2] == ["Nouvelle édition", newer]


def spreadsheet_rows(data: bytes) -> list[list[str]]:
    """Rows of the spreadsheet export, read as a spreadsheet would: UTF-8 with its byte-order
    mark, `;` between cells."""
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))


BOTH = ["--fields", "number,category,title_fr,title_en,url"]
"""Both titles, whatever columns the display language chooses by default."""


def test_spreadsheet_export_opens_right_in_french_spreadsheets(run: Run, tiny: Path) -> None:
    result = subprocess.run(
        [*esskit_command(), "list", "-c", str(tiny), "-f", "spreadsheet", "--lang", "fr", *BOTH],
        capture_output=True,
        timeout=30,
        check=False,
    )
    data = result.stdout
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.count(b"\r\n") == 5 and b"\n" not in data.replace(b"\r\n", b"")
    rows = spreadsheet_rows(data)
    loaded = cat.load(tiny)
    assert rows[0] == ["N°", "Catégorie", "Titre (fr)", "Titre (en)", "Page"]
    assert [row[1] for row in rows[1:]] == ["introduction", "levier", "levier", "thématique"]
    assert [row[2] for row in rows[1:]] == [s.title_fr or "—" for s in loaded.sheets]
    assert [row[3] for row in rows[1:]] == [s.title_en for s in loaded.sheets]


SCIC = "Cooperative Societies of Collective Interest – SCIC"
"""The English title of the tiny catalogue's sheet 9, which has no French title."""


def _rows(fmt: str, out: str) -> list[list[str]]:
    """The rows of a listing as people see them, in each format for people."""
    if fmt == "table":
        return [re.split(r" {2,}", line.strip()) for line in out.splitlines()]
    if fmt == "markdown":
        return markdown_rows(out)
    if fmt == "html":
        return parse_html(out).rows
    return spreadsheet_rows(out.encode("utf-8"))


PEOPLE = ["table", "markdown", "html", "spreadsheet"]


@pytest.mark.parametrize("fmt", PEOPLE)
def test_an_unknown_french_title_beside_the_english_one_is_a_dash(
    runner: CliRunner, tiny: Path, fmt: str
) -> None:
    args = ["list", "9", "10", "-c", str(tiny), "-f", fmt, "--lang", "both"]
    result = runner.invoke(app, args, env={"LANG": "fr_FR.UTF-8", "COLUMNS": "200"})
    rows = _rows(fmt, result.stdout)
    assert rows[0][2:4] == ["Titre (fr)", "Titre (en)"]
    assert rows[1][:4] == ["9", "levier", "—", SCIC]
    assert rows[2][2].startswith("Économie sociale et solidaire")


@pytest.mark.parametrize("fmt", PEOPLE)
def test_an_unknown_french_title_alone_is_the_english_one_marked(
    runner: CliRunner, tiny: Path, fmt: str
) -> None:
    # the spreadsheet has both titles unless --fields says otherwise
    columns = ["--fields", "number,category,title_fr"] if fmt == "spreadsheet" else []
    args = ["list", "9", "-c", str(tiny), "-f", fmt, "--lang", "fr", *columns]
    result = runner.invoke(app, args, env={"COLUMNS": "200"})
    rows = _rows(fmt, result.stdout)
    assert rows[0][2] == "Titre (fr)" and rows[1][:3] == ["9", "levier", f"{SCIC} (en)"]


def test_an_unknown_french_title_has_a_dash_in_show_s_sections(
    runner: CliRunner, tiny: Path
) -> None:
    args = ["show", "9", "-c", str(tiny), "--fields", "title_fr,title_en", "--lang", "both"]
    markdown = runner.invoke(app, [*args, "-f", "markdown"]).stdout
    assert markdown.splitlines()[0] == f"## Sheet 9 · {SCIC} (en)"
    assert "- **Titre (fr)**: —" in markdown and f"- **Title (en)**: {SCIC}" in markdown
    page = parse_html(runner.invoke(app, [*args, "-f", "html"]).stdout)
    assert page.rows == [["Titre (fr)", "—"], ["Title (en)", SCIC]]


def test_spreadsheet_scores_have_decimal_commas(runner: CliRunner) -> None:
    out = runner.invoke(app, ["search", "foncier", "-f", "spreadsheet"]).stdout
    rows = spreadsheet_rows(out.encode("utf-8"))
    assert rows[0][:2] == ["N°", "Score"]
    score = json.loads(runner.invoke(app, ["search", "foncier", "--json"]).stdout)[0]["score"]
    assert rows[1][1] == f"{score:g}".replace(".", ",")


FORMULAS = ["=1+1", "+33 1 23", "-2", "@SUM(A1)", '=HYPERLINK("https://evil.example")']


@pytest.mark.parametrize("title", FORMULAS)
def test_spreadsheet_neutralises_formulas_and_csv_keeps_them(
    runner: CliRunner, tmp_path: Path, title: str
) -> None:
    from helpers import write_catalogue

    sheet = {"number": 1, "category": "lever", "title_en": title, "keywords_fr": [title]}
    path = write_catalogue(tmp_path / "formula.json", [sheet])
    args = ["list", "-c", str(path), "--fields", "title_en,keywords_fr", "-f"]
    sheet_out = runner.invoke(app, [*args, "spreadsheet"]).stdout
    assert spreadsheet_rows(sheet_out.encode("utf-8"))[1] == ["'" + title, "'" + title]
    plain = runner.invoke(app, [*args, "csv"]).stdout
    assert list(csv.reader(io.StringIO(plain, newline="")))[1] == [title, title]


@given(st.text())
def test_no_spreadsheet_cell_starts_a_formula(text: str) -> None:
    out = said("en", to_spreadsheet, [{"title_en": text}], ["title_en"])
    cell = spreadsheet_rows(out.encode("utf-8"))[1][0] if text else ""
    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert cell in (text, "'" + text)


# ----------------------------------------------------------------------------- French display


@pytest.mark.parametrize(
    "env",
    [
        {"LC_ALL": "fr_FR.UTF-8"},
        {"LC_MESSAGES": "fr_BE.UTF-8"},
        {"LANG": "fr_CA.UTF-8"},
        {"LANG": "en_GB.UTF-8", "LANGUAGE": "fr:en"},
        {"LANGUAGE": "fr_FR"},
        {"LC_ALL": "fr_FR.UTF-8", "LANG": "en_US.UTF-8"},
        {"LC_MESSAGES": "fr_FR.UTF-8", "LANG": "en_US.UTF-8"},
    ],
    ids=lambda env: ",".join(f"{k}={v}" for k, v in env.items()),
)
def test_french_locale_gives_french_headings(runner: CliRunner, env: dict[str, str]) -> None:
    table = runner.invoke(app, ["list", "-f", "table", "-k", "lever"], env=env).stdout
    assert table.split()[:3] == ["N°", "Catégorie", "Titre"] and "levier" in table


def test_a_french_locale_gives_every_display_french_words(runner: CliRunner) -> None:
    env = {"LANG": "fr_FR.UTF-8"}
    search = runner.invoke(app, ["search", "foncier", "-f", "table"], env=env).stdout
    assert "Trouvé dans" in search and "levier" in search
    panel = runner.invoke(app, ["show", "13", "-f", "table"], env=env).stdout
    assert "Fiche 13" in panel and "Catégorie" in panel and "Résumé" in panel
    tree = runner.invoke(app, ["list", "--tree"], env=env).stdout
    assert "Leviers" in tree and "Thématiques" in tree
    page = runner.invoke(app, ["list", "-f", "markdown"], env=env).stdout
    assert markdown_rows(page)[0] == ["N°", "Catégorie", "Titre (fr)", "Page"]


@pytest.mark.parametrize(
    "env",
    [
        {"LC_ALL": "en_US.UTF-8", "LANG": "fr_FR.UTF-8"},
        {"LC_ALL": "C", "LANGUAGE": "fr"},
        {"LANG": "de_DE.UTF-8"},
        {},
    ],
    ids=lambda env: ",".join(f"{k}={v}" for k, v in env.items()) or "none",
)
def test_other_locales_give_english_headings(runner: CliRunner, env: dict[str, str]) -> None:
    table = runner.invoke(app, ["list", "-f", "table", "-k", "lever"], env=env).stdout
    assert "Category" in table and "lever" in table and "levier" not in table


def test_lang_option_outranks_the_locale(runner: CliRunner) -> None:
    french = runner.invoke(app, ["list", "-f", "table", "--lang", "fr"], env={"LANG": "en_US"})
    english = runner.invoke(app, ["list", "-f", "table", "--lang", "en"], env={"LANG": "fr_FR"})
    both = runner.invoke(app, ["list", "-f", "table", "--lang", "both"], env={"LANG": "fr_FR"})
    assert "Catégorie" in french.stdout and "Category" in english.stdout
    assert "Catégorie" in both.stdout and "Titre (en)" in both.stdout


@pytest.mark.parametrize("fmt", ["json", "jsonl", "tsv", "csv"])
def test_french_display_leaves_machine_keys_and_data_alone(runner: CliRunner, fmt: str) -> None:
    args = ["list", "2", "7", "-f", fmt]
    assert runner.invoke(app, args, env={"LANG": "fr_FR.UTF-8"}).stdout == (
        runner.invoke(app, args, env={"LANG": "C"}).stdout
    )


@pytest.mark.parametrize("fmt", ["json", "jsonl", "tsv", "csv", "plain"])
def test_french_display_leaves_search_scores_alone_in_machine_formats(
    runner: CliRunner, fmt: str
) -> None:
    scores = _fractional_scores(runner, "mobilité")
    args = ["search", "mobilité", "-f", fmt, "--fields", "number,score"]
    french = runner.invoke(app, args, env={"LANG": "fr_FR.UTF-8"}).stdout
    assert french == runner.invoke(app, args, env={"LANG": "C"}).stdout
    assert all(f"{score:g}" in french for score in scores)


def _fractional_scores(runner: CliRunner, query: str) -> list[float]:
    out = runner.invoke(app, ["search", query, "--json", "--fields", "score"]).stdout
    scores = [item["score"] for item in json.loads(out)]
    assert any(score != int(score) for score in scores), "no score with decimals to check"
    return scores


@pytest.mark.parametrize(
    "args",
    [
        ["-f", "table"],
        ["-f", "markdown", "--fields", "number,score"],
        ["-f", "html", "--fields", "number,score"],
    ],
    ids=["table", "markdown", "html"],
)
def test_french_display_writes_scores_with_a_decimal_comma(
    runner: CliRunner, args: list[str]
) -> None:
    scores = _fractional_scores(runner, "mobilité")
    french = runner.invoke(app, ["search", "mobilité", *args, "--lang", "fr"]).stdout
    english = runner.invoke(app, ["search", "mobilité", *args, "--lang", "en"]).stdout
    for score in scores:
        point = f"{score:g}"
        assert point.replace(".", ",") in french and point in english
        if "." in point:
            assert point not in french


def test_a_french_locale_gives_decimal_commas_to_the_installed_command(run: Run) -> None:
    french = {"LANG": "fr_FR.UTF-8", "COLUMNS": "200"}
    table = run("search", "mobilité", "-f", "table", env=french)
    data = run("search", "mobilité", "--json", "--fields", "score", env=french)
    scores = [f"{item['score']:g}" for item in json.loads(data.stdout)]
    assert any("." in score for score in scores)
    rows = [line.split() for line in table.stdout.splitlines()[1:] if line[:3].strip().isdigit()]
    assert [row[1] for row in rows] == [score.replace(".", ",") for score in scores]


def test_french_titles_get_a_narrow_no_break_space_on_display_only(runner: CliRunner) -> None:
    nnbsp = "solidaire\N{NARROW NO-BREAK SPACE}?"
    for args in (["list", "-f", "table"], ["show", "2", "-f", "table"], ["list", "--tree"]):
        out = runner.invoke(app, args, env={"LANG": "fr_FR.UTF-8", "COLUMNS": "200"}).stdout
        assert nnbsp in out, args
    for args in (["list", "-f", "markdown"], ["list", "-f", "html"]):
        assert nnbsp in runner.invoke(app, [*args, "--lang", "fr"]).stdout, args
    data = runner.invoke(app, ["show", "2", "--json"]).stdout
    assert json.loads(data)["title_fr"].endswith("solidaire ?")
    assert "solidaire ?" in runner.invoke(app, ["list", "2", "-f", "spreadsheet"]).stdout


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Pourquoi ?", "Pourquoi\u202f?"),
        ("ESS : quoi ; où ?!", "ESS\u202f: quoi\u202f; où\u202f?!"),
        ("Déjà\u00a0!", "Déjà\u202f!"),
        ("à 10:30 https://x.example", "à 10:30 https://x.example"),
        ("Sans espace?", "Sans espace?"),
        (" ? seul", " ? seul"),
    ],
)
def test_french_typography(text: str, expected: str) -> None:
    assert french_typography(text) == expected
    assert len(french_typography(text)) == len(text)


# ----------------------------------------------------------------------------- terminal widths

WIDTHS = [40, 60, 80, 160]


def drawn(runner: CliRunner, width: int, *args: str) -> str:
    result = runner.invoke(app, [*args, "-f", "table"], env={"COLUMNS": str(width)})
    assert result.exit_code == 0, result.stderr
    return result.stdout


def title_column_widths(table: str) -> list[int]:
    """The width of each title column, from where its heading and the next one begin."""
    head = table.splitlines()[0]
    starts = [match.start() for match in re.finditer(r"(?:^|(?<=  ))\S", head)]
    words = [head[start:].split("  ")[0] for start in starts]
    widths = []
    for i, (start, word) in enumerate(zip(starts, words, strict=True)):
        if word.startswith(("Titre", "Title")):
            end = starts[i + 1] - 2 if i + 1 < len(starts) else max(map(len, table.splitlines()))
            widths.append(end - start)
    return widths


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize(
    "args",
    [
        ["list", "--lang", "both"],
        ["list", "--lang", "fr"],
        ["search", "économie sociale", "--lang", "both", "-n", "25"],
        ["search", "PAT", "--lang", "fr"],
        ["search", "transition", "--lang", "en"],
    ],
    ids=" ".join,
)
def test_tables_fit_and_keep_titles_readable(
    runner: CliRunner, width: int, args: list[str]
) -> None:
    table = drawn(runner, width, *args)
    assert all(len(line) <= width for line in table.splitlines()), table
    assert "…" not in table
    widths = title_column_widths(table)
    assert widths and min(widths) >= 20, (widths, table)
    for line in table.splitlines():  # French punctuation never starts a line on its own
        assert not re.search(r"(?:^|\s{2})[?!:;](?:\s|$)", line), line


def test_narrow_search_drops_score_and_matched_before_squeezing_titles(runner: CliRunner) -> None:
    wide = drawn(runner, 160, "search", "économie sociale", "--lang", "both")
    narrow = drawn(runner, 40, "search", "économie sociale", "--lang", "both")
    assert "Score" in wide and "Matched" in wide and "Title (en)" in wide
    assert "Score" not in narrow and "Matched" not in narrow
    assert "Titre (fr) · Title (en)" in narrow  # both titles share one column


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("number", [2, 13, 9])
def test_show_never_splits_an_address(runner: CliRunner, width: int, number: int) -> None:
    out = drawn(runner, width, "show", str(number))
    sheet = cat.get_sheet(cat.load(), number)
    addresses = [cat.sheet_url(sheet)[0], *sheet.sources, *sheet.field_sources.values()]
    for address in addresses:
        assert any(address in line for line in out.splitlines()), (address, out)
    for line in out.splitlines():
        if line.startswith(("│", "╭", "╰")):  # inside the border, everything fits
            assert len(line) <= width, line


def test_show_links_are_clickable_without_markup_from_data() -> None:
    from rich.console import Console

    from esskit.display import sheet_panel

    sheet = cat.get_sheet(cat.load(), 13)
    for width in (40, 200):
        console = Console(width=width, file=io.StringIO(), force_terminal=True)
        console.print(sheet_panel(sheet, *cat.sheet_url(sheet)), crop=False)
        text = console.file.getvalue()  # type: ignore[attr-defined]
        # OSC 8 hyperlinks around the page's address
        assert (
            "\x1b]8;" in text and "https://www.citego.org/bdf_fiche-document-2590_fr.html" in text
        )


@pytest.mark.parametrize("width", WIDTHS)
def test_tree_wraps_titles_under_themselves(runner: CliRunner, width: int) -> None:
    out = runner.invoke(app, ["list", "--tree", "--lang", "both"], env={"COLUMNS": str(width)})
    lines = out.stdout.splitlines()
    for line, after in itertools.pairwise(lines):
        found = re.match(r"^([│ ]+[├└]── +\d+  )\S", line)
        if found and after.startswith("│") and not re.search(r"[├└]──", after):
            indent = len(found.group(1))
            assert after[:indent].strip("│ ") == "" and after[indent] != " ", (line, after)
    assert (
        "Social and solidarity economy, what are we talking about? (en)"
        in " ".join(" ".join(line.strip("│├└─ ").split()) for line in lines)
        or width < 80
    )
    assert all(len(line) <= width for line in lines)


def test_documents_keep_a_summary_s_paragraphs(runner: CliRunner, tmp_path: Path) -> None:
    from helpers import write_catalogue

    summary = "# Para one,\nsame paragraph.\n\n- Para two."
    sheet = {"number": 3, "category": "intro", "title_en": "Paragraphs", "summary_fr": summary}
    path = write_catalogue(tmp_path / "paras.json", [sheet])
    markdown = runner.invoke(app, ["show", "3", "-c", str(path), "-f", "markdown"]).stdout
    assert "\n\n\\# Para one, same paragraph.\n\n\\- Para two.\n" in markdown
    page = runner.invoke(app, ["show", "3", "-c", str(path), "-f", "html"]).stdout
    assert "<p># Para one, same paragraph.</p><p>- Para two.</p>" in page


def numbers_in(fmt: str, out: str) -> list[int]:
    """The sheet numbers an export holds, read back the way its readers would."""
    if fmt == "markdown" and "\n## " in "\n" + out:
        return [int(line.split()[2]) for line in out.splitlines() if line.startswith("## ")]
    if fmt == "markdown":
        return [int(row[0]) for row in markdown_rows(out)[1:]]
    if fmt == "html":
        page = parse_html(out)
        if "section" in page.tags:
            return [int(h.split("-")[1]) for h in re.findall(r'<h2 id="(sheet-\d+)"', out)]
        return [int(row[0]) for row in page.rows[1:]]
    return [int(row[0]) for row in spreadsheet_rows(out.encode("utf-8"))[1:]]


@pytest.mark.parametrize("fmt", ["markdown", "html", "spreadsheet"])
@pytest.mark.parametrize(
    "args", [["list", "8", "16", "7"], ["search", "alimentation"], ["show", "8", "16", "7"]]
)
def test_each_export_reads_back_to_the_same_sheets(
    runner: CliRunner, fmt: str, args: list[str]
) -> None:
    expected = json.loads(runner.invoke(app, [*args, "--json"]).stdout)
    numbers = [item["number"] for item in expected]
    out = runner.invoke(app, [*args, "-f", fmt], catch_exceptions=False)
    assert out.exit_code == 0 and numbers_in(fmt, out.stdout) == numbers


def test_a_panel_shows_the_first_keywords_and_counts_the_rest(runner: CliRunner) -> None:
    sheet = cat.load().sheets[8]
    hidden = len(sheet.keywords_fr) - 12
    assert hidden > 0
    shown = runner.invoke(app, ["show", "8", "-f", "table"], env={"COLUMNS": "200"}).stdout
    assert f"and {hidden} more (--json lists them all)" in " ".join(shown.split())
    assert sheet.keywords_fr[11] in shown and sheet.keywords_fr[-1] not in shown.split(",")
    full = json.loads(runner.invoke(app, ["show", "8", "--json"]).stdout)
    assert full["keywords_fr"] == list(sheet.keywords_fr)


def workbook_rows(data: bytes) -> list[list[Any]]:
    """The cells of an xlsx export's worksheet, row by row."""
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet is not None and sheet.freeze_panes == "A2"
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


@pytest.mark.parametrize(
    ("args", "heading"),
    [
        (["list", "--lang", "fr"], ["N°", "Catégorie", "Titre (fr)", "Page"]),
        (["search", "acteurs", "--lang", "en"], ["N°", "Score", "Category", "Title (en)", "Page"]),
        (
            ["show", "9", "4", "--lang", "both"],
            ["N°", "Category", "Titre (fr)", "Title (en)", "Page"],
        ),
    ],
    ids=["list", "search", "show"],
)
@pytest.mark.usefixtures("fixed_scores")
def test_every_listing_exports_a_workbook(
    runner: CliRunner, tiny: Path, args: list[str], heading: list[str]
) -> None:
    result = runner.invoke(app, [*args, "-c", str(tiny), "-f", "xlsx"], catch_exceptions=False)
    assert result.exit_code == 0 and result.stdout_bytes.startswith(b"PK")
    rows = workbook_rows(result.stdout_bytes)
    assert rows[0] == heading
    assert all(isinstance(row[0], int) for row in rows[1:])
    if "Score" in heading:
        assert rows[1][1] == PLACEHOLDER_SCORE


def test_a_french_workbook_marks_an_english_title_standing_in(
    runner: CliRunner, tiny: Path
) -> None:
    out = runner.invoke(app, ["list", "9", "-c", str(tiny), "-f", "xlsx", "--lang", "fr"])
    assert workbook_rows(out.stdout_bytes)[1][:3] == [9, "levier", f"{SCIC} (en)"]


def test_markup_looking_text_is_written_as_is_in_a_workbook(runner: CliRunner, tiny: Path) -> None:
    args = ["show", "4", "-c", str(tiny), "-f", "xlsx", "--fields", "title_fr,title_en"]
    rows = workbook_rows(runner.invoke(app, args).stdout_bytes)
    assert rows[1] == [
        "[brouillon] Connaître [/fr] les acteurs [bold]",
        "Knowing the actors [link=https://evil.example]",
    ]


def test_a_workbook_is_never_written_to_a_terminal(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    from esskit import cli

    monkeypatch.setattr(cli, "_stdout_is_terminal", lambda: True)
    result = runner.invoke(app, ["list", "-f", "xlsx"])
    assert result.exit_code == 2 and result.stdout_bytes == b"" and "> kit.xlsx" in result.stderr


def test_glossary_workbook_notes_what_ended(runner: CliRunner) -> None:
    rows = workbook_rows(
        runner.invoke(app, ["glossary", "TEPCV", "-f", "xlsx", "--lang", "fr"]).stdout_bytes
    )
    assert rows[0] == ["Sigle", "Français", "Anglais", "Fiches", "Note"]
    assert rows[1][0] == "TEPCV" and rows[1][4] == "terminé en 2017"


@pytest.mark.parametrize(
    ("lang", "titles"),
    [("fr", ["Titre (fr)"]), ("en", ["Title (en)"]), ("both", ["Titre (fr)", "Title (en)"])],
)
def test_spreadsheet_titles_follow_the_display(
    runner: CliRunner, tiny: Path, lang: str, titles: list[str]
) -> None:
    out = runner.invoke(
        app, ["list", "-c", str(tiny), "-f", "spreadsheet", "--lang", lang], env={"LANG": "C"}
    )
    assert spreadsheet_rows(out.stdout_bytes)[0] == ["N°", heading_of(lang), *titles, "Page"]
    chosen = runner.invoke(
        app,
        [
            "list",
            "-c",
            str(tiny),
            "-f",
            "spreadsheet",
            "--lang",
            lang,
            "--fields",
            "number,title_en",
        ],
    )
    assert len(spreadsheet_rows(chosen.stdout_bytes)[0]) == 2  # --fields decides


def heading_of(lang: str) -> str:
    return "Catégorie" if lang == "fr" else "Category"
