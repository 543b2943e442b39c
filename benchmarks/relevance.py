"""How well search answers the query sets: the project's own (`tests/data/`) and the shared ones
beside the repository, as `python benchmarks/bench.py --relevance` reports them and the tests
hold them to their goals.

Every set is a sample of how people ask, never words to copy into the vocabulary. The
leave-one-out figure says how search does on words it was not handed: each query is searched
again with every keyword equal to it (folded) taken out of the catalogue.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, fields, replace
from operator import is_
from pathlib import Path
from typing import Any

from esskit.analysis import words
from esskit.models import Catalogue, Sheet
from esskit.search import find

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
SHARED = ROOT.parent / "shared" / "relevance"


@dataclass(frozen=True)
class Case:
    """A query and what a good search gives: the sheets accepted first, or, for a query that
    joins subjects, the sheets accepted for each subject (all among the first five), or, for a
    query outside the kit, nothing (`expected` empty)."""

    query: str
    expected: tuple[int, ...] = ()
    subjects: tuple[tuple[int, ...], ...] = ()


@dataclass
class Score:
    """How a set did: its cases, those answered right first, in the top three, and the misses."""

    name: str
    total: int = 0
    first: int = 0
    top3: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def share(self) -> float:
        """The share of the set answered right (first, or every subject in the top five)."""
        return self.first / self.total if self.total else 1.0


def _pairs(data: dict[str, object], groups: Iterable[str]) -> Iterator[Case]:
    for group in groups:
        for query, expected in data.get(group, []):  # type: ignore[attr-defined]
            yield Case(query, tuple(expected))


def sets() -> dict[str, list[Case]]:
    """Every query set found, by name: questions, subjects joined, readers abroad, outside the
    kit, titles and topics, and the shared sets when they are beside the repository."""
    found: dict[str, list[Case]] = {}

    def read(path: Path) -> dict[str, object]:
        return json.loads(path.read_text("utf-8")) if path.exists() else {}

    questions = read(DATA / "questions.json")
    found["questions fr"] = list(_pairs(questions, ["fr"]))
    found["questions en"] = list(_pairs(questions, ["en"]))
    tasks = read(DATA / "two_subjects.json").get("tasks", [])
    found["two subjects"] = [
        Case(task["query"], subjects=tuple(tuple(s) for s in task["subjects"]))
        for task in tasks  # type: ignore[attr-defined]
    ]
    abroad = read(DATA / "abroad.json")
    found["abroad"] = list(_pairs(abroad, ["es", "it", "pt", "de"]))
    outside = read(DATA / "outside.json")
    found["outside"] = [
        Case(query)
        for group in ("fr", "en", "abroad")
        for query in outside.get(group, [])  # type: ignore[attr-defined]
    ]
    for name, path in (
        ("titles and topics", DATA / "relevance.json"),
        ("practice", DATA / "practice.json"),
        ("shared: titles' words", SHARED / "queries.json"),
        ("shared: practitioners' words", SHARED / "practitioner.json"),
    ):
        data = read(path)
        groups = [g for g in data if g not in ("about", "none")]
        if data:
            found[name] = list(_pairs(data, groups))
            nothing = [Case(query) for query, _ in data.get("none", [])]  # type: ignore[attr-defined]
            where = "shared: outside" if name.startswith("shared") else "outside"
            found.setdefault(where, []).extend(nothing)
    return found


def judge(name: str, cases: Sequence[Case], catalogue: Catalogue) -> Score:
    """How search answers a set of cases on a catalogue."""
    score = Score(name)
    for case in cases:
        found = [
            m.sheet.number
            for m in find(catalogue.sheets, case.query, limit=5, glossary=catalogue.glossary)
        ]
        if case.subjects:
            first = top3 = all(set(found) & set(subject) for subject in case.subjects)
        elif not case.expected:
            first = top3 = not found
        else:
            first = bool(found) and found[0] in case.expected
            top3 = bool(set(found[:3]) & set(case.expected))
        score.total += 1
        score.first += first
        score.top3 += top3
        if not first:
            score.misses.append(f"{case.query!r}: {found}, wanted {case.expected or 'nothing'}")
    return score


KEYWORD_FIELDS = tuple(
    f.name for f in fields(Sheet) if f.name.startswith(("keywords_", "related_"))
)


def without(catalogue: Catalogue, query: str) -> Catalogue:
    """The catalogue less every keyword that is, folded, the query itself (the very catalogue
    when none is, so that its index serves again)."""
    folded = " ".join(words(query))

    def kept(sheet: Sheet) -> Sheet:
        changes: dict[str, Any] = {
            name: tuple(w for w in getattr(sheet, name) if " ".join(words(w)) != folded)
            for name in KEYWORD_FIELDS
        }
        if all(len(changes[name]) == len(getattr(sheet, name)) for name in KEYWORD_FIELDS):
            return sheet
        return replace(sheet, **changes)

    sheets = tuple(kept(sheet) for sheet in catalogue.sheets)
    if all(map(is_, sheets, catalogue.sheets)):
        return catalogue
    return replace(catalogue, sheets=sheets)


def leave_one_out(catalogue: Catalogue, cases: Iterable[Case]) -> Score:
    """Each query that has an answer, searched with its own words taken out of the vocabulary:
    the share still right first says how search does on words it was not handed."""
    score = Score("leave one out")
    for case in cases:
        if not case.expected:
            continue
        trimmed = without(catalogue, case.query)
        score_one = judge("", [case], trimmed)
        score.total += 1
        score.first += score_one.first
        score.top3 += score_one.top3
        score.misses += score_one.misses
    return score
