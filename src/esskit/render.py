"""Turn sheets into output: records for machines (JSON, JSON lines, CSV, TSV, plain lines) and Rich
renderables for people. Nothing here prints or reads the environment; Rich is imported only by the
functions that build renderables."""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Mapping, Sequence
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from pydantic_core import to_json as to_json_bytes

from esskit.models import CONTROL, Category, GlossaryEntry, Links, Sheet, UrlKind

if TYPE_CHECKING:
    from rich.console import RenderableType
    from rich.text import Text

    from esskit.search import Match

Record = dict[str, Any]


class Format(StrEnum):
    """Output formats: a table for people, the others for scripts."""

    TABLE = "table"
    JSON = "json"
    JSONL = "jsonl"
    CSV = "csv"
    TSV = "tsv"
    PLAIN = "plain"


class Lang(StrEnum):
    """Which titles a table shows."""

    FR = "fr"
    EN = "en"
    BOTH = "both"


SHEET_FIELDS = (
    "number",
    "category",
    "title_fr",
    "title_en",
    "url",
    "url_kind",
    "summary_fr",
    "keywords_fr",
    "keywords_en",
    "published",
    "links",
    "sources",
    "field_sources",
)
"""Every field of a sheet record, in output order."""

MATCH_FIELDS = ("score", "matched")
"""What a search adds to a sheet record."""

DEFAULT_COLUMNS = ("number", "category", "title_fr", "title_en", "url")
"""Fields of the row formats (CSV, TSV, plain) when --fields is not given."""

SEARCH_COLUMNS = ("number", "score", *DEFAULT_COLUMNS[1:])
"""The same for search results: the score after the number."""

NO_FRENCH_TITLE = "titre français inconnu · no known French title"

FRENCH_CATEGORIES = {
    Category.INTRO: "introduction",
    Category.LEVER: "levier",
    Category.THEMATIC: "thématique",
}
"""Each category's name in a French display (`--category` takes these names too)."""

CATEGORY_LABELS = {
    Category.INTRO: "Introduction",
    Category.LEVER: "Leviers · Levers",
    Category.THEMATIC: "Thématiques · Thematic",
}

# Anything that could drive a terminal (the characters validation refuses in titles): newline and
# tab included, since a table cell is one line.
_UNSAFE = re.compile(f"[{CONTROL}]")
_TSV_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


class UnknownField(ValueError):
    """A --fields name that is not a field of the output."""


def sheet_record(sheet: Sheet, url: str, url_kind: UrlKind) -> Record:
    """A sheet as a JSON-ready dict: every field, `title_fr` null when unknown, and its `url`."""
    return {
        "number": sheet.number,
        "category": sheet.category.value,
        "title_fr": sheet.title_fr,
        "title_en": sheet.title_en,
        "url": url,
        "url_kind": url_kind.value,
        "summary_fr": sheet.summary_fr,
        "keywords_fr": list(sheet.keywords_fr),
        "keywords_en": list(sheet.keywords_en),
        "published": sheet.published,
        "links": {name: getattr(sheet.links, name) for name in Links.__dataclass_fields__},
        "sources": list(sheet.sources),
        "field_sources": dict(sheet.field_sources),
    }


def match_record(match: Match, url: str, url_kind: UrlKind) -> Record:
    """A search result as a JSON-ready dict: the sheet's record with `score` and `matched`."""
    record = sheet_record(match.sheet, url, url_kind)
    record["score"] = match.score
    record["matched"] = {
        "field": match.matched.field.value,
        "lang": match.matched.lang,
        "text": match.matched.text,
        "note": match.matched.note,
    }
    return record


def parse_fields(spec: str | None, available: Sequence[str]) -> list[str] | None:
    """`number,title_fr,url` as a list, checked against `available`; None when not given."""
    if spec is None:
        return None
    names = [name.strip() for name in spec.split(",") if name.strip()]
    unknown = [name for name in names if name not in available]
    if unknown or not names:
        shown = ", ".join(repr(name) for name in unknown) or "none given"
        raise UnknownField(f"unknown field {shown}: choose from {', '.join(available)}")
    return names


def select(records: Iterable[Record], fields: Sequence[str] | None) -> list[Record]:
    """The records with only `fields`, in that order (all fields when None)."""
    if fields is None:
        return list(records)
    return [{name: record[name] for name in fields} for record in records]


