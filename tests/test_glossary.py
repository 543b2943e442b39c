"""The glossary: its data, the `glossary` command in every format, and acronyms in `search`."""

from __future__ import annotations

import csv
import html
import io
import json
import re
import subprocess
from collections.abc import Callable

import pytest
from helpers import one_line_error, parse_html
from typer.testing import CliRunner

from esskit.cli import app
from esskit.formats import GLOSSARY_FIELDS
from esskit.models import Catalogue
from esskit.search import look_up

Run = Callable[..., subprocess.CompletedProcess[str]]


def test_the_packaged_glossary_leads_to_sheets_that_exist(real: Catalogue) -> None:
    numbers = {sheet.number for sheet in real.sheets}
    assert len(real.glossary) >= 80
    for entry in real.glossary:
        assert entry.sheets and set(entry.sheets) <= numbers, entry
        assert entry.fr.strip() and entry.term.strip()


def test_every_term_of_the_glossary_finds_its_first_sheet_in_the_top_three(
    real: Catalogue,
) -> None:
    from esskit.search import find

    misses = []
    for entry in real.glossary:
        found = [m.sheet.number for m in find(real.sheets, entry.term, glossary=real.glossary)]
        if entry.sheets[0] not in found[:3]:
            misses.append((entry.term, entry.sheets, found[:3]))
    assert misses == []


def test_look_up_finds_an_acronym_or_the_words_of_an_expansion(real: Catalogue) -> None:
    assert [entry.term for entry in look_up(real.glossary, "pat")] == ["PAT"]
    assert "PAT" in [entry.term for entry in look_up(real.glossary, "alimentaire territorial")]
    assert look_up(real.glossary, "xyzzy") == []


def test_glossary_json_lists_every_entry(runner: CliRunner, real: Catalogue) -> None:
    result = runner.invoke(app, ["glossary", "--json"], catch_exceptions=False)
    assert result.exit_code == 0
    records = json.loads(result.stdout)
    assert len(records) == len(real.glossary)
    assert all(list(record) == list(GLOSSARY_FIELDS) for record in records)


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv", "tsv", "plain", "table"])
def test_glossary_term_in_every_format(runner: CliRunner, fmt: str) -> None:
    result = runner.invoke(app, ["glossary", "PAT", "--format", fmt], catch_exceptions=False)
    assert result.exit_code == 0
    out = result.stdout
    if fmt == "json":
        assert json.loads(out) == [
            {
                "term": "PAT",
                "fr": "projet alimentaire territorial",
                "en": None,
                "sheets": [8],
                "replaced_by": None,
                "ended": None,
                "formerly": None,
            }
        ]
    elif fmt == "jsonl":
        assert [json.loads(line)["term"] for line in out.splitlines()] == ["PAT"]
    elif fmt == "csv":
        rows = list(csv.reader(io.StringIO(out)))
        assert rows == [
            list(GLOSSARY_FIELDS),
            ["PAT", "projet alimentaire territorial", "", "8", "", "", ""],
        ]
    elif fmt == "tsv":
        assert out.splitlines() == [
            "\t".join(GLOSSARY_FIELDS),
            "PAT\tprojet alimentaire territorial\t\t8\t\t\t",
        ]
    elif fmt == "plain":
        assert out == "PAT\tprojet alimentaire territorial\t\t8\t\t\t\n"
    else:
        assert "PAT" in out and "projet alimentaire territorial" in out


def test_glossary_fields_choose_the_columns(runner: CliRunner) -> None:
    result = runner.invoke(app, ["glossary", "PAT", "--format", "csv", "--fields", "sheets,term"])
    assert result.stdout.splitlines() == ["sheets,term", "8,PAT"]
    bad = runner.invoke(app, ["glossary", "--fields", "title_fr"])
    assert bad.exit_code == 2 and one_line_error(bad.stderr)


def test_glossary_unknown_term_exits_1(runner: CliRunner) -> None:
    result = runner.invoke(app, ["glossary", "xyzzy", "--json"])
    assert result.exit_code == 1
    assert result.stdout == "[]\n"
    assert result.stderr == "esskit: no glossary entry for 'xyzzy'\n"


