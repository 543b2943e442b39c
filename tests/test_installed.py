"""The installed command in a subprocess: as a user, a script or a hostile environment meets it."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import ROOT, esskit_command, one_line_error, shell

Run = Callable[..., subprocess.CompletedProcess[str]]


def test_help_through_python_m(run: Run) -> None:
    result = run("--help", command=[sys.executable, "-m", "esskit"])
    assert result.returncode == 0 and "search" in result.stdout and "open" in result.stdout


@pytest.mark.slow
def test_version(run: Run) -> None:
    result = run("--version")
    assert result.returncode == 0 and result.stdout.startswith("esskit ")


def test_list_json_from_the_installed_package(run: Run) -> None:
    result = run("list", "--json")
    assert result.returncode == 0 and result.stderr == ""
    assert [s["number"] for s in json.loads(result.stdout)] == list(range(25))


@pytest.mark.slow
def test_piped_default_is_plain_tab_separated_lines(run: Run) -> None:
    result = run("list", "--category", "lever")
    lines = result.stdout.splitlines()
    assert result.returncode == 0 and len(lines) == 10
    assert all(len(line.split("\t")) == 5 for line in lines)
    assert [line.split("\t")[0] for line in lines] == [
        "4",
        "7",
        "9",
        "11",
        "13",
        "15",
        "17",
        "20",
        "23",
        "24",
    ]
    assert "\x1b" not in result.stdout


@pytest.mark.slow
def test_grep_and_cut_work_on_plain_output(run: Run) -> None:
    listing = run("list").stdout
    foncier = [line.split("\t")[0] for line in listing.splitlines() if "foncier" in line]
    assert foncier == ["13"]


@pytest.mark.slow
def test_csv_reads_back(run: Run) -> None:
    result = run("search", "foncier", "--format", "csv", "--fields", "number,title_fr,url")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert rows[0]["number"] == "13" and rows[0]["title_fr"].startswith("L’accès au foncier")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["show", "99"], 2),
        (["show", "abc"], 2),
        (["show", "-1"], 2),
        (["show", str(10**30)], 2),
        (["list", "--category", "nosuch"], 2),
        (["search"], 2),
        (["search", ""], 2),
        (["search", "xyzzy"], 1),
        (["open", "99"], 2),
        (["open", "xyzzy"], 1),
        (["list", "--nosuch"], 2),
        (["nosuch"], 2),
        (["list", "--fields", "nosuch"], 2),
        (["list", "--format", "yaml"], 2),
        (["search", "foncier", "--limit", "-3"], 2),
    ],
)
def test_bad_input_one_line_and_documented_code(run: Run, args: list[str], code: int) -> None:
    result = run(*args)
    assert result.returncode == code
    first = result.stderr.splitlines()[0]
    assert first.startswith("esskit: ") and "Traceback" not in result.stderr


def test_a_missing_argument_is_one_line_in_esskit_s_words(run: Run) -> None:
    result = run("open")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        "esskit: missing N|QUERY: a sheet number, or words to search for (the best match "
        "is opened) (see 'esskit open --help')\n"
    )


def test_open_hands_the_exact_url_to_the_browser(
    run: Run, browser: tuple[dict[str, str], Path]
) -> None:
    env, log = browser
    result = run("open", "13", env=env)
    assert result.returncode == 0
    assert log.read_text().splitlines() == [
        "https://www.citego.org/bdf_fiche-document-2590_fr.html"
    ]


@pytest.mark.slow
def test_open_query_opens_the_best_match(run: Run, browser: tuple[dict[str, str], Path]) -> None:
    env, log = browser
    result = run("open", "mobilité", env=env)
    assert result.returncode == 0
    assert log.read_text().splitlines() == ["https://citego.org/bdf_fiche-document-2587_fr.html"]


@pytest.mark.slow
def test_open_without_any_browser_prints_the_url(run: Run, tmp_path: Path) -> None:
    env = {"BROWSER": "false", "PATH": str(tmp_path), "DISPLAY": "", "WAYLAND_DISPLAY": ""}
    result = run("open", "13", env=env, command=[sys.executable, "-m", "esskit"])
    assert result.returncode == 0
    assert result.stdout.strip() == "https://www.citego.org/bdf_fiche-document-2590_fr.html"
    assert "no browser could be started" in result.stderr


@pytest.mark.slow
def test_closed_pipe_is_quiet() -> None:
    command = " ".join(esskit_command())
    for args in ("list --format jsonl", "list --json", "list", "list --format table"):
        result = shell(f"{command} {args} | head -c 1 > /dev/null")
        assert "Traceback" not in result.stderr and result.stderr == "", (args, result.stderr)


@pytest.mark.slow
@pytest.mark.parametrize("redirect", [">&-", "2>&-", ">&- 2>&-"])
def test_closed_stdout_or_stderr_never_crash(
    redirect: str, browser: tuple[dict[str, str], Path]
) -> None:
    env, log = browser
    command = " ".join(esskit_command())
    for args, code in (
        ("list", 0),
        ("list --format table", 0),
        ("search foncier", 0),
        ("open 13", 0),
        ("show 99", 2),
    ):
        result = shell(f"{command} {args} {redirect}", env)
        assert "Traceback" not in result.stderr and result.returncode == code, (
            args,
            result.stderr,
        )
    # the browser still opens when nobody reads esskit's own output
    assert log.read_text().splitlines() == [
        "https://www.citego.org/bdf_fiche-document-2590_fr.html"
    ]


@pytest.mark.slow
def test_term_dumb_has_no_escape_codes(run: Run) -> None:
    result = run("search", "foncier", "--format", "table", env={"TERM": "dumb"})
    assert result.returncode == 0 and "\x1b" not in result.stdout and "foncier" in result.stdout


@pytest.mark.slow
def test_lang_c_locale_prints_accents_without_crashing(run: Run) -> None:
    env = {"LANG": "C", "LC_ALL": "C", "PYTHONIOENCODING": ""}
    result = run("show", "10", "--format", "table", env=env)
    assert result.returncode == 0 and "Traceback" not in result.stderr


@pytest.mark.slow
def test_ascii_only_output_is_replaced_not_crashed(run: Run) -> None:
    result = run("list", env={"PYTHONIOENCODING": "ascii"})
    assert result.returncode == 0 and "Traceback" not in result.stderr
    assert "?" in result.stdout


@pytest.mark.slow
@pytest.mark.parametrize("columns", ["20", "500"])
def test_narrow_and_wide_terminals(run: Run, columns: str) -> None:
    result = run("search", "foncier", "--format", "table", env={"COLUMNS": columns})
    assert result.returncode == 0 and "Traceback" not in result.stderr
    assert max(len(line) for line in result.stdout.splitlines()) <= int(columns)


@pytest.mark.slow
def test_no_home_and_read_only_cwd(run: Run, tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "HOME"}
    env["PYTHONIOENCODING"] = "utf-8"
    locked.chmod(0o555)
    try:
        result = subprocess.run(
            [*esskit_command(), "list", "--json"],
            cwd=locked,
            env=env,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    finally:
        locked.chmod(0o755)
    assert result.returncode == 0 and len(json.loads(result.stdout)) == 25
    assert list(locked.iterdir()) == []  # esskit writes no files of its own


@pytest.mark.slow
def test_no_color_and_markup_text_verbatim(run: Run, tiny: Path) -> None:
    result = run(
        "list",
        "--format",
        "table",
        "--catalogue",
        str(tiny),
        env={"NO_COLOR": "1", "COLUMNS": "200"},
    )
    assert "\x1b[" not in result.stdout
    assert "[brouillon] Connaître [/fr] les acteurs [bold]" in result.stdout


@pytest.mark.slow
def test_force_color_colours_a_table(run: Run) -> None:
    result = run("search", "foncier", "--format", "table", env={"FORCE_COLOR": "1"})
    assert "\x1b[" in result.stdout


@pytest.mark.slow
def test_a_directory_as_catalogue_is_a_one_line_error(run: Run, tmp_path: Path) -> None:
    result = run("list", "--catalogue", str(tmp_path))
    assert result.returncode == 2 and one_line_error(result.stderr)


@pytest.mark.slow
def test_validate_dash_reads_a_catalogue_piped_in() -> None:
    command = " ".join(esskit_command())
    result = shell(f"cat {ROOT / 'data' / 'sheets.json'} | {command} validate -")
    assert result.returncode == 0 and result.stderr == ""
    assert result.stdout.startswith("standard input: valid, ")
    broken = shell(f"echo '{{\"kit\": 1}}' | {command} validate -")
    assert broken.returncode == 2 and broken.stdout == ""
    assert broken.stderr.startswith("esskit: standard input: ")


@pytest.mark.slow
def test_completion_offers_sheet_numbers_with_titles(run: Run) -> None:
    env = {"_ESSKIT_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": "esskit show 1"}
    result = run(env=env)
    assert (
        '"13":"L’accès au foncier des acteurs de l’économie sociale et solidaire"' in result.stdout
    )
    assert '"2"' not in result.stdout


@pytest.mark.slow
@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("esskit list --category le", {"lever", "levier"}),
        ("esskit list --format j", {"json", "jsonl"}),
        ("esskit list --fields number,ti", {"number,title_fr", "number,title_en"}),
    ],
)
def test_completion_of_option_values(run: Run, words: str, expected: set[str]) -> None:
    env = {
        "_ESSKIT_COMPLETE": "complete_bash",
        "COMP_WORDS": words,
        "COMP_CWORD": str(len(words.split()) - (0 if words.endswith(" ") else 1)),
    }
    result = run(env=env)
    assert set(result.stdout.split()) == expected


@pytest.mark.slow
def test_show_completion_script(run: Run) -> None:
    result = run("--show-completion", "bash")
    assert result.returncode == 0 and "_ESSKIT_COMPLETE" in result.stdout


def _python(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run this Python with `args`; fail the test with the end of its stderr if it fails."""
    done = subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, timeout=600, check=False, cwd=cwd
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done


