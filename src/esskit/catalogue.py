"""Load and validate catalogues, look sheets up, and work out the page each sheet opens."""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import chain
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, get_args

from esskit.models import (
    BEYOND,
    CONTROL,
    MONTH_PATTERN,
    NUMBER_WORDS,
    PARAGRAPH_PATTERN,
    PDF_PATTERN,
    SOURCE_PATTERN,
    TEXT_PATTERN,
    URL_PATTERN,
    Catalogue,
    Category,
    GlossaryEntry,
    Kit,
    Links,
    NewerEdition,
    Sheet,
    SourcedField,
    UrlKind,
    read_number,
)

if TYPE_CHECKING:
    from pydantic import TypeAdapter
    from pydantic_core import ErrorDetails, SchemaValidator

KIT_HOSTS: tuple[str, ...] = ("socioeco.org", "citego.org", "rtes.fr", "ripess.eu")
"""Hosts the kit lives on: a link must point to one of them or a subdomain (unless allowed)."""

KIT_HUB = "https://www.rtes.fr/kit-municipaless"
"""The kit's hub at RTES, which carries its newest edition (the 2026 one)."""

SEARCH_HOST = "duckduckgo.com"
"""Host of the web search used for a sheet that has no page of its own: allowed only for the
search address esskit builds itself, never for a catalogue's links (it serves redirects)."""

LINK_FIELDS = ("socioeco", "citego", "rtes")
"""The fields of a sheet's `links` that hold addresses a browser may open."""

MAX_BYTES = 64 * 1024 * 1024
"""Largest catalogue file read (64 MiB: about 150 000 sheets in the kit's format)."""

MAX_PROBLEMS = 100
"""Most problems listed for one file; the sheets after them are not looked at."""

SEARCH_URL = f"https://{SEARCH_HOST}/?q="
"""Web search used for a sheet that has no page of its own, restricted to socioeco.org."""

# Regular expressions are kept as strings, compiled by `re` (and cached there) on first use:
# compiling them at import would cost every command, though few commands use each.
# The search address as `sheet_url` builds it: SEARCH_URL and a query escaped by `quote_plus`.
_SEARCH_ADDRESS = re.escape(SEARCH_URL) + r"[A-Za-z0-9%+._~-]+"

_HOST_NAME = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+"
"""A host name of two labels or more: a bare top-level domain (`org`) would allow every site."""

_PUBLIC_SECOND_LEVEL = frozenset(
    {"ac", "asso", "co", "com", "edu", "go", "gouv", "gov", "ne", "net", "nom", "or", "org"}
)
"""Second-level names under which anyone may register a site (`co.uk`, `gouv.fr`, `com.br`):
allowing one of them as a host would allow every site beneath it."""

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"", "0", "false", "no", "off"})

_PATTERN_MESSAGES = {
    URL_PATTERN: "link must be an absolute https URL (no spaces or odd characters)",
    SOURCE_PATTERN: "source must be an absolute https URL",
    PDF_PATTERN: "PDF name must be a plain file name ending in .pdf",
    MONTH_PATTERN: "date must be a year and month, YYYY-MM",
}

_CONTROL = f"[{CONTROL}]"

_TYPE_MESSAGES = {
    "dataclass_type": "expected a JSON object",
    "dataclass_args_type": "expected a JSON object",
    "model_type": "expected a JSON object",
    "dict_type": "expected a JSON object",
    "tuple_type": "expected a JSON array",
    "list_type": "expected a JSON array",
    "int_type": "expected a whole number",
    "int_parsing": "expected a whole number",
    "string_type": "expected a string",
}

FRENCH_CATEGORIES: dict[Category, str] = {
    Category.INTRO: "introduction",
    Category.LEVER: "levier",
    Category.THEMATIC: "thématique",
}
"""Each category's French name: shown in a French display, and taken by `parse_category`."""

_OTHER_CATEGORY_NAMES: dict[str, Category] = {
    "levers": Category.LEVER,
    "leviers": Category.LEVER,
    "thematique": Category.THEMATIC,
    "thematiques": Category.THEMATIC,
    "thématiques": Category.THEMATIC,
    "theme": Category.THEMATIC,
}
"""The other ways people write a category: plurals, no accents."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a catalogue file: where (`sheets[3].links.citego`) and what, each
    safe to print. A problem of the file as a whole has no location, and its message says what
    the file is (`is empty`)."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message

    def located(self, path: str) -> str:
        """The problem as a message names it: `cat.json: sheets[3].title_en: empty text`, or
        `cat.json is empty`."""
        return f"{path}: {self}" if self.where else f"{path} {self.message}"


class CatalogueError(Exception):
    """The catalogue file cannot be read or is not a valid catalogue: its path, its problems
    (up to MAX_PROBLEMS), and whether there are more."""

    def __init__(self, path: str, problems: Sequence[Problem], more: bool = False) -> None:
        super().__init__(problems[0].located(shown(path, 200)))
        self.path = path
        self.problems: list[Problem] = list(problems)
        self.more = more


class UnreadableCatalogue(CatalogueError):
    """The catalogue file cannot be read at all: it is missing, not a regular file, over the
    size limit, or the system refuses to read it."""


class SheetNotFound(LookupError):
    """No sheet in the catalogue has that number."""


class UnknownCategory(ValueError):
    """The name is not one of the kit's categories."""


