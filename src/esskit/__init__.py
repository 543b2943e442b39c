"""esskit: find your way through the RTES Kit MunicipalESS (2020) from the command line."""

from esskit.catalogue import CatalogueError, SheetNotFound, get_sheet, load, sheet_url
from esskit.models import Catalogue, Category, Sheet
from esskit.search import find, fold

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
