"""The catalogue's data model: frozen dataclasses that pydantic validates strictly, and the closed
sets they use.

Nothing here imports pydantic, which costs a third of a command's start-up: the fields carry
their rules as `Rules`, which pydantic reads only when it builds the validator of a catalogue
file (`catalogue.adapter`); the packaged catalogue is built without one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, is_dataclass
from enum import StrEnum
from functools import cache
from types import UnionType
from typing import (
    TYPE_CHECKING,
    Annotated,
    Any,
    Literal,
    TypeVar,
    Union,
    cast,
    get_args,
    get_origin,
    get_type_hints,
)

from esskit.i18n import _

if TYPE_CHECKING:
    from pydantic import ConfigDict, GetCoreSchemaHandler, GetJsonSchemaHandler
    from pydantic_core import CoreSchema

# Characters that must never reach a terminal or a browser from catalogue text: C0 and C1 controls,
# DEL, the line and paragraph separators (a line reader would see more lines than there are),
# zero-width and other invisible format characters (joiners, the Mongolian vowel separator,
# interlinear annotations, tag characters), the direction marks and overrides that can make text
# read differently from what it is, and the fillers that look like nothing (Hangul fillers, the
# blank Braille pattern), with which a title would look blank. As a regular-expression class body,
# read by Python's `re` and by pydantic's validators alike: `unsafe_characters` is the one test.
_INVISIBLE = (
    "\u00ad\u034f\u061c\u115f\u1160\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f"
    "\u2800\u3164\ufeff\uffa0\ufff9-\ufffb\U000e0000-\U000e007f"
)
CONTROL = f"\x00-\x1f\x7f-\x9f{_INVISIBLE}"
_LINE = f"[^{CONTROL}]"
_WORD = f"[^\\s{CONTROL}]"
TEXT_PATTERN = f"^{_LINE}*{_WORD}{_LINE}*$"
# Summaries may hold paragraphs, so newlines are allowed there and nowhere else.
_PARA = f"[^\x00-\x09\x0b-\x1f\x7f-\x9f{_INVISIBLE}]"
PARAGRAPH_PATTERN = f"^{_PARA}*{_WORD}{_PARA}*$"
# A host: labels of letters, digits and inner hyphens; a port from 1 to 65535.
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
HOST = rf"{_LABEL}(?:\.{_LABEL})*\.?"
_PORT = r"(?::(?:6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}"
_PORT += r"|[1-9][0-9]{0,3}))?"
URL_PATTERN = rf"^https?://{HOST}{_PORT}(?:[/?#][!-~]*)?$"
SOURCE_PATTERN = rf"^https://{HOST}{_PORT}(?:[/?#][!-~]*)?$"
PDF_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,200}\.pdf$"
MONTH_PATTERN = r"^[0-9]{4}-(?:0[1-9]|1[0-2])$"
DATE_PATTERN = r"^[0-9]{4}(?:-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12][0-9]|3[01]))?)?$"


@cache
def _unsafe() -> re.Pattern[str]:
    return re.compile(f"[{CONTROL}\ud800-\udfff]")


def escaped(text: str) -> str:
    """Text with what must not reach a terminal raw (the characters of CONTROL, and the
    undecodable bytes of a path, which a strict stderr cannot even write) as escapes: `\x1b`.
    The one way esskit makes text from elsewhere safe to show."""
    return _unsafe().sub(lambda found: _escape(ord(found[0])), text)


def _escape(code: int) -> str:
    """One character as Python writes it escaped: `\\x1b`, `\\u200b`, `\\U000e0001`."""
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


_T = TypeVar("_T")


class Rules:
    """What a field's value must keep, in pydantic-core's own terms (`pattern`, `max_length`,
    `ge`, `le`, `fail_fast`): added to the field's schema when pydantic builds a validator."""

    __slots__ = ("settings",)

    def __init__(self, **settings: object) -> None:
        self.settings = settings

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        schema: Any = {**handler(source), **self.settings}
        return schema  # type: ignore[no-any-return]

    def __repr__(self) -> str:
        return f"Rules({', '.join(f'{k}={v!r}' for k, v in self.settings.items())})"


# Every collection stops at its first bad item: a hostile file of millions of bad items would
# otherwise cost gigabytes of error reports (`esskit validate` looks at the sheets after it).
EVERY_ITEM_UNTIL_ONE_FAILS = Rules(fail_fast=True)

