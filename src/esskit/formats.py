"""Records for machines (JSON, JSON lines, CSV, TSV, plain lines) and documents for people
(Markdown, HTML, a spreadsheet file), with the words people read in them. Nothing here prints or
reads the environment."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from esskit.catalogue import FRENCH_CATEGORIES
from esskit.models import CONTROL, Category, GlossaryEntry, Links, Sheet, UrlKind

if TYPE_CHECKING:
    from esskit.search import Match


Record = dict[str, Any]


class Format(StrEnum):
    """Output formats: a table, Markdown, HTML and a spreadsheet file for people, the others for
    scripts."""

    TABLE = "table"
    JSON = "json"
    JSONL = "jsonl"
    CSV = "csv"
    TSV = "tsv"
    PLAIN = "plain"
    MARKDOWN = "markdown"
    HTML = "html"
    SPREADSHEET = "spreadsheet"


class Lang(StrEnum):
    """Which titles a table shows; as a display language, FR shows French labels and the others
    English ones."""

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

PEOPLE_FORMATS = (Format.MARKDOWN, Format.HTML)
"""Formats for documents: their columns follow --lang, like a table's."""

NNBSP = "\N{NARROW NO-BREAK SPACE}"

_HEADINGS = {
    "number": ("N°", "N°"),
    "category": ("Category", "Catégorie"),
    "title_fr": ("Titre (fr)", "Titre (fr)"),
    "title_en": ("Title (en)", "Titre (en)"),
    "url": ("Page", "Page"),
    "url_kind": ("Page kind", "Type de page"),
    "summary_fr": ("Summary (fr)", "Résumé"),
    "keywords_fr": ("Keywords (fr)", "Mots-clés (fr)"),
    "keywords_en": ("Keywords (en)", "Mots-clés (en)"),
    "published": ("Published", "Publication"),
    "links": ("Links", "Liens"),
    "sources": ("Sources", "Sources"),
    "field_sources": ("Field sources", "Sources par champ"),
    "score": ("Score", "Score"),
    "matched": ("Matched", "Trouvé dans"),
    "term": ("Term", "Sigle"),
    "fr": ("French", "Français"),
    "en": ("English", "Anglais"),
    "sheets": ("Sheets", "Fiches"),
}
"""A field's heading for people, in English and in French (the field's name when not here)."""

_WORDS = {
    "sheet": ("Sheet", "Fiche"),
    "more_keywords": (
        "and {} more (--json lists them all)",
        "et {} autres (--json les donne tous)",
    ),
    "page_socioeco": ("the sheet's socioeco.org page", "la page de la fiche sur socioeco.org"),
    "page_citego": ("the sheet's citego.org page", "la page de la fiche sur citego.org"),
    "page_search": (
        "no page of its own is known: a socioeco.org search",
        f"pas de page propre connue{NNBSP}: une recherche sur socioeco.org",
    ),
    "title": ("title", "titre"),
    "keywords": ("keywords", "mots-clés"),
    "glossary": ("glossary", "glossaire"),
    "summary": ("summary", "résumé"),
    "number": ("number", "numéro"),
    "intro": ("Introduction", "Introduction"),
    "lever": ("Levers", "Leviers"),
    "thematic": ("Thematic sheets", "Thématiques"),
}
"""The other words a display uses, in English and in French."""

# Regular expressions are kept as strings, compiled by `re` (and cached there) on first use:
# compiling them at import would cost every command, though few commands use each.
# Anything that could drive a terminal (the characters validation refuses in titles): newline and
# tab included, since a table cell is one line.
_UNSAFE = f"[{CONTROL}]"
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
    if not names:
        raise UnknownField(f"no field given: choose from {', '.join(available)}")
    if unknown:
        shown = ", ".join(repr(name) for name in unknown)
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
    """JSON that writes text as it is (é, not \\u00e9): compact, or indented by `indent`."""
    separators = (",", ": ") if indent else (",", ":")
    return json.dumps(value, ensure_ascii=False, indent=indent, separators=separators)


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


def say(key: str, display: Lang) -> str:
    return _WORDS[key][display is Lang.FR]


SHOWN_KEYWORDS = 12
"""Keywords a panel shows in each language: the kit's vocabulary gives some sheets seventy."""


def some_keywords(keywords: Sequence[str], display: Lang) -> str:
    """The first keywords, and how many more there are."""
    shown = ", ".join(keywords[:SHOWN_KEYWORDS])
    more = len(keywords) - SHOWN_KEYWORDS
    return f"{shown}, {say('more_keywords', display).format(more)}" if more > 0 else shown


def matched_label(field: str, lang: str | None, note: str | None, display: Lang) -> str:
    """`title (fr)` (`titre (fr)` in French), and how the query was read when search says so."""
    name = say(field, display) if field in _WORDS else field
    where = name + (f" ({lang})" if lang else "")
    return f"{where} · {note}" if note else where


