"""Records for machines (JSON, JSON lines, CSV, TSV, plain lines) and documents for people
(Markdown, HTML, a spreadsheet file, an Excel workbook), with the words people read in them.
Nothing here prints or reads the environment."""

from __future__ import annotations

import dataclasses
import io
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from enum import Enum, StrEnum
from typing import TYPE_CHECKING, Any, NamedTuple

from esskit import i18n
from esskit.i18n import N_, _, pgettext
from esskit.models import (
    CONTROL,
    DATE_PATTERN,
    Category,
    GlossaryEntry,
    NewerEdition,
    Sheet,
    UrlKind,
)

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.cell import Cell
    from openpyxl.workbook.child import _WorkbookChild

    from esskit.search import Match


Record = dict[str, Any]


class Format(StrEnum):
    """Output formats: a table, Markdown, HTML, a spreadsheet file and an Excel workbook for
    people, the others for scripts."""

    TABLE = "table"
    JSON = "json"
    JSONL = "jsonl"
    CSV = "csv"
    TSV = "tsv"
    PLAIN = "plain"
    MARKDOWN = "markdown"
    HTML = "html"
    SPREADSHEET = "spreadsheet"
    XLSX = "xlsx"


class Lang(StrEnum):
    """Which titles a table shows; as a display language, FR shows French labels and the others
    English ones."""

    FR = "fr"
    EN = "en"
    BOTH = "both"


_LEADING_FIELDS = ("number", "category", "title_fr", "title_en", "url", "url_kind")
"""The fields a sheet record begins with (`url` and `url_kind` are not the sheet's own: they
say where it opens); every other field of a Sheet follows, in the model's order."""

SHEET_FIELDS = (
    *_LEADING_FIELDS,
    *(field.name for field in dataclasses.fields(Sheet) if field.name not in _LEADING_FIELDS),
)
"""Every field of a sheet record, in output order."""

MATCH_FIELDS = ("score", "matched", "matches", "not_in_kit")
"""What a search adds to a sheet record: its score, the best of what it holds of the query, all
of it (best first), and the query's words that are not in the kit."""

DEFAULT_COLUMNS = ("number", "category", "title_fr", "title_en", "url")
"""Fields of the row formats (CSV, TSV, plain) when --fields is not given."""

SEARCH_COLUMNS = ("number", "score", *DEFAULT_COLUMNS[1:])
"""The same for search results: the score after the number."""

PEOPLE_FORMATS = (Format.MARKDOWN, Format.HTML)
"""Documents whose `show` gives a section per sheet (the spreadsheets give a row per sheet)."""

SPREADSHEET_FORMATS = (Format.SPREADSHEET, Format.XLSX)
"""Documents for spreadsheet programs: a row per record, headings in the display language."""

BINARY_FORMATS = (Format.XLSX,)
"""Formats written as bytes (`to_xlsx`), never as text, and never to a terminal."""

NNBSP = "\N{NARROW NO-BREAK SPACE}"

_HEADINGS = {
    "number": N_("N°"),
    "category": N_("Category"),
    "title_fr": N_("Titre (fr)"),
    "title_en": N_("Title (en)"),
    "url": N_("Page"),
    "url_kind": N_("Page kind"),
    "summary_fr": N_("Summary (fr)"),
    "keywords_fr": N_("Keywords (fr)"),
    "keywords_en": N_("Keywords (en)"),
    "keywords_es": N_("Keywords (es)"),
    "keywords_it": N_("Keywords (it)"),
    "keywords_pt": N_("Keywords (pt)"),
    "keywords_de": N_("Keywords (de)"),
    "related_fr": N_("Related words (fr)"),
    "related_en": N_("Related words (en)"),
    "published": N_("Published"),
    "links": N_("Links"),
    "newer_edition": N_("Newer edition"),
    "sources": N_("Sources"),
    "field_sources": N_("Field sources"),
    "score": N_("Score"),
    "matched": N_("Matched"),
    "term": N_("Term"),
    "fr": N_("French"),
    "en": N_("English"),
    "sheets": N_("Sheets"),
    "replaced_by": N_("Replaced by"),
    "ended": N_("Ended"),
    "formerly": N_("Formerly"),
    "note": N_("Note"),
    "edition": N_("Edition"),
    "page": N_("Page"),
    "counterpart_edition": N_("Counterpart's edition"),
    "counterpart_number": N_("Counterpart"),
    "counterpart_title": N_("Counterpart's title"),
    "matches": N_("Matches"),
    "not_in_kit": N_("Not in the kit"),
}
"""A field's heading for people, in English and in French (the field's name when not here)."""

_WORDS = {
    "sheet": N_("Sheet"),
    "more_keywords": N_("and {} more (--json lists them all)"),
    "page_socioeco": N_("the sheet's socioeco.org page"),
    "page_citego": N_("the sheet's citego.org page"),
    "page_search": N_("no page of its own is known: a socioeco.org search"),
    "search_link": N_("search on socioeco.org"),
    "newer_edition": N_("{edition} edition: sheet {number}"),
    "quoted": N_("“{}”"),
    "replaced_by": N_("replaced by {}"),
    "ended": N_("ended"),
    "formerly": N_("formerly {}"),
    "after_name_on_day": N_(", {}"),
    "on_day": N_(" on {}"),
    "in_period": N_(" in {}"),
    "day_month_year": N_("{day} {month} {year}"),
    "month_1": N_("January"),
    "month_2": N_("February"),
    "month_3": N_("March"),
    "month_4": N_("April"),
    "month_5": N_("May"),
    "month_6": N_("June"),
    "month_7": N_("July"),
    "month_8": N_("August"),
    "month_9": N_("September"),
    "month_10": N_("October"),
    "month_11": N_("November"),
    "month_12": N_("December"),
    "title": N_("title"),
    "keywords": N_("keywords"),
    "related": N_("related words"),
    "glossary": N_("glossary"),
    "summary": N_("summary"),
    "number": N_("number"),
    "intro": N_("Introduction"),
    "lever": N_("Levers"),
    "thematic": N_("Thematic sheets"),
    "tab_sheets": N_("Sheets"),
    "tab_glossary": N_("Glossary"),
}
"""The other words a display uses, in English and in French."""

