"""Output formats: golden files for a small catalogue, round trips, and text that must not break."""

from __future__ import annotations

import csv
import io
import json
import os
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from esskit import catalogue as cat
from esskit.cli import app
from esskit.render import (
    Format,
    Lang,
    UnknownField,
    default_lang,
    parse_fields,
    sheets_table,
    to_csv,
    to_tsv,
)

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
        out = runner.invoke(
            app,
            ["show", "4", "-c", str(tiny), "-f", fmt.value, "--fields", "title_fr,title_en"],
            env={"COLUMNS": "200"},
        ).stdout
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
