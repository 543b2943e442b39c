"""Read catalogues (the packaged one, or a file validated by `esskit.validation`), look sheets up,
and work out the page each sheet opens, within the policy of which addresses a link may hold."""

from __future__ import annotations

import re
import stat
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import BinaryIO

from esskit.i18n import _, count_text
from esskit.models import (
    BEYOND,
    HOST,
    NUMBER_WORDS,
    Catalogue,
    Category,
    Sheet,
    UrlKind,
    build,
    escaped,
    read_number,
)

KIT_HOSTS: tuple[str, ...] = ("socioeco.org", "citego.org", "rtes.fr", "ripess.eu")
"""Hosts the kit lives on: a link must point to one of them or a subdomain (unless allowed)."""

KIT_HUB = "https://www.rtes.fr/kit-municipaless"
"""The kit's hub at RTES, which carries its newest edition (the 2026 one)."""

SEARCH_HOST = "duckduckgo.com"
"""Host of the web search used for a sheet that has no page of its own: allowed only for the
search address esskit builds itself, never for a catalogue's links (it serves redirects)."""

SEARCH_URL = f"https://{SEARCH_HOST}/?q="
"""Web search used for a sheet that has no page of its own, restricted to socioeco.org."""

LINK_FIELDS = ("socioeco", "citego", "rtes")
"""The fields of a sheet's `links` that hold addresses a browser may open."""

MAX_BYTES = 64 * 1024 * 1024
"""Largest catalogue file read (64 MiB: about 150 000 sheets in the kit's format)."""

MAX_PROBLEMS = 100
"""Most problems listed for one file; the sheets after them are not looked at."""

_PUBLIC_SECOND_LEVEL = frozenset(
    {"ac", "asso", "co", "com", "edu", "go", "gouv", "gov", "ne", "net", "nom", "or", "org"}
)
"""Second-level names under which anyone may register a site (`co.uk`, `gouv.fr`, `com.br`):
allowing one of them as a host would allow every site beneath it."""

FRENCH_CATEGORIES: dict[Category, str] = {
    Category.INTRO: "introduction",
    Category.LEVER: "levier",
    Category.THEMATIC: "thématique",
}
"""Each category's French name, which `parse_category` takes."""

_OTHER_CATEGORY_NAMES: dict[str, Category] = {
    "levers": Category.LEVER,
    "leviers": Category.LEVER,
    "thematique": Category.THEMATIC,
    "thematiques": Category.THEMATIC,
    "thématiques": Category.THEMATIC,
    "theme": Category.THEMATIC,
}
"""The other ways people write a category: plurals, no accents."""


# ----------------------------------------------------------------------------- errors


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


def shown(text: str, limit: int = 60) -> str:
    """Text from the input as a message may show it: shortened to about `limit` characters,
    with control, invisible and undecodable characters written as escapes (`\\x1b`)."""
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return escaped(text)


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
    return out or _("(top level)")


# ----------------------------------------------------------------------------- the policy

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"", "0", "false", "no", "off"})


def parse_flag(name: str, value: str | None) -> bool:
    """An on/off setting: 1, true, yes, on or 0, false, no, off (any case; unset or empty is
    off); anything else is a BadSetting rather than a guess."""
    word = (value or "").strip().casefold()
    if word in _TRUE or word in _FALSE:
        return word in _TRUE
    raise BadSetting(
        _("{setting} is neither true (1, true, yes, on) nor false (0, false, no, off)").format(
            setting=f"{name}={quoted(value or '')}"
        )
    )


