"""Build data/sheets.json from the verified reference file.

Usage: python scripts/build_catalogue.py [REFERENCE_JSON]

Every title, number, category, link, PDF name, date and source comes from the reference. The
only additions are search aids: `data/vocabulary.json` (the words practitioners use for each
sheet's subject, merged into its keywords) and `data/glossary.json` (the field's acronyms and
their official expansions, the catalogue's glossary). Fields the reference leaves null are left
out.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_REFERENCE = ROOT.parent / "shared" / "reference" / "municipaless-2020.json"
OUTPUT = ROOT / "data" / "sheets.json"
VOCABULARY = ROOT / "data" / "vocabulary.json"
GLOSSARY = ROOT / "data" / "glossary.json"

KIT = {
    "name": "Kit MunicipalESS",
    "publisher": "RTES",
    "edition": 2020,
    "language": "fr",
    "sources": [
        "https://ripess.eu/en/resources-from-october-2020-in-collaboration-with-socioeco-org/",
        "https://www.rtes.fr/kit-municipaless",
    ],
}

# Reference field names that become keys under `links` in the catalogue.
LINK_FIELDS = {
    "socioeco_url": "socioeco",
    "citego_url": "citego",
    "rtes_url": "rtes",
    "pdf_name": "pdf",
}


def _merge(known: list[str], extra: list[str]) -> list[str]:
    """Known keywords first, then the extra ones not already there (compared case-blind)."""
    seen = {word.casefold() for word in known}
    return known + [word for word in extra if word.casefold() not in seen]


KEYWORD_LANGUAGES = ("fr", "en", "es", "it", "pt", "de")
NEWER_EDITION = 2026
"""The edition of the kit that the reference's `newer_edition` entries belong to."""


def vocabulary() -> dict[int, dict[str, list[str]]]:
    """Each sheet's search words from data/vocabulary.json: `keywords_fr`... for the words of its
    subject in each language, `related_fr`, `related_en` for words only near it."""
    data = json.loads(VOCABULARY.read_text(encoding="utf-8"))
    found: dict[int, dict[str, list[str]]] = {}
    for sheet in data["sheets"]:
        words = {f"keywords_{lang}": sheet.get(lang, []) for lang in KEYWORD_LANGUAGES}
        for lang, related in sheet.get("related", {}).items():
            words[f"related_{lang}"] = related
        found[sheet["number"]] = words
    return found


def newer_edition(entry: dict[str, Any]) -> dict[str, Any] | None:
    """The sheet's counterpart in the 2026 edition, as far as the reference knows it."""
    newer = entry.get("newer_edition")
    if not newer:
        return None
    counterpart = {"edition": NEWER_EDITION, "number": newer["number"]}
    if newer.get("title_fr"):
        counterpart["title_fr"] = newer["title_fr"]
    if newer.get("rtes_url"):
        counterpart["page"] = newer["rtes_url"]
    return counterpart


def glossary() -> list[dict[str, Any]]:
    """The glossary entries of data/glossary.json, sorted by term."""
    data = json.loads(GLOSSARY.read_text(encoding="utf-8"))
    return sorted(data["entries"], key=lambda entry: (entry["term"].casefold(), entry["fr"]))


def build_sheet(entry: dict[str, Any], words: dict[int, dict[str, list[str]]]) -> dict[str, Any]:
    """One catalogue sheet from one reference entry and its search words."""
    number = entry["number"]
    extra = words.get(number, {})
    sheet: dict[str, Any] = {"number": number, "category": entry["category"]}
    for key in ("title_fr", "title_en", "summary_fr", "published"):
        if entry.get(key) is not None:
            sheet[key] = entry[key]
    for lang in KEYWORD_LANGUAGES:
        key = f"keywords_{lang}"
        merged = _merge(entry.get(key) or [], extra.get(key, []))
        if merged:
            sheet[key] = merged
    for key in ("related_fr", "related_en"):
        if extra.get(key):
            sheet[key] = extra[key]
    newer = newer_edition(entry)
    if newer is not None:
        sheet["newer_edition"] = newer
    links = {
        name: entry[field] for field, name in LINK_FIELDS.items() if entry.get(field) is not None
    }
    if links:
        sheet["links"] = links
    sheet["sources"] = entry.get("sources") or []
    sheet["field_sources"] = {
        f"links.{LINK_FIELDS[key]}" if key in LINK_FIELDS else key: url
        for key, url in (entry.get("field_sources") or {}).items()
    }
    seen = entry.get("newer_edition") or {}
    if seen.get("rtes_url") or seen.get("seen_on"):
        sheet["field_sources"]["newer_edition"] = seen.get("rtes_url") or seen["seen_on"]
    return sheet


def build(reference: Path) -> dict[str, Any]:
    """The whole catalogue, sheets in number order."""
    entries = json.loads(reference.read_text(encoding="utf-8"))
    words = vocabulary()
    sheets = [build_sheet(entry, words) for entry in sorted(entries, key=lambda e: e["number"])]
    return {"kit": KIT, "sheets": sheets, "glossary": glossary()}


def main() -> None:
    """Write data/sheets.json."""
    reference = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_REFERENCE
    catalogue = build(reference)
    OUTPUT.write_text(json.dumps(catalogue, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {len(catalogue['sheets'])} sheets to {OUTPUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