def heading(field: str, display: Lang) -> str:
    """A field's heading for people in the display language (`title_fr` → `Titre (fr)`)."""
    return _HEADINGS.get(field, (field, field))[display is Lang.FR]


def category_name(category: Category, display: Lang) -> str:
    """`lever` in English, `levier` in French."""
    return FRENCH_CATEGORIES[category] if display is Lang.FR else category.value


_BEFORE_HIGH_PUNCTUATION = r"(?<=\S)[ \u00a0](?=[?!:;]+(?:\s|$))"


def french_typography(text: str) -> str:
    """French text with a narrow no-break space before `? ! : ;` where it has a space (the
    same length, so that highlighted spans stay in place)."""
    return re.sub(_BEFORE_HIGH_PUNCTUATION, NNBSP, text)


_CATEGORY_VALUES = frozenset(category.value for category in Category)


NO_TITLE = "—"
"""What a French title's own cell or line shows when that title is unknown and the English title
is shown beside it (where the French title stands alone, the English one takes its place)."""


def _people_value(
    record: Record, name: str, display: Lang, *, mark_english: bool = True, document: bool = True
) -> Any:
    """A field as people read it: category names in the display language; an unknown French
    title as the English one marked `(en)` with `mark_english` (no English title beside it), else
    as NO_TITLE; in a `document` (not a spreadsheet, whose cells stay the data), French
    typography in French titles."""
    value = record.get(name)
    if name == "category" and isinstance(value, str) and value in _CATEGORY_VALUES:
        return category_name(Category(value), display)
    if name == "title_fr" and value is None:
        english = record.get("title_en")
        return f"{english} (en)" if mark_english and english else NO_TITLE
    if name == "title_fr" and document:
        return french_typography(value) if isinstance(value, str) else value
    if name == "matched" and isinstance(value, Mapping):
        field = str(value.get("field"))
        return matched_label(field, value.get("lang"), value.get("note"), display)
    return value


def _decimal_mark(display: Lang) -> str:
    """The decimal mark people read in the display language: `49,9` in French, `49.9` else."""
    return "," if display is Lang.FR else "."


def score_text(score: float, display: Lang) -> str:
    """A score as people read it in the display language (`49,9` in French)."""
    return f"{score:g}".replace(".", _decimal_mark(display))


