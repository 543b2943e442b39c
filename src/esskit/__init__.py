"""esskit: find your way through the RTES Kit MunicipalESS (2020) from the command line.

The public API is loaded on first use, so that `import esskit` (and every command's start-up)
pays only for what it needs.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from esskit.catalogue import CatalogueError, SheetNotFound, get_sheet, load, sheet_url
    from esskit.models import Catalogue, Category, Sheet
    from esskit.search import find, fold

_EXPORTS = {
    "Catalogue": "esskit.models",
    "Category": "esskit.models",
    "Sheet": "esskit.models",
    "CatalogueError": "esskit.catalogue",
    "SheetNotFound": "esskit.catalogue",
    "get_sheet": "esskit.catalogue",
    "load": "esskit.catalogue",
    "sheet_url": "esskit.catalogue",
    "find": "esskit.search",
    "fold": "esskit.search",
}

__all__ = [
    "Catalogue",
    "CatalogueError",
    "Category",
    "Sheet",
    "SheetNotFound",
    "find",
    "fold",
    "get_sheet",
    "load",
    "sheet_url",
]


def __getattr__(name: str) -> Any:
    """Import a public name's module when the name is first used."""
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'esskit' has no attribute {name!r}")