class UnsafeUrl(ValueError):
    """A URL that esskit will not hand to a browser."""


class BadSetting(ValueError):
    """An option or environment variable holds a value whose meaning esskit will not guess."""


def parse_flag(name: str, value: str | None) -> bool:
    """An on/off setting: 1, true, yes, on or 0, false, no, off (any case; unset or empty is
    off); anything else is a BadSetting rather than a guess."""
    word = (value or "").strip().casefold()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise BadSetting(
        f"{name}={quoted(value or '')} is neither true (1, true, yes, on) nor false "
        "(0, false, no, off)"
    )


def host_name(text: str, source: str = "--allow-host") -> str:
    """A host name the user allows, lower-cased and without its dots at either end, or a
    BadSetting: an empty name, a top-level domain or a public suffix would allow every site, and
    the search host serves redirects to any of them."""
    host = text.strip().lower().strip(".")
    if (
        not re.fullmatch(_HOST_NAME, host)
        or host.split(".")[0] in _PUBLIC_SECOND_LEVEL
        and (host.count(".") == 1)
    ):
        raise BadSetting(
            f"{source}: {quoted(text)} is not a site's host name (write one such as example.org; "
            "a top-level domain or a public suffix such as co.uk would allow every site)"
        )
    if host == SEARCH_HOST or host.endswith("." + SEARCH_HOST):
        raise BadSetting(
            f"{source}: {SEARCH_HOST} is the web search esskit opens for a sheet with no page; "
            "a catalogue's links may not point to it"
        )
    return host


class Policy:
    """Which addresses links may hold and `open` may hand a browser: https (or plain http when
    allowed) to the kit's hosts, their subdomains, and the hosts the user allows."""

    __slots__ = ("allow_http", "hosts")

    def __init__(self, extra_hosts: Iterable[str] = (), allow_http: bool = False) -> None:
        self.hosts: tuple[str, ...] = KIT_HOSTS + tuple(host_name(h) for h in extra_hosts)
        self.allow_http = allow_http

    @classmethod
    def from_env(
        cls,
        extra_hosts: Iterable[str] = (),
        allow_http: bool = False,
        environ: Mapping[str, str] | None = None,
    ) -> Policy:
        """The policy the options ask for, widened by ESSKIT_ALLOW_HOSTS (comma-separated) and
        ESSKIT_ALLOW_HTTP; a BadSetting when either holds something unclear."""
        env = os.environ if environ is None else environ
        hosts = [host_name(host) for host in extra_hosts]
        listed = env.get("ESSKIT_ALLOW_HOSTS", "")
        if listed.strip():
            hosts += [host_name(host, "ESSKIT_ALLOW_HOSTS") for host in listed.split(",")]
        http = parse_flag("ESSKIT_ALLOW_HTTP", env.get("ESSKIT_ALLOW_HTTP"))
        return cls(hosts, allow_http or http)

    @property
    def allowed(self) -> re.Pattern[str]:
        """The addresses that keep the policy (those it matches at their start)."""
        return _allowed_pattern(self.hosts, self.allow_http)

    def link_problem(self, url: str) -> str | None:
        """Why an address breaks the policy, or None when it keeps it."""
        if self.allowed.match(url):
            return None
        if url.lower().startswith("http://") and not self.allow_http:
            return "link must use https"
        return (
            f"link host is not one the kit lives on ({', '.join(KIT_HOSTS)}); "
            "allow it with --allow-host"
        )


@cache
def _allowed_pattern(hosts: tuple[str, ...], allow_http: bool) -> re.Pattern[str]:
    """Addresses on `hosts` or their subdomains, built when a link is first checked (every
    command makes a Policy; few check a link)."""
    names = "|".join(re.escape(host) for host in hosts)
    return re.compile(
        rf"{'https?' if allow_http else 'https'}://(?:[a-z0-9-]+\.)*(?:{names})\.?"
        r"(?::[0-9]{1,5})?(?:[/?#]|$)",
        re.IGNORECASE,
    )


def packaged_path() -> Path:
    """The catalogue shipped with esskit (inside the package, through a link in a source tree)."""
    return Path(__file__).parent / "data" / "sheets.json"


