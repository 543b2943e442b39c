"""Help that reads well: flags without a value placeholder, examples that run, nothing that only
holds for the packaged catalogue."""

from __future__ import annotations

import errno
import re
import shlex
import shutil
import webbrowser
from pathlib import Path

import pytest
import typer
from helpers import ROOT, one_line_error
from typer.core import TyperGroup
from typer.testing import CliRunner

from esskit.catalogue import FRENCH_CATEGORIES
from esskit.cli import app
from esskit.formats import Format
from esskit.models import Category


def _group() -> TyperGroup:
    group = typer.main.get_command(app)
    assert isinstance(group, TyperGroup)
    return group


GROUP = _group()
COMMANDS = sorted(GROUP.commands)


def help_text(runner: CliRunner, *command: str) -> str:
    result = runner.invoke(app, [*command, "--help"], env={"COLUMNS": "200", "NO_COLOR": "1"})
    assert result.exit_code == 0, result.stderr
    return result.stdout


def examples(command: str) -> list[str]:
    """The example lines at the end of a command's help."""
    epilog = GROUP.commands[command].epilog or ""
    return [line.strip() for line in epilog.splitlines() if line.startswith("  esskit")]


@pytest.mark.parametrize("command", [[], *([name] for name in COMMANDS)], ids=["esskit", *COMMANDS])
def test_help_shows_flags_without_a_value(runner: CliRunner, command: list[str]) -> None:
    text = help_text(runner, *command)
    assert "--help" in text and "<bool>" not in text


def _disk_full(self: object) -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


@pytest.mark.parametrize(
    "args",
    [["--help"], [], *([name, "--help"] for name in COMMANDS)],
    ids=["esskit --help", "esskit", *COMMANDS],
)
def test_help_that_cannot_be_written_is_the_output_error(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    from rich.console import Console

    monkeypatch.setattr(Console, "_write_buffer", _disk_full)
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert result.stderr == "esskit: cannot write the output: No space left on device\n"


def test_the_top_help_has_examples(runner: CliRunner) -> None:
    text = help_text(runner)
    assert "Examples:" in text and 'esskit search "commande publique"' in text


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_help_ends_with_examples(runner: CliRunner, command: str) -> None:
    assert examples(command), f"{command} has no examples"
    text = help_text(runner, command)
    assert "Examples:" in text and all(line in text for line in examples(command))


@pytest.mark.parametrize(
    "line", [line for name in COMMANDS for line in examples(name) if not re.search(r"[|>]", line)]
)
def test_help_examples_run(
    runner: CliRunner, line: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[str] = []

    def open_page(url: str, *args: object, **kwargs: object) -> bool:
        opened.append(url)
        return True

    monkeypatch.setattr(webbrowser, "open", open_page)
    shutil.copy(ROOT / "data" / "sheets.json", tmp_path / "my-catalogue.json")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, shlex.split(line)[1:])
    assert result.exit_code == 0, result.stderr
    assert result.stdout or opened


def test_help_states_no_count_or_range_of_the_packaged_kit(runner: CliRunner) -> None:
    # --catalogue can name a kit of any size: the help must hold for it too
    for command in [[], *([name] for name in COMMANDS)]:
        text = help_text(runner, *command)
        assert not re.search(r"\b25 (documents|sheets)\b|\b0 to 24\b|\b24 sheets\b", text), command


def test_search_shows_its_query_as_required(runner: CliRunner) -> None:
    text = help_text(runner, "search")
    assert re.search(r"\*\s+QUERY", text) and "[required]" in text
    result = runner.invoke(app, ["search"])
    assert result.exit_code == 2 and one_line_error(result.stderr) and "QUERY" in result.stderr


def test_validate_dash_reads_standard_input(runner: CliRunner) -> None:
    packaged = (ROOT / "data" / "sheets.json").read_text("utf-8")
    result = runner.invoke(app, ["validate", "-"], input=packaged)
    assert result.exit_code == 0
    assert result.stdout.startswith("standard input: valid, ")


def test_validate_dash_reports_problems_with_their_location(runner: CliRunner) -> None:
    result = runner.invoke(app, ["validate", "-"], input='{"kit": 1, "sheets": []}')
    assert result.exit_code == 2 and result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines and all(line.startswith("esskit: standard input: ") for line in lines)
    assert any("kit" in line for line in lines)


@pytest.mark.parametrize("text", ["", " \n"])
def test_validate_dash_with_nothing_on_standard_input(runner: CliRunner, text: str) -> None:
    result = runner.invoke(app, ["validate", "-"], input=text)
    assert result.exit_code == 2 and result.stderr == "esskit: standard input is empty\n"


def test_help_names_every_format_and_category(runner: CliRunner) -> None:
    text = " ".join(help_text(runner, "list").split())
    assert f"Output format: {', '.join(Format)} [default:" in text
    names = [*Category, *FRENCH_CATEGORIES.values()]
    assert all(re.search(rf"\b{name}\b", text) for name in names)
