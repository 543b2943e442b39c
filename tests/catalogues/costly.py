"""Catalogues that once cost esskit far more than their size, built at any size for the tests
that check the cost grows no faster than the file (tests/test_costs.py). Too large to check in.

    python tests/catalogues/costly.py OUT_DIR     # writes each at the size the review used
"""

from __future__ import annotations

import itertools
import json
import sys
from pathlib import Path
from typing import Any

KIT = {"name": "Kit", "publisher": "RTES", "edition": 2020, "language": "fr"}


def catalogue(sheets: list[dict[str, Any]], glossary: list[dict[str, Any]] | None = None) -> bytes:
    """A catalogue file's bytes."""
    data: dict[str, Any] = {"kit": KIT, "sheets": sheets}
    if glossary is not None:
        data["glossary"] = glossary
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


def filler(count: int, start: int = 1) -> list[dict[str, Any]]:
    """Sheets about nothing in particular."""
    return [
        {"number": n, "category": "thematic", "title_en": f"Filler sheet {n}"}
        for n in range(start, start + count)
    ]


def not_json(size: int) -> bytes:
    """`{"` then `\\":` repeated: a string that never closes, full of quotes."""
    return b'{"' + b'\\":' * size


def many_keywords(size: int) -> bytes:
    """One sheet whose keywords are `size` words, all answering `mobilité`."""
    words = [f"mobilite{n}" for n in range(size)]
    return catalogue([{"number": 0, "category": "lever", "title_en": "A", "keywords_fr": words}])


def _near(word: str) -> list[str]:
    """Words within two substitutions of `word` that keep its first and last letters."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    found = []
    for i, j in itertools.combinations(range(1, len(word) - 1), 2):
        for a, b in itertools.product(letters, repeat=2):
            found.append(word[:i] + a + word[i + 1 : j] + b + word[j + 1 :])
    return sorted(set(found) - {word})


def typo_neighbours(size: int) -> bytes:
    """`size` words within two typos of `mobilite` in one sheet's keywords, and filler sheets."""
    words = _near("mobilite")[:size]
    sheet = {"number": 0, "category": "lever", "title_en": "A", "keywords_fr": words}
    return catalogue([sheet, *filler(max(1, size // 30))])


def repeated_summary(size: int, word: str = "mobilite") -> bytes:
    """`size` sheets whose summaries, each its own, repeat a word two thousand times."""
    summary = " ".join([word] * 2_000)
    return catalogue(
        [
            {
                "number": n,
                "category": "thematic",
                "title_en": f"S {n}",
                "summary_fr": f"{summary} {n}",
            }
            for n in range(size)
        ]
    )


def many_entries(size: int) -> bytes:
    """`size` glossary entries for the acronym PAT, each leading to the one sheet."""
    entries = [{"term": "PAT", "fr": f"projet {n}", "sheets": [0]} for n in range(size)]
    return catalogue([{"number": 0, "category": "lever", "title_en": "A"}], entries)


def spaces(size: int, sheets: int = 100) -> bytes:
    """`sheets` sheets whose summary is `z`, `size` spaces and `z` (at most 19 998 spaces)."""
    summary = "z" + " " * size + "z"
    return catalogue(
        [
            {"number": n, "category": "thematic", "title_en": f"S {n}", "summary_fr": summary}
            for n in range(sheets)
        ]
    )


def many_sheets(size: int) -> bytes:
    """`size` small sheets."""
    return catalogue(filler(size, 0))


BUILDERS = {
    "not-json.json": (not_json, 32_000),
    "many-keywords.json": (many_keywords, 200_000),
    "typo-neighbours.json": (typo_neighbours, 9_525),
    "repeated-summary.json": (repeated_summary, 1_000),
    "many-entries.json": (many_entries, 20_000),
    "spaces.json": (spaces, 19_998),
    "many-sheets.json": (many_sheets, 406_000),
}


def main() -> None:
    """Write every costly catalogue at the size the review used into the folder given."""
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    for name, (build, size) in BUILDERS.items():
        (out / name).write_bytes(build(size))


if __name__ == "__main__":
    main()