def parse_category(name: str) -> Category:
    """A category from its English or French name, in any case, with or without accents."""
    names = {category.value: category for category in Category}
    french = {french: category for category, french in FRENCH_CATEGORIES.items()}
    category = {**names, **french, **_OTHER_CATEGORY_NAMES}.get(name.strip().casefold())
    if category is None:
        raise UnknownCategory(
            f"unknown category {quoted(name)}: choose {_either(list(names))} "
            f"(or {', '.join(french)})"
        )
    return category


def _either(names: Sequence[str]) -> str:
    """`a, b or c`."""
    return f"{', '.join(names[:-1])} or {names[-1]}" if len(names) > 1 else "".join(names)


def _read(path: Path) -> bytes:
    """The file's bytes, or a CatalogueError that says in plain words why not."""

    def refuse(message: str) -> CatalogueError:
        return UnreadableCatalogue(str(path), [Problem("", message)])

    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise refuse("is a directory, not a catalogue file")
        if not stat.S_ISREG(info.st_mode):  # a pipe or a device could block or never end
            raise refuse("is not a regular file")
        if info.st_size > MAX_BYTES:
            raise refuse(_too_big(info.st_size))
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise refuse("does not exist (no such file)") from None
    except PermissionError:
        raise refuse("cannot be read: permission denied") from None
    except OSError as exc:
        raise refuse(f"cannot be read ({exc.strerror or exc})") from None
    return _checked(data, str(path))


def read_stream(stream: BinaryIO, name: str) -> bytes:
    """A catalogue read from a stream (standard input), within the size limit of a file."""
    try:
        data = stream.read(MAX_BYTES + 1)
    except OSError as exc:
        raise CatalogueError(
            name, [Problem("", f"cannot be read ({exc.strerror or exc})")]
        ) from None
    return _checked(data, name)


def _checked(data: bytes, name: str) -> bytes:
    """The bytes read, unless they are more than a catalogue's limit or none at all."""
    if len(data) > MAX_BYTES:  # a stream, or a file that grew while it was read
        raise CatalogueError(name, [Problem("", _too_big(len(data)))])
    if not data or data.isspace():
        raise CatalogueError(name, [Problem("", "is empty")])
    return data


def _too_big(size: int) -> str:
    """Over the limit, in bytes: a file one byte over 64 MiB is not "64 MiB" in MiB."""
    return (
        f"is over the {MAX_BYTES // (1024 * 1024)} MiB limit for a catalogue "
        f"({size:,} bytes; the limit is {MAX_BYTES:,})"
    )


def _utf8_problem(data: bytes) -> str | None:
    """Why `data` is not UTF-8 text, if it is not."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"is not UTF-8 text (bad byte at offset {exc.start})"
    return None


def shown(text: str, limit: int = 60) -> str:
    """Text from the input as a message may show it: shortened to about `limit` characters,
    with control, invisible and undecodable characters written as escapes (`\\x1b`)."""
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return text if text.isprintable() else repr(text)[1:-1]


def quoted(text: str, limit: int = 60) -> str:
    """`shown`, in quotes: `'PWNED\\x07'`."""
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")


def location(loc: tuple[int | str, ...]) -> str:
    """`('sheets', 3, 'links', 'citego')` as `sheets[3].links.citego`, each name shortened and
    escaped as `shown` does (they are keys of the file, chosen by whoever wrote it)."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            name = shown(str(part), 40)
            out += f".{name}" if out else name
    return out or "(top level)"


def _input(value: object) -> str:
    """The value a message quotes: a string shortened and escaped, else its JSON kind (a value
    of another kind may be a million items long)."""
    if isinstance(value, str):
        return quoted(value)
    kinds = {list: "an array", tuple: "an array", dict: "an object", bool: "true or false"}
    return kinds.get(type(value), "a number" if isinstance(value, int | float) else "null")


def _message(error: ErrorDetails) -> str:
    """A readable sentence for one pydantic error."""
    kind = error["type"]
    value = error.get("input")
    ctx = error.get("ctx") or {}
    if kind in ("missing", "missing_argument"):
        return "missing field"
    if kind in _TYPE_MESSAGES:
        return _TYPE_MESSAGES[kind]
    if kind == "string_too_long":
        return f"text is too long (over {ctx.get('max_length')} characters)"
    if kind in ("extra_forbidden", "unexpected_keyword_argument"):
        return "unknown field"
    if kind == "string_pattern_mismatch" and isinstance(value, str):
        pattern = ctx.get("pattern")
        if pattern in (TEXT_PATTERN, PARAGRAPH_PATTERN):
            allowed = "\n" if pattern == PARAGRAPH_PATTERN else ""
            bad = next((c for c in value if re.match(_CONTROL, c) and c not in allowed), None)
            if bad is not None:
                return f"text holds a control or invisible character (U+{ord(bad):04X})"
            return "empty text"
        return _PATTERN_MESSAGES.get(str(pattern), str(error["msg"]))
    if kind == "enum":
        return f"unknown value {_input(value)} (expected {ctx.get('expected', 'a listed value')})"
    if kind == "literal_error":
        return f"unknown value {_input(value)}"
    if kind == "greater_than_equal":
        return f"must be {ctx.get('ge')} or more"
    if kind == "less_than_equal":
        return f"must be {ctx.get('le')} or less"
    if kind == "value_error":
        return shown(str(ctx.get("error", error["msg"])), 300)
    message = str(error["msg"]).removeprefix("Value error, ").replace("Input should be", "expected")
    return shown(message, 300)