def host_name(text: str, source: str = "--allow-host") -> str:
    """A host name the user allows, lower-cased and without its dots at either end, or a
    BadSetting: an empty name, a top-level domain or a public suffix would allow every site, and
    the search host serves redirects to any of them."""
    host = text.strip().lower().strip(".")
    labels = host.split(".")
    if (
        not re.fullmatch(HOST, host)
        or len(labels) < 2  # a top-level domain
        or len(labels) == 2
        and labels[0] in _PUBLIC_SECOND_LEVEL
    ):
        raise BadSetting(
            _(
                "{source}: {host} is not a site's host name (write one such as example.org; a "
                "top-level domain or a public suffix such as co.uk would allow every site)"
            ).format(source=source, host=quoted(text))
        )
    if host == SEARCH_HOST or host.endswith("." + SEARCH_HOST):
        raise BadSetting(
            _(
                "{source}: {host} is the web search esskit opens for a sheet with no page; a "
                "catalogue's links may not point to it"
            ).format(source=source, host=SEARCH_HOST)
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
    def of(cls, hosts: Iterable[str], allow_http: bool, environ: Mapping[str, str]) -> Policy:
        """The policy options ask for (`--allow-host`, `--allow-http`), widened by the settings
        `environ` holds (ESSKIT_ALLOW_HOSTS, comma-separated; ESSKIT_ALLOW_HTTP); a BadSetting
        when one holds something unclear."""
        allowed = [host_name(host) for host in hosts]
        listed = environ.get("ESSKIT_ALLOW_HOSTS", "")
        if listed.strip():
            allowed += [host_name(host, "ESSKIT_ALLOW_HOSTS") for host in listed.split(",")]
        http = parse_flag("ESSKIT_ALLOW_HTTP", environ.get("ESSKIT_ALLOW_HTTP"))
        return cls(allowed, allow_http or http)

    def link_problem(self, url: str) -> str | None:
        """Why an address breaks the policy, or None when it keeps it."""
        if _allowed(self.hosts, self.allow_http).match(url):
            return None
        if url.lower().startswith("http://") and not self.allow_http:
            return _("link must use https")
        return _(
            "link host is not one the kit lives on ({hosts}); allow it with --allow-host"
        ).format(hosts=", ".join(KIT_HOSTS))


@cache
def _allowed(hosts: tuple[str, ...], allow_http: bool) -> re.Pattern[str]:
    """Addresses on `hosts` or their subdomains."""
    names = "|".join(re.escape(host) for host in hosts)
    return re.compile(
        rf"{'https?' if allow_http else 'https'}://(?:[a-z0-9-]+\.)*(?:{names})\.?"
        r"(?::[0-9]{1,5})?(?:[/?#]|$)",
        re.IGNORECASE,
    )


# ----------------------------------------------------------------------------- reading


def packaged_path() -> Path:
    """The catalogue shipped with esskit (inside the package, through a link in a source tree)."""
    return Path(__file__).parent / "data" / "sheets.json"


def load(path: Path | str | None = None, policy: Policy | None = None) -> Catalogue:
    """The catalogue at `path`, validated, else the packaged one. The packaged catalogue is
    built as it is read, without pydantic (which would cost a command half of its start-up):
    the test suite validates it, and checks that both ways give the same catalogue."""
    if path is None:
        import json

        return build(Catalogue, json.loads(_read(packaged_path())))
    from esskit.validation import validate_bytes

    return validate_bytes(_read(_path(path)), policy or Policy(), str(path))


def check(path: Path | str | None = None, policy: Policy | None = None) -> Catalogue:
    """Fully validate a catalogue file (the packaged one when no path is given), listing every
    problem (up to MAX_PROBLEMS)."""
    from esskit.validation import validate_bytes

    target = packaged_path() if path is None else _path(path)
    return validate_bytes(_read(target), policy or Policy(), str(target), every_problem=True)


def _path(path: Path | str) -> Path:
    """A catalogue's path, or an UnreadableCatalogue for an empty one (it names no file)."""
    if str(path) == "":
        raise UnreadableCatalogue("", [Problem("", _("an empty path names no catalogue file"))])
    return Path(path)


def _read(path: Path) -> bytes:
    """The file's bytes, or a CatalogueError that says in plain words why not."""

    def refuse(message: str) -> CatalogueError:
        return UnreadableCatalogue(str(path), [Problem("", message)])

    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise refuse(_("is a directory, not a catalogue file"))
        if not stat.S_ISREG(info.st_mode):  # a pipe or a device could block or never end
            raise refuse(_("is not a regular file"))
        if info.st_size > MAX_BYTES:
            raise refuse(_too_big(info.st_size))
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise refuse(_("does not exist (no such file)")) from None
    except PermissionError:
        raise refuse(_("cannot be read: permission denied")) from None
    except OSError as exc:
        raise refuse(_("cannot be read ({problem})").format(problem=exc.strerror or exc)) from None
    return _checked(data, str(path))


def read_stream(stream: BinaryIO, name: str) -> bytes:
    """A catalogue read from a stream (standard input), within the size limit of a file."""
    try:
        data = stream.read(MAX_BYTES + 1)
    except OSError as exc:
        message = _("cannot be read ({problem})").format(problem=exc.strerror or exc)
        raise CatalogueError(name, [Problem("", message)]) from None
    return _checked(data, name)


def _checked(data: bytes, name: str) -> bytes:
    """The bytes read, unless they are more than a catalogue's limit or none at all."""
    if len(data) > MAX_BYTES:  # a stream, or a file that grew while it was read
        raise CatalogueError(name, [Problem("", _too_big(len(data)))])
    if not data or data.isspace():
        raise CatalogueError(name, [Problem("", _("is empty"))])
    return data


def _too_big(size: int) -> str:
    """Over the limit, in bytes: a file one byte over 64 MiB is not "64 MiB" in MiB."""
    return _(
        "is over the {mib} MiB limit for a catalogue ({size} bytes; the limit is {limit})"
    ).format(mib=MAX_BYTES // (1024 * 1024), size=count_text(size), limit=count_text(MAX_BYTES))


# ----------------------------------------------------------------------------- lookups


def parse_category(name: str) -> Category:
    """A category from its English or French name, in any case, with or without accents."""
    names = {category.value: category for category in Category}
    french = {french: category for category, french in FRENCH_CATEGORIES.items()}
    category = {**names, **french, **_OTHER_CATEGORY_NAMES}.get(name.strip().casefold())
    if category is None:
        raise UnknownCategory(
            _("unknown category {name}: choose {names} or {last} (or {french})").format(
                name=quoted(name),
                names=", ".join(list(names)[:-1]),
                last=list(names)[-1],
                french=", ".join(french),
            )
        )
    return category


def get_sheet(catalogue: Catalogue, number: int) -> Sheet:
    """The sheet with that number, or SheetNotFound."""
    return get_sheets(catalogue, [number])[0]


def get_sheets(catalogue: Catalogue, numbers: Iterable[int]) -> list[Sheet]:
    """The sheets with these numbers, in that order, each once; SheetNotFound for the first
    number the catalogue does not have."""
    by_number: dict[int, Sheet] = {}
    for sheet in catalogue.sheets:
        by_number.setdefault(sheet.number, sheet)
    chosen: dict[int, Sheet] = {}
    for number in numbers:
        if number not in by_number:
            raise SheetNotFound(
                _("no sheet number {number} in the catalogue (it has {low} to {high})").format(
                    number=number, low=min(by_number), high=max(by_number)
                )
            )
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
    typed = quoted(text.strip(), 40)
    if number is None:
        if not text.strip():
            raise SheetNotFound(_("a sheet number is needed, for example 'esskit show 13'"))
        raise SheetNotFound(
            _("{text} is not a sheet number (use a whole number such as 13)").format(
                text=quoted(text, 40)
            )
        )
    if number >= BEYOND:
        raise SheetNotFound(_("{text} is far beyond any sheet number").format(text=typed))
    if number < 0:
        raise SheetNotFound(_("{text} is not a sheet number (they start at 0)").format(text=typed))
    return number


def parse_numbers(texts: Iterable[str]) -> Iterator[int]:
    """The sheet numbers typed as separate words, in order (`fiche 8` as two words is 8), or
    SheetNotFound at the first that is not one (`8,16,7` says to separate them with spaces)."""
    words = list(texts)
    for at, text in enumerate(words):
        if text.strip().casefold() in NUMBER_WORDS and at + 1 < len(words):
            continue  # `show fiche 8`: the word before the number
        if text.startswith("--"):  # an option the command does not have, not a number
            raise SheetNotFound(
                _("no such option: {name} (see --help)").format(name=quoted(text, 40))
            )
        parts = [part.strip() for part in text.split(",") if part.strip()]
        if "," in text and all(read_number(part) is not None for part in parts):
            raise SheetNotFound(
                _("{text}: separate sheet numbers with spaces, as in {spaced}").format(
                    text=quoted(text, 40), spaced=quoted(" ".join(parts), 40)
                )
            )
        yield parse_number(text)


# ----------------------------------------------------------------------------- pages


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
        raise UnsafeUrl(_("refusing to open a URL with spaces or control characters"))
    if url.startswith("-"):
        raise UnsafeUrl(_("refusing to open a URL that starts with '-'"))
    if kind is UrlKind.SEARCH and re.fullmatch(re.escape(SEARCH_URL) + r"[A-Za-z0-9%+._~-]+", url):
        return url
    if policy.link_problem(url) is not None:
        scheme = _("https or http") if policy.allow_http else "https"
        raise UnsafeUrl(
            _(
                "refusing to open {url}: only {scheme} addresses on the kit's hosts are opened"
            ).format(url=quoted(url), scheme=scheme)
        )
    return url
