"""Validate a catalogue file: its types with pydantic, strictly, then what types cannot see (keys
given twice, links the policy refuses, glossary entries that lead nowhere), each problem with
its location and a sentence people read (`sheets[3].links.citego: link must use https`).

A hostile file costs no more than its size: lists stop at their first bad item, and a file
with more keys than its objects can hold has them found before pydantic would report each.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import MISSING, fields, is_dataclass
from functools import cache
from itertools import chain, compress, repeat
from operator import attrgetter, ne
from typing import TYPE_CHECKING, Any

from esskit.catalogue import (
    LINK_FIELDS,
    MAX_PROBLEMS,
    CatalogueError,
    Policy,
    Problem,
    location,
    quoted,
    shown,
)
from esskit.i18n import N_, _
from esskit.models import (
    CONTROL,
    DATE_PATTERN,
    MONTH_PATTERN,
    PARAGRAPH_PATTERN,
    PDF_PATTERN,
    SOURCE_PATTERN,
    TEXT_PATTERN,
    URL_PATTERN,
    Catalogue,
    GlossaryEntry,
    Kit,
    Links,
    NewerEdition,
    Sheet,
)

if TYPE_CHECKING:
    from pydantic import TypeAdapter
    from pydantic_core import ErrorDetails

_BOM = b"\xef\xbb\xbf"

_PATTERN_MESSAGES = {
    URL_PATTERN: N_("link must be an absolute https URL (no spaces or odd characters)"),
    SOURCE_PATTERN: N_("source must be an absolute https URL"),
    PDF_PATTERN: N_("PDF name must be a plain file name ending in .pdf"),
    MONTH_PATTERN: N_("date must be a year and month, YYYY-MM"),
    DATE_PATTERN: N_("date must be a year, YYYY-MM or YYYY-MM-DD"),
}
_TYPE_MESSAGES = {
    "dataclass_type": N_("expected a JSON object"),
    "dataclass_args_type": N_("expected a JSON object"),
    "dict_type": N_("expected a JSON object"),
    "tuple_type": N_("expected a JSON array"),
    "list_type": N_("expected a JSON array"),
    "int_type": N_("expected a whole number"),
    "int_parsing": N_("expected a whole number"),
    "string_type": N_("expected a string"),
    "bool_type": N_("expected true or false"),
    "missing": N_("missing field"),
    "missing_argument": N_("missing field"),
    "extra_forbidden": N_("unknown field"),
    "unexpected_keyword_argument": N_("unknown field"),
}


@cache
def adapter() -> TypeAdapter[Catalogue]:
    """The pydantic validator of catalogue files, built on first use (it takes milliseconds)."""
    from pydantic import TypeAdapter

    return TypeAdapter(Catalogue)


@cache
def _sheet_adapter() -> TypeAdapter[Sheet]:
    from pydantic import TypeAdapter

    return TypeAdapter(Sheet)


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the catalogue file format."""
    return adapter().json_schema()


