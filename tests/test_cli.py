"""The command line in-process: every command's happy and error paths, with exit codes."""

from __future__ import annotations

import json
import re
import subprocess
import webbrowser
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from esskit.cli import READS, app
from esskit.formats import GLOSSARY_FIELDS

Run = Callable[..., subprocess.CompletedProcess[str]]
LEVERS = [4, 7, 9, 11, 13, 15, 17, 20, 23, 24]


def invoke(runner: CliRunner, *args: str, ok: bool = False) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), catch_exceptions=not ok)
    assert "Traceback" not in result.stderr
    return result.exit_code, result.stdout, result.stderr


def numbers(stdout: str) -> list[int]:
    return [item["number"] for item in json.loads(stdout)]


def test_list_json_has_the_25_documents(runner: CliRunner) -> None:
    code, out, err = invoke(runner, "list", "--json", ok=True)
    assert code == 0 and err == ""
    sheets = json.loads(out)
    assert [s["number"] for s in sheets] == list(range(25))
    assert {"number", "category", "title_fr", "title_en", "url", "url_kind"} <= set(sheets[0])
    assert sheets[1]["title_fr"] is None


def test_json_keeps_accents_as_utf8(runner: CliRunner) -> None:
    _, out, _ = invoke(runner, "show", "10", "--json", ok=True)
    assert "mobilité" in out and "\\u00e9" not in out


@pytest.mark.parametrize("name", ["lever", "LEVER", "levier", "Leviers"])
def test_list_category_in_english_or_french(runner: CliRunner, name: str) -> None:
    code, out, _ = invoke(runner, "list", "--category", name, "--json", ok=True)
    assert code == 0 and numbers(out) == LEVERS


@pytest.mark.parametrize(
    ("name", "expected"),
    [("thématique", 11), ("thematique", 11), ("introduction", 4), ("intro", 4)],
)
def test_list_category_counts(runner: CliRunner, name: str, expected: int) -> None:
    _, out, _ = invoke(runner, "list", "-k", name, "--json", ok=True)
    assert len(json.loads(out)) == expected


def test_unknown_category_exits_2_naming_the_valid_ones(runner: CliRunner) -> None:
    code, out, err = invoke(runner, "list", "--category", "nosuch")
    assert code == 2 and out == ""
    assert err.startswith("esskit: unknown category 'nosuch'") and "intro, lever or thematic" in err


def test_list_table_shows_both_titles(runner: CliRunner) -> None:
    code, out, _ = invoke(runner, "list", "--format", "table", "--lang", "both", ok=True)
    assert code == 0
    assert "Titre (fr)" in out and "Title (en)" in out and "Animer son territoire" in out


def test_search_json_carries_score_and_matched(runner: CliRunner) -> None:
    code, out, _ = invoke(runner, "search", "mobilite", "--json", ok=True)
    results = json.loads(out)
    assert code == 0 and results[0]["number"] == 10
    assert results[0]["matched"] == {
        "field": "title",
        "lang": "fr",
        "text": "Économie sociale et solidaire & accès à une mobilité durable",
        "note": None,
    }
    assert 0 < results[0]["score"] <= 100


def test_search_limit_caps_results(runner: CliRunner) -> None:
    _, out, _ = invoke(runner, "search", "transition", "--limit", "2", "--json", ok=True)
    assert len(json.loads(out)) == 2


def test_search_category_filter(runner: CliRunner) -> None:
    _, everything, _ = invoke(runner, "search", "ESS", "--limit", "25", "--json", ok=True)
    assert {item["category"] for item in json.loads(everything)} == {"intro", "lever", "thematic"}
    _, thematic, _ = invoke(runner, "search", "ESS", "-k", "thematic", "--json", ok=True)
    assert json.loads(thematic)
    assert {item["category"] for item in json.loads(thematic)} == {"thematic"}


