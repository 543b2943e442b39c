"""Fixtures: a runner, a small catalogue, a recording browser, the installed command in a
subprocess (plain helpers and paths are in helpers.py)."""

from __future__ import annotations

import os
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import SHELL_GIVEN, TINY, esskit_command
from typer.testing import CliRunner

from esskit import catalogue, i18n
from esskit.models import Catalogue


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
        "LC_MESSAGES",
        "LANGUAGE",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "100")
    i18n.use("en")


@pytest.fixture
def runner() -> CliRunner:
    """A Typer runner that keeps stderr apart from stdout."""
    return CliRunner()


@pytest.fixture
def tiny() -> Path:
    """Four sheets: commas, quotes, markup-looking text, a missing French title."""
    return TINY


@pytest.fixture
def real() -> Catalogue:
    """The packaged catalogue, fully validated."""
    return catalogue.check()


@pytest.fixture
def browser(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """Environment for a BROWSER that records each URL it is given (one a line) and succeeds."""
    log = tmp_path / "opened.txt"
    script = tmp_path / "record-browser"
    script.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" >> "{log}"\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return {"BROWSER": str(script)}, log


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
        base.update(SHELL_GIVEN)
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
