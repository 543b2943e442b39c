"""Dump what esskit prints: every command in every format, for every query of the project's and
the shared query sets, into a folder of text files that `diff -r` compares.

    python scripts/dump.py OUT_DIR

Run it before a change and after it: the diff must be empty except where a documented decision
changes the output. Commands run in-process (Typer's runner), with COLUMNS=100 and no locale.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUERY_SETS = [
    ROOT / "tests" / "data" / "relevance.json",
    ROOT / "tests" / "data" / "practice.json",
    *(ROOT / "tests" / "data" / f"{name}.json" for name in ("questions", "two_subjects")),
    *(ROOT / "tests" / "data" / f"{name}.json" for name in ("abroad", "outside")),
    *sorted((ROOT / "tests" / "data").glob("*-queries.json")),
    ROOT.parent / "shared" / "relevance" / "queries.json",
    ROOT.parent / "shared" / "relevance" / "practitioner.json",
]
TEXT_FORMATS = ["table", "json", "jsonl", "csv", "tsv", "plain", "markdown", "html", "spreadsheet"]
LANGS = ["fr", "en", "both"]


def queries() -> list[str]:
    """Every query of the sets, once, in the order the sets give them."""
    found: dict[str, None] = {}
    for path in QUERY_SETS:
        if not path.exists():
            continue
        for group, cases in json.loads(path.read_text("utf-8")).items():
            if group == "about" or not isinstance(cases, list):
                continue
            for case in cases:
                if isinstance(case, str):
                    found.setdefault(case)
                else:
                    found.setdefault(case[0] if isinstance(case, list) else case["query"])
    return list(found)


def commands() -> Iterable[tuple[str, list[str]]]:
    """(file name, arguments) for every command to dump."""
    yield "help", ["--help"]
    for name in ("list", "search", "show", "open", "glossary", "validate", "schema"):
        yield "help", [name, "--help"]
    yield "schema", ["schema"]
    yield "validate", ["validate"]
    for fmt in TEXT_FORMATS:
        for lang in LANGS:
            yield f"list-{fmt}", ["list", "--format", fmt, "--lang", lang]
            yield f"list-{fmt}", ["list", "8", "16", "7", "--format", fmt, "--lang", lang]
        yield f"list-{fmt}", ["list", "--category", "lever", "--format", fmt]
        yield f"show-{fmt}", ["show", "13", "--format", fmt, "--lang", "fr"]
        yield f"show-{fmt}", ["show", "8", "16", "7", "--format", fmt, "--lang", "both"]
        yield f"glossary-{fmt}", ["glossary", "--format", fmt]
    yield "list-tree", ["list", "--tree", "--lang", "both"]
    for number in range(25):
        yield "show-table", ["show", str(number), "--format", "table", "--lang", "both"]
        yield "open", ["open", str(number), "--print-url"]
    for query in queries():
        yield "search-json", ["search", query, "--json", "--limit", "5"]
        yield "search-table", ["search", query, "--format", "table", "--lang", "fr"]
    for query in queries()[:40]:
        for fmt in TEXT_FORMATS:
            if fmt not in ("json", "table"):
                yield f"search-{fmt}", ["search", query, "--format", fmt, "--limit", "3"]
        yield "open", ["open", query, "--print-url"]
        yield "glossary-json", ["glossary", query, "--json"]
    for width in ("40", "60", "80", "160"):
        for args in (["show", "13"], ["show", "1"], ["search", "vélo", "--lang", "both"]):
            yield f"width-{width}", ["--columns", width, *args, "--format", "table"]
        yield f"width-{width}", ["--columns", width, "list", "--format", "table", "--lang", "both"]
    for bad in (["show", "99"], ["list", "--category", "nosuch"], ["search", ""], ["open"]):
        yield "errors", bad


def main() -> None:
    """Write the dump into the folder given."""
    from typer.testing import CliRunner

    from esskit.cli import app

    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    for name in ("ESSKIT_CATALOGUE", "LANG", "LC_ALL", "LC_MESSAGES", "LANGUAGE", "NO_COLOR"):
        os.environ.pop(name, None)
    os.environ["COLUMNS"] = "100"
    runner = CliRunner()
    files: dict[str, list[str]] = {}
    for name, args in commands():
        env = {"COLUMNS": args[1]} if args[0] == "--columns" else {}
        args = args[2:] if env else args
        result = runner.invoke(app, args, env=env)
        files.setdefault(name, []).append(
            f"### esskit {' '.join(args)}\nexit {result.exit_code}\n"
            f"--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}\n"
        )
    for name, parts in files.items():
        (out / f"{name}.txt").write_text("".join(parts), "utf-8")


if __name__ == "__main__":
    main()