def validate_bytes(
    data: bytes, policy: Policy, where: str, *, every_problem: bool = False
) -> Catalogue:
    """Validate a catalogue file's content (its types, its keys, its links, its glossary), or
    raise a CatalogueError: with its first problem, or with every problem (up to MAX_PROBLEMS)
    when asked."""
    from pydantic import ValidationError

    limit = MAX_PROBLEMS + 1 if every_problem else 1  # one more than is listed, to say so
    data = data.removeprefix(_BOM)  # as editors on Windows write UTF-8
    keys = _keys_at_most(data)
    if keys > _MOST_KEYS * data.count(b"{"):
        # some object holds more keys than any object can: find them before pydantic would
        # report each (a million unknown keys would cost gigabytes of reports)
        _refuse(where, key_problems(data, limit), limit)
    try:
        catalogue: Catalogue = adapter().validate_json(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        if errors[0]["type"] == "json_invalid":
            raise CatalogueError(where, [_json_problem(data, errors[0])]) from None
        problems = describe(errors)
        if every_problem:
            problems += _later_problems(data, errors, limit - len(problems), policy)
        _refuse(where, problems, limit)
        raise  # _refuse raised: there is a problem at least
    except RecursionError:
        raise CatalogueError(
            where, [Problem("", _("is nested too deeply to be a catalogue"))]
        ) from None
    except ValueError as exc:  # no other is known, but a reader's error is never a bug report
        message = _("cannot be read as a catalogue ({problem})").format(
            problem=shown(str(exc), 200)
        )
        raise CatalogueError(where, [Problem("", message)]) from None
    if keys != keys_given(catalogue):  # some key may be given twice: JSON readers keep the last
        _refuse(where, key_problems(data, limit), limit)
    problems = link_problems(_links(catalogue.sheets), policy)
    problems += _glossary_problems(catalogue) + _negative_zero(data)
    _refuse(where, problems, limit)
    return catalogue


def _refuse(where: str, problems: list[Problem], limit: int) -> None:
    """Raise the error for these problems, if any: each location once, at most MAX_PROBLEMS."""
    seen: set[str] = set()
    unique = []
    for problem in problems:
        if problem.where not in seen or not problem.where:
            seen.add(problem.where)
            unique.append(problem)
    if unique:
        shown_ = unique[: min(limit, MAX_PROBLEMS)]
        raise CatalogueError(where, shown_, more=len(unique) > len(shown_))


# ----------------------------------------------------------------------------- messages


def _input(value: object) -> str:
    """The value a message quotes: a string shortened and escaped, else its JSON kind (a value
    of another kind may be a million items long)."""
    if isinstance(value, str):
        return quoted(value)
    if isinstance(value, bool):
        return _("true or false")
    if isinstance(value, list | tuple):
        return _("an array")
    if isinstance(value, dict):
        return _("an object")
    return _("a number") if isinstance(value, int | float) else "null"


def _message(error: ErrorDetails) -> str:
    """A readable sentence for one pydantic error."""
    kind, value, ctx = error["type"], error.get("input"), error.get("ctx") or {}
    if kind in _TYPE_MESSAGES:
        return _(_TYPE_MESSAGES[kind])
    if kind == "string_too_long":
        return _("text is too long (over {count} characters)").format(count=ctx.get("max_length"))
    if kind == "string_pattern_mismatch" and isinstance(value, str):
        pattern = ctx.get("pattern")
        if pattern in (TEXT_PATTERN, PARAGRAPH_PATTERN):
            allowed = "\n" if pattern == PARAGRAPH_PATTERN else ""
            bad = re.search(f"[{CONTROL}]", value.replace(allowed, "") if allowed else value)
            if bad is not None:
                return _("text holds a control or invisible character ({code})").format(
                    code=f"U+{ord(bad[0]):04X}"
                )
            return _("empty text")
        return _(_PATTERN_MESSAGES.get(str(pattern), str(error["msg"])))
    if kind in ("enum", "literal_error"):
        expected = ctx.get("expected")
        message = _("unknown value {value}").format(value=_input(value))
        return message + (_(" (expected {names})").format(names=expected) if expected else "")
    if kind == "greater_than_equal":
        return _("must be {number} or more").format(number=ctx.get("ge"))
    if kind == "less_than_equal":
        return _("must be {number} or less").format(number=ctx.get("le"))
    if kind == "value_error":
        return shown(str(ctx.get("error", error["msg"])), 300)
    return shown(str(error["msg"]).replace("Input should be", "expected"), 300)


def describe(errors: Iterable[ErrorDetails], prefix: tuple[int | str, ...] = ()) -> list[Problem]:
    """Every problem in pydantic's errors (the JSON parser's excepted), each with its location
    (under `prefix`)."""
    problems = []
    for error in errors:
        loc, message = (*prefix, *error["loc"]), _message(error)
        if loc and loc[-1] == "[key]":
            loc, message = loc[:-1], _("unknown key ({problem})").format(problem=message)
        problems.append(Problem(location(loc), message))
    return problems


def _json_problem(data: bytes, error: ErrorDetails) -> Problem:
    """What the JSON parser stopped at, in plain words, with where it stopped."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return Problem(
            "", _("is not UTF-8 text (bad byte at offset {offset})").format(offset=exc.start)
        )
    detail = str((error.get("ctx") or {}).get("error", "parse error"))
    found = re.fullmatch(r"(.*) at line (\d+) column (\d+)", detail)
    what = found[1] if found else detail
    where = (
        _(" at line {line} column {column}").format(line=found[2], column=found[3]) if found else ""
    )
    if what == "number out of range":
        return Problem(
            "",
            _(
                "holds a number too long to be read{where} (a sheet number has 9 digits at most)"
            ).format(where=where),
        )
    if "surrogate" in what or what == "unexpected end of hex escape":
        return Problem(
            "",
            _(
                "holds a \\u escape{where} that is not a whole character (a lone surrogate such "
                "as \\ud800, or fewer than four hex digits)"
            ).format(where=where),
        )
    return Problem(
        "", _("is not valid JSON ({problem}{where})").format(problem=shown(what, 200), where=where)
    )


def _later_problems(
    data: bytes, errors: Sequence[ErrorDetails], limit: int, policy: Policy
) -> list[Problem]:
    """For `esskit validate`: the problems after the one where validation stopped (it stops at
    a list's first bad item): those of the later sheets, up to `limit`, keys given twice, and
    the links that can be read."""
    from pydantic import ValidationError
    from pydantic_core import from_json, to_json

    try:
        raw = from_json(data)
    except ValueError:
        return []
    sheets = raw.get("sheets") if isinstance(raw, dict) else None
    sheets = sheets if isinstance(sheets, list) else []
    stopped = next(
        (e["loc"][1] for e in errors if e["loc"][:1] == ("sheets",) and len(e["loc"]) > 1), None
    )
    problems: list[Problem] = []
    start = stopped + 1 if isinstance(stopped, int) else len(sheets)
    for index in range(start, len(sheets)):
        if len(problems) >= limit:
            break
        try:
            _sheet_adapter().validate_json(to_json(sheets[index]))
        except ValidationError as exc:
            problems += describe(exc.errors(include_url=False), ("sheets", index))
    problems += key_problems(data, limit)
    return problems + link_problems(_raw_links(sheets), policy)


# ----------------------------------------------------------------------------- keys

_MOST_KEYS = max(
    len(fields(kind)) for kind in (Catalogue, Kit, Sheet, Links, NewerEdition, GlossaryEntry)
)
"""The most keys an object of a catalogue file can hold (a sheet's `field_sources` as many)."""


def _keys_at_most(data: bytes) -> int:
    """At least as many as the keys of a JSON file (every key ends `"` then `:`, maybe spaces
    between, while a string may hold `\\":`), counted at C speed."""
    return data.count(b'":') + len(re.findall(rb'"[ \t\r\n]+:', data))


def keys_given(catalogue: Catalogue) -> int:
    """How many keys the file of a validated catalogue holds if it gives no key twice and writes
    no default out: one for each field that is not its default, counted a field at a time (a
    C-speed pass over 100 000 sheets)."""
    return _given([catalogue], Catalogue)


def _given(objects: Sequence[Any], kind: type) -> int:
    """The keys objects of one kind give: their fields that are not defaults, and the keys of
    what those hold (objects, arrays of objects, a mapping's keys)."""
    count = 0
    for field in fields(kind):
        values = list(map(attrgetter(field.name), objects))
        factory = field.default_factory
        if field.default is not MISSING or factory is not MISSING:
            default = field.default if factory is MISSING else factory()
            values = list(compress(values, map(ne, values, repeat(default))))
        count += len(values)
        items = (
            list(chain.from_iterable(values)) if values and isinstance(values[0], tuple) else values
        )
        if items and is_dataclass(items[0]):
            count += _given(items, type(items[0]))
        elif items and isinstance(items[0], dict):
            count += sum(map(len, items))
    return count


_TOKEN = rb'"([^"\\]*+(?:\\.[^"\\]*+)*+)(?:"(\s*:)?|\\?\Z)|[{}\[\],]'
"""A string (and the colon after a key), or a bracket or comma. A string that is not closed
runs to the end of the file, in one pass: each quote inside it must not start a scan again."""

_KIND_OF = {
    (Catalogue, "kit"): Kit,
    (Catalogue, "sheets"): Sheet,
    (Catalogue, "glossary"): GlossaryEntry,
    (Sheet, "links"): Links,
    (Sheet, "newer_edition"): NewerEdition,
}
"""What each key of an object of the format holds: enough of it to follow a file's objects."""


class _Open:
    """An object or array being read: its kind (a model class, or None when the format says
    nothing of it), its location, its keys so far (None for an array), and its last key or
    the index of its current item."""

    __slots__ = ("keys", "kind", "last", "loc")

    def __init__(self, kind: type | None, loc: tuple[int | str, ...], is_object: bool) -> None:
        self.kind, self.loc = kind, loc
        self.keys: set[str] | None = set() if is_object else None
        self.last: int | str = "" if is_object else 0


class _KeyReader:
    """The objects and arrays open at a point of a file, and the key problems found so far."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.stack: list[_Open] = []

    def open(self, is_object: bool) -> None:
        """An object or array begins: an item of an array is of the array's kind, the value of
        a key of the kind the format gives that key."""
        if not self.stack:
            self.stack.append(_Open(Catalogue, (), is_object))
            return
        parent = self.stack[-1]
        if parent.keys is None:
            kind = parent.kind
        else:
            kind = _KIND_OF.get((parent.kind, parent.last)) if parent.kind else None  # type: ignore[arg-type]
        self.stack.append(_Open(kind, (*parent.loc, parent.last), is_object))

    def close(self) -> None:
        if self.stack:
            self.stack.pop()

    def next_item(self) -> None:
        if self.stack and self.stack[-1].keys is None and isinstance(self.stack[-1].last, int):
            self.stack[-1].last += 1

    def key(self, raw: bytes) -> None:
        """A key of the object open: a problem when it was given already, or when the object's
        kind has no such field."""
        if not self.stack or (keys := self.stack[-1].keys) is None:
            return
        try:
            key = json.loads(b'"' + raw + b'"') if b"\\" in raw else raw.decode("utf-8")
        except ValueError:
            key = raw.decode("utf-8", "replace")
        kind = self.stack[-1].kind
        problem = None
        if key in keys:
            problem = _("given twice (each key may be given once)")
        elif kind is not None and key not in _field_names(kind):
            problem = _("unknown field")
        if problem is not None:
            self.problems.append(Problem(location((*self.stack[-1].loc, key)), problem))
        keys.add(key)
        self.stack[-1].last = key


@cache
def _field_names(kind: type) -> frozenset[str]:
    return frozenset(f.name for f in fields(kind))


def key_problems(data: bytes, limit: int) -> list[Problem]:
    """Unknown keys and keys given twice in a file of JSON, each with its location, up to
    `limit`: one pass over its strings and brackets that stops there, for a file that may be a
    million keys in one object."""
    reader = _KeyReader()
    for token in re.finditer(_TOKEN, data):
        text = token[0]
        if text in (b"{", b"["):
            reader.open(text == b"{")
        elif text in (b"}", b"]"):
            reader.close()
        elif text == b",":
            reader.next_item()
        elif token[2] is not None:
            reader.key(token[1])
            if len(reader.problems) >= limit:
                break
    return reader.problems


# ----------------------------------------------------------------------------- links, glossary

Link = tuple[int, str, str]
"""A sheet's index, where one of its links is (`links.citego`), and the address."""


def _links(sheets: Iterable[Sheet]) -> Iterator[Link]:
    for index, sheet in enumerate(sheets):
        for name in LINK_FIELDS:
            url = getattr(sheet.links, name)
            if url is not None:
                yield index, f"links.{name}", url
        if sheet.newer_edition is not None and sheet.newer_edition.page is not None:
            yield index, "newer_edition.page", sheet.newer_edition.page


def _raw_links(sheets: list[Any]) -> Iterator[Link]:
    """The links of sheets read from a file that failed validation, where they can be read."""
    for index, sheet in enumerate(sheets):
        if not isinstance(sheet, dict):
            continue
        links = sheet.get("links")
        links = links if isinstance(links, dict) else {}
        for name in LINK_FIELDS:
            if isinstance(links.get(name), str):
                yield index, f"links.{name}", links[name]
        newer = sheet.get("newer_edition")
        if isinstance(newer, dict) and isinstance(newer.get("page"), str):
            yield index, "newer_edition.page", newer["page"]


def link_problems(links: Iterable[Link], policy: Policy) -> list[Problem]:
    """A problem at `sheets[3].links.citego` for each link the policy refuses."""
    return [
        Problem(f"sheets[{index}].{where}", problem)
        for index, where, url in links
        if (problem := policy.link_problem(url)) is not None
    ]


def _glossary_problems(catalogue: Catalogue) -> list[Problem]:
    """A glossary entry that leads to a sheet the catalogue does not have."""
    numbers = {sheet.number for sheet in catalogue.sheets}
    return [
        Problem(
            f"glossary[{index}].sheets[{at}]",
            _("no sheet number {number} in the catalogue").format(number=number),
        )
        for index, entry in enumerate(catalogue.glossary)
        for at, number in enumerate(entry.sheets)
        if number not in numbers
    ]


def _negative_zero(data: bytes) -> list[Problem]:
    """`-0` written as a number (`"number": -0`), which JSON readers take for 0: a catalogue's
    numbers are written as they are meant. Looked for only when the bytes hold `-0` that does
    not go on as a longer number, then confirmed by reading the file's numbers."""

    if not any(_a_value(data, found.start()) for found in re.finditer(rb"-0(?![0-9.eE])", data)):
        return []
    found: list[str] = []

    def number(text: str) -> int:
        if text.startswith("-") and int(text) == 0:
            found.append(text)
        return int(text)

    json.loads(data, parse_int=number)
    if not found:
        return []
    return [Problem("", _("holds the number -0: write 0 (a sheet number is never negative)"))]


def _a_value(data: bytes, at: int) -> bool:
    """Whether what stands at `at` may be a value, not part of a string: a colon, bracket or comma
    before it (or only spaces as far as this looks back)."""
    return data[max(0, at - 64) : at].rstrip()[-1:] in (b":", b"[", b",", b"")
