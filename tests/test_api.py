"""`import esskit`: the public API a script uses, loaded on first use."""

from __future__ import annotations

import doctest
import subprocess
import sys

import pytest

import esskit


@pytest.mark.parametrize("name", esskit.__all__)
def test_every_public_name_resolves(name: str) -> None:
    assert getattr(esskit, name) is not None
    assert name in dir(esskit)


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nosuch'"):
        esskit.nosuch  # noqa: B018


def test_public_errors_are_exceptions_with_one_line_messages() -> None:
    kit = esskit.load()
    with pytest.raises(esskit.SheetNotFound) as caught:
        esskit.get_sheet(kit, 99)
    assert "\n" not in str(caught.value)
    with pytest.raises(esskit.EmptyQuery):
        esskit.find(kit.sheets, "  ")
    with pytest.raises(esskit.UnknownCategory):
        esskit.parse_category("nosuch")
    with pytest.raises(esskit.CatalogueError):
        esskit.load("/nonexistent/catalogue.json")


def test_importing_esskit_loads_no_heavy_module() -> None:
    code = (
        "import sys, esskit; "
        "print(sorted(m for m in ('pydantic', 'rich', 'rapidfuzz', 'typer', 'esskit.search') "
        "if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "[]"


def test_the_module_docstring_example_runs() -> None:
    failures, tried = doctest.testmod(esskit, report=True)
    assert tried > 0 and failures == 0