_JSON_ERROR = r"(.*) at line (\d+) column (\d+)"


def _json_problem(data: bytes, error: ErrorDetails) -> Problem:
    """What the JSON parser stopped at, in plain words, with where it stopped."""
    not_utf8 = _utf8_problem(data)
    if not_utf8 is not None:
        return Problem("", not_utf8)
    detail = str((error.get("ctx") or {}).get("error", "parse error"))
    found = re.fullmatch(_JSON_ERROR, detail)
    what, where = (found[1], f" at line {found[2]} column {found[3]}") if found else (detail, "")
    if what == "number out of range":
        return Problem(
            "", f"holds a number too long to be read{where} (a sheet number has 9 digits at most)"
        )
    if "surrogate" in what or what == "unexpected end of hex escape":
        return Problem(
            "",
            f"holds a \\u escape{where} that is not a whole character (a lone surrogate "
            "such as \\ud800, or fewer than four hex digits)",
        )
    return Problem("", f"is not valid JSON ({shown(what, 200)}{where})")


def describe(errors: list[ErrorDetails], prefix: tuple[int | str, ...] = ()) -> list[Problem]:
    """Every problem in pydantic's errors (the JSON parser's excepted), each with its location
    (under `prefix`)."""
    problems = []
    for error in errors:
        loc = (*prefix, *error["loc"])
        message = _message(error)
        if loc and loc[-1] == "[key]":
            loc, message = loc[:-1], f"unknown key ({message})"
        problems.append(Problem(location(loc), message))
    return problems


def _lenient_keys(schema: Any) -> Any:
    """A copy of a pydantic core schema whose objects ignore unknown keys instead of reporting
    each of them (a file of a million unknown keys would cost gigabytes of errors):
    `_key_problems` and `_tree_key_problems` find unknown keys instead."""
    if isinstance(schema, dict):
        copy = {key: _lenient_keys(value) for key, value in schema.items()}
        if copy.get("extra_fields_behavior") == "forbid":
            copy["extra_fields_behavior"] = "ignore"
        return copy
    if isinstance(schema, list):
        return [_lenient_keys(item) for item in schema]
    return schema


@cache
def adapter() -> TypeAdapter[Catalogue]:
    """The pydantic validator of catalogue files, built on first use (it takes milliseconds)."""
    from pydantic import TypeAdapter

    return TypeAdapter(Catalogue)


@cache
def _validator(kind: type[Catalogue] | type[Sheet]) -> SchemaValidator:
    """The validator of a catalogue file or of one sheet, unknown keys left to be found apart."""
    from pydantic import TypeAdapter
    from pydantic_core import SchemaValidator

    schema = adapter().core_schema if kind is Catalogue else TypeAdapter(kind).core_schema
    return SchemaValidator(_lenient_keys(schema))


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the catalogue file format."""
    return adapter().json_schema()


_BOM = b"\xef\xbb\xbf"


def validate_bytes(
    data: bytes, policy: Policy, where: str, *, every_problem: bool = False
) -> Catalogue:
    """Validate a catalogue file's content (its types, its keys, its links, its glossary), or
    raise a CatalogueError: with its first problem, or with every problem (up to MAX_PROBLEMS)
    when asked."""
    from pydantic import ValidationError

    limit = MAX_PROBLEMS + 1 if every_problem else 1  # one more than is listed, to say so
    data = data.removeprefix(_BOM)  # as editors on Windows write UTF-8
    keys = data.count(b'":')
    if keys > _MOST_KEYS * data.count(b"{"):
        # More keys than objects can hold: some are unknown or given twice. Find the first few
        # before parsing, which for a million of them would cost ten times the file's size.
        problems = _key_problems(data, limit)
        if problems:
            raise _error(where, problems, limit)
    try:
        catalogue: Catalogue = _validator(Catalogue).validate_json(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        if errors[0]["type"] == "json_invalid":
            raise CatalogueError(where, [_json_problem(data, errors[0])]) from None
        problems = describe(errors)
        if every_problem:
            sheets = _raw_sheets(data)
            problems += _later_sheet_problems(sheets, errors, limit - len(problems))
            problems += _tree_key_problems(data, limit)
            problems += _link_problems(_links_in_json(sheets), policy)
        raise _error(where, problems, limit) from None
    except RecursionError:
        raise CatalogueError(
            where, [Problem("", "is nested too deeply to be a catalogue")]
        ) from None
    except ValueError as exc:  # no other is known, but a reader's error is never a bug report
        problem = Problem("", f"cannot be read as a catalogue ({shown(str(exc), 200)})")
        raise CatalogueError(where, [problem]) from None
    # Keys the types could not see: unknown ones, and any given twice (JSON parsers keep the
    # last). Counting is enough to rule both out, unless the file writes a default out.
    if keys != _keys_given(catalogue):
        problems = _tree_key_problems(data, limit)
        if problems:
            raise _error(where, problems, limit)
    problems = _sheet_link_problems(catalogue.sheets, policy)
    problems += _glossary_problems(catalogue)
    problems += _negative_zero(data)
    if problems:
        raise _error(where, problems, limit)
    return catalogue


def _negative_zero(data: bytes) -> list[Problem]:
    """`-0` written as a number (`"number": -0`), which JSON readers take for 0: a catalogue's
    numbers are written as they are meant. Looked for only when the bytes hold `-0` that does
    not go on as a longer number, then confirmed by reading the file's numbers."""
    import json

    if not re.search(rb"-0(?![0-9.eE])", data):
        return []
    found: list[str] = []

    def number(text: str) -> int:
        if text.startswith("-") and int(text) == 0:
            found.append(text)
        return int(text)

    json.loads(data, parse_int=number)
    if not found:
        return []
    return [Problem("", "holds the number -0: write 0 (a sheet number is never negative)")]