Title = Annotated[str, Rules(pattern=TEXT_PATTERN, max_length=500)]
Keyword = Annotated[str, Rules(pattern=TEXT_PATTERN, max_length=200)]
Paragraph = Annotated[str, Rules(pattern=PARAGRAPH_PATTERN, max_length=20_000)]
Url = Annotated[str, Rules(pattern=URL_PATTERN, max_length=2_000)]
SourceUrl = Annotated[str, Rules(pattern=SOURCE_PATTERN, max_length=2_000)]
PdfName = Annotated[str, Rules(pattern=PDF_PATTERN)]
Month = Annotated[str, Rules(pattern=MONTH_PATTERN)]
Date = Annotated[str, Rules(pattern=DATE_PATTERN)]
"""A year, a year and month, or a day: `2015`, `2021-09`, `2024-07-01`."""
Language = Annotated[str, Rules(pattern=r"^[a-z]{2}$")]
Edition = Annotated[int, Rules(ge=1900, le=2999)]

SourcedField = Literal[
    "number",
    "category",
    "title_fr",
    "title_en",
    "summary_fr",
    "keywords_fr",
    "keywords_en",
    "published",
    "newer_edition",
    "links.socioeco",
    "links.citego",
    "links.rtes",
    "links.pdf",
]


Keywords = Annotated[tuple[Keyword, ...], EVERY_ITEM_UNTIL_ONE_FAILS]
Sources = Annotated[tuple[SourceUrl, ...], EVERY_ITEM_UNTIL_ONE_FAILS]
FieldSources = Annotated[dict[SourcedField, SourceUrl], EVERY_ITEM_UNTIL_ONE_FAILS]


NUMBER_WORDS = ("fiche", "sheet", "numéro", "numero", "number", "num", "n°", "no.", "no", "#")
"""Words people put before a sheet's number: `fiche 13`, `n°13`."""

MAX_NUMBER = 999_999_999
"""Largest sheet number a catalogue may use."""

SheetNumber = Annotated[int, Rules(ge=0, le=MAX_NUMBER)]

BEYOND = 10**18
"""What `read_number` gives for a number of more digits than any sheet number has."""


def read_number(text: str) -> int | None:
    """The whole number a user's text names (`13`, `fiche 13`, `n°13`, `#13`, `0013`, `-1`), or
    None when it names none; BEYOND (or -BEYOND) for one of more than 18 digits. The one reader
    of sheet numbers: every command and the search use it."""
    cleaned = text.strip().casefold()
    for word in NUMBER_WORDS:
        cleaned = cleaned.removeprefix(word).strip()
    sign = -1 if cleaned.startswith("-") else 1
    digits = cleaned[1:] if cleaned[:1] in ("-", "+") else cleaned
    if not (digits.isascii() and digits.isdigit()):
        return None
    if len(digits.lstrip("0")) > 18:
        return sign * BEYOND
    return sign * max(int(digits), sign < 0)  # `-0` is a negative number as typed, not 0


def named_number(text: str) -> int | None:
    """The sheet number a user's text names, or None when it names none or one no catalogue
    can hold (negative, or over MAX_NUMBER)."""
    number = read_number(text)
    return number if number is not None and 0 <= number <= MAX_NUMBER else None


class Category(StrEnum):
    """The three kinds of document in the kit."""

    INTRO = "intro"
    LEVER = "lever"
    THEMATIC = "thematic"


class UrlKind(StrEnum):
    """Where a sheet's `url` points: its own page, or a search for it."""

    SOCIOECO = "socioeco"
    CITEGO = "citego"
    SEARCH = "search"


# Strict: no coercion ("1" is not 1) and no unknown field. The classes are plain frozen
# dataclasses, so that building the packaged catalogue costs no validation; pydantic validates
# every other catalogue file against them (see `catalogue.adapter`). Which hosts a link may
# point to is the user's policy, checked by `catalogue` after these types.
_STRICT: ConfigDict = {"extra": "forbid", "strict": True}


def _sheet_list(sheets: tuple[Sheet, ...]) -> tuple[Sheet, ...]:
    """The sheets, provided that there is one at least and that no number is used twice.

    (Checked here rather than with `min_length`, which would copy every sheet of a file into its
    error report when validation stops at a bad sheet.)
    """
    if not sheets:
        raise ValueError(_("needs at least 1 item"))
    if len({sheet.number for sheet in sheets}) == len(sheets):
        return sheets
    seen: set[int] = set()
    for sheet in sheets:
        if sheet.number in seen:
            raise ValueError(_("sheet number {number} is used twice").format(number=sheet.number))
        seen.add(sheet.number)
    return sheets


