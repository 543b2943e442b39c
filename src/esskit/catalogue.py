"""Load and validate catalogues, look sheets up, and work out the page each sheet opens."""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterable, Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from esskit.models import (
    CONTROL,
    MONTH_PATTERN,
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
    Sheet,
    UrlKind,
    named_number,
)

if TYPE_CHECKING:
    from pydantic import TypeAdapter
    from pydantic_core import ErrorDetails

KIT_HOSTS: tuple[str, ...] = ("socioeco.org", "citego.org", "rtes.fr", "ripess.eu")
"""Hosts the kit lives on: a link must point to one of them or a subdomain (unless allowed)."""

SEARCH_HOST = "duckduckgo.com"
"""Host of the web search used for a sheet that has no page of its own: allowed only for the
search address esskit builds itself, never for a catalogue's links (it serves redirects)."""

LINK_FIELDS = ("socioeco", "citego", "rtes")
"""The fields of a sheet's `links` that hold addresses a browser may open."""

MAX_BYTES = 64 * 1024 * 1024
"""Largest catalogue file read (64 MiB: about 150 000 sheets in the kit's format)."""

MAX_PROBLEMS = 100
"""Most problems listed for one file; the sheets after them are not looked at."""

_MAX_ERRORS = 1_000
"""More validation errors than this at once cannot come from a catalogue with mistakes: every
collection stops at its first bad item, so only thousands of unknown fields get there."""

SEARCH_URL = f"https://{SEARCH_HOST}/?q="
"""Web search used for a sheet that has no page of its own, restricted to socioeco.org."""

# The search address as `sheet_url` builds it: SEARCH_URL and a query escaped by `quote_plus`.
_SEARCH_ADDRESS = re.compile(re.escape(SEARCH_URL) + r"[A-Za-z0-9%+._~-]+")

_HOST_NAME = re.compile(r"[a-z0-9-]+(?:\.[a-z0-9-]+)*")

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"", "0", "false", "no", "off"})

_PATTERN_MESSAGES = {
    URL_PATTERN: "link must be an absolute https URL (no spaces or odd characters)",
    SOURCE_PATTERN: "source must be an absolute https URL",
    PDF_PATTERN: "PDF name must be a plain file name ending in .pdf",
    MONTH_PATTERN: "date must be a year and month, YYYY-MM",
}

_CONTROL = re.compile(f"[{CONTROL}]")

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

_CATEGORY_NAMES: dict[str, Category] = {
    "intro": Category.INTRO,
    "introduction": Category.INTRO,
    "lever": Category.LEVER,
    "levers": Category.LEVER,
    "levier": Category.LEVER,
    "leviers": Category.LEVER,
    "thematic": Category.THEMATIC,
    "thematique": Category.THEMATIC,
    "thematiques": Category.THEMATIC,
    "thématique": Category.THEMATIC,
    "thématiques": Category.THEMATIC,
    "theme": Category.THEMATIC,
}