def _error(where: str, problems: list[Problem], limit: int) -> CatalogueError:
    """The error for these problems: each location once, at most MAX_PROBLEMS of them."""
    seen: set[str] = set()
    unique = []
    for problem in problems:
        if problem.where not in seen or not problem.where:
            seen.add(problem.where)
            unique.append(problem)
    shown_ = unique[: min(limit, MAX_PROBLEMS)]
    return CatalogueError(where, shown_, more=len(unique) > len(shown_))


def _raw_sheets(data: bytes) -> list[Any]:
    """The `sheets` array of a file that failed validation, as far as its shape lets it be read."""
    from pydantic_core import from_json

    try:
        raw = from_json(data)
    except ValueError:
        return []
    sheets = raw.get("sheets") if isinstance(raw, dict) else None
    return sheets if isinstance(sheets, list) else []


def _later_sheet_problems(
    sheets: list[Any], errors: list[ErrorDetails], limit: int
) -> list[Problem]:
    """The problems of the sheets after the one where validation stopped, up to `limit`."""
    from pydantic import ValidationError
    from pydantic_core import to_json

    # the index of the sheet where validation stopped (None: it stopped elsewhere)
    locs = (error["loc"] for error in errors)
    stopped = next((loc[1] for loc in locs if len(loc) > 1 and loc[0] == "sheets"), None)
    if not isinstance(stopped, int):
        return []
    problems: list[Problem] = []
    for index in range(stopped + 1, len(sheets)):
        if len(problems) >= limit:
            break
        try:
            _validator(Sheet).validate_json(to_json(sheets[index]))
        except ValidationError as exc:
            problems += describe(exc.errors(include_url=False), ("sheets", index))
    return problems


_SHEET_OPTIONAL = (
    "title_fr", "summary_fr", "published", "keywords_fr", "keywords_en", "keywords_es",
    "keywords_it", "keywords_pt", "keywords_de", "related_fr", "related_en", "sources",
    "field_sources",
)  # fmt: skip
_optional_fields = attrgetter(*_SHEET_OPTIONAL)
_newer_optional = attrgetter("title_fr", "page")


def _keys_given(catalogue: Catalogue) -> int:
    """How many keys the file of `catalogue` holds if it has no unknown key, no key given twice
    and no default written out: one for each field that is not its default. (One `map` a field,
    which keeps it to a few hundredths of a second for 100 000 sheets.)"""
    sheets = catalogue.sheets
    count = 3 * len(sheets)  # number, category, title_en
    # the optional fields that are not their defaults (none can be an empty string)
    count += len(list(filter(None, chain.from_iterable(map(_optional_fields, sheets)))))
    count += sum(map(len, map(attrgetter("field_sources"), sheets)))
    links = list(
        filter(any, map(attrgetter(*LINK_FIELDS, "pdf"), map(attrgetter("links"), sheets)))
    )
    count += len(links) + len(list(filter(None, chain.from_iterable(links))))
    newer = list(filter(None, map(attrgetter("newer_edition"), sheets)))
    count += 3 * len(newer) + sum(map(bool, chain.from_iterable(map(_newer_optional, newer))))
    count += 2 + bool(catalogue.glossary)  # kit, sheets, glossary
    count += 4 + bool(catalogue.kit.sources)
    for entry in catalogue.glossary:
        count += 2 + (entry.en is not None) + bool(entry.sheets) + entry.case_sensitive
        count += sum(
            value is not None for value in (entry.replaced_by, entry.ended, entry.formerly)
        )
    return count