def test_search_no_match_exits_1_with_suggestions(runner: CliRunner) -> None:
    code, out, err = invoke(runner, "search", "mobxlytz")
    assert code == 1 and out == ""
    lines = err.splitlines()
    assert lines[0] == "esskit: no sheet matches 'mobxlytz' (not in the kit: mobxlytz)"
    assert any("did you mean 10" in line for line in lines[1:4])
    assert lines[-1] == f"  {READS}"


def test_search_no_match_json_prints_empty_array(runner: CliRunner) -> None:
    code, out, _ = invoke(runner, "search", "xyzzy", "--json")
    assert code == 1 and json.loads(out) == []


@pytest.mark.parametrize("query", ["", "   ", "?!", "😀😀"])
def test_empty_query_is_a_usage_error(runner: CliRunner, query: str) -> None:
    code, out, err = invoke(runner, "search", query)
    assert code == 2 and out == "" and err.startswith("esskit: the query is empty")


@pytest.mark.parametrize("command", ["search", "open"])
def test_query_of_common_words_only_is_a_usage_error(runner: CliRunner, command: str) -> None:
    code, out, err = invoke(runner, command, "de la")
    assert code == 2 and out == ""
    assert err.startswith("esskit: the query has only common words") and err.count("\n") == 1


def test_search_limit_zero_is_a_usage_error_in_one_line(runner: CliRunner) -> None:
    code, _, err = invoke(runner, "search", "foncier", "--limit", "0")
    assert code == 2 and len(err.strip().splitlines()) == 1 and err.startswith("esskit: ")


def test_show_json_is_one_object(runner: CliRunner) -> None:
    code, out, _ = invoke(runner, "show", "13", "--json", ok=True)
    sheet = json.loads(out)
    assert code == 0 and sheet["number"] == 13
    assert sheet["links"]["pdf"] == "fiche13_1.pdf"
    assert sheet["url"] == "https://www.citego.org/bdf_fiche-document-2590_fr.html"
    assert sheet["url_kind"] == "citego"


def test_show_table_has_everything(runner: CliRunner) -> None:
    code, out, _ = invoke(runner, "show", "13", "--format", "table", ok=True)
    for expected in (
        "Sheet 13",
        "foncier",
        "Access to land for SSE actors",
        "fiche13_1.pdf",
        "2020-09",
        "https://www.citego.org/bdf_fiche-document-2590_fr.html",
    ):
        assert expected in out


def test_show_without_french_title_says_so(runner: CliRunner) -> None:
    _, out, _ = invoke(runner, "show", "9", "--format", "table", ok=True)
    assert re.search(r"│ Titre \(fr\) +— +│", out) and "socioeco.org search" in out
    _, french, _ = invoke(runner, "show", "9", "--format", "table", "--lang", "fr", ok=True)
    assert re.search(r"│ Titre \(fr\) +— +│", french) and "recherche sur socioeco.org" in french


@pytest.mark.parametrize("arg", ["99", "-1", "10" * 20, "abc", "", "1.5"])
def test_show_bad_number_exits_2_in_one_line(runner: CliRunner, arg: str) -> None:
    code, out, err = invoke(runner, "show", "--", arg)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and err.startswith("esskit: ")


def test_open_print_url(runner: CliRunner) -> None:
    code, out, _ = invoke(runner, "open", "13", "--print-url", ok=True)
    assert code == 0 and out == "https://www.citego.org/bdf_fiche-document-2590_fr.html\n"


def test_open_search_flag_gives_a_socioeco_search(runner: CliRunner) -> None:
    _, out, _ = invoke(runner, "open", "13", "--search", "-p", ok=True)
    assert out.startswith("https://duckduckgo.com/?q=site%3Asocioeco.org+")


