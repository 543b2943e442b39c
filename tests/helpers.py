"""Paths and helpers that several test modules share (fixtures live in conftest.py)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from html.parser import HTMLParser
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


class Page(HTMLParser):
    """What a reader sees of an HTML page: its tags in order (with their attributes), the cells
    of each table row, the text of each title, heading, paragraph and cell (its spaces
    collapsed), its links with their visible words, its languages, its style sheet and its
    columns' widths."""

    TEXTS = ("title", "h1", "h2", "p", "td", "th")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[dict[str, str | None]] = []
        self.rows: list[list[str]] = []
        self.texts: list[str] = []
        self.links: list[tuple[str, str]] = []
        self.langs: list[str] = []
        self.widths: list[float] = []
        self.style = ""
        self._open: list[str] = []
        self._text: list[str] | None = None
        self._link: list[str] | None = None
        self._href = ""

    @property
    def hrefs(self) -> list[str]:
        return [href for href, _ in self.links]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.tags.append(tag)
        self.attrs.append(found)
        self._open.append(tag)
        if tag == "html":
            self.langs.append(found.get("lang") or "")
        if tag == "tr":
            self.rows.append([])
        if tag in self.TEXTS:
            self._text = []
        if tag == "a":
            self._link, self._href = [], found.get("href") or ""
        width = re.search(r"width: *([\d.]+)%", found.get("style") or "")
        if tag == "col" and width:
            self.widths.append(float(width.group(1)))

    def handle_endtag(self, tag: str) -> None:
        if self._open and self._open[-1] == tag:
            self._open.pop()
        if tag == "a" and self._link is not None:
            self.links.append((self._href, "".join(self._link)))
            self._link = None
        if tag in self.TEXTS and self._text is not None:
            text = "".join(self._text)
            if tag in ("td", "th") and self.rows:
                self.rows[-1].append(text)
            self.texts.append(" ".join(text.split()))
            self._text = None

    def handle_data(self, data: str) -> None:
        if self._open and self._open[-1] == "style":
            self.style += data
        for taken in (self._text, self._link):
            if taken is not None:
                taken.append(data)


def parse_html(text: str) -> Page:
    """The page an HTML text is, as a reader sees it."""
    page = Page()
    page.feed(text)
    page.close()
    return page