# Which keys each object of a catalogue file may hold, and what the value of a key (or the
# items of an array) is: enough of the format to follow a file's objects.
_KEYS: dict[str, frozenset[str]] = {
    "catalogue": frozenset(Catalogue.__dataclass_fields__),
    "kit": frozenset(Kit.__dataclass_fields__),
    "sheet": frozenset(Sheet.__dataclass_fields__),
    "links": frozenset(Links.__dataclass_fields__),
    "newer_edition": frozenset(NewerEdition.__dataclass_fields__),
    "entry": frozenset(GlossaryEntry.__dataclass_fields__),
}
_VALUES: dict[tuple[str, str | None], str] = {
    ("catalogue", "kit"): "kit",
    ("catalogue", "sheets"): "sheets",
    ("catalogue", "glossary"): "glossary",
    ("sheets", None): "sheet",
    ("glossary", None): "entry",
    ("sheet", "links"): "links",
    ("sheet", "newer_edition"): "newer_edition",
    ("sheet", "field_sources"): "field_sources",
}
_NESTED: dict[str, tuple[str, ...]] = {
    kind: tuple(key for parent, key in _VALUES if parent == kind and key is not None)
    for kind in _KEYS
}
"""The keys of each kind of object whose values are objects or arrays of them."""
_MOST_KEYS = max(*map(len, _KEYS.values()), len(get_args(SourcedField)))
"""The most keys an object of a catalogue file can hold (a sheet's `field_sources`)."""
_TOKEN = rb'"([^"\\]*+(?:\\.[^"\\]*+)*+)(?:"(\s*:)?|\\?\Z)|[{}\[\],]'
"""A string (and the colon after a key), or a bracket or comma. A string that is not closed
runs to the end of the file, in one pass: each quote inside it must not start a scan again."""


class _Open:
    """An object or array `_key_problems` is inside: its kind (a key of _KEYS or _VALUES, or
    empty when the format says nothing of it), its location, the keys seen in it (None for an
    array), and its last key or, for an array, the index of its current item."""

    __slots__ = ("keys", "kind", "last", "loc")

    def __init__(self, kind: str, loc: tuple[int | str, ...], is_object: bool) -> None:
        self.kind = kind
        self.loc = loc
        self.keys: set[str] | None = set() if is_object else None
        self.last: int | str = "" if is_object else 0


def _key_problems(data: bytes, limit: int) -> list[Problem]:
    """Unknown keys and keys given twice in a file of JSON, each with its location, up to `limit`:
    one pass over its strings and brackets that stops there and holds nothing of the file, for
    a file that may be a million keys in one object (`_tree_key_problems` is faster otherwise)."""
    import json

    problems: list[Problem] = []
    stack: list[_Open] = []
    for token in re.finditer(_TOKEN, data):
        text = token[0]
        if text in (b"{", b"["):
            if stack:
                parent = stack[-1]
                slot = parent.last if parent.keys is not None else None
                kind = _VALUES.get((parent.kind, slot if isinstance(slot, str) else None), "")
                stack.append(_Open(kind, (*parent.loc, parent.last), text == b"{"))
            else:
                stack.append(_Open("catalogue", (), text == b"{"))
        elif text in (b"}", b"]"):
            if stack:
                stack.pop()
        elif text == b",":
            if stack and stack[-1].keys is None and isinstance(stack[-1].last, int):
                stack[-1].last += 1
        elif token[2] is not None and stack and (keys := stack[-1].keys) is not None:
            raw = token[1]
            try:
                key = json.loads(b'"' + raw + b'"') if b"\\" in raw else raw.decode("utf-8")
            except ValueError:
                key = raw.decode("utf-8", "replace")
            where = location((*stack[-1].loc, key))
            allowed = _KEYS.get(stack[-1].kind)
            if key in keys:
                problems.append(Problem(where, "given twice (each key may be given once)"))
            elif allowed is not None and key not in allowed:
                problems.append(Problem(where, "unknown field"))
            keys.add(key)
            stack[-1].last = key
            if len(problems) >= limit:
                break
    return problems


