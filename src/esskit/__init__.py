"""esskit: find your way through the RTES Kit MunicipalESS (2020), from the command line or Python.

    >>> import esskit
    >>> kit = esskit.load()                 # the packaged catalogue, or load("file.json")
    >>> best = esskit.find(kit.sheets, "foncier", glossary=kit.glossary)[0]
    >>> esskit.get_sheet(kit, best.sheet.number).title
    'L’accès au foncier des acteurs de l’économie sociale et solidaire'

The public API is loaded on first use, so that `import esskit` (and every command's start-up)
pays only for what it needs.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from esskit.analysis import fold
    from esskit.catalogue import (
        CatalogueError,
        Policy,
        SheetNotFound,
        UnknownCategory,
        UnsafeUrl,
        check,
        get_sheet,
        load,
        parse_category,
        sheet_url,
    )
    from esskit.models import Catalogue, Category, GlossaryEntry, Kit, Links, Sheet, UrlKind
    from esskit.search import (
        EmptyQuery,
        Field,
        Match,
        Matched,
        QueryError,
        QueryTooLong,
        Tier,
        find,
        look_up,
    )

_EXPORTS = {
    # reading a catalogue
    "load": "esskit.catalogue",
    "check": "esskit.catalogue",
    "get_sheet": "esskit.catalogue",
    "parse_category": "esskit.catalogue",
    "sheet_url": "esskit.catalogue",
    "Policy": "esskit.catalogue",
    # searching it
    "find": "esskit.search",
    "look_up": "esskit.search",
    "fold": "esskit.analysis",
    # errors
    "CatalogueError": "esskit.catalogue",
    "SheetNotFound": "esskit.catalogue",
    "UnknownCategory": "esskit.catalogue",
    "UnsafeUrl": "esskit.catalogue",
    "QueryError": "esskit.search",
    "EmptyQuery": "esskit.search",
    "QueryTooLong": "esskit.search",
    # what they return
    "Catalogue": "esskit.models",
    "Category": "esskit.models",
    "GlossaryEntry": "esskit.models",
    "Kit": "esskit.models",
    "Links": "esskit.models",
    "Sheet": "esskit.models",
    "UrlKind": "esskit.models",
    "Field": "esskit.search",
    "Match": "esskit.search",
    "Matched": "esskit.search",
    "Tier": "esskit.search",
}

__all__ = [
    "Catalogue",
    "CatalogueError",
    "Category",
    "EmptyQuery",
    "Field",
    "GlossaryEntry",
    "Kit",
    "Links",
    "Match",
    "Matched",
    "Policy",
    "QueryError",
    "QueryTooLong",
    "Sheet",
    "SheetNotFound",
    "Tier",
    "UnknownCategory",
    "UnsafeUrl",
    "UrlKind",
    "check",
    "find",
    "fold",
    "get_sheet",
    "load",
    "look_up",
    "parse_category",
    "sheet_url",
]


def __getattr__(name: str) -> Any:
    """Import a public name's module when the name is first used."""
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'esskit' has no attribute {name!r}")


def __dir__() -> list[str]:
    """The public names, for `dir(esskit)` and completion in an interactive session."""
    return sorted({*globals(), *__all__})