def test_search_says_how_it_read_an_acronym(runner: CliRunner) -> None:
    result = runner.invoke(app, ["search", "PAT", "--json", "--limit", "1"], catch_exceptions=False)
    [record] = json.loads(result.stdout)
    assert record["number"] == 8
    assert "PAT → projet alimentaire territorial" in record["matched"]["note"]


@pytest.mark.parametrize(
    ("query", "message"),
    [("vélo " * 40, "words"), ("x" * 400, "characters")],
)
def test_a_query_too_long_is_a_usage_error(runner: CliRunner, query: str, message: str) -> None:
    result = runner.invoke(app, ["search", query])
    assert result.exit_code == 2 and one_line_error(result.stderr) and message in result.stderr


def test_installed_glossary_and_acronym_search(run: Run) -> None:
    listed = run("glossary", "SPASER", "--json")
    assert listed.returncode == 0 and json.loads(listed.stdout)[0]["sheets"][0] == 7
    found = run("search", "SPASER", "--format", "plain", "--limit", "1")
    assert found.returncode == 0 and found.stdout.split("\t")[0] == "7"
    several = run("glossary", "ESS France", "--json")
    assert several.returncode == 0
    assert [entry["term"] for entry in json.loads(several.stdout)] == ["ESS France"]
    read = run("search", "ESS France", "--json", "--fields", "matched", "--limit", "1")
    assert read.returncode == 0 and json.loads(read.stdout)[0]["matched"]["note"] == (
        "ESS France → Chambre française de l'économie sociale et solidaire"
    )


def test_glossary_exports_for_people_parse_back(runner: CliRunner) -> None:
    markdown = runner.invoke(app, ["glossary", "PAT", "-f", "markdown", "--lang", "fr"]).stdout
    rows = [line.strip("|").split("|") for line in markdown.splitlines()]
    heads = ["Sigle", "Français", "Anglais", "Fiches", "Note"]
    assert [cell.strip() for cell in rows[0]] == heads
    assert [cell.strip() for cell in rows[2]] == [
        "PAT",
        "projet alimentaire territorial",
        "",
        "8",
        "",
    ]

    page = parse_html(runner.invoke(app, ["glossary", "PAT", "-f", "html"]).stdout)
    assert "projet alimentaire territorial" in page.texts and "glossary" in page.texts[0]

    sheet = runner.invoke(app, ["glossary", "PAT", "-f", "spreadsheet"]).stdout_bytes
    text = sheet.decode("utf-8-sig")
    assert sheet.startswith(b"\xef\xbb\xbf")
    assert list(csv.reader(io.StringIO(text), delimiter=";"))[1][:2] == [
        "PAT",
        "projet alimentaire territorial",
    ]


@pytest.mark.parametrize(
    ("term", "found"),
    [("P.A.T.", "PAT"), ("alimentaires", "PAT"), ("achat", "SPASER"), ("ess-france", "ESS France")],
)
def test_glossary_reads_a_term_as_search_does(real: Catalogue, term: str, found: str) -> None:
    assert found in [entry.term for entry in look_up(real.glossary, term)]


def test_glossary_term_of_common_words_only_is_a_usage_error(runner: CliRunner) -> None:
    result = runner.invoke(app, ["glossary", "de la"])
    assert result.exit_code == 2 and one_line_error(result.stderr)


def test_several_sheets_in_html_are_headed_by_the_kit_not_the_last_sheet(
    runner: CliRunner,
) -> None:
    page = runner.invoke(app, ["show", "8", "16", "7", "--format", "html"]).stdout
    assert "<h1>Kit MunicipalESS (2020)</h1>" in page
    assert "<title>Commande publique responsable</title>" not in page


def test_a_suggestion_ending_with_a_question_mark_gets_no_second_one(runner: CliRunner) -> None:
    result = runner.invoke(app, ["search", "police municipale"])
    assert result.exit_code == 1 and "??" not in result.stderr