class _Repeated(dict[str, Any]):
    """An object of the file that gives some key more than once, with those keys."""

    __slots__ = ("repeated",)

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        super().__init__(pairs)
        seen: set[str] = set()
        self.repeated: list[str] = []
        for key, _ in pairs:
            if key in seen:
                self.repeated.append(key)
            seen.add(key)


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object as `json` reads it, marked when it gives a key twice."""
    obj = dict(pairs)
    return obj if len(obj) == len(pairs) else _Repeated(pairs)


def _tree_key_problems(data: bytes, limit: int) -> list[Problem]:
    """Unknown keys and keys given twice, each with its location, up to `limit`: the file read
    whole by `json` (its C reader, a few times faster than `_key_problems`), then its objects
    looked at where the format has them."""
    import json

    try:
        tree = json.loads(data, object_pairs_hook=_object)
    except (ValueError, RecursionError):
        return []
    problems: list[Problem] = []

    def visit(obj: Any, kind: str, loc: tuple[int | str, ...]) -> None:
        if not isinstance(obj, dict) or len(problems) >= limit:
            return
        for key in getattr(obj, "repeated", ()):
            problems.append(
                Problem(location((*loc, key)), "given twice (each key may be given once)")
            )
        allowed = _KEYS.get(kind)
        if allowed is not None and not allowed.issuperset(obj):
            problems.extend(
                Problem(location((*loc, key)), "unknown field") for key in obj if key not in allowed
            )
        for key in _NESTED.get(kind, ()):
            value, child = obj.get(key), _VALUES[(kind, key)]
            if isinstance(value, list):
                for index, item in enumerate(value):
                    visit(item, _VALUES.get((child, None), ""), (*loc, key, index))
            else:
                visit(value, child, (*loc, key))

    visit(tree, "catalogue", ())
    return problems[:limit]


def _glossary_problems(catalogue: Catalogue) -> list[Problem]:
    """A glossary entry that leads to a sheet the catalogue does not have."""
    numbers = {sheet.number for sheet in catalogue.sheets}
    return [
        Problem(f"glossary[{index}].sheets[{at}]", f"no sheet number {number} in the catalogue")
        for index, entry in enumerate(catalogue.glossary)
        for at, number in enumerate(entry.sheets)
        if number not in numbers
    ]


Link = tuple[int, str, str]
"""A sheet's index, where one of its links is (`links.citego`), and the address."""


def _links_in_sheets(sheets: Iterable[Sheet]) -> Iterator[Link]:
    for index, sheet in enumerate(sheets):
        for name in LINK_FIELDS:
            url = getattr(sheet.links, name)
            if url is not None:
                yield index, f"links.{name}", url
        newer = sheet.newer_edition
        if newer is not None and newer.page is not None:
            yield index, "newer_edition.page", newer.page


def _sheet_link_problems(sheets: Sequence[Sheet], policy: Policy) -> list[Problem]:
    """The links of validated sheets that the policy refuses."""
    return _link_problems(_links_in_sheets(sheets), policy)


def _links_in_json(sheets: list[Any]) -> Iterator[Link]:
    """The links of sheets read from a file that failed validation, where they can be read."""
    for index, sheet in enumerate(sheets):
        if not isinstance(sheet, dict):
            continue
        links = sheet.get("links")
        links = links if isinstance(links, dict) else {}
        for name in LINK_FIELDS:
            url = links.get(name)
            if isinstance(url, str):
                yield index, f"links.{name}", url
        newer = sheet.get("newer_edition")
        if isinstance(newer, dict) and isinstance(newer.get("page"), str):
            yield index, "newer_edition.page", newer["page"]


def _link_problems(links: Iterable[Link], policy: Policy) -> list[Problem]:
    """A problem at `sheets[3].links.citego` for each link the policy refuses."""
    return [
        Problem(f"sheets[{index}].{where}", problem)
        for index, where, url in links
        if (problem := policy.link_problem(url)) is not None
    ]


def _construct(raw: dict[str, Any]) -> Catalogue:
    """Build the packaged catalogue without validating it again (the test suite validates it)."""
    sheets = []
    for item in raw["sheets"]:
        values = dict(item)
        values["category"] = Category(values["category"])
        values["links"] = Links(**values.get("links", {}))
        if "newer_edition" in values:
            values["newer_edition"] = NewerEdition(**values["newer_edition"])
        for key in (*_SHEET_OPTIONAL[3:-1], "sources"):
            values[key] = tuple(values.get(key, ()))
        sheets.append(Sheet(**values))
    kit = dict(raw["kit"])
    kit["sources"] = tuple(kit.get("sources", ()))
    glossary = tuple(
        GlossaryEntry(**{**entry, "sheets": tuple(entry.get("sheets", ()))})
        for entry in raw.get("glossary", ())
    )
    return Catalogue(kit=Kit(**kit), sheets=tuple(sheets), glossary=glossary)


def load(path: Path | str | None = None, policy: Policy | None = None) -> Catalogue:
    """The catalogue at `path` (validated), else the packaged one."""
    policy = policy or Policy()
    if path is None:
        import json

        return _construct(json.loads(_read(packaged_path())))
    return validate_bytes(_read(_path(path)), policy, str(path))


def check(path: Path | str | None = None, policy: Policy | None = None) -> Catalogue:
    """Fully validate a catalogue file (the packaged one when no path is given), listing every
    problem (up to MAX_PROBLEMS)."""
    target = packaged_path() if path is None else _path(path)
    return validate_bytes(_read(target), policy or Policy(), str(target), every_problem=True)