# Regular expressions are kept as strings, compiled by `re` (and cached there) on first use:
# compiling them at import would cost every command, though few commands use each.
_TSV_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


class UnknownField(ValueError):
    """A --fields name that is not a field of the output."""


class Link(NamedTuple):
    """A value people follow: its words, the address they lead to, and what a cell that cannot
    hold a link (a CSV file's) shows instead."""

    text: str
    href: str
    plain: str


# ----------------------------------------------------------------------------- records


def plain_value(value: Any) -> Any:
    """A model value as JSON holds it: dataclasses as dicts (in field order), tuples as lists,
    enums as their values."""
    kind = type(value)
    if value is None or kind in (str, int, float, bool):
        return value
    if kind in (tuple, list):
        return [plain_value(item) for item in value]
    if isinstance(value, Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain_value(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {key: plain_value(item) for key, item in value.items()}
    return value


def sheet_record(sheet: Sheet, url: str, url_kind: UrlKind) -> Record:
    """A sheet as a JSON-ready dict: every field of the model (`title_fr` null when unknown,
    `newer_edition` an object or null), and the `url` it opens with its `url_kind`."""
    where = {"url": url, "url_kind": url_kind.value}
    return {
        name: where[name] if name in where else plain_value(getattr(sheet, name))
        for name in SHEET_FIELDS
    }


def match_record(match: Match, url: str, url_kind: UrlKind) -> Record:
    """A search result as a JSON-ready dict: the sheet's record with `score` and `matched`."""
    record = sheet_record(match.sheet, url, url_kind)
    record["score"] = match.score
    record["matched"] = match.matched._asdict()
    record["matches"] = [matched._asdict() for matched in match.matches]
    record["not_in_kit"] = list(match.not_in_kit)
    return record


EDITION_FIELDS = (
    "edition", "number", "title_fr", "page", "counterpart_edition", "counterpart_number",
    "counterpart_title",
)  # fmt: skip
"""Every field of a record of a sheet of a later edition: that edition, the sheet's number and
title in it, its page, and its counterpart in the catalogue's edition."""


def edition_record(sheet: Sheet, edition: int) -> Record:
    """The counterpart of a sheet in a later edition as a JSON-ready dict, each number beside
    its edition (a 2026 number is never read as a 2020 one)."""
    newer = sheet.newer_edition
    assert newer is not None
    return {
        "edition": newer.edition,
        "number": newer.number,
        "title_fr": newer.title_fr,
        "page": newer.page,
        "counterpart_edition": edition,
        "counterpart_number": sheet.number,
        "counterpart_title": sheet.title,
    }


GLOSSARY_FIELDS = ("term", "fr", "en", "sheets", "replaced_by", "ended", "formerly")
"""Every field of a glossary record, in output order."""
SEARCH_FIELDS = (*SHEET_FIELDS, *MATCH_FIELDS)
"""The fields of a search result: a sheet's, then how it matched."""
COMMAND_FIELDS = {
    "list": SHEET_FIELDS,
    "search": SEARCH_FIELDS,
    "show": SHEET_FIELDS,
    "glossary": GLOSSARY_FIELDS,
}
"""The fields each command's --fields chooses from (`list --edition` gives EDITION_FIELDS)."""

GLOSSARY_PEOPLE_COLUMNS = ("term", "fr", "en", "sheets", "note")
"""The columns of a glossary for people: what ended or replaced a scheme as one `note`."""


def glossary_record(entry: GlossaryEntry) -> Record:
    """A glossary entry as a JSON-ready dict: `en`, `replaced_by`, `ended` and `formerly` null
    when the catalogue does not give them."""
    return {name: plain_value(getattr(entry, name)) for name in GLOSSARY_FIELDS}


def glossary_columns(fmt: Format) -> list[str]:
    """The columns of a glossary in `fmt` when --fields is not given."""
    people = fmt in (*PEOPLE_FORMATS, *SPREADSHEET_FORMATS)
    return list(GLOSSARY_PEOPLE_COLUMNS if people else GLOSSARY_FIELDS)


def parse_fields(spec: str | None, available: Sequence[str]) -> list[str] | None:
    """`number,title_fr,url` as a list, checked against `available`; None when not given."""
    if spec is None:
        return None
    names = [name.strip() for name in spec.split(",") if name.strip()]
    unknown = [name for name in names if name not in available]
    if not names:
        raise UnknownField(
            _("no field given: choose from {names}").format(names=", ".join(available))
        )
    if unknown:
        shown = ", ".join(repr(name) for name in unknown)
        raise UnknownField(
            _("unknown field {name}: choose from {names}").format(
                name=shown, names=", ".join(available)
            )
        )
    return names


def select(records: Iterable[Record], fields: Sequence[str] | None) -> list[Record]:
    """The records with only `fields`, in that order (all fields when None)."""
    if fields is None:
        return list(records)
    return [{name: record[name] for name in fields} for record in records]


# ----------------------------------------------------------------------------- formats for machines


def _flat(value: Any) -> str:
    """One cell of a row format: lists joined by `; `, mappings as compact JSON, null as empty,
    numbers as Python writes them."""
    return _cell(value, "; ", None)


def _cell(value: Any, joiner: str, decimal: str | None) -> str:
    """A value as one cell's text: its items joined by `joiner`, mappings as compact JSON, links
    as their words, null as empty; a float with `decimal` as its mark, shortest (`76`, `76,5`),
    unless None (then as Python writes it: `76.0`)."""
    if value is None:
        return ""
    if isinstance(value, Link):
        return value.text
    if isinstance(value, list | tuple):
        return joiner.join(_cell(item, joiner, decimal) for item in value)
    if isinstance(value, Mapping):
        return _json(value)
    if isinstance(value, float) and decimal is not None:
        return f"{value:g}".replace(".", decimal)
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


# ----------------------------------------------------------------------------- words for people


def french() -> bool:
    """Whether people read French: the display language (esskit.i18n) is French."""
    return i18n.language() == "fr"


def wording(key: str) -> str:
    """One of the words a display uses (`sheet` → `Fiche`), in the display language."""
    return _(_WORDS[key])


SHOWN_KEYWORDS = 12
"""Keywords a panel shows in each language: the kit's vocabulary gives some sheets seventy."""


def some_keywords(keywords: Sequence[str]) -> str:
    """The first keywords, and how many more there are."""
    shown = ", ".join(keywords[:SHOWN_KEYWORDS])
    more = len(keywords) - SHOWN_KEYWORDS
    return f"{shown}, {wording('more_keywords').format(more)}" if more > 0 else shown


def matched_label(field: str, lang: str | None, note: str | None) -> str:
    """`title (fr)` (`titre (fr)` in French), and how the query was read when search says so."""
    name = wording(field) if field in _WORDS else field
    where = name + (f" ({lang})" if lang else "")
    return f"{where} · {note}" if note else where


def heading(field: str) -> str:
    """A field's heading for people in the display language (`title_fr` → `Titre (fr)`)."""
    return _(_HEADINGS[field]) if field in _HEADINGS else field


CATEGORY_NAMES = {
    Category.INTRO: N_("intro"),
    Category.LEVER: N_("lever"),
    Category.THEMATIC: N_("thematic"),
}


def category_name(category: Category) -> str:
    """`lever` in English, `levier` in French."""
    return _(CATEGORY_NAMES[category])


_BEFORE_HIGH_PUNCTUATION = r"(?<=\S)[ \u00a0](?=[?!:;]+(?:\s|$))"


def french_typography(text: str) -> str:
    """French text with a narrow no-break space before `? ! : ;` where it has a space (the
    same length, so that highlighted spans stay in place)."""
    return re.sub(_BEFORE_HIGH_PUNCTUATION, NNBSP, text)


def _field_of(item: object, name: str) -> Any:
    """A field of a model object or of its record."""
    return item.get(name) if isinstance(item, Mapping) else getattr(item, name, None)


def newer_edition_label(newer: NewerEdition | Mapping[str, Any]) -> str:
    """A sheet's counterpart in a later edition, its number always labelled with that edition:
    `2026 edition: sheet 19 “Animer son territoire”` (`Édition 2026 : fiche 19 « … »`)."""
    label = wording("newer_edition").format(
        edition=_field_of(newer, "edition"), number=_field_of(newer, "number")
    )
    title = _field_of(newer, "title_fr")
    return f"{label} {wording('quoted').format(french_typography(title))}" if title else label


def _date_words(date: str) -> tuple[str, bool]:
    """`2024-07-01` as `1 July 2024` (`1er juillet 2024`), `2024-07` as `July 2024`, `2017` as
    itself; and whether it names a day."""
    if not re.fullmatch(DATE_PATTERN, date):
        return date, False
    year, *rest = date.split("-")
    if not rest:
        return year, False
    month = wording(f"month_{int(rest[0])}")
    if len(rest) == 1:
        return f"{month} {year}", False
    day = pgettext("the first day of a month", "1") if int(rest[1]) == 1 else str(int(rest[1]))
    return wording("day_month_year").format(day=day, month=month, year=year), True


def _when(date: str | None, *, after_name: bool) -> str:
    """When something ended, to follow `replaced by …` (`after_name`) or `ended`."""
    if not date:
        return ""
    words, is_day = _date_words(date)
    if not is_day:
        return wording("in_period").format(words)
    return wording("after_name_on_day" if after_name else "on_day").format(words)


def glossary_note(entry: GlossaryEntry | Mapping[str, Any]) -> str | None:
    """What became of the scheme or body a glossary entry names, in the display language
    (`replaced by France Ruralités Revitalisation (FRR), 1 July 2024`, `ended in 2017`,
    `formerly …`), or None when the catalogue says nothing of it."""
    replaced, ended = _field_of(entry, "replaced_by"), _field_of(entry, "ended")
    formerly = _field_of(entry, "formerly")
    parts = []
    if replaced:
        when = _when(ended, after_name=True)
        parts.append(wording("replaced_by").format(replaced) + when)
    elif ended:
        parts.append(wording("ended") + _when(ended, after_name=False))
    if formerly:
        parts.append(wording("formerly").format(formerly))
    return "; ".join(parts) or None


# ----------------------------------------------------------------------------- values for people

_CATEGORY_VALUES = frozenset(category.value for category in Category)


NO_TITLE = "—"
"""What a French title's own cell or line shows when that title is unknown and the English title
is shown beside it (where the French title stands alone, the English one takes its place)."""


def _french_title(record: Record, *, mark_english: bool, document: bool) -> Any:
    value = record.get("title_fr")
    if value is None:
        english = record.get("title_en")
        return f"{english} (en)" if mark_english and english else NO_TITLE
    return french_typography(value) if document and isinstance(value, str) else value


def _category_value(record: Record) -> Any:
    value = record.get("category")
    if isinstance(value, str) and value in _CATEGORY_VALUES:
        return category_name(Category(value))
    return value


def _matched_value(record: Record) -> Any:
    value = record.get("matched")
    if isinstance(value, Mapping):
        field = str(value.get("field"))
        return matched_label(field, value.get("lang"), value.get("note"))
    return value


def _is_address(text: str) -> bool:
    return text.startswith(("https://", "http://"))


def _url_value(record: Record) -> Any:
    """The page as a link: its address, or for a web search (a long, percent-encoded address)
    words that say so."""
    value = record.get("url")
    if not isinstance(value, str) or not _is_address(value):
        return value
    if record.get("url_kind") == UrlKind.SEARCH.value:
        return Link(wording("search_link"), value, value)
    return Link(value, value, value)


def _newer_edition_value(record: Record) -> Any:
    value = record.get("newer_edition")
    if not isinstance(value, Mapping):
        return value
    label = newer_edition_label(value)
    page = value.get("page")
    if isinstance(page, str) and _is_address(page):
        return Link(label, page, f"{label} ({page})")
    return label


_SHAPES: dict[str, Callable[[Record], Any]] = {
    "category": _category_value,
    "matched": _matched_value,
    "url": _url_value,
    "newer_edition": _newer_edition_value,
    "note": glossary_note,
}
"""Fields that people read otherwise than as their data."""


def _people_value(
    record: Record, name: str, *, mark_english: bool = True, document: bool = True
) -> Any:
    """A field as people read it: category names in the display language, addresses as links;
    an unknown French title as the English one marked `(en)` with `mark_english` (no English
    title beside it), else as NO_TITLE; in a `document` (not a spreadsheet, whose cells stay the
    data), French typography in French titles."""
    if name == "title_fr":
        return _french_title(record, mark_english=mark_english, document=document)
    shape = _SHAPES.get(name)
    return shape(record) if shape else record.get(name)


def _decimal_mark() -> str:
    """The decimal mark people read in the display language: `49,9` in French, `49.9` else."""
    return "," if french() else "."


def score_text(score: float) -> str:
    """A score as people read it in the display language (`49,9` in French)."""
    return f"{score:g}".replace(".", _decimal_mark())


def _people_text(value: Any, decimal: str = ".") -> str:
    """One cell for people: lists joined by `, `, numbers shortest with `decimal` as their mark
    (see `_cell`)."""
    return _cell(value, ", ", decimal)


def _is_empty(value: Any) -> bool:
    """Whether a value shows nothing (a section leaves its line out, a workbook its cell)."""
    return value is None or (not isinstance(value, Link) and value in ("", [], {}))


def _no_english_column(fields: Sequence[str]) -> bool:
    """Whether the English title has no column of its own (then it takes the place of a missing
    French title, marked `(en)`; else the French title's cell shows NO_TITLE)."""
    return "title_en" not in fields


def _row_values(record: Record, fields: Sequence[str], document: bool) -> list[Any]:
    """A record's cells as people read them, for a table of `fields`."""
    mark = _no_english_column(fields)
    return [_people_value(record, name, mark_english=mark, document=document) for name in fields]


# ----------------------------------------------------------------------------- column choice


def titles_of(lang: Lang) -> list[str]:
    """The title fields a display in `lang` shows."""
    return {Lang.FR: ["title_fr"], Lang.EN: ["title_en"], Lang.BOTH: ["title_fr", "title_en"]}[lang]


def people_columns(lang: Lang) -> list[str]:
    """The columns of a Markdown or HTML table of sheets: like a table's, titles per --lang."""
    return ["number", "category", *titles_of(lang), "url"]


def columns_for(fmt: Format, titles: Lang, searched: bool = False) -> list[str]:
    """The columns of sheets (or, `searched`, of search results) in `fmt` when --fields is not
    given: documents show the titles of `titles` (a French title alone stands in for an
    unknown one with the English title marked `(en)`), spreadsheets the score of a search too;
    the formats for machines always show both titles."""
    if fmt in PEOPLE_FORMATS:
        return people_columns(titles)
    if fmt in SPREADSHEET_FORMATS:
        number, *rest = people_columns(titles)
        return [number, "score", *rest] if searched else [number, *rest]
    return list(SEARCH_COLUMNS if searched else DEFAULT_COLUMNS)


def default_lang(env_lang: str | None) -> Lang:
    """The titles to show for a LANG value: French for fr_*, English for en_*, else both."""
    code = (env_lang or "").strip().lower()[:2]
    return {"fr": Lang.FR, "en": Lang.EN}.get(code, Lang.BOTH)


# ----------------------------------------------------------------------------- spreadsheet CSV

# A spreadsheet runs a cell that starts with one of these as a formula (OWASP's list), and may
# trim the blanks before them on import (LibreOffice's "Trim spaces"): blanks and invisible
# characters before them count as nothing.
_FORMULA = f"[\\s{CONTROL}]*[=+\\-@]"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(cell: str) -> bool:
    """Whether a spreadsheet could read the text as a formula, blanks before it trimmed."""
    return cell.startswith(_FORMULA_START) or re.match(_FORMULA, cell) is not None


def neutralise(cell: str) -> str:
    """A cell a spreadsheet would run as a formula, made text with a leading apostrophe."""
    return "'" + cell if looks_like_formula(cell) else cell


def _spreadsheet_cell(value: Any) -> str | int:
    """A CSV cell for a spreadsheet: whole numbers as they are (the csv module leaves them
    unquoted), anything else text with decimal commas (a French spreadsheet's), made inert."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = value.plain if isinstance(value, Link) else _people_text(value, ",")
    return neutralise(text)


def to_spreadsheet(records: Sequence[Record], fields: Sequence[str]) -> str:
    """CSV that French Excel and LibreOffice open right by double-click: UTF-8 with a byte-order
    mark, `;` between cells, CRLF, decimal commas, headings and category names for people, every
    text cell quoted (so that an import that splits at commas or tabs as well keeps one value a
    column), and every cell that a spreadsheet would run as a formula neutralised."""
    import csv

    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_NONNUMERIC)
    writer.writerow([heading(name) for name in fields])
    for record in records:
        values = _row_values(record, fields, document=False)
        writer.writerow([_spreadsheet_cell(value) for value in values])
    return "\ufeff" + buffer.getvalue()


# ----------------------------------------------------------------------------- Excel workbook

MAX_XLSX_ROWS = 1_048_575
"""Most records a workbook holds: a worksheet has 1 048 576 rows, the first for the headings."""


class TooManyRows(ValueError):
    """More records than a worksheet has rows."""


_XLSX_WIDTHS = (6, 60)
"""The narrowest and widest a column gets, in characters: wider text wraps in its cell."""

_XLSX_LINK_LIMIT = 2_000
"""Longest address Excel keeps as a cell's link (it drops longer ones as damage)."""

_XLSX_CELL_LIMIT = 32_767
"""Most characters a cell holds."""

_XLSX_DATE = (1980, 1, 1, 0, 0, 0)
"""The fixed date of every workbook (its properties and its ZIP entries), so that the same
records give the same bytes; 1980 is the earliest a ZIP file can hold."""

# Characters a worksheet cannot hold (XML refuses controls, lone surrogates and U+FFFE/FFFF)
# or that should not reach a reader (the invisible ones validation refuses): shown as U+FFFD.
# Tabs and line breaks are text.
_XLSX_UNSAFE = f"(?![\\t\\n])[{CONTROL}\\ud800-\\udfff\\ufffe\\uffff]"


def _xlsx_text(text: str) -> str:
    """Text a cell can hold and a reader can see: line breaks as `\\n`, other controls visible
    as U+FFFD, at most _XLSX_CELL_LIMIT characters."""
    text = re.sub(_XLSX_UNSAFE, "\N{REPLACEMENT CHARACTER}", text.replace("\r\n", "\n"))
    return text if len(text) <= _XLSX_CELL_LIMIT else text[: _XLSX_CELL_LIMIT - 1] + "…"


def _xlsx_width(value: Any, decimal: str) -> int:
    """How many characters a cell's widest line takes."""
    text = _people_text(value, decimal)
    return max((len(line) for line in text.split("\n")), default=0)


def _xlsx_widths(records: Sequence[Record], fields: Sequence[str]) -> list[int]:
    """Column widths that fit the headings and the content, within _XLSX_WIDTHS."""
    widths = [len(heading(name)) for name in fields]
    decimal = _decimal_mark()
    for record in records:
        for i, value in enumerate(_row_values(record, fields, document=False)):
            widths[i] = max(widths[i], _xlsx_width(value, decimal))
    narrowest, widest = _XLSX_WIDTHS
    return [min(max(width + 2, narrowest), widest) for width in widths]


class _XlsxStyles(NamedTuple):
    """The few looks a workbook's cells take."""

    heading: Any
    text: Any


def _xlsx_styles() -> _XlsxStyles:
    from openpyxl.styles import Alignment, Font

    return _XlsxStyles(Font(bold=True), Alignment(wrap_text=True, vertical="top"))


def _xlsx_text_cell(
    sheet: _WorkbookChild, text: str, styles: _XlsxStyles, link: str | None = None
) -> Cell:
    """A cell that holds text (a link's words when `link` is given) and is never read as a
    formula, even when a person edits it."""
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, _xlsx_text(text))
    cell.data_type = "s"  # openpyxl would make `=1+1` a formula and `#N/A` an error
    if link is not None:
        cell.hyperlink = link
        cell.style = "Hyperlink"  # a named style replaces the cell's look: set it first
    cell.alignment = styles.text
    if looks_like_formula(text):
        cell.quotePrefix = True  # as if typed with a leading apostrophe: stays text when edited
    return cell


def _xlsx_cell(sheet: _WorkbookChild, value: Any, styles: _XlsxStyles) -> Any:
    """A value as a worksheet cell: numbers as numbers, links as links, the rest as text."""
    if _is_empty(value):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    if not isinstance(value, Link):
        return _xlsx_text_cell(sheet, _people_text(value), styles)
    if len(value.href) > _XLSX_LINK_LIMIT:
        return _xlsx_text_cell(sheet, value.href, styles)
    return _xlsx_text_cell(sheet, value.text, styles, link=value.href)


def _xlsx_heading_row(
    sheet: _WorkbookChild, fields: Sequence[str], styles: _XlsxStyles
) -> list[Any]:
    from openpyxl.cell import WriteOnlyCell

    row = []
    for name in fields:
        cell = WriteOnlyCell(sheet, heading(name))
        cell.font = styles.heading
        row.append(cell)
    return row


def _reproducible(data: bytes) -> bytes:
    """A ZIP file with the same entries, each dated _XLSX_DATE and with the same permissions,
    so that its bytes depend only on its content."""
    from shutil import copyfileobj
    from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

    out = io.BytesIO()
    with ZipFile(io.BytesIO(data)) as source, ZipFile(out, "w", ZIP_DEFLATED) as target:
        for item in source.infolist():
            entry = ZipInfo(item.filename, date_time=_XLSX_DATE)
            entry.compress_type = ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            entry.file_size = item.file_size
            with source.open(item) as reading, target.open(entry, "w") as writing:
                copyfileobj(reading, writing)
    return out.getvalue()


def _tab_name(fields: Sequence[str]) -> str:
    """The worksheet's name: the glossary's when its records are glossary entries."""
    return wording("tab_glossary" if "term" in fields else "tab_sheets")


def _write_sheet(book: Workbook, records: Sequence[Record], fields: Sequence[str]) -> None:
    """The workbook's one worksheet: a frozen, filterable heading row, then a row a record."""
    from openpyxl.utils import get_column_letter

    sheet = book.create_sheet(_tab_name(fields))
    sheet.freeze_panes = "A2"
    sheet.print_title_rows = "1:1"  # printed on every page
    for i, width in enumerate(_xlsx_widths(records, fields), start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(fields))}{len(records) + 1}"
    styles = _xlsx_styles()
    sheet.append(_xlsx_heading_row(sheet, fields, styles))
    for record in records:
        values = _row_values(record, fields, document=False)
        sheet.append([_xlsx_cell(sheet, value, styles) for value in values])