@pytest.mark.slow
def test_wheel_built_from_the_sdist_serves_the_catalogue_in_a_fresh_venv(tmp_path: Path) -> None:
    # The publishing route: `python -m build` makes the sdist, then a wheel from that sdist.
    dist = tmp_path / "dist"
    _python("-m", "build", "--outdir", str(dist), str(ROOT))
    (wheel,) = dist.glob("esskit-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        assert (
            archive.read("esskit/data/sheets.json") == (ROOT / "data" / "sheets.json").read_bytes()
        )
        (license_name,) = [name for name in names if name.endswith(".dist-info/licenses/LICENSE")]
        assert archive.read(license_name) == (ROOT / "LICENSE").read_bytes()
        (metadata_name,) = [name for name in names if name.endswith(".dist-info/METADATA")]
        metadata = archive.read(metadata_name).decode("utf-8")
    assert "Project-URL: Kit MunicipalESS (RTES), https://www.rtes.fr/kit-municipaless" in metadata
    assert "Description-Content-Type: text/markdown" in metadata

    venv = tmp_path / "venv"
    _python("-m", "venv", "--without-pip", str(venv))
    _python("-m", "pip", "--python", str(venv / "bin" / "python"), "install", "-q", str(wheel))
    listed = subprocess.run(
        [str(venv / "bin" / "esskit"), "list", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=tmp_path,  # not the source tree, whose src/ must not be what runs
    )
    assert listed.returncode == 0, listed.stderr
    packaged = json.loads((ROOT / "data" / "sheets.json").read_text("utf-8"))
    assert [s["number"] for s in json.loads(listed.stdout)] == [
        s["number"] for s in packaged["sheets"]
    ]


@pytest.mark.slow
def test_wheel_built_from_the_tree_carries_the_catalogue_and_licence(tmp_path: Path) -> None:
    # The `pip install .` route builds a wheel straight from the source tree.
    _python("-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT))
    (wheel,) = tmp_path.glob("esskit-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        assert (
            archive.read("esskit/data/sheets.json") == (ROOT / "data" / "sheets.json").read_bytes()
        )
        assert any(name.endswith(".dist-info/licenses/LICENSE") for name in archive.namelist())


@pytest.mark.parametrize(
    ("command", "before"), [("list", "cannot read the catalogue: "), ("validate", "")]
)
def test_a_missing_catalogue_in_the_environment_names_the_variable(
    run: Run, tmp_path: Path, command: str, before: str
) -> None:
    missing = tmp_path / "missing.json"
    result = run(command, env={"ESSKIT_CATALOGUE": str(missing)})
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        f"esskit: {before}{missing} does not exist (no such file) "
        "(check the path in ESSKIT_CATALOGUE)\n"
    )


def test_search_in_a_category_names_the_categories_that_hold_matches(run: Run) -> None:
    result = run("search", "PAT", "--category", "levier")
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (
        "esskit: no sheet in category lever matches 'PAT'\n  in other categories: thematic (8)\n"
    )