def _path(path: Path | str) -> Path:
    """A catalogue's path, or an UnreadableCatalogue for an empty one (it names no file)."""
    if str(path) == "":
        raise UnreadableCatalogue("", [Problem("", "an empty path names no catalogue file")])
    return Path(path)


def get_sheet(catalogue: Catalogue, number: int) -> Sheet:
    """The sheet with that number, or SheetNotFound."""
    for sheet in catalogue.sheets:
        if sheet.number == number:
            return sheet
    numbers = [sheet.number for sheet in catalogue.sheets]
    raise SheetNotFound(
        f"no sheet number {number} in the catalogue (it has {min(numbers)} to {max(numbers)})"
    )


def get_sheets(catalogue: Catalogue, numbers: Iterable[int]) -> list[Sheet]:
    """The sheets with these numbers, in that order, each once; SheetNotFound for the first
    number the catalogue does not have."""
    by_number = {sheet.number: sheet for sheet in catalogue.sheets}
    chosen: dict[int, Sheet] = {}
    for number in numbers:
        if number not in by_number:
            get_sheet(catalogue, number)  # raises, with the message of a single lookup
        chosen.setdefault(number, by_number[number])
    return list(chosen.values())


def numbers_by_category(sheets: Iterable[Sheet]) -> dict[Category, list[int]]:
    """The numbers of these sheets by category, the categories in the kit's order and the
    numbers in the order given."""
    found: dict[Category, list[int]] = {}
    for sheet in sheets:
        found.setdefault(sheet.category, []).append(sheet.number)
    return {category: found[category] for category in Category if category in found}


def parse_number(text: str) -> int:
    """A sheet number typed by a user (`13`, `fiche 13`, `n°13`, `#13`, `0013`), or
    SheetNotFound."""
    number = read_number(text)
    if number is None:
        if not text.strip():
            raise SheetNotFound("a sheet number is needed, for example 'esskit show 13'")
        raise SheetNotFound(
            f"{quoted(text, 40)} is not a sheet number (use a whole number such as 13)"
        )
    if number >= BEYOND:
        raise SheetNotFound(f"{quoted(text.strip(), 40)} is far beyond any sheet number")
    if number < 0:
        raise SheetNotFound(f"{quoted(text.strip(), 40)} is not a sheet number (they start at 0)")
    return number


def parse_numbers(texts: Iterable[str]) -> Iterator[int]:
    """The sheet numbers typed as separate words, in order (`fiche 8` as two words is 8), or
    SheetNotFound at the first that is not one (`8,16,7` says to separate them with spaces)."""
    words = list(texts)
    for at, text in enumerate(words):
        if text.strip().casefold() in NUMBER_WORDS and at + 1 < len(words):
            continue  # `show fiche 8`: the word before the number
        parts = [part.strip() for part in text.split(",") if part.strip()]
        if "," in text and all(read_number(part) is not None for part in parts):
            spaced = quoted(" ".join(parts), 40)
            raise SheetNotFound(
                f"{quoted(text, 40)}: separate sheet numbers with spaces, as in {spaced}"
            )
        yield parse_number(text)


def sheet_url(sheet: Sheet, *, search: bool = False) -> tuple[str, UrlKind]:
    """The page a sheet opens: socioeco.org, else citego.org, else a socioeco.org web search."""
    if not search:
        if sheet.links.socioeco:
            return sheet.links.socioeco, UrlKind.SOCIOECO
        if sheet.links.citego:
            return sheet.links.citego, UrlKind.CITEGO
    from urllib.parse import quote_plus

    query = f'site:socioeco.org "{search_phrase(sheet.title)}"'
    return SEARCH_URL + quote_plus(query), UrlKind.SEARCH


def search_phrase(title: str) -> str:
    """A title as the words of one quoted phrase: whatever it holds, it cannot close its quotes
    or add operators (`-site:`, `!bang`) to the search built around it."""
    return " ".join(re.sub(r'["!\\]', " ", title).split())


def safe_url(url: str, policy: Policy, kind: UrlKind | None = None) -> str:
    """The URL itself when it is safe to hand to a browser, else UnsafeUrl. The search host is
    accepted only for the search address `sheet_url` builds (`kind` SEARCH)."""
    if not url or url != url.strip() or any(c.isspace() or not c.isprintable() for c in url):
        raise UnsafeUrl("refusing to open a URL with spaces or control characters")
    if url.startswith("-"):
        raise UnsafeUrl("refusing to open a URL that starts with '-'")
    if kind is UrlKind.SEARCH and re.fullmatch(_SEARCH_ADDRESS, url):
        return url
    if policy.link_problem(url) is not None:
        scheme = "https or http" if policy.allow_http else "https"
        raise UnsafeUrl(
            f"refusing to open {quoted(url)}: only {scheme} addresses on the kit's hosts are opened"
        )
    return url