def _workbook_bytes(book: Workbook, title: str) -> bytes:
    """The workbook as a file, with its title and language, dated _XLSX_DATE."""
    from datetime import datetime
    from zipfile import ZIP_DEFLATED, ZipFile

    from openpyxl.writer.excel import ExcelWriter

    properties = book.properties
    properties.title = _xlsx_text(title)[:255] or None
    properties.creator = "esskit"
    properties.language = "fr" if french() else "en"
    properties.created = properties.modified = datetime(*_XLSX_DATE)
    buffer = io.BytesIO()
    with ZipFile(buffer, "w", ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(book, archive).save()  # not book.save(), which dates the file now
    return _reproducible(buffer.getvalue())


def to_xlsx(records: Sequence[Record], fields: Sequence[str], title: str) -> bytes:
    """An Excel workbook (Office Open XML) of the records, for Excel and LibreOffice: one
    worksheet with a frozen, filterable header row, headings and categories in the display
    language, numbers as numbers, links that work, catalogue text always text (never a
    formula), columns as wide as their content within bounds, `title` as the workbook's. The
    same records give the same bytes; rows are streamed (memory grows by about a kilobyte a
    row, for the links openpyxl writes last). TooManyRows beyond MAX_XLSX_ROWS."""
    from openpyxl import Workbook

    if len(records) > MAX_XLSX_ROWS:
        raise TooManyRows(
            _("{count} rows are more than a worksheet holds ({most})").format(
                count=i18n.count_text(len(records)), most=i18n.count_text(MAX_XLSX_ROWS)
            )
        )
    book = Workbook(write_only=True)
    _write_sheet(book, records, fields)
    return _workbook_bytes(book, title)


# ----------------------------------------------------------------------------- Markdown

_NUMERIC = frozenset({"number", "score"})
"""The fields that hold a number: right-aligned in Markdown and HTML tables, as in a table."""

# Every character that CommonMark, GitHub (tables, strike-through, math) or pandoc (math,
# superscript, attributes) reads anywhere in a line; `&` where it starts an entity, `@` where it
# starts a citation (pandoc), `:` where it starts an emoji's name (GitHub's `:smile:`).
_MARKDOWN_SPECIAL = r"[\\`*_\[\]<>|~#$^{}]|&(?=#?\w+;)|(?<!\w)@|:(?=[a-z0-9_+-]+:)"
# What starts a block at the beginning of a line: a list item, a thematic break, a setext
# underline, a definition (pandoc), or an ordered list's marker (`1.`, `2)`, pandoc's `a)` and
# `iv.`), whose delimiter is then escaped.
_MARKDOWN_BLOCK_START = r"[-+=:]"
_MARKDOWN_LIST_MARKER = r"^(\(?(?:\d{1,9}|[A-Za-z]{1,4}))([.)])(?=\s|$)"


def _md(text: str) -> str:
    """Text that Markdown shows as written, on one line."""
    return re.sub(_MARKDOWN_SPECIAL, lambda m: "\\" + m.group(0), _one_line(text))


# Characters a URL may hold as they are (RFC 3986's, and `%` of those already encoded): the
# others (`|`, `<`, `>`, `\`, spaces, `` ` ``, `"`, `{`, `}`, `^`) are percent-encoded, as a
# browser would, so that an address can neither end its autolink nor split a table's cells.
_URL_SAFE = "-._~:/?#[]@!$&'()*+,;=%"


def _md_link(link: Link) -> str:
    """A link in Markdown: an address as an autolink, words as `[words](<address>)`."""
    from urllib.parse import quote

    href = quote(link.href, safe=_URL_SAFE)
    if link.text == link.href and "&" not in href:
        return f"<{href}>"
    # Entities are decoded in a link's destination (not in every reader's autolinks).
    return f"[{_md(link.text)}](<{href.replace('&', '&amp;')}>)"


def _md_cell(value: Any) -> str:
    if isinstance(value, Link):
        return _md_link(value)
    return _md(_people_text(value, _decimal_mark()))


_PAGE_WIDTH = 90
"""Characters a page of a converted document holds, about: pandoc gives a table's columns the
page's width in proportion to the dashes of its separator row."""

_WIDEST_COLUMN = 60
"""Most dashes a column gets: beyond, its text wraps anyway."""


def _dashes(widths: Sequence[int]) -> list[int]:
    """Dashes for each column of a separator row, for content `widths` wide: in proportion to
    the content, except that the narrow columns (numbers, categories) keep their own width when
    the table is wider than a page and the wide ones share what is left."""
    wanted = [min(width + 2, _WIDEST_COLUMN) for width in widths]
    total = sum(wanted)
    if total > _PAGE_WIDTH:
        fair = _PAGE_WIDTH / len(wanted)
        narrow = sum(width for width in wanted if width <= fair)
        share = (_PAGE_WIDTH - narrow) / (total - narrow)
        wanted = [width if width <= fair else round(width * share) for width in wanted]
    return [max(width, 3) for width in wanted]


def _rule(fields: Sequence[str], widths: Sequence[int]) -> str:
    cells = [
        "-" * (count - 1) + ":" if name in _NUMERIC else "-" * count
        for name, count in zip(fields, _dashes(widths), strict=True)
    ]
    return "| " + " | ".join(cells) + " |"


def to_markdown(records: Sequence[Record], fields: Sequence[str]) -> str:
    """A Markdown table (GitHub's and CommonMark's pipe tables) to paste into a document, whose
    separator row gives pandoc column widths that follow the content."""
    head = [_md(heading(name)) for name in fields]
    widths = [len(heading(name)) for name in fields]
    decimal = _decimal_mark()
    lines = []
    for record in records:
        values = _row_values(record, fields, document=True)
        for i, value in enumerate(values):
            widths[i] = max(widths[i], len(_people_text(value, decimal)))
        lines.append("| " + " | ".join(_md_cell(value) for value in values) + " |")
    return "\n".join(["| " + " | ".join(head) + " |", _rule(fields, widths), *lines]) + "\n"


def _section_title(record: Record, lang: Lang) -> tuple[str, str, str]:
    """`Fiche 8`, `Économie sociale …` and `fr`: a sheet's number, its title in the language
    asked (the English one marked `(en)` where the French one is unknown) and that language."""
    name = f"{wording('sheet')} {record.get('number')}"
    if lang is Lang.EN or not record.get("title_fr"):
        title = str(record.get("title_en") or "")
        return name, title + ("" if lang is Lang.EN else " (en)"), "en"
    return name, french_typography(str(record["title_fr"])), "fr"


def section_fields(lang: Lang) -> list[str]:
    """What a sheet's section shows under its title when --fields is not given (a field the
    sheet does not have, as its newer edition, is left out of its section)."""
    other = {Lang.FR: [], Lang.EN: [], Lang.BOTH: ["title_en"]}[lang]
    return ["category", *other, "url", "newer_edition", "summary_fr"]


def _md_section(record: Record, fields: Sequence[str], lang: Lang) -> str:
    colon = f"{NNBSP}:" if french() else ":"
    name, title, _ = _section_title(record, lang)
    lines = [f"## {_md(name)} · {_md(title)}", ""]
    for field in fields:
        value = _people_value(record, field, mark_english=False)
        if field == "summary_fr" and value:
            lines += ["", *(_md_paragraph(p) + "\n" for p in _paragraph_list(str(value)))]
        elif not _is_empty(value):
            label = _md(heading(field))
            lines.append(f"- **{label}**{colon} {_md_cell(value)}")
    return "\n".join(lines).rstrip("\n") + "\n"


def to_markdown_sections(records: Sequence[Record], fields: Sequence[str], lang: Lang) -> str:
    """A Markdown section per sheet: its number and title, then a line per field, the summary as
    paragraphs."""
    return "\n".join(_md_section(record, fields, lang) for record in records)


def _one_line(text: str) -> str:
    """Line breaks and the spaces around them as one space (no-break spaces are kept). Split
    rather than matched: a pattern of spaces around line breaks costs the square of a long
    run of spaces."""
    return " ".join(line.strip(" \t") for line in re.split(r"[\r\n]+", text)).strip(" \t")


def _paragraph_list(text: str) -> list[str]:
    return [_one_line(block) for block in re.split(r"\n[ \t]*\n", text) if block.strip()]


def _md_paragraph(text: str) -> str:
    """A paragraph that Markdown reads as one, never as a list, a rule or a heading."""
    escaped = re.sub(_MARKDOWN_LIST_MARKER, r"\1\\\2", _md(text), count=1)
    return "\\" + escaped if re.match(_MARKDOWN_BLOCK_START, escaped) else escaped


# ----------------------------------------------------------------------------- HTML

_HTML_STYLE = (
    "body{font-family:system-ui,sans-serif;line-height:1.4;margin:2rem;color:#111;background:#fff}"
    "table{border-collapse:collapse;margin:1rem 0}"
    "th,td{border:1px solid #888;padding:.3rem .6rem;text-align:left;vertical-align:top}"
    "thead th{background:#eee}.number{text-align:right}a{color:#0645ad}.nowrap{white-space:nowrap}"
    "@media print{body{margin:0}a{color:inherit}thead{display:table-header-group}"
    "tr,section{break-inside:avoid;page-break-inside:avoid}}"
)
"""The page's look. Addresses break only where <wbr> allows (after a `/`), never mid-word nor at
a `-` (`.nowrap` pieces); in print, no row or section is split across pages and a long table
repeats its heading row."""


def _h(text: str) -> str:
    """Text for an HTML page: shown as written, never read as markup."""
    from html import escape

    return escape(text, quote=False)


_ADDRESS_FIELDS = frozenset({"url", "links", "sources", "field_sources"})
"""Fields whose text is addresses."""


def _h_address(text: str) -> str:
    """Addresses for an HTML page that break only after a `/` (or at a space between them):
    each piece up to a `/` is kept on one line (a browser would otherwise break at a `-`), with
    a chance to break after it."""
    shown = []
    for piece in re.findall(r"\s+|[^/\s]*/+|[^/\s]+", text):
        if piece.isspace():
            shown.append(_h(piece))
        else:
            shown.append(f'<span class="nowrap">{_h(piece)}</span>')
            shown.append("<wbr>" if piece.endswith("/") else "")
    return "".join(shown)


def _css(name: str) -> str:
    """The class of a field's cells and heading: numbers are right-aligned."""
    return ' class="number"' if name in _NUMERIC else ""


def _html_cell(name: str, value: Any, lang_of: str | None = None) -> str:
    from html import escape

    css = _css(name)
    if isinstance(value, Link):
        words = _h_address(value.text) if value.text == value.href else _h(value.text)
        return f'<td{css}><a href="{escape(value.href)}">{words}</a></td>'
    text = _people_text(value, _decimal_mark())
    where = f' lang="{lang_of}"' if lang_of and text not in ("", NO_TITLE) else ""
    shown = _h_address(text) if name in _ADDRESS_FIELDS else _h(text)
    return f"<td{css}{where}>{shown}</td>"


_TEXT_LANGS = {"summary_fr": "fr", "title_en": "en"}


def _cell_lang(record: Record, name: str) -> str | None:
    """The language of a cell's text, for screen readers: titles and keywords say theirs (an
    unknown French title shows the English one)."""
    if name == "title_fr":
        return "fr" if record.get(name) is not None else "en"
    if name.startswith(("keywords_", "related_")):
        return name.rsplit("_", 1)[1]
    return _TEXT_LANGS.get(name)


def _html_page(title: str, body: list[str]) -> str:
    return "\n".join(
        [
            "<!DOCTYPE html>",
            f'<html lang="{"fr" if french() else "en"}">',
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


def _html_row(record: Record, fields: Sequence[str]) -> str:
    values = _row_values(record, fields, document=True)
    cells = (
        _html_cell(name, value, _cell_lang(record, name))
        for name, value in zip(fields, values, strict=True)
    )
    return "<tr>" + "".join(cells) + "</tr>"


def to_html(records: Sequence[Record], fields: Sequence[str], title: str) -> str:
    """A standalone, printable HTML page holding a table of the records: UTF-8, no external
    assets, every value escaped, links that work."""
    head = "".join(f'<th scope="col"{_css(name)}>{_h(heading(name))}</th>' for name in fields)
    rows = [_html_row(record, fields) for record in records]
    table = ["<table>", f"<thead><tr>{head}</tr></thead>", "<tbody>", *rows, "</tbody>", "</table>"]
    return _html_page(title, table)


def _html_section(record: Record, fields: Sequence[str], lang: Lang) -> list[str]:
    from html import escape

    anchor = f"sheet-{escape(str(record.get('number')))}"
    name, sheet_title, title_lang = _section_title(record, lang)
    shown = f'{_h(name)} · <span lang="{title_lang}">{_h(sheet_title)}</span>'
    body = [f'<section aria-labelledby="{anchor}">', f'<h2 id="{anchor}">{shown}</h2>']
    body.append("<table><tbody>")
    for field in fields:
        value = _people_value(record, field, mark_english=False)
        if _is_empty(value):
            continue
        label = f'<th scope="row">{_h(heading(field))}</th>'
        if field == "summary_fr":
            paras = "".join(f"<p>{_h(p)}</p>" for p in _paragraph_list(str(value)))
            body.append(f'<tr>{label}<td lang="fr">{paras}</td></tr>')
        else:
            cell = _html_cell(field, value, _cell_lang(record, field))
            body.append(f"<tr>{label}{cell}</tr>")
    return [*body, "</tbody></table>", "</section>"]


def to_html_sections(
    records: Sequence[Record], fields: Sequence[str], lang: Lang, title: str
) -> str:
    """A standalone HTML page with a section per sheet: its title, then a table of its fields,
    the summary as paragraphs."""
    body = [line for record in records for line in _html_section(record, fields, lang)]
    return _html_page(title, body)


# ----------------------------------------------------------------------------- every format


def machine_output(
    records: Sequence[Record],
    fmt: Format,
    fields: Sequence[str] | None,
    *,
    columns: Sequence[str] = DEFAULT_COLUMNS,
    single: bool = False,
    pretty: bool = False,
    title: str = "",
) -> str:
    """Records in any text format but the table, generic over their fields: `fields` (or else
    `columns`) are the columns of the row formats, Markdown, HTML and the spreadsheet, in the
    display language for the last three; `single` prints one JSON object rather than an array,
    `pretty` indents JSON; `title` heads an HTML page. The workbook is bytes: see `to_xlsx`."""
    chosen = list(fields) if fields is not None else list(columns)
    if fmt is Format.XLSX:
        raise ValueError("an xlsx workbook is bytes, not text: write to_xlsx(...)")
    if fmt is Format.MARKDOWN:
        return to_markdown(records, chosen)
    if fmt is Format.HTML:
        return to_html(records, chosen, title)
    if fmt is Format.SPREADSHEET:
        return to_spreadsheet(records, chosen)
    selected = select(records, fields)
    if fmt is Format.JSON:
        return to_json(selected[0] if single and selected else selected, pretty=pretty)
    if fmt is Format.JSONL:
        return to_jsonl(selected)
    if fmt is Format.CSV:
        return to_csv(selected, chosen)
    return to_tsv(selected, chosen, header=fmt is Format.TSV)
