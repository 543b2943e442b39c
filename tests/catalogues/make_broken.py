"""Write the corpus of broken catalogues (one file per problem) and expected.json.

Run from this folder: python make_broken.py. Each file holds one problem; expected.json maps each
file to the message fragment esskit must print for it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent / "broken"
KIT = {"name": "Kit", "publisher": "RTES", "edition": 2020, "language": "fr"}
SHEET: dict[str, Any] = {
    "number": 1,
    "category": "lever",
    "title_en": "A sheet",
    "links": {"citego": "https://citego.org/coretet-1.html"},
}


def sheet(**changes: Any) -> dict[str, Any]:
    out = {**SHEET, **changes}
    return {key: value for key, value in out.items() if value is not None}


def links(**changes: Any) -> dict[str, Any]:
    return sheet(links={**SHEET["links"], **changes})


def catalogue(*sheets: dict[str, Any], **kit: Any) -> dict[str, Any]:
    return {"kit": {**KIT, **kit}, "sheets": list(sheets)}


JSON_CASES: dict[str, tuple[Any, str]] = {
    "top-level-array": ([], "expected a JSON object"),
    "top-level-string": ("sheets", "expected a JSON object"),
    "missing-kit": ({"sheets": [SHEET]}, "kit: missing field"),
    "missing-sheets": ({"kit": KIT}, "sheets: missing field"),
    "sheets-not-array": ({"kit": KIT, "sheets": {"1": SHEET}}, "sheets: expected a JSON array"),
    "no-sheets": (catalogue(), "sheets: needs at least 1 item"),
    "unknown-top-field": ({**catalogue(SHEET), "extra": 1}, "extra: unknown field"),
    "unknown-sheet-field": (catalogue(sheet(colour="red")), "sheets[0].colour: unknown field"),
    "missing-title": (catalogue(sheet(title_en=None)), "sheets[0].title_en: missing field"),
    "missing-number": (catalogue(sheet(number=None)), "sheets[0].number: missing field"),
    "duplicate-number": (catalogue(SHEET, sheet(title_en="B")), "sheet number 1 is used twice"),
    "negative-number": (catalogue(sheet(number=-1)), "sheets[0].number: must be 0 or more"),
    "huge-number": (catalogue(sheet(number=10**30)), "sheets[0].number: must be 999999999 or less"),
    "string-number": (catalogue(sheet(number="1")), "sheets[0].number: expected a whole number"),
    "float-number": (catalogue(sheet(number=1.5)), "sheets[0].number: expected a whole number"),
    "unknown-category": (
        catalogue(sheet(category="levr")),
        "sheets[0].category: unknown value 'levr'",
    ),
    "empty-title": (catalogue(sheet(title_en="")), "sheets[0].title_en: empty text"),
    "blank-title": (catalogue(sheet(title_en="   ")), "sheets[0].title_en: empty text"),
    "escape-in-title": (
        catalogue(sheet(title_en="x\x1b[2Jy")),
        "control or invisible character (U+001B)",
    ),
    "nul-in-title": (
        catalogue(sheet(title_en="x\x00y")),
        "control or invisible character (U+0000)",
    ),
    "newline-in-title": (
        catalogue(sheet(title_en="x\ny")),
        "control or invisible character (U+000A)",
    ),
    "bidi-in-keyword": (
        catalogue(sheet(keywords_fr=["a\u202eb"])),
        "sheets[0].keywords_fr[0]: text holds a control or invisible character (U+202E)",
    ),
    "c1-in-summary": (
        catalogue(sheet(summary_fr="a\x9bb")),
        "control or invisible character (U+009B)",
    ),
    "long-title": (catalogue(sheet(title_en="x" * 501)), "text is too long"),
    "http-link": (
        catalogue(links(citego="http://citego.org/x")),
        "sheets[0].links.citego: link must use https",
    ),
    "foreign-host": (
        catalogue(links(socioeco="https://evil.example/x")),
        "not one the kit lives on",
    ),
    "lookalike-host": (
        catalogue(links(citego="https://citego.org.evil.example/")),
        "not one the kit lives on",
    ),
    "userinfo-host": (
        catalogue(links(citego="https://citego.org@evil.example/")),
        "absolute https URL",
    ),
    "javascript-link": (
        catalogue(links(rtes="javascript:alert(1)")),
        "sheets[0].links.rtes: link must be an absolute https URL",
    ),
    "file-link": (catalogue(links(citego="file:///etc/passwd")), "absolute https URL"),
    "data-link": (catalogue(links(citego="data:text/html,hi")), "absolute https URL"),
    "option-link": (catalogue(links(citego="--new-window")), "absolute https URL"),
    "space-in-link": (catalogue(links(citego="https://citego.org/a b")), "absolute https URL"),
    "unknown-link": (
        catalogue(links(mirror="https://citego.org/")),
        "sheets[0].links.mirror: unknown field",
    ),
    "pdf-path": (
        catalogue(links(pdf="../../etc/passwd.pdf")),
        "PDF name must be a plain file name",
    ),
    "bad-date": (catalogue(sheet(published="2020-13")), "date must be a year and month"),
    "source-not-https": (
        catalogue(sheet(sources=["ftp://x.org/"])),
        "source must be an absolute https URL",
    ),
    "field-source-key": (
        catalogue(sheet(field_sources={"colour": "https://x.org/"})),
        "field_sources.colour: unknown key",
    ),
    "search-host-link": (
        catalogue(links(citego="https://duckduckgo.com/l/?uddg=https%3A%2F%2Fevil.example%2F")),
        "sheets[0].links.citego: link host is not one the kit lives on",
    ),
    "line-separator-in-title": (
        catalogue(sheet(title_en="one\u2028two")),
        "sheets[0].title_en: text holds a control or invisible character (U+2028)",
    ),
    "paragraph-separator-in-title": (catalogue(sheet(title_fr="a\u2029b")), "(U+2029)"),
    "zero-width-in-title": (catalogue(sheet(title_en="a\u200bb")), "(U+200B)"),
    "direction-mark-in-keyword": (catalogue(sheet(keywords_en=["a\u200fb"])), "(U+200F)"),
    "escape-in-key": (
        catalogue(sheet(links={"\x1b]0;PWNED\x07": "x"})),
        "sheets[0].links.\\x1b]0;PWNED\\x07: unknown field",
    ),
    "long-key": (
        {**catalogue(SHEET), "k" * 5_000: 1},
        "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk...: unknown field",
    ),
    "glossary-unknown-sheet": (
        {**catalogue(SHEET), "glossary": [{"term": "SCIC", "fr": "Société", "sheets": [1, 99]}]},
        "glossary[0].sheets[1]: no sheet number 99 in the catalogue",
    ),
    "kit-edition-text": (catalogue(SHEET, edition="2020"), "kit.edition: expected a whole number"),
    "keywords-not-list": (
        catalogue(sheet(keywords_en="land")),
        "sheets[0].keywords_en: expected a JSON array",
    ),
}

RAW_CASES: dict[str, tuple[bytes, str]] = {
    "empty": (b"", "is empty"),
    "whitespace": (b"  \n\t\n", "is empty"),
    "latin1": ('{"kit": "Économie"}'.encode("latin-1"), "is not UTF-8"),
    "truncated": (b'{"kit": {"name": ', "not valid JSON"),
    "trailing-comma": (b'{"kit": {}, }', "not valid JSON"),
    "deep-nesting": (b"[" * 100_000 + b"]" * 100_000, "not valid JSON"),
    "nan": (b'{"kit": NaN}', "kit: expected a JSON object"),
    "duplicate-key": (
        json.dumps(catalogue(SHEET)).replace('"title_en"', '"title_en": "B", "title_en"').encode(),
        "sheets[0].title_en: given twice",
    ),
    "duplicate-top-key": (
        b'{"kit": {}, ' + json.dumps(catalogue(SHEET))[1:].encode(),
        "kit: given twice",
    ),
    "huge-integer": (
        json.dumps(catalogue(sheet(number=0)))
        .replace('"number": 0', '"number": ' + "9" * 5000)
        .encode(),
        "a number too long to be read at line 1 column",
    ),
    "lone-surrogate": (
        json.dumps(catalogue(sheet(title_en="TITLE"))).replace("TITLE", "\\ud800").encode(),
        "a \\u escape at line 1 column",
    ),
}


def main() -> None:
    HERE.mkdir(exist_ok=True)
    expected = {}
    for name, (data, fragment) in JSON_CASES.items():
        (HERE / f"{name}.json").write_text(json.dumps(data, ensure_ascii=False), "utf-8")
        expected[f"{name}.json"] = fragment
    for name, (raw, fragment) in RAW_CASES.items():
        (HERE / f"{name}.json").write_bytes(raw)
        expected[f"{name}.json"] = fragment
    (HERE.parent / "expected.json").write_text(
        json.dumps(expected, indent=1, ensure_ascii=False) + "\n", "utf-8"
    )


if __name__ == "__main__":
    main()
