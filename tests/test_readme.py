"""The README's examples show what the command prints today."""

from __future__ import annotations

import doctest
import json
import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from esskit.cli import app

ROOT = Path(__file__).parents[1]
README = ROOT / "README.md"
PAGES = [README, *sorted((ROOT / "docs").glob("*.md")), ROOT / "README.fr.md"]


def examples() -> list[tuple[str, list[str], str]]:
    """Each `$ esskit ...` line of the console blocks of the README and the docs (without a
    pipe or a redirection), with the lines shown under it, and the locale it is shown in (the
    French README's is French)."""
    found = []
    for page in PAGES:
        locale = "fr_FR.UTF-8" if page.name.endswith(".fr.md") else "C.UTF-8"
        text = page.read_text("utf-8")
        for block in re.findall(r"^```console\n(.*?)^```$", text, re.S | re.M):
            command, shown = "", []
            for line in [*block.splitlines(), "$"]:
                if not line.startswith("$"):
                    shown += [line.rstrip()] if line.strip() else []
                    continue
                if command.startswith("esskit ") and shown and not re.search(r"[|>]", command):
                    found.append((command, shown, locale))
                command, shown = line[1:].strip(), []
    return found


def test_the_readme_has_examples() -> None:
    assert len(examples()) >= 4


def test_the_readme_stays_short_and_links_every_page_of_the_docs() -> None:
    text = README.read_text("utf-8")
    assert len(text.splitlines()) <= 200
    assert all(f"docs/{page.name}" in text for page in PAGES[1:-1])


@pytest.mark.parametrize("page", PAGES, ids=[page.name for page in PAGES])
def test_every_relative_link_leads_to_a_file(page: Path) -> None:
    for target in re.findall(r"\]\(([^)#:\s]+)", page.read_text("utf-8")):
        assert (page.parent / target).exists(), f"{page.name} links {target}, which is not there"


@pytest.mark.parametrize(
    ("command", "shown", "locale"), examples(), ids=[c for c, _, _ in examples()]
)
def test_readme_example(runner: CliRunner, command: str, shown: list[str], locale: str) -> None:
    args = shlex.split(command)[1:]
    if shown[0].startswith("N°"):  # drawn at a terminal: a table
        args += ["--format", "table"]
    env = {"COLUMNS": "120", "NO_COLOR": "1", "LANG": locale}
    result = runner.invoke(app, args, env=env)
    if shown[0] in ("[", "{"):  # indented at a terminal, on one line when piped
        assert json.loads(result.stdout) == json.loads("\n".join(shown))
        return
    printed = [line.rstrip() for line in (result.stdout + result.stderr).splitlines()]
    assert [line for line in printed if line] == shown


def test_the_use_from_python_example_runs() -> None:
    text = "\n".join(page.read_text("utf-8") for page in PAGES)
    blocks = re.findall(r"^```pycon\n(.*?)^```$", text, re.S | re.M)
    assert blocks
    parser, runner = doctest.DocTestParser(), doctest.DocTestRunner()
    for number, block in enumerate(blocks):
        test = parser.get_doctest(block, {}, f"README pycon block {number}", str(README), 0)
        runner.run(test)
    assert runner.summarize(verbose=False).failed == 0