def _flat(value: Any) -> str:
    """One cell of a row format: lists joined by `; `, mappings as compact JSON, null as empty."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return "; ".join(_flat(item) for item in value)
    if isinstance(value, Mapping):
        return _json(value)
    return str(value)


def _json(value: Any, indent: int | None = None) -> str:
    # pydantic-core's encoder is already loaded, and writes UTF-8 text as it is (no \u00e9)
    return to_json_bytes(value, indent=indent).decode("utf-8")


def to_json(records: Sequence[Record] | Record, *, pretty: bool = False) -> str:
    """JSON with UTF-8 text kept as it is: indented for a person, else on one line."""
    return _json(records, indent=2 if pretty else None) + "\n"


def to_jsonl(records: Sequence[Record]) -> str:
    """One compact JSON object a line."""
    return "".join(_json(record) + "\n" for record in records)


def to_csv(records: Sequence[Record], fields: Sequence[str]) -> str:
    """RFC 4180 CSV with a header: quotes, commas and newlines in values are quoted."""
    import csv

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(fields)
    writer.writerows([_flat(record.get(name)) for name in fields] for record in records)
    return buffer.getvalue()


def _tsv_row(record: Record, fields: Sequence[str]) -> str:
    return "\t".join(_flat(record.get(name)).translate(_TSV_ESCAPES) for name in fields) + "\n"


def to_tsv(records: Sequence[Record], fields: Sequence[str], *, header: bool = True) -> str:
    """Tab-separated rows; tabs, newlines and backslashes in values are escaped as `\\t`,
    `\\n`, `\\\\` so that a row is always one line. `header=False` gives the plain format."""
    head = "\t".join(fields) + "\n" if header else ""
    return head + "".join(_tsv_row(record, fields) for record in records)


def machine_output(
    records: Sequence[Record],
    fmt: Format,
    fields: Sequence[str] | None,
    *,
    single: bool = False,
    pretty: bool = False,
) -> str:
    """Records in a machine format; `single` prints one JSON object rather than an array, and
    `pretty` indents JSON."""
    chosen = select(records, fields)
    columns = list(fields) if fields is not None else list(DEFAULT_COLUMNS)
    if fmt is Format.JSON:
        return to_json(chosen[0] if single and chosen else chosen, pretty=pretty)
    if fmt is Format.JSONL:
        return to_jsonl(chosen)
    if fmt is Format.CSV:
        return to_csv(chosen, columns)
    return to_tsv(chosen, columns, header=fmt is Format.TSV)


def safe_text(value: str) -> Text:
    """Catalogue text as a Rich Text: never read as markup, control characters made visible."""
    from rich.text import Text

    return Text(_UNSAFE.sub("\N{REPLACEMENT CHARACTER}", value))


def _title_cell(
    text: str | None, spans: Sequence[tuple[int, int]] = (), missing: str | None = None
) -> Text:
    from rich.text import Text

    if text is None:
        return Text(missing or "—", style="dim italic")
    cell = safe_text(text)
    for start, end in spans:
        cell.stylize("bold reverse", start, end)
    return cell


def _titles(lang: Lang) -> list[str]:
    return {Lang.FR: ["title_fr"], Lang.EN: ["title_en"], Lang.BOTH: ["title_fr", "title_en"]}[lang]


def sheets_table(
    sheets: Sequence[Sheet],
    lang: Lang,
    matches: Sequence[Match] | None = None,
) -> RenderableType:
    """A table of sheets (or of search results, with their scores and highlighted words)."""
    from rich.table import Table

    table = Table(box=None, header_style="bold", pad_edge=False, expand=False)
    table.add_column("N°", justify="right", no_wrap=True)
    if matches is not None:
        table.add_column("Score", justify="right", no_wrap=True)
    table.add_column("Category", no_wrap=True)
    headers = {"title_fr": "Titre (fr)", "title_en": "Title (en)"}
    for key in _titles(lang):
        table.add_column(headers[key], ratio=1)
    if matches is not None:
        table.add_column("Matched", style="dim", no_wrap=True)
    rows = matches if matches is not None else [None] * len(sheets)
    for sheet, match in zip(sheets, rows, strict=True):
        cells: list[RenderableType] = [str(sheet.number)]
        if match is not None:
            cells.append(f"{match.score:g}")
        cells.append(sheet.category.value)
        for key in _titles(lang):
            spans = match.highlights.get(key, ()) if match is not None else ()
            if key == "title_fr" and sheet.title_fr is None and lang is Lang.FR:
                english = match.highlights.get("title_en", ()) if match is not None else ()
                cell = _title_cell(sheet.title_en, english)
                cell.append(" (en)", style="dim")
                cells.append(cell)
            else:
                cells.append(_title_cell(getattr(sheet, key), spans, NO_FRENCH_TITLE))
        if match is not None:
            cells.append(safe_text(_matched_label(match)))
        table.add_row(*cells)
    return table


def _matched_label(match: Match) -> str:
    """`title (fr)`, and how the query was read when search says so."""
    matched = match.matched
    where = matched.field.value + (f" ({matched.lang})" if matched.lang else "")
    return f"{where} · {matched.note}" if matched.note else where


def paragraphs(text: str) -> Text:
    """A text that may hold paragraph breaks, each line made safe on its own."""
    from rich.text import Text

    return Text("\n").join(safe_text(line) for line in text.splitlines())


def sheets_tree(sheets: Sequence[Sheet], kit_name: str, edition: int, lang: Lang) -> RenderableType:
    """The kit's structure: introduction, levers, thematic sheets."""
    from rich.text import Text
    from rich.tree import Tree

    tree = Tree(Text(f"{kit_name} ({edition})", style="bold"))
    for category in Category:
        members = [sheet for sheet in sheets if sheet.category is category]
        if not members:
            continue
        branch = tree.add(Text(CATEGORY_LABELS[category], style="bold"))
        for sheet in members:
            title = sheet.title_en if lang is Lang.EN else sheet.title
            label = Text(f"{sheet.number:>2}  ")
            label.append_text(safe_text(title))
            if lang is Lang.FR and sheet.title_fr is None:
                label.append(" (en)", style="dim")
            if lang is Lang.BOTH and sheet.title_fr:
                label.append_text(Text(" · ", style="dim"))
                label.append_text(safe_text(sheet.title_en).copy())
                label.stylize("dim", len(label) - len(sheet.title_en), len(label))
            branch.add(label)
    return tree