def test_open_search_of_a_sheet_with_a_page_says_it_was_asked(runner: CliRunner) -> None:
    result = runner.invoke(app, ["open", "2", "--search"], env={"BROWSER": "true"})
    assert "as asked" in result.stderr and "no page of its own" not in result.stderr


def test_an_empty_list_of_fields_says_so(runner: CliRunner) -> None:
    result = runner.invoke(app, ["show", "13", "--fields", ""])
    assert result.exit_code == 2 and "no field given" in result.stderr


def _replaced(real: Catalogue) -> list[tuple[str, str, tuple[int, ...]]]:
    """(old term, the term of its successor's own entry, the old term's sheets) for each
    replaced scheme whose successor the glossary names by its acronym or its name."""
    by_name = {entry.fr: entry.term for entry in real.glossary}
    pairs = []
    for entry in real.glossary:
        if not entry.replaced_by:
            continue
        acronym = re.search(r"\(([^()]+)\)$", entry.replaced_by)
        successor = acronym.group(1) if acronym else by_name.get(entry.replaced_by)
        if successor is None and any(e.term == entry.replaced_by for e in real.glossary):
            successor = entry.replaced_by
        assert successor is not None, f"{entry.term}: its successor has no entry"
        pairs.append((entry.term, successor, entry.sheets))
    return pairs


def test_an_old_name_and_its_successor_each_find_the_sheet(real: Catalogue) -> None:
    from esskit.search import find

    pairs = _replaced(real)
    assert len(pairs) >= 9
    for old, new, sheets in pairs:
        for term in (old, new):
            found = [m.sheet.number for m in find(real.sheets, term, glossary=real.glossary)]
            assert set(found[:3]) & set(sheets), (term, sheets, found[:3])


@pytest.mark.parametrize(
    ("lang", "note"),
    [
        (
            "en",
            "ZRR → zone de revitalisation rurale (replaced by France Ruralités "
            "Revitalisation (FRR), 1 July 2024)",
        ),
        (
            "fr",
            "ZRR → zone de revitalisation rurale (remplacé par France Ruralités "
            "Revitalisation (FRR), 1er juillet 2024)",
        ),
    ],
)
def test_search_notes_what_became_of_a_replaced_scheme(
    runner: CliRunner, lang: str, note: str
) -> None:
    result = runner.invoke(app, ["search", "ZRR", "--json", "--lang", lang, "--limit", "1"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)[0]["matched"]["note"] == note


@pytest.mark.parametrize("fmt", ["markdown", "html", "spreadsheet", "xlsx", "table"])
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_every_note_of_the_glossary_is_in_every_format_for_people(
    runner: CliRunner, real: Catalogue, fmt: str, lang: str
) -> None:
    from esskit import i18n
    from esskit.formats import glossary_note

    env = {"COLUMNS": "400"}
    result = runner.invoke(app, ["glossary", "--format", fmt, "--lang", lang], env=env)
    assert result.exit_code == 0
    if fmt == "xlsx":
        from openpyxl import load_workbook

        rows = (
            load_workbook(io.BytesIO(result.stdout_bytes)).worksheets[0].iter_rows(values_only=True)
        )
        text = "\n".join(str(cell) for row in rows for cell in row if cell is not None)
    else:
        text = html.unescape(result.stdout) if fmt == "html" else result.stdout
    i18n.use(lang)
    notes = [note for entry in real.glossary if (note := glossary_note(entry))]
    assert len(notes) >= 12
    for note in notes:
        assert note in text.replace("\\", ""), note


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv", "tsv", "plain"])
def test_formats_for_scripts_give_what_became_of_each_scheme_as_data(
    runner: CliRunner, real: Catalogue, fmt: str
) -> None:
    result = runner.invoke(app, ["glossary", "--format", fmt, "--fields", "term,replaced_by,ended"])
    assert result.exit_code == 0
    for entry in real.glossary:
        if entry.replaced_by or entry.ended:
            values = [entry.term, entry.replaced_by or "", entry.ended or ""]
            if fmt in ("json", "jsonl"):
                assert json.dumps(entry.replaced_by, ensure_ascii=False) in result.stdout
            else:
                assert "\t".join(values) in result.stdout or ",".join(values) in result.stdout
