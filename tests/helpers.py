"""Paths and helpers that several test modules share (fixtures live in conftest.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

TESTS = Path(__file__).parent
ROOT = TESTS.parent
TINY = TESTS / "data" / "tiny.json"
REFERENCE = ROOT.parent / "shared" / "reference" / "municipaless-2020.json"
RELEVANCE = ROOT.parent / "shared" / "relevance" / "queries.json"
SHELL_GIVEN = {"_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"}
"""Environment in which Typer's completion options take the shell as their argument, rather than
guessing it from the processes above the tests (there may be none, as under CI)."""


def examples(full: int) -> int:
    """How many examples a heavy property test tries: all of them under CI (`CI` set, as
    .ci/run does), a fifth in everyday runs, to keep a plain `pytest` quick."""
    return full if os.environ.get("CI") else max(20, full // 5)


def write_catalogue(path: Path, sheets: list[dict[str, Any]], **kit: Any) -> Path:
    """Write a catalogue file with the given sheets."""
    meta = {"name": "Test kit", "publisher": "RTES", "edition": 2020, "language": "fr", **kit}
    path.write_text(json.dumps({"kit": meta, "sheets": sheets}, ensure_ascii=False), "utf-8")
    return path


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


def one_line_error(stderr: str) -> bool:
    """True when stderr is exactly one `esskit: ...` line with no traceback."""
    lines = stderr.strip().splitlines()
    return len(lines) == 1 and lines[0].startswith("esskit: ") and "Traceback" not in stderr


def said(language: str, call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """What `call` gives when esskit speaks `language` (`fr`, `en`); it speaks English again
    after."""
    from esskit import i18n

    i18n.use(language)
    try:
        return call(*args, **kwargs)
    finally:
        i18n.use("en")