def test_open_calls_webbrowser_with_the_sheets_url(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[str] = []
    monkeypatch.setattr(webbrowser, "open", lambda url, *a, **k: opened.append(url) or True)
    code, out, err = invoke(runner, "open", "mobilité", ok=True)
    assert code == 0 and opened == ["https://citego.org/bdf_fiche-document-2587_fr.html"]
    assert out == "" and "opening sheet 10" in err


def test_open_without_a_browser_prints_the_url(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(webbrowser, "open", lambda url, *a, **k: False)
    code, out, err = invoke(runner, "open", "13", ok=True)
    assert code == 0 and out.strip() == "https://www.citego.org/bdf_fiche-document-2590_fr.html"
    assert "no browser could be started" in err


def test_open_ambiguous_query_lists_choices_and_exits_1(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(webbrowser, "open", lambda *a, **k: pytest.fail("must not open"))
    code, _, err = invoke(runner, "open", "acteurs")
    assert code == 1 and "several sheets" in err and " 4" in err


def test_open_no_match_exits_1(runner: CliRunner) -> None:
    code, _, err = invoke(runner, "open", "xyzzy")
    assert code == 1 and "no sheet matches" in err


def test_open_unknown_number_exits_2(runner: CliRunner) -> None:
    code, _, err = invoke(runner, "open", "99")
    assert code == 2 and "no sheet number 99" in err


def test_version_comes_from_metadata(runner: CliRunner) -> None:
    from importlib.metadata import version

    code, out, _ = invoke(runner, "--version", ok=True)
    assert code == 0 and out == f"esskit {version('esskit')}\n"


def test_catalogue_option_and_env(runner: CliRunner, tiny: Path) -> None:
    _, out, _ = invoke(runner, "list", "--catalogue", str(tiny), "--json", ok=True)
    assert numbers(out) == [0, 4, 9, 10]
    _, out, _ = invoke(runner, "--catalogue", str(tiny), "list", "--json", ok=True)
    assert numbers(out) == [0, 4, 9, 10]
    result = runner.invoke(app, ["list", "--json"], env={"ESSKIT_CATALOGUE": str(tiny)})
    assert numbers(result.stdout) == [0, 4, 9, 10]


def test_invalid_catalogue_is_one_line_pointing_at_validate(
    runner: CliRunner, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"kit": {}, "sheets": []}', "utf-8")
    code, out, err = invoke(runner, "list", "--catalogue", str(bad))
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1 and f"esskit validate {bad}" in err


@pytest.mark.parametrize(
    "where",
    [
        ["--catalogue", "{path}", "list"],
        ["list", "--catalogue", "{path}"],
        ["search", "x", "-c", "{path}"],
    ],
    ids=["before the command", "after it", "short"],
)
@pytest.mark.parametrize("name", ["missing.json", "."], ids=["missing", "directory"])
def test_an_unreadable_catalogue_says_to_check_the_option_not_to_validate(
    runner: CliRunner, tmp_path: Path, where: list[str], name: str
) -> None:
    path = str(tmp_path / name)
    code, out, err = invoke(runner, *(arg.format(path=path) for arg in where))
    assert code == 2 and out == "" and len(err.splitlines()) == 1
    assert err.startswith(f"esskit: cannot read the catalogue: {tmp_path}")
    assert err.endswith("(check the path given to --catalogue)\n") and "validate" not in err


def test_an_unreadable_catalogue_named_by_the_environment_says_so(
    runner: CliRunner, tmp_path: Path
) -> None:
    missing = tmp_path / "missing.json"
    result = runner.invoke(app, ["list"], env={"ESSKIT_CATALOGUE": str(missing)})
    assert result.exit_code == 2 and "validate" not in result.stderr
    assert result.stderr == (
        f"esskit: cannot read the catalogue: {missing} does not exist (no such file) "
        "(check the path in ESSKIT_CATALOGUE)\n"
    )
    # the option, when given, is the one that named the file
    given = runner.invoke(app, ["list", "-c", str(missing)], env={"ESSKIT_CATALOGUE": "x.json"})
    assert given.stderr.endswith("(check the path given to --catalogue)\n")


def test_validate_says_where_the_path_of_an_unreadable_catalogue_came_from(
    runner: CliRunner, tmp_path: Path
) -> None:
    missing = tmp_path / "missing.json"
    from_env = runner.invoke(app, ["validate"], env={"ESSKIT_CATALOGUE": str(missing)})
    assert (from_env.exit_code, from_env.stdout) == (2, "")
    assert from_env.stderr == (
        f"esskit: {missing} does not exist (no such file) (check the path in ESSKIT_CATALOGUE)\n"
    )
    option = runner.invoke(app, ["-c", str(missing), "validate"], env={"ESSKIT_CATALOGUE": "x"})
    assert option.stderr.endswith(" (check the path given to --catalogue)\n")
    # a path given to validate itself needs no pointer to where it came from
    argument = runner.invoke(app, ["validate", str(missing)], env={"ESSKIT_CATALOGUE": "x"})
    assert argument.stderr == f"esskit: {missing} does not exist (no such file)\n"


def test_an_invalid_catalogue_named_by_the_environment_points_at_validate(
    runner: CliRunner, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"kit": {}, "sheets": []}', "utf-8")
    result = runner.invoke(app, ["list"], env={"ESSKIT_CATALOGUE": str(bad)})
    assert result.exit_code == 2 and f"(run 'esskit validate {bad}'" in result.stderr


def test_validate_packaged(runner: CliRunner) -> None:
    code, out, _ = invoke(runner, "validate", ok=True)
    assert code == 0 and "valid, 25 sheets" in out


def test_schema_is_json_schema_of_the_catalogue(runner: CliRunner) -> None:
    code, out, _ = invoke(runner, "schema", ok=True)
    schema = json.loads(out)
    assert code == 0 and set(schema["required"]) == {"kit", "sheets"}
    assert "Sheet" in schema["$defs"] and schema["$defs"]["Sheet"]["additionalProperties"] is False


def test_unknown_option_is_one_line(runner: CliRunner) -> None:
    code, _, err = invoke(runner, "list", "--nosuch")
    assert code == 2 and len(err.strip().splitlines()) == 1 and "--nosuch" in err


def _required_arguments() -> list[tuple[str, str]]:
    """Each command with a required argument, and that argument's name as usage shows it."""
    from typer.main import get_command

    group = get_command(app)
    return [
        (name, param.metavar or str(param.name).upper())
        for name, command in sorted(group.commands.items())  # type: ignore[attr-defined]
        for param in command.params
        if param.param_type_name == "argument" and param.required
    ]


def test_some_commands_require_an_argument() -> None:
    assert {name for name, _ in _required_arguments()} >= {"search", "show", "open"}


@pytest.mark.parametrize(("command", "argument"), _required_arguments())
def test_a_missing_argument_is_one_line_in_esskit_s_words(
    runner: CliRunner, command: str, argument: str
) -> None:
    code, out, err = invoke(runner, command)
    assert (code, out) == (2, "") and len(err.splitlines()) == 1
    assert err.startswith(f"esskit: missing {argument}: ")
    assert err.endswith(f" (see 'esskit {command} --help')\n")
    assert "Missing argument" not in err


def test_a_missing_query_says_what_to_give(runner: CliRunner) -> None:
    _, _, err = invoke(runner, "search")
    assert err == (
        "esskit: missing QUERY: words of a title or subject, in French or English, or a number "
        "(see 'esskit search --help')\n"
    )


def test_no_arguments_shows_help(runner: CliRunner) -> None:
    result = runner.invoke(app, [])
    assert "Usage" in result.stdout + result.stderr and "list" in result.stdout + result.stderr


def test_every_command_has_help_text() -> None:
    import typer.main

    group = typer.main.get_command(app)
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        assert command.help and command.help.strip(), name


@pytest.mark.parametrize(
    ("command", "shown"),
    [
        ("search", "[default: table on a terminal, plain when piped]"),
        ("list", "[default: from the locale (LC_ALL, LC_MESSAGES, LANG, LANGUAGE); both titles"),
        ("validate", "[default: the packaged one]"),
        ("open", "[env var: ESSKIT_CATALOGUE]"),
    ],
)
def test_help_keeps_bracketed_notes(runner: CliRunner, command: str, shown: str) -> None:
    # Rich would take an unescaped "[...]" for markup and drop it
    result = runner.invoke(app, [command, "--help"], env={"COLUMNS": "400"})
    assert shown in " ".join(result.stdout.split())


@pytest.mark.parametrize(
    ("command", "usage"),
    [
        ("search", "esskit search [OPTIONS] {QUERY}"),
        ("show", "esskit show [OPTIONS] {N}..."),
        ("list", "esskit list [OPTIONS] [N]..."),
        ("open", "esskit open [OPTIONS] {N|QUERY}"),
        ("validate", "esskit validate [OPTIONS] [PATH]"),
    ],
)
def test_usage_names_the_arguments(runner: CliRunner, command: str, usage: str) -> None:
    result = runner.invoke(app, [command, "--help"], env={"COLUMNS": "400"}, prog_name="esskit")
    assert f"Usage: {usage}" in " ".join(result.stdout.split())


def test_show_several_numbers_prints_an_array_in_the_order_given(runner: CliRunner) -> None:
    code, out, _ = invoke(runner, "show", "8", "16", "7", "--json", ok=True)
    assert code == 0 and numbers(out) == [8, 16, 7]


def test_show_several_numbers_as_json_lines_and_tables(runner: CliRunner) -> None:
    _, out, _ = invoke(runner, "show", "16", "8", "-f", "jsonl", ok=True)
    assert [json.loads(line)["number"] for line in out.splitlines()] == [16, 8]
    _, table, _ = invoke(runner, "show", "16", "8", "-f", "table", ok=True)
    assert "ruralité" in table and "alimentation durable" in table
    assert table.index("ruralité") < table.index("alimentation durable")


def test_show_a_number_given_twice_shows_it_once(runner: CliRunner) -> None:
    _, out, _ = invoke(runner, "show", "8", "fiche 8", "7", "--json", ok=True)
    assert numbers(out) == [8, 7]


@pytest.mark.parametrize("command", ["show", "list"])
def test_unknown_number_among_several_exits_2_naming_it(runner: CliRunner, command: str) -> None:
    code, out, err = invoke(runner, command, "8", "99", "7", "--json")
    assert code == 2 and out == ""
    assert err == "esskit: no sheet number 99 in the catalogue (it has 0 to 24)\n"


def test_list_takes_a_selection_of_numbers_in_the_order_given(runner: CliRunner) -> None:
    code, out, _ = invoke(runner, "list", "8", "16", "7", "--json", ok=True)
    assert code == 0 and numbers(out) == [8, 16, 7]
    _, levers, _ = invoke(runner, "list", "8", "16", "7", "--category", "lever", "--json", ok=True)
    assert numbers(levers) == [7]


def test_search_says_how_the_query_was_read(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    from esskit import search

    found = search.find

    def find(*args: object, **kwargs: object) -> list[search.Match]:
        return [
            m._replace(matched=m.matched._replace(note="PAT → projet alimentaire territorial"))
            for m in found(*args, **kwargs)  # type: ignore[arg-type]
        ]

    monkeypatch.setattr(search, "find", find)
    _, out, _ = invoke(runner, "search", "alimentation", "--json", ok=True)
    assert json.loads(out)[0]["matched"]["note"] == "PAT → projet alimentaire territorial"
    table = runner.invoke(
        app, ["search", "alimentation", "-f", "table"], env={"COLUMNS": "200"}
    ).stdout
    assert "PAT → projet alimentaire territorial" in table


def test_search_json_note_is_null_when_the_query_was_read_as_typed(runner: CliRunner) -> None:
    _, out, _ = invoke(runner, "search", "mobilité", "--json", ok=True)
    assert json.loads(out)[0]["matched"]["note"] is None


def test_show_summary_paragraphs_stay_paragraphs(runner: CliRunner, tmp_path: Path) -> None:
    from helpers import write_catalogue

    sheet = {
        "number": 3,
        "category": "intro",
        "title_en": "Paragraphs",
        "summary_fr": "Para one.\n\nPara two.",
    }
    path = write_catalogue(tmp_path / "paras.json", [sheet])
    _, out, _ = invoke(runner, "show", "3", "-f", "table", "-c", str(path), ok=True)
    lines = [line.strip("│ ") for line in out.splitlines()]
    assert "\N{REPLACEMENT CHARACTER}" not in out
    start = next(i for i, line in enumerate(lines) if line.endswith("Para one."))
    assert lines[start + 1] == "" and lines[start + 2] == "Para two."


def complete(shell: str, line: str) -> list[str]:
    """What esskit offers a shell for the line typed so far (bash: bare values; zsh and fish:
    values with their descriptions)."""
    words = {
        "_ESSKIT_COMPLETE": f"complete_{shell}",
        "COMP_WORDS": line,
        "COMP_CWORD": str(len(line.split(" ")) - 1),
        "_TYPER_COMPLETE_ARGS": line,
        "_TYPER_COMPLETE_FISH_ACTION": "get-args",
    }
    result = CliRunner().invoke(app, [], env=words, prog_name="esskit")
    return result.stdout.splitlines()


def test_bash_completion_offers_bare_sheet_numbers_in_numeric_order() -> None:
    offered = complete("bash", "esskit show ")
    assert offered == [str(n) for n in range(25)]
    assert complete("bash", "esskit show 8 1") == ["1", *(str(n) for n in range(10, 20))]


def test_fish_completion_shows_each_number_with_its_title_and_en_mark() -> None:
    offered = dict(line.split("\t") for line in complete("fish", "esskit show 1"))
    assert list(offered) == ["1", *(str(n) for n in range(10, 20))]
    assert offered["13"] == "L’accès au foncier des acteurs de l’économie sociale et solidaire"
    assert offered["1"].endswith("(en)")


def test_completion_leaves_out_numbers_already_given() -> None:
    assert "8" not in complete("bash", "esskit list 8 ")
    assert "7" in complete("bash", "esskit list 8 ")


def test_completion_follows_the_catalogue_option(tiny: Path) -> None:
    assert complete("bash", f"esskit show --catalogue {tiny} ") == ["0", "4", "9", "10"]
    assert complete("bash", f"esskit --catalogue {tiny} list ") == ["0", "4", "9", "10"]


@pytest.mark.slow
@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_scripts_keep_esskit_order(run: Run, shell: str) -> None:
    result = run(
        "--show-completion", shell, env={"_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"}
    )
    keep = {"bash": "-o nosort", "zsh": "sort false", "fish": "--keep-order"}[shell]
    assert result.returncode == 0 and keep in result.stdout


def test_fields_completion_offers_only_what_the_command_accepts() -> None:
    listed = complete("bash", "esskit list --fields ")
    searched = complete("bash", "esskit search x --fields number,s")
    assert "score" not in listed and "matched" not in listed and "title_fr" in listed
    assert searched == ["number,summary_fr", "number,sources", "number,score"]
    assert "score" not in complete("bash", "esskit show 3 --fields ")


@pytest.mark.parametrize(
    ("line", "offered"),
    [
        ("esskit glossary --fields ", list(GLOSSARY_FIELDS)),
        ("esskit chercher x --fields sc", ["score"]),
        ("esskit list --edition 2026 --fields counterpart_n", ["counterpart_number"]),
    ],
)
def test_fields_completion_follows_the_command_under_any_name(
    line: str, offered: list[str]
) -> None:
    assert complete("bash", line) == offered


def test_category_completion_offers_the_names_the_option_takes(runner: CliRunner) -> None:
    offered = complete("bash", "esskit list --category ")
    assert {"intro", "lever", "thematic", "levier", "thématique"} <= set(offered)
    for name in offered:
        code, _, _ = invoke(runner, "list", "--category", name, "--json")
        assert code == 0, name
    assert complete("bash", "esskit list --category lev") == ["lever", "levier"]
    assert complete("bash", "esskit list --category th") == ["thematic", "thématique"]


def test_list_with_nothing_to_show_says_so_and_exits_1(runner: CliRunner, tmp_path: Path) -> None:
    from helpers import write_catalogue

    sheet = {"number": 4, "category": "lever", "title_en": "Only a lever"}
    path = write_catalogue(tmp_path / "levers.json", [sheet])
    code, out, err = invoke(runner, "list", "-k", "thematic", "-c", str(path), "-f", "table")
    assert (code, out, err) == (1, "", "esskit: no sheet is in category thematic\n")
    code, out, err = invoke(runner, "list", "-k", "intro", "-c", str(path), "--json")
    assert (code, json.loads(out)) == (1, [])
    code, _, err = invoke(runner, "list", "8", "16", "-k", "lever", "--tree")
    assert code == 1 and err == (
        "esskit: none of the sheets 8, 16 is in category lever\n"
        "  in other categories: thematic (8, 16)\n"
    )


def test_list_names_the_other_categories_in_the_order_of_the_kit(runner: CliRunner) -> None:
    numbers = ["22", "3", "5", "6", "8", "10", "12", "14", "16", "18", "19", "21", "0"]
    code, _, err = invoke(runner, "list", *numbers, "-k", "levier")
    assert code == 1 and err.splitlines()[1] == (
        "  in other categories: intro (3, 0); "
        "thematic (22, 5, 6, 8, 10, 12, 14, 16, 18, 19 and 1 more)"
    )


@pytest.mark.parametrize(
    "output", [[], ["--json"], ["-f", "table"]], ids=["plain", "json", "table"]
)
def test_search_in_a_category_says_which_categories_hold_the_matches(
    runner: CliRunner, output: list[str]
) -> None:
    code, out, err = invoke(runner, "search", "PAT", "--category", "levier", *output)
    assert code == 1 and out == ("[]\n" if output == ["--json"] else "")
    assert err == (
        "esskit: no sheet in category lever matches 'PAT'\n  in other categories: thematic (8)\n"
    )


def test_search_in_a_category_names_every_category_that_holds_matches(
    runner: CliRunner, tmp_path: Path
) -> None:
    from helpers import write_catalogue

    sheets = [
        {"number": 5, "category": "thematic", "title_en": "Food for all"},
        {"number": 4, "category": "lever", "title_en": "A cycling policy"},
        {"number": 0, "category": "intro", "title_en": "Cycling in town"},
    ]
    path = write_catalogue(tmp_path / "cycling.json", sheets)
    code, _, err = invoke(runner, "search", "cycling", "-c", str(path), "-k", "thematic")
    assert code == 1 and err.splitlines() == [
        "esskit: no sheet in category thematic matches 'cycling'",
        "  in other categories: intro (0); lever (4)",
    ]
    code, _, err = invoke(runner, "search", "food", "-c", str(path), "-k", "intro")
    assert code == 1 and err.splitlines()[1] == "  in other categories: thematic (5)"


def test_search_in_a_category_with_no_match_anywhere_suggests_close_sheets(
    runner: CliRunner,
) -> None:
    code, _, err = invoke(runner, "search", "mobxlytz", "-k", "thematic")
    assert code == 1 and "in other categories" not in err
    assert err.splitlines()[:2] == [  # titles in the display language (English here)
        "esskit: no sheet matches 'mobxlytz' (not in the kit: mobxlytz)",
        "  did you mean 10: SSE & access to sustainable mobility?",
    ]
    code, _, err = invoke(runner, "search", "mobxlytz", "-k", "lever")
    assert code == 1
    assert err == f"esskit: no sheet matches 'mobxlytz' (not in the kit: mobxlytz)\n  {READS}\n"


def test_a_catalogue_given_before_the_command_wins_over_esskit_catalogue(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from helpers import TINY

    monkeypatch.setenv("ESSKIT_CATALOGUE", str(tmp_path / "missing.json"))
    code, out, _ = invoke(runner, "--catalogue", str(TINY), "list", "--json")
    assert code == 0 and len(json.loads(out)) == len(json.loads(TINY.read_text("utf-8"))["sheets"])


@pytest.mark.parametrize("args", [["list"], ["validate"]])
def test_a_missing_packaged_catalogue_says_to_reinstall(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, args: list[str]
) -> None:
    from esskit import catalogue

    monkeypatch.delenv("ESSKIT_CATALOGUE", raising=False)
    monkeypatch.setattr(catalogue, "packaged_path", lambda: tmp_path / "sheets.json")
    code, out, err = invoke(runner, *args)
    assert (code, out) == (2, "")
    assert err.endswith(
        "does not exist (no such file) (esskit's own catalogue is missing: reinstall esskit)\n"
    )


# ----------------------------------------------------------------------------- newer edition


def test_open_edition_2026_opens_the_counterparts_page(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[str] = []
    monkeypatch.setattr(webbrowser, "open", lambda url, *a, **k: opened.append(url) or True)
    code, out, err = invoke(runner, "open", "17", "--edition", "2026")
    assert code == 0 and out == ""
    assert opened == ["https://www.rtes.fr/kit-municipaless-fiche-19-animer-son-territoire"]
    assert "sheet 19 of the 2026 edition (sheet 17 of 2020)" in err


@pytest.mark.parametrize(
    ("number", "says"),
    [
        ("15", "is sheet 18 of the 2026 edition, whose page is not known"),
        ("4", "has no known counterpart in the 2026 edition"),
    ],
)
def test_open_edition_2026_says_plainly_what_is_not_known(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, number: str, says: str
) -> None:
    monkeypatch.setattr(webbrowser, "open", lambda *a, **k: pytest.fail("must not open"))
    code, out, err = invoke(runner, "open", number, "--edition", "2026", "-p")
    assert code == 1 and out == "" and says in err
    assert "https://www.rtes.fr/kit-municipaless" in err


def test_show_names_the_counterpart_in_the_newer_edition_with_its_edition(
    runner: CliRunner,
) -> None:
    code, out, _ = invoke(runner, "show", "17", "--format", "table", "--lang", "fr")
    assert code == 0 and "Édition 2026 : fiche 19 « Animer son territoire »" in " ".join(
        out.split()
    ).replace("\u202f", " ")
    assert "https://www.rtes.fr/kit-municipaless-fiche-19-animer-son-territoire" in out


def test_glossary_current_leaves_out_what_has_ended(runner: CliRunner) -> None:
    _, every, _ = invoke(runner, "glossary", "--json")
    _, current, _ = invoke(runner, "glossary", "--current", "--json")
    terms = {entry["term"] for entry in json.loads(current)}
    assert "ZRR" not in terms and "FRR" in terms
    assert len(json.loads(current)) < len(json.loads(every))
    code, _, err = invoke(runner, "glossary", "ZRR", "--current")
    assert code == 1 and "ended or been replaced" in err


@pytest.mark.parametrize(
    ("given", "meant"), [("excel", "xlsx"), ("xls", "xlsx"), ("md", "markdown"), ("jsn", "json")]
)
def test_a_format_name_close_to_one_is_pointed_to_it(
    runner: CliRunner, given: str, meant: str
) -> None:
    result = runner.invoke(app, ["list", "--format", given])
    assert result.exit_code == 2 and f"(did you mean {meant}?)" in result.stderr


def test_a_format_name_like_none_gets_no_suggestion(runner: CliRunner) -> None:
    result = runner.invoke(app, ["list", "--format", "xyz"])
    assert result.exit_code == 2 and "mean" not in result.stderr


def test_number_completion_reads_the_catalogue_the_command_would_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from helpers import TINY

    from esskit import catalogue as cat

    monkeypatch.setenv("ESSKIT_CATALOGUE", str(TINY))
    packaged = str(cat.packaged_path())
    assert complete("bash", f"esskit -c {packaged} show ") == [str(n) for n in range(25)]
    assert complete("bash", "esskit show ") == complete("bash", f"esskit -c {TINY} show ")
    assert len(complete("bash", "esskit show ")) == 4