class CatalogueError(Exception):
    """The catalogue file cannot be read or is not a valid catalogue."""

    def __init__(self, message: str, problems: Iterable[str] = ()) -> None:
        super().__init__(message)
        self.problems: list[str] = list(problems) or [message]


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
    BadSetting (an empty or dot-only name would allow every host)."""
    host = text.strip().lower().strip(".")
    if not _HOST_NAME.fullmatch(host):
        raise BadSetting(
            f"{source}: {quoted(text)} is not a host name (write one such as example.org)"
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

    def link_problem(self, url: str) -> str | None:
        """Why an address breaks the policy, or None when it keeps it."""
        if _allowed_pattern(self.hosts, self.allow_http).match(url):
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
    category = _CATEGORY_NAMES.get(name.strip().casefold())
    if category is None:
        raise UnknownCategory(
            f"unknown category {name!r}: choose intro, lever or thematic "
            "(or introduction, levier, thématique)"
        )
    return category


def _read(path: Path) -> bytes:
    """The file's bytes, or a CatalogueError that says in plain words why not."""
    where = str(path)
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise CatalogueError(f"{where} is a directory, not a catalogue file")
        if not stat.S_ISREG(info.st_mode):  # a pipe or a device could block or never end
            raise CatalogueError(f"{where} is not a regular file")
        size = info.st_size
        if size > MAX_BYTES:
            raise CatalogueError(
                f"{where} is {size // (1024 * 1024)} MiB, over the {MAX_BYTES // (1024 * 1024)} "
                "MiB limit for a catalogue"
            )
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise CatalogueError(f"{where}: no such file") from None
    except PermissionError:
        raise CatalogueError(f"{where}: permission denied") from None
    except OSError as exc:
        raise CatalogueError(f"{where}: cannot be read ({exc.strerror or exc})") from None
    if len(data) > MAX_BYTES:
        raise CatalogueError(f"{where} is over the {MAX_BYTES // (1024 * 1024)} MiB limit")
    if not data or data.isspace():
        raise CatalogueError(f"{where} is empty")
    return data


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
    """`('sheets', 3, 'links', 'citego')` as `sheets[3].links.citego`."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"


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
    if kind == "json_invalid":
        return f"not valid JSON ({ctx.get('error', 'parse error')})"
    if kind == "string_pattern_mismatch" and isinstance(value, str):
        pattern = ctx.get("pattern")
        if pattern in (TEXT_PATTERN, PARAGRAPH_PATTERN):
            allowed = "\n" if pattern == PARAGRAPH_PATTERN else ""
            bad = next((c for c in value if _CONTROL.match(c) and c not in allowed), None)
            if bad is not None:
                return f"text holds a control character (U+{ord(bad):04X})"
            return "empty text"
        return _PATTERN_MESSAGES.get(str(pattern), str(error["msg"]))
    if kind == "enum":
        return (
            f"unknown value {value!r} (expected {ctx.get('expected', 'one of the listed values')})"
        )
    if kind == "literal_error":
        return f"unknown value {value!r}"
    if kind == "greater_than_equal":
        return f"must be {ctx.get('ge')} or more"
    if kind == "less_than_equal":
        return f"must be {ctx.get('le')} or less"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    return str(error["msg"]).removeprefix("Value error, ").replace("Input should be", "expected")


def describe(errors: list[ErrorDetails], prefix: tuple[int | str, ...] = ()) -> list[str]:
    """Every problem in pydantic's errors, each as `location: message` (under `prefix`)."""
    problems = []
    for error in errors:
        loc = (*prefix, *error["loc"])
        if error["type"] == "json_invalid":
            problems.append(_message(error))
            continue
        message = _message(error)
        if loc and loc[-1] == "[key]":
            loc, message = loc[:-1], f"unknown key ({message})"
        problems.append(f"{location(loc)}: {message}")
    return problems


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
    """Validate a catalogue file's content, or raise a CatalogueError: with its first problem, or
    with every problem (up to MAX_PROBLEMS) when asked."""
    from pydantic import ValidationError

    try:
        catalogue = adapter().validate_json(data)
    except ValidationError as exc:
        if exc.error_count() > _MAX_ERRORS:  # thousands of unknown fields, say
            raise CatalogueError(
                f"{where} does not look like a catalogue ({exc.error_count():,} problems)"
            ) from None
        errors = exc.errors(include_url=False)
        # the JSON parser stops at a bad byte too: say so in plain words
        not_utf8 = _utf8_problem(data) if errors[0]["type"] == "json_invalid" else None
        if not_utf8 is not None:
            raise CatalogueError(f"{where} {not_utf8}") from None
        problems = describe(errors)
        if every_problem:
            sheets = _raw_sheets(data)
            # one more than is listed, to know whether there are more
            problems += _later_sheet_problems(sheets, errors, MAX_PROBLEMS + 1 - len(problems))
            located = {problem.partition(": ")[0] for problem in problems}
            problems += [  # links the policy refuses, where the types found nothing wrong
                problem
                for problem in _link_problems(_links_in_json(sheets), policy)
                if problem.partition(": ")[0] not in located
            ]
        raise CatalogueError(f"{where}: {problems[0]}", _at_most(problems)) from None
    except (ValueError, RecursionError) as exc:
        raise CatalogueError(f"{where}: cannot be read as a catalogue ({exc})") from None
    problems = _link_problems(_links_in_sheets(catalogue.sheets), policy)
    if problems:
        raise CatalogueError(f"{where}: {problems[0]}", _at_most(problems))
    return catalogue


def _raw_sheets(data: bytes) -> list[Any]:
    """The `sheets` array of a file that failed validation, as far as its shape lets it be read."""
    from pydantic_core import from_json

    try:
        raw = from_json(data)
    except ValueError:
        return []
    sheets = raw.get("sheets") if isinstance(raw, dict) else None
    return sheets if isinstance(sheets, list) else []


def _later_sheet_problems(sheets: list[Any], errors: list[ErrorDetails], limit: int) -> list[str]:
    """The problems of the sheets after the one where validation stopped, up to `limit`."""
    from pydantic import ValidationError
    from pydantic_core import to_json

    # the index of the sheet where validation stopped (None: it stopped elsewhere)
    locs = (error["loc"] for error in errors)
    stopped = next((loc[1] for loc in locs if len(loc) > 1 and loc[0] == "sheets"), None)
    if not isinstance(stopped, int):
        return []
    problems: list[str] = []
    for index in range(stopped + 1, len(sheets)):
        if len(problems) >= limit:
            break
        try:
            _sheet_adapter().validate_json(to_json(sheets[index]))
        except ValidationError as exc:
            problems += describe(exc.errors(include_url=False), ("sheets", index))
    return problems


