"""Start-up stays lean: which heavy modules each kind of command loads (structure, not timing)."""

from __future__ import annotations

import ast
import subprocess
import sys

import pytest

PROBE = """
import gc, os, runpy, sys
os._exit = sys.exit  # esskit ends without the interpreter's teardown: look before it does
sys.argv = ["esskit", *sys.argv[1:]]
try:
    runpy.run_module("esskit", run_name="__main__", alter_sys=True)
except SystemExit:
    pass
from esskit.validation import adapter
heavy = ("rich", "rapidfuzz", "webbrowser", "esskit.search")
loaded = sorted({name.split(".")[0] if name.startswith(("rich", "rapidfuzz")) else name
                 for name in sys.modules if name.startswith(heavy)})
built = adapter.cache_info().currsize > 0
report = {"modules": loaded, "schema_built": built, "collector_on": gc.isenabled()}
print(repr(report), file=sys.stderr)
"""


def python(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    """A run of Python code in a new interpreter, as a command would start."""
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=60, check=False
    )


def probe(*args: str) -> dict[str, object]:
    result = python(PROBE, *args)
    report: dict[str, object] = ast.literal_eval(result.stderr.strip().splitlines()[-1])
    return report


@pytest.mark.parametrize(
    "args",
    [
        ("list", "--json"),
        ("show", "8", "16", "--format", "html"),
        # one subprocess each: everyday runs check the two above
        *(
            pytest.param(args, marks=pytest.mark.slow)
            for args in [
                ("--version",),
                ("show", "13", "--json"),
                ("open", "13", "--print-url"),
                ("list", "--format", "plain"),
                ("list", "8", "16", "--format", "markdown"),
                ("list", "--format", "spreadsheet"),
            ]
        ),
    ],
)
def test_machine_output_loads_no_rich_search_or_browser(args: tuple[str, ...]) -> None:
    report = probe(*args)
    assert report["modules"] == [], report
    assert report["schema_built"] is False  # the packaged catalogue is trusted, no validator built


def test_commands_run_without_the_cycle_collector() -> None:
    # it would rescan every record of a large catalogue as it is built and searched
    assert probe("search", "mobilité", "--json")["collector_on"] is False


def test_search_loads_rapidfuzz_only_for_typos() -> None:
    assert probe("search", "mobilité", "--json")["modules"] == ["esskit.search"]
    assert probe("search", "mobilty", "--json")["modules"] == ["esskit.search", "rapidfuzz"]


def test_tables_load_rich() -> None:
    assert "rich" in probe("list", "--format", "table")["modules"]  # type: ignore[operator]


def test_a_catalogue_file_is_fully_validated() -> None:
    from helpers import TINY

    assert probe("list", "--json", "--catalogue", str(TINY))["schema_built"] is True


def test_the_library_reads_and_searches_the_packaged_catalogue_without_pydantic() -> None:
    # pydantic is for validating other catalogue files (Typer's parsing of options loads it too)
    code = (
        "import sys, esskit\n"
        "kit = esskit.load()\n"
        "assert esskit.find(kit.sheets, 'foncier', glossary=kit.glossary)\n"
        "print(sorted(m for m in sys.modules if m.startswith('pydantic')))\n"
    )
    assert python(code).stdout.strip() == "[]"


def test_the_cycle_collector_is_off_before_typer_is_imported() -> None:
    code = (
        "import gc, os, runpy, sys\n"
        "os._exit = sys.exit\n"
        "seen = {}\n"
        "class Watch:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        seen.setdefault(name, gc.isenabled())\n"
        "sys.meta_path.insert(0, Watch())\n"
        "sys.argv = ['esskit', '--version']\n"
        "try:\n"
        "    runpy.run_module('esskit', run_name='__main__', alter_sys=True)\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(seen.get('typer'), file=sys.stderr)\n"
    )
    assert python(code).stderr.strip().splitlines()[-1] == "False"


@pytest.mark.parametrize(
    ("code", "status", "said"), [(None, 0, ""), (0, 0, ""), (3, 3, ""), ("boom", 1, "boom\n")]
)
def test_the_command_ends_as_sys_exit_would(
    code: object,
    status: int,
    said: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import os

    from esskit import __main__ as entry

    ended: list[int] = []
    monkeypatch.setattr(os, "_exit", ended.append)
    entry.end(code)
    assert ended == [status]
    assert capsys.readouterr().err == said