def _people_text(value: Any, decimal: str = ".") -> str:
    """One cell for people: lists joined by `, `, mappings as compact JSON, null as empty."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(_people_text(item, decimal) for item in value)
    if isinstance(value, Mapping):
        return _json(value)
    if isinstance(value, float):
        return f"{value:g}".replace(".", decimal)
    return str(value)


def _no_english_column(fields: Sequence[str]) -> bool:
    """Whether the English title has no column of its own (then it takes the place of a missing
    French title, marked `(en)`; else the French title's cell shows NO_TITLE)."""
    return "title_en" not in fields


# A spreadsheet runs a cell that starts with one of these as a formula (OWASP's list).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: str) -> str:
    """A cell a spreadsheet would run as a formula, made text with a leading apostrophe."""
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


def to_spreadsheet(records: Sequence[Record], fields: Sequence[str], display: Lang) -> str:
    """CSV that French Excel and LibreOffice open right by double-click: UTF-8 with a byte-order
    mark, `;` between cells, CRLF, decimal commas, headings and category names for people, and
    every cell that a spreadsheet would run as a formula neutralised."""
    import csv

    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([heading(name, display) for name in fields])
    mark = _no_english_column(fields)
    for record in records:
        values = (
            _people_value(record, name, display, mark_english=mark, document=False)
            for name in fields
        )
        # decimal commas in every display language: the file is for spreadsheets set to French
        writer.writerow([neutralise(_people_text(value, ",")) for value in values])
    return "\ufeff" + buffer.getvalue()


_NUMERIC = frozenset({"number", "score"})
"""The fields that hold a number: right-aligned in Markdown and HTML tables, as in a table."""

_MARKDOWN_SPECIAL = r"([\\`*_\[\]<>|])|&(?=#?\w+;)"


def _md(text: str) -> str:
    """Text that Markdown shows as written, on one line."""
    escaped = re.sub(_MARKDOWN_SPECIAL, lambda m: "\\" + m.group(0), text)
    return _one_line(escaped)


def _md_cell(name: str, value: Any, display: Lang) -> str:
    text = _people_text(value, _decimal_mark(display))
    if name == "url" and text.startswith(("https://", "http://")) and not set("<> ") & set(text):
        return f"<{text}>"
    return _md(text)


def to_markdown(records: Sequence[Record], fields: Sequence[str], display: Lang) -> str:
    """A Markdown table (GitHub's and CommonMark's pipe tables) to paste into a document."""
    mark = _no_english_column(fields)
    head = [_md(heading(name, display)) for name in fields]
    rule = ["---:" if name in _NUMERIC else "---" for name in fields]
    lines = ["| " + " | ".join(head) + " |", "| " + " | ".join(rule) + " |"]
    for record in records:
        cells = [
            _md_cell(n, _people_value(record, n, display, mark_english=mark), display)
            for n in fields
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _section_title(record: Record, lang: Lang, display: Lang) -> tuple[str, str, str]:
    """`Fiche 8`, `Économie sociale …` and `fr`: a sheet's number, its title in the language
    asked (the English one marked `(en)` where the French one is unknown) and that language."""
    name = f"{say('sheet', display)} {record.get('number')}"
    if lang is Lang.EN or not record.get("title_fr"):
        title = str(record.get("title_en") or "")
        return name, title + ("" if lang is Lang.EN else " (en)"), "en"
    return name, french_typography(str(record["title_fr"])), "fr"


def section_fields(lang: Lang) -> list[str]:
    """What a sheet's section shows under its title when --fields is not given."""
    other = {Lang.FR: [], Lang.EN: [], Lang.BOTH: ["title_en"]}[lang]
    return ["category", *other, "url", "summary_fr"]


def to_markdown_sections(
    records: Sequence[Record], fields: Sequence[str], lang: Lang, display: Lang
) -> str:
    """A Markdown section per sheet: its number and title, then a line per field, the summary as
    paragraphs."""
    colon = f"{NNBSP}:" if display is Lang.FR else ":"
    parts = []
    for record in records:
        name, title, _ = _section_title(record, lang, display)
        lines = [f"## {_md(name)} · {_md(title)}", ""]
        for name in fields:
            value = _people_value(record, name, display, mark_english=False)
            if name == "summary_fr" and value:
                lines += ["", *(_md_paragraph(p) + "\n" for p in _paragraph_list(str(value)))]
            elif value not in (None, "", [], {}):
                lines.append(
                    f"- **{_md(heading(name, display))}**{colon} {_md_cell(name, value, display)}"
                )
        parts.append("\n".join(lines).rstrip("\n") + "\n")
    return "\n".join(parts)


def _one_line(text: str) -> str:
    """Line breaks and the spaces around them as one space (no-break spaces are kept)."""
    return re.sub(r"[ \t]*[\r\n]+[ \t]*", " ", text).strip(" \t")


def _paragraph_list(text: str) -> list[str]:
    return [_one_line(block) for block in re.split(r"\n[ \t]*\n", text) if block.strip()]


_MARKDOWN_BLOCK_START = r"^(#|[-+]\s|\d+[.)]\s|>|=+\s*$)"


def _md_paragraph(text: str) -> str:
    escaped = _md(text)
    return "\\" + escaped if re.match(_MARKDOWN_BLOCK_START, escaped) else escaped


_HTML_STYLE = (
    "body{font-family:system-ui,sans-serif;line-height:1.4;margin:2rem;color:#111;background:#fff}"
    "table{border-collapse:collapse;margin:1rem 0}"
    "th,td{border:1px solid #888;padding:.3rem .6rem;text-align:left;vertical-align:top}"
    "thead th{background:#eee}.number{text-align:right}a{color:#0645ad;overflow-wrap:anywhere}"
    "@media print{body{margin:0}a{color:inherit}section{break-inside:avoid}}"
)


def _h(text: str) -> str:
    """Text for an HTML page: shown as written, never read as markup."""
    from html import escape

    return escape(text, quote=False)


def _css(name: str) -> str:
    """The class of a field's cells and heading: numbers are right-aligned."""
    return ' class="number"' if name in _NUMERIC else ""


def _html_cell(name: str, value: Any, display: Lang, lang_of: str | None = None) -> str:
    from html import escape

    text = _people_text(value, _decimal_mark(display))
    where = f' lang="{lang_of}"' if lang_of and text not in ("", NO_TITLE) else ""
    css = _css(name)
    if name == "url" and text.startswith(("https://", "http://")):
        return f'<td{css}{where}><a href="{escape(text)}">{_h(text)}</a></td>'
    return f"<td{css}{where}>{_h(text)}</td>"


def _cell_lang(record: Record, name: str) -> str | None:
    """The language of a cell's text, for screen readers: titles and keywords say theirs."""
    if name in ("title_fr", "summary_fr", "keywords_fr"):
        return "fr" if record.get(name) is not None else "en"
    return "en" if name in ("title_en", "keywords_en") else None


def _html_page(title: str, body: list[str], display: Lang) -> str:
    return "\n".join(
        [
            "<!DOCTYPE html>",
            f'<html lang="{"fr" if display is Lang.FR else "en"}">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{_h(title)}</title>",
            f"<style>{_HTML_STYLE}</style>",
            "</head>",
            "<body>",
            "<main>",
            f"<h1>{_h(title)}</h1>",
            *body,
            "</main>",
            "</body>",
            "</html>",
            "",
        ]
    )


def to_html(records: Sequence[Record], fields: Sequence[str], display: Lang, title: str) -> str:
    """A standalone, printable HTML page holding a table of the records: UTF-8, no external
    assets, every value escaped, links that work."""

    mark = _no_english_column(fields)
    head = "".join(
        f'<th scope="col"{_css(name)}>{_h(heading(name, display))}</th>' for name in fields
    )
    rows = [
        "<tr>"
        + "".join(
            _html_cell(
                name,
                _people_value(record, name, display, mark_english=mark),
                display,
                _cell_lang(record, name),
            )
            for name in fields
        )
        + "</tr>"
        for record in records
    ]
    table = ["<table>", f"<thead><tr>{head}</tr></thead>", "<tbody>", *rows, "</tbody>", "</table>"]
    return _html_page(title, table, display)


def to_html_sections(
    records: Sequence[Record], fields: Sequence[str], lang: Lang, display: Lang, title: str
) -> str:
    """A standalone HTML page with a section per sheet: its title, then a table of its fields,
    the summary as paragraphs."""
    from html import escape

    body = []
    for record in records:
        anchor = f"sheet-{escape(str(record.get('number')))}"
        name, sheet_title, title_lang = _section_title(record, lang, display)
        shown = f'{_h(name)} · <span lang="{title_lang}">{_h(sheet_title)}</span>'
        body += [f'<section aria-labelledby="{anchor}">', f'<h2 id="{anchor}">{shown}</h2>']
        body.append("<table><tbody>")
        for field in fields:
            value = _people_value(record, field, display, mark_english=False)
            if value in (None, "", [], {}):
                continue
            label = f'<th scope="row">{_h(heading(field, display))}</th>'
            if field == "summary_fr":
                paras = "".join(f"<p>{_h(p)}</p>" for p in _paragraph_list(str(value)))
                body.append(f'<tr>{label}<td lang="fr">{paras}</td></tr>')
            else:
                cell = _html_cell(field, value, display, _cell_lang(record, field))
                body.append(f"<tr>{label}{cell}</tr>")
        body += ["</tbody></table>", "</section>"]
    return _html_page(title, body, display)


def machine_output(
    records: Sequence[Record],
    fmt: Format,
    fields: Sequence[str] | None,
    *,
    columns: Sequence[str] = DEFAULT_COLUMNS,
    single: bool = False,
    pretty: bool = False,
    display: Lang = Lang.EN,
    title: str = "",
) -> str:
    """Records in any format but the table, generic over their fields: `fields` (or else
    `columns`) are the columns of the row formats, Markdown, HTML and the spreadsheet, in the
    display language for the last three; `single` prints one JSON object rather than an array,
    `pretty` indents JSON; `title` heads an HTML page."""
    chosen = list(fields) if fields is not None else list(columns)
    if fmt is Format.MARKDOWN:
        return to_markdown(records, chosen, display)
    if fmt is Format.HTML:
        return to_html(records, chosen, display, title)
    if fmt is Format.SPREADSHEET:
        return to_spreadsheet(records, chosen, display)
    selected = select(records, fields)
    if fmt is Format.JSON:
        return to_json(selected[0] if single and selected else selected, pretty=pretty)
    if fmt is Format.JSONL:
        return to_jsonl(selected)
    if fmt is Format.CSV:
        return to_csv(selected, chosen)
    return to_tsv(selected, chosen, header=fmt is Format.TSV)


def titles_of(lang: Lang) -> list[str]:
    """The title fields a display in `lang` shows."""
    return {Lang.FR: ["title_fr"], Lang.EN: ["title_en"], Lang.BOTH: ["title_fr", "title_en"]}[lang]


def people_columns(lang: Lang) -> list[str]:
    """The columns of a Markdown or HTML table of sheets: like a table's, titles per --lang."""
    return ["number", "category", *titles_of(lang), "url"]


def default_lang(env_lang: str | None) -> Lang:
    """The titles to show for a LANG value: French for fr_*, English for en_*, else both."""
    code = (env_lang or "").strip().lower()[:2]
    return {"fr": Lang.FR, "en": Lang.EN}.get(code, Lang.BOTH)


GLOSSARY_FIELDS = ("term", "fr", "en", "sheets")
"""Every field of a glossary record, in output order."""


def glossary_record(entry: GlossaryEntry) -> Record:
    """A glossary entry as a JSON-ready dict: `en` null when no English name exists."""
    return {"term": entry.term, "fr": entry.fr, "en": entry.en, "sheets": list(entry.sheets)}