def _at_most(problems: list[str]) -> list[str]:
    """The first MAX_PROBLEMS problems, and a last line saying when there are more."""
    if len(problems) <= MAX_PROBLEMS:
        return problems
    return [*problems[:MAX_PROBLEMS], f"only the first {MAX_PROBLEMS} problems are listed"]


Link = tuple[int, str, str]
"""A sheet's index, the name of one of its links, and the address."""


def _links_in_sheets(sheets: Iterable[Sheet]) -> Iterator[Link]:
    for index, sheet in enumerate(sheets):
        for name in LINK_FIELDS:
            url = getattr(sheet.links, name)
            if url is not None:
                yield index, name, url


def _links_in_json(sheets: list[Any]) -> Iterator[Link]:
    """The links of sheets read from a file that failed validation, where they can be read."""
    for index, sheet in enumerate(sheets):
        links = sheet.get("links") if isinstance(sheet, dict) else None
        if not isinstance(links, dict):
            continue
        for name in LINK_FIELDS:
            url = links.get(name)
            if isinstance(url, str):
                yield index, name, url


def _link_problems(links: Iterable[Link], policy: Policy) -> list[str]:
    """`sheets[3].links.citego: ...` for each link the policy refuses."""
    return [
        f"sheets[{index}].links.{name}: {problem}"
        for index, name, url in links
        if (problem := policy.link_problem(url)) is not None
    ]


def _construct(raw: dict[str, Any]) -> Catalogue:
    """Build the packaged catalogue without validating it again (the test suite validates it)."""
    sheets = []
    for item in raw["sheets"]:
        values = dict(item)
        values["category"] = Category(values["category"])
        values["links"] = Links(**values.get("links", {}))
        for key in ("keywords_fr", "keywords_en", "sources"):
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
    """The catalogue at `path` (validated), else at $ESSKIT_CATALOGUE, else the packaged one."""
    if path is None or str(path) == "":
        path = os.environ.get("ESSKIT_CATALOGUE") or None
    policy = policy or Policy()
    if path is None:
        packaged = packaged_path()
        from pydantic_core import from_json

        return _construct(from_json(_read(packaged)))
    path = Path(path)
    return validate_bytes(_read(path), policy, str(path))


def check(path: Path | str | None = None, policy: Policy | None = None) -> Catalogue:
    """Fully validate a catalogue file (the packaged one when no path is given), listing every
    problem (up to MAX_PROBLEMS)."""
    target = Path(path) if path else packaged_path()
    return validate_bytes(_read(target), policy or Policy(), str(target), every_problem=True)


def get_sheet(catalogue: Catalogue, number: int) -> Sheet:
    """The sheet with that number, or SheetNotFound."""
    for sheet in catalogue.sheets:
        if sheet.number == number:
            return sheet
    numbers = [sheet.number for sheet in catalogue.sheets]
    raise SheetNotFound(
        f"no sheet number {number} in the catalogue (it has {min(numbers)} to {max(numbers)})"
    )


def parse_number(text: str) -> int:
    """A sheet number typed by a user (`13`, `fiche 13`, `n°13`, `#13`), or SheetNotFound."""
    number = named_number(text)
    if number is not None:
        return number
    if not text.strip():
        raise SheetNotFound("a sheet number is needed, for example 'esskit show 13'")
    shown = text if len(text) <= 40 else text[:37] + "..."
    if text.strip().isascii() and text.strip().isdigit():
        raise SheetNotFound(f"{shown!r} is far beyond any sheet number")
    raise SheetNotFound(f"{shown!r} is not a sheet number (use a whole number such as 13)")


def sheet_url(sheet: Sheet, *, search: bool = False) -> tuple[str, UrlKind]:
    """The page a sheet opens: socioeco.org, else citego.org, else a socioeco.org web search."""
    if not search:
        if sheet.links.socioeco:
            return sheet.links.socioeco, UrlKind.SOCIOECO
        if sheet.links.citego:
            return sheet.links.citego, UrlKind.CITEGO
    from urllib.parse import quote_plus

    query = f'site:socioeco.org "{sheet.title}"'
    return SEARCH_URL + quote_plus(query), UrlKind.SEARCH


def safe_url(url: str, policy: Policy, kind: UrlKind | None = None) -> str:
    """The URL itself when it is safe to hand to a browser, else UnsafeUrl. The search host is
    accepted only for the search address `sheet_url` builds (`kind` SEARCH)."""
    if not url or url != url.strip() or any(c.isspace() or not c.isprintable() for c in url):
        raise UnsafeUrl("refusing to open a URL with spaces or control characters")
    if url.startswith("-"):
        raise UnsafeUrl("refusing to open a URL that starts with '-'")
    if kind is UrlKind.SEARCH and _SEARCH_ADDRESS.fullmatch(url):
        return url
    if policy.link_problem(url) is not None:
        scheme = "https or http" if policy.allow_http else "https"
        raise UnsafeUrl(
            f"refusing to open {quoted(url)}: only {scheme} addresses on the kit's hosts are opened"
        )
    return url
