"""Shared fixtures: a runner, a small catalogue, a recording browser, the installed command."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from esskit import catalogue

TESTS = Path(__file__).parent
ROOT = TESTS.parent
TINY = TESTS / "data" / "tiny.json"
REFERENCE = ROOT.parent / "shared" / "reference" / "municipaless-2020.json"
RELEVANCE = ROOT.parent / "shared" / "relevance" / "queries.json"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test starts from the packaged catalogue, with no colour forced and no debug mode."""
    for name in (
        "ESSKIT_CATALOGUE",
        "ESSKIT_ALLOW_HOSTS",
        "ESSKIT_ALLOW_HTTP",
        "ESSKIT_DEBUG",
        "FORCE_COLOR",
        "NO_COLOR",
        "LANG",
        "LC_ALL",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "100")


@pytest.fixture
def runner() -> CliRunner:
    """A Typer runner that keeps stderr apart from stdout."""
    return CliRunner()


@pytest.fixture
def tiny() -> Path:
    """Four sheets: commas, quotes, markup-looking text, a missing French title."""
    return TINY


@pytest.fixture
def real() -> catalogue.Catalogue:
    """The packaged catalogue, fully validated."""
    return catalogue.check()


def write_catalogue(path: Path, sheets: list[dict[str, Any]], **kit: Any) -> Path:
    """Write a catalogue file with the given sheets."""
    meta = {"name": "Test kit", "publisher": "RTES", "edition": 2020, "language": "fr", **kit}
    path.write_text(json.dumps({"kit": meta, "sheets": sheets}, ensure_ascii=False), "utf-8")
    return path


@pytest.fixture
def browser(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """Environment for a BROWSER that records each URL it is given (one a line) and succeeds."""
    log = tmp_path / "opened.txt"
    script = tmp_path / "record-browser"
    script.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" >> "{log}"\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return {"BROWSER": str(script)}, log


def mirror_catalogue(path: Path, url: str) -> Path:
    """A one-sheet catalogue whose page is `url` (a host or scheme the kit does not use)."""
    return write_catalogue(
        path, [{"number": 1, "category": "lever", "title_en": "A", "links": {"citego": url}}]
    )


def shell(line: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run a shell command line (pipes, redirections) with the environment plus `env`."""
    return subprocess.run(
        line,
        shell=True,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
        env={**os.environ, **(env or {})},
    )


def esskit_command() -> list[str]:
    """The `esskit` script installed with this Python (not another one on PATH), else
    `python -m esskit`."""
    script = Path(sys.executable).parent / "esskit"
    return [str(script)] if script.exists() else [sys.executable, "-m", "esskit"]


@pytest.fixture
def run() -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run the installed command in a subprocess, with a clean environment plus `env`."""

    def _run(
        *args: str,
        env: dict[str, str] | None = None,
        input: str | None = None,
        command: list[str] | None = None,
        timeout: float = 30,
    ) -> subprocess.CompletedProcess[str]:
        base = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("ESSKIT_", "FORCE_COLOR", "NO_COLOR"))
        }
        base["PYTHONIOENCODING"] = "utf-8"
        return subprocess.run(
            [*(command or esskit_command()), *args],
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            env={**base, **(env or {})},
            input=input,
            timeout=timeout,
            check=False,
        )

    return _run


def one_line_error(stderr: str) -> bool:
    """True when stderr is exactly one `esskit: ...` line with no traceback."""
    lines = stderr.strip().splitlines()
    return len(lines) == 1 and lines[0].startswith("esskit: ") and "Traceback" not in stderr