def sheet_panel(sheet: Sheet, url: str, url_kind: UrlKind) -> RenderableType:
    """Everything the catalogue knows about one sheet, for a person to read."""
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(ratio=1, overflow="fold")

    def row(label: str, *lines: str | Text | None) -> None:
        shown = [line if isinstance(line, Text) else safe_text(line) for line in lines if line]
        if shown:
            grid.add_row(label, Text("\n").join(shown))

    row("Category", CATEGORY_LABELS[sheet.category])
    row("Titre (fr)", sheet.title_fr or Text(NO_FRENCH_TITLE, style="dim italic"))
    row("Title (en)", sheet.title_en)
    row("Résumé (fr)", paragraphs(sheet.summary_fr) if sheet.summary_fr else None)
    row("Mots-clés (fr)", ", ".join(sheet.keywords_fr))
    row("Keywords (en)", ", ".join(sheet.keywords_en))
    row("Published", sheet.published)
    kinds = {
        UrlKind.SOCIOECO: "the sheet's socioeco.org page",
        UrlKind.CITEGO: "the sheet's citego.org page",
        UrlKind.SEARCH: "no page of its own is known: a socioeco.org search",
    }
    page = safe_text(url)
    page.stylize(f"link {url}")
    row("Page", page, Text(kinds[url_kind], style="dim"))
    row("socioeco.org", sheet.links.socioeco)
    row("citego.org", sheet.links.citego)
    row("rtes.fr", sheet.links.rtes)
    row("PDF", sheet.links.pdf)
    by_source: dict[str, list[str]] = {}
    for name, source in sheet.field_sources.items():
        by_source.setdefault(source, []).append(name)
    row(
        "Sources",
        *(
            f"{source} ({', '.join(by_source.get(source, []))})".replace(" ()", "")
            for source in sheet.sources
        ),
    )
    others = [source for source in by_source if source not in sheet.sources]
    row("", *(f"{source} ({', '.join(by_source[source])})" for source in others))
    title = Text(f"Fiche {sheet.number}", style="bold")
    return Panel(grid, title=title, title_align="left", expand=True)


def default_lang(env_lang: str | None) -> Lang:
    """The titles to show for a LANG value: French for fr_*, English for en_*, else both."""
    code = (env_lang or "").strip().lower()[:2]
    return {"fr": Lang.FR, "en": Lang.EN}.get(code, Lang.BOTH)


GLOSSARY_FIELDS = ("term", "fr", "en", "sheets")
"""Every field of a glossary record, in output order."""


def glossary_record(entry: GlossaryEntry) -> Record:
    """A glossary entry as a JSON-ready dict: `en` null when no English name exists."""
    return {"term": entry.term, "fr": entry.fr, "en": entry.en, "sheets": list(entry.sheets)}


def glossary_table(entries: Sequence[GlossaryEntry]) -> RenderableType:
    """The glossary for a person: each term, its expansions and the sheets it leads to."""
    from rich.table import Table

    table = Table(box=None, header_style="bold", pad_edge=False, expand=False)
    table.add_column("Sigle · Term", no_wrap=True, style="bold")
    table.add_column("Expansion", ratio=1)
    table.add_column("Sheets", no_wrap=True)
    for entry in entries:
        expansion = safe_text(entry.fr)
        if entry.en:
            expansion.append_text(safe_text(f" · {entry.en}"))
            expansion.stylize("dim", len(entry.fr))
        table.add_row(safe_text(entry.term), expansion, ", ".join(map(str, entry.sheets)))
    return table
