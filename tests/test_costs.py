"""Catalogues that once cost far more than their size: each is built at one size and at ten times
that size, in the same test, and the larger must cost about ten times as much, not a hundred
(`tests/catalogues/costly.py` builds them). Slow: `pytest -m slow` runs them."""

from __future__ import annotations

import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from esskit import catalogue as cat
from esskit.cli import app
from esskit.search import find
from esskit.validation import validate_bytes

sys.path.insert(0, str(Path(__file__).parent / "catalogues"))
import costly  # noqa: E402

pytestmark = pytest.mark.slow

LINEAR = 30.0
"""Most that ten times the input may cost, as a multiple: linear costs about 10, quadratic 100."""


def _seconds(work: Callable[[], object]) -> float:
    """The best of three runs of `work`, in seconds (the machine is noisy, the best is not)."""
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return best


def _grows_linearly(work: Callable[[int], object], size: int, bound: float) -> None:
    """`work(10 * size)` costs at most LINEAR times `work(size)`, and at most `bound` seconds."""
    small = _seconds(lambda: work(size))
    large = _seconds(lambda: work(10 * size))
    assert large < bound, f"{large:.2f} s for {10 * size}"
    assert large <= LINEAR * max(small, 0.005), f"{small:.4f} s, then {large:.4f} s"


def _search(data: bytes, query: str, tmp_path: Path) -> int:
    path = tmp_path / "costly.json"
    path.write_bytes(data)
    kit = cat.load(path)
    return len(find(kit.sheets, query, limit=10, glossary=kit.glossary))


def test_a_string_that_never_closes_is_refused_in_linear_time() -> None:
    def refuse(size: int) -> None:
        with pytest.raises(cat.CatalogueError, match="not valid JSON"):
            validate_bytes(costly.not_json(size), cat.Policy(), "x.json")

    _grows_linearly(refuse, 3_200, 1.0)


def test_a_sheet_of_many_keywords_is_searched_in_linear_time(tmp_path: Path) -> None:
    _grows_linearly(lambda n: _search(costly.many_keywords(n), "mobilité", tmp_path), 2_000, 5.0)


def test_many_near_spellings_are_searched_in_linear_time(tmp_path: Path) -> None:
    _grows_linearly(lambda n: _search(costly.typo_neighbours(n), "mobilitée", tmp_path), 300, 5.0)


def test_a_word_repeated_in_every_summary_costs_no_more_memory_than_the_file(
    tmp_path: Path,
) -> None:
    data = costly.repeated_summary(200)
    path = tmp_path / "costly.json"
    path.write_bytes(data)
    kit = cat.load(path)
    tracemalloc.start()
    found = find(kit.sheets, "mobilité", glossary=kit.glossary)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert found == [] and peak < len(data)  # a word found only in summaries leads nowhere
    _grows_linearly(lambda n: _search(costly.repeated_summary(n), "ESS", tmp_path), 20, 5.0)


def test_many_glossary_entries_for_one_acronym_are_searched_in_linear_time(
    tmp_path: Path,
) -> None:
    _grows_linearly(lambda n: _search(costly.many_entries(n), "PAT", tmp_path), 1_000, 5.0)


def test_long_runs_of_spaces_are_exported_in_linear_time(tmp_path: Path) -> None:
    def export(size: int) -> None:
        path = tmp_path / "spaces.json"
        path.write_bytes(costly.spaces(size, sheets=10))
        numbers = [str(n) for n in range(10)]
        for args in (
            ["list", "--format", "markdown", "--fields", "number,summary_fr"],
            ["show", *numbers, "--format", "html"],
        ):
            result = CliRunner().invoke(app, [*args, "-c", str(path)])
            assert result.exit_code == 0

    _grows_linearly(export, 1_999, 5.0)


def test_many_numbers_asked_of_many_sheets_cost_linear_time(tmp_path: Path) -> None:
    def listing(size: int) -> None:
        path = tmp_path / "sheets.json"
        path.write_bytes(costly.many_sheets(size))
        kit = cat.load(path)
        wanted = range(size - size // 10, size)
        assert len(cat.get_sheets(kit, wanted)) == size // 10

    _grows_linearly(listing, 2_000, 5.0)