class SheetList:
    """The rules of a catalogue's sheets as a whole (`_sheet_list`), for pydantic."""

    __slots__ = ()

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        from pydantic_core import core_schema

        return core_schema.no_info_after_validator_function(_sheet_list, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> dict[str, Any]:
        return {**handler(schema), "minItems": 1}


@dataclass(frozen=True, slots=True)
class Links:
    """Where a sheet can be read: its socioeco.org, citego.org and rtes.fr pages, its PDF."""

    __pydantic_config__ = _STRICT

    socioeco: Url | None = None
    citego: Url | None = None
    rtes: Url | None = None
    pdf: PdfName | None = None


@dataclass(frozen=True, slots=True)
class NewerEdition:
    """A sheet's counterpart in a later edition of the kit: that edition, the sheet's number in
    it (never a number of this edition), and its French title and page where they are known."""

    __pydantic_config__ = _STRICT

    edition: Edition
    number: SheetNumber
    title_fr: Title | None = None
    page: Url | None = None


@dataclass(frozen=True, slots=True)
class Sheet:
    """One document of the kit: the introductory text (number 0) or a numbered sheet."""

    __pydantic_config__ = _STRICT

    number: SheetNumber
    category: Category
    title_en: Title
    title_fr: Title | None = None
    summary_fr: Paragraph | None = None
    keywords_fr: Keywords = ()
    keywords_en: Keywords = ()
    keywords_es: Keywords = ()
    keywords_it: Keywords = ()
    keywords_pt: Keywords = ()
    keywords_de: Keywords = ()
    related_fr: Keywords = ()
    """Words only near the sheet's subject (`permis de construire` for land): they lead to it
    with less confidence than its keywords."""
    related_en: Keywords = ()
    published: Month | None = None
    links: Links = field(default_factory=Links)
    newer_edition: NewerEdition | None = None
    sources: Sources = ()
    field_sources: FieldSources = field(default_factory=dict)

    @property
    def title(self) -> str:
        """The French title when known, else the English one."""
        return self.title_fr or self.title_en


@dataclass(frozen=True, slots=True)
class Kit:
    """What the catalogue describes: which kit, by whom, which edition."""

    __pydantic_config__ = _STRICT

    name: Title
    publisher: Title
    edition: Edition
    language: Language
    sources: Sources = ()


@dataclass(frozen=True, slots=True)
class GlossaryEntry:
    """An acronym or abbreviation of the field, its official expansion, and the sheets it leads
    to."""

    __pydantic_config__ = _STRICT

    term: Keyword
    fr: Title
    en: Title | None = None
    sheets: Annotated[tuple[SheetNumber, ...], EVERY_ITEM_UNTIL_ONE_FAILS] = ()
    case_sensitive: bool = False
    """The term is also an ordinary word (`NOTRe`, `AMI`): it is read as the acronym only when
    typed with the glossary's capitals."""
    replaced_by: Title | None = None
    """What replaced the scheme or body the term names (`France Ruralités Revitalisation (FRR)`)."""
    ended: Date | None = None
    """When it ended or was replaced."""
    formerly: Title | None = None
    """An earlier official name of the same body."""


@dataclass(frozen=True, slots=True)
class Catalogue:
    """A catalogue file: the kit's metadata and its sheets, each number used once."""

    __pydantic_config__ = _STRICT

    kit: Kit
    sheets: Annotated[tuple[Sheet, ...], EVERY_ITEM_UNTIL_ONE_FAILS, SheetList()]
    glossary: Annotated[tuple[GlossaryEntry, ...], EVERY_ITEM_UNTIL_ONE_FAILS] = ()


def build(kind: type[_T], data: Mapping[str, Any]) -> _T:
    """A model built from JSON data known to be valid (the packaged catalogue), each field as its
    type says, with no check: nested objects as their dataclasses, arrays as tuples, enums by
    value. Adding a field to a model needs no edit here."""
    fields = _fields(cast(type, kind))
    return kind(**{name: fields[name](value) for name, value in data.items()})


@cache
def _fields(kind: type) -> dict[str, Callable[[Any], Any]]:
    """How to build each field of a model from its JSON value, worked out once per model."""
    return {name: _converter(hint) for name, hint in get_type_hints(kind).items()}


def _converter(hint: Any) -> Callable[[Any], Any]:
    """How a JSON value becomes a field of this type: None stays None whatever the type."""
    union = get_origin(hint) in (Union, UnionType)
    kind = next(t for t in get_args(hint) if t is not type(None)) if union else hint
    if isinstance(kind, type) and is_dataclass(kind):
        return lambda value: None if value is None else build(kind, value)
    if get_origin(kind) is tuple:
        item = _converter(get_args(kind)[0])
        return lambda value: None if value is None else tuple(map(item, value))
    if isinstance(kind, type) and issubclass(kind, StrEnum):
        return lambda value: None if value is None else kind(value)
    return lambda value: value
