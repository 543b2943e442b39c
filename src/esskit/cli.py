"""The `esskit` command line: parse, choose the output, print once, turn errors into exit codes.

Exit codes: 0 found, 1 nothing found, 2 usage or data error (130 when interrupted).
"""

import os
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from functools import cache
from itertools import islice
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from typer.core import TyperCommand, TyperGroup, TyperOption

from esskit import catalogue as cat
from esskit import completion
from esskit.formats import (
    BINARY_FORMATS,
    DEFAULT_COLUMNS,
    MATCH_FIELDS,
    PEOPLE_FORMATS,
    SHEET_FIELDS,
    Format,
    Lang,
    UnknownField,
    category_name,
    columns_for,
    default_lang,
    machine_output,
    match_record,
    parse_fields,
    sheet_record,
)
from esskit.models import CONTROL, Category, read_number

if TYPE_CHECKING:
    from rich.console import RenderableType

    from esskit.models import Catalogue, GlossaryEntry, Sheet

FOUND, NOTHING_FOUND, USAGE_ERROR = 0, 1, 2
PROG = "esskit"


class _Group(TyperGroup):
    """Typer's group, with every usage error as one line on stderr and closed pipes made quiet."""

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        try:
            result = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except typer.Abort:
            _stderr("interrupted")
            code = 130
        except typer.TyperException as exc:  # Typer's usage errors derive from it
            code = getattr(exc, "exit_code", USAGE_ERROR)
            if type(exc).__name__ == "NoArgsIsHelpError":  # the help, drawn already by Rich
                help_text = exc.format_message().strip()
                if help_text:
                    _write_stderr(help_text + "\n")
            else:
                context = getattr(exc, "ctx", None)
                hint = f" (see '{context.command_path} --help')" if context is not None else ""
                message = _missing_argument(exc) or exc.format_message()
                message = message.replace("\n", " ").replace("Value error, ", "")
                _stderr(cat.shown(message, 300) + hint)  # it may quote a whole argument
        except OSError as exc:  # the system refused something (a file completion would write)
            _stderr(_os_problem(exc))
            code = USAGE_ERROR
        except Exception as exc:  # a bug: say so in one line, or show it all when debugging
            if _debugging():
                raise
            _stderr(
                f"unexpected error ({type(exc).__name__}: {str(exc)[:200]}); this is a bug: "
                "rerun with ESSKIT_DEBUG=1 and include what it prints when you report it"
            )
            code = USAGE_ERROR
        else:
            code = result if isinstance(result, int) else FOUND
        if not standalone_mode:
            return code
        sys.exit(_flush_quietly(code))

    def format_help(self, ctx: Any, formatter: Any) -> None:
        _draw_help(super().format_help, ctx, formatter)


def _missing_argument(exc: Exception) -> str | None:
    """A missing argument in esskit's words, saying what to give (`missing QUERY: words of a
    title or subject...`), rather than Typer's `Missing argument 'QUERY'.`; None for other
    errors."""
    param = getattr(exc, "param", None)
    if type(exc).__name__ != "MissingParameter" or param is None:
        return None
    if getattr(param, "param_type_name", None) != "argument":
        return None
    name = getattr(param, "metavar", None) or str(param.name).upper()
    what = str(getattr(param, "help", None) or "").replace("\\[", "[").strip().rstrip(".")
    return f"missing {name}: {what[:1].lower()}{what[1:]}" if what else f"missing {name}"


class _Command(TyperCommand):
    """Typer's command, with its help written as every output is."""

    def format_help(self, ctx: Any, formatter: Any) -> None:
        _draw_help(super().format_help, ctx, formatter)


def _draw_help(draw: Callable[[Any, Any], None], ctx: Any, formatter: Any) -> None:
    """Draw a help page (Typer prints it on stdout with Rich as it formats it) as every output
    is written: when the reader has gone, the rest is dropped quietly and the exit code stays
    what it would be (0 for --help, 2 for a missing command); any other failure to write is
    one line, `cannot write the output: ...`, with exit code 2."""
    try:
        draw(ctx, formatter)
        sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()
    except OSError as exc:
        _output_failed(exc)
    except SystemExit:  # how Rich answers a closed pipe, once it has silenced stdout itself
        pass


def _flags_take_no_value(params: Sequence[Any]) -> None:
    """Show each flag in help as itself (`--json`), without the `<bool>` value Typer gives it,
    which suggests `--json true`."""
    for param in params:
        if isinstance(param, TyperOption) and param.is_flag and param.metavar is None:
            param.metavar = ""


def _completion_shell(value: Any) -> str:
    """The shell a completion option names, else the user's."""
    return value if isinstance(value, str) else completion.detected_shell()


def _show_completion(ctx: Any, param: Any, value: Any) -> None:
    """--show-completion: the completion script, written as every output is."""
    if not value or ctx.resilient_parsing:
        return
    try:
        _emit(completion.script(_completion_shell(value), PROG))
    except completion.CompletionError as exc:
        fail(str(exc))
    raise typer.Exit(FOUND)


def _install_completion(ctx: Any, param: Any, value: Any) -> None:
    """--install-completion: the script added to the shell's files, and where."""
    if not value or ctx.resilient_parsing:
        return
    try:
        shell = _completion_shell(value)
        path = completion.install(shell, PROG, os.environ.get("HOME"))
    except completion.CompletionError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"cannot install completion: {_os_problem(exc)}")
    _emit(f"{shell} completion installed in {path}\nit takes effect in a new shell\n")
    raise typer.Exit(FOUND)


class _HelpGroup(_Group):
    """The group, with its flags and its commands' flags shown in help without a value, and the
    completion script written as every output is."""

    def get_params(self, ctx: Any) -> Any:
        params = super().get_params(ctx)
        _flags_take_no_value(params)
        for param in params:
            if param.name == "show_completion":
                param.callback = _show_completion
            elif param.name == "install_completion":
                param.callback = _install_completion
        return params

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            _flags_take_no_value([*command.params, command.get_help_option(ctx)])
        return command


def _examples(*lines: str) -> str:
    """An "Examples" block for the end of a command's help, its lines kept as written."""
    return "\b\nExamples:\n" + "\n".join(f"  {line}" for line in lines)


app = typer.Typer(
    cls=_HelpGroup,
    name=PROG,
    help="Find your way through the RTES Kit MunicipalESS (2020): list, search, show and open "
    "its documents.",
    epilog=_examples(
        'esskit search "commande publique"',
        "esskit show 13",
        "esskit list --category lever --format csv > levers.csv",
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class Settings:
    """What the global options say, for every command."""

    __slots__ = ("catalogue", "policy")

    def __init__(self, catalogue: str | None, policy: cat.Policy) -> None:
        self.catalogue = catalogue
        self.policy = policy


# ----------------------------------------------------------------------------- printing


def _stderr(message: str) -> None:
    """One line on stderr; whatever it quotes is escaped and shortened where it is quoted, and
    the whole line is kept within a few hundred characters, whatever slipped through."""
    if len(message) > 1_000:
        message = message[:997] + "..."
    _write_stderr(f"{PROG}: {re.sub(_UNSAFE, _escaped, message)}\n")


# Regular expressions are kept as strings, compiled by `re` (and cached there) on first use:
# compiling them at import would cost every command, though few commands use each.
# What must not reach a terminal raw: control characters (see models.CONTROL) and the
# undecodable bytes of a path (surrogates, which a strict UTF-8 stderr cannot even write).
_UNSAFE = f"[{CONTROL}\ud800-\udfff]"


def _escaped(match: "re.Match[str]") -> str:
    return repr(match[0])[1:-1]


def _write_stderr(text: str) -> None:
    """Write to stderr; when it cannot be written (closed, full), there is nowhere left to say
    so: go on without it, so that the exit code still tells what happened."""
    try:
        sys.stderr.write(text)
        sys.stderr.flush()
    except (OSError, ValueError):
        _silence(sys.stderr)


def _os_problem(exc: OSError) -> str:
    """An error of the system as one line: what it said, and about which file."""
    name = getattr(exc, "filename", None)
    about = f": {cat.shown(os.fsdecode(name), 200)}" if isinstance(name, str | bytes) else ""
    return f"{exc.strerror or type(exc).__name__}{about}"


def _flush_quietly(code: int) -> int:
    """Flush stdout and return the exit code: unchanged when the reader has gone (`| head -1`),
    an error when the output could not be written."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()
    except ValueError:  # stdout was closed
        pass
    except OSError as exc:
        _silence_stdout()
        _stderr(f"cannot write the output: {_os_problem(exc)}")
        return USAGE_ERROR
    return code


def _silence_stdout() -> None:
    _silence(sys.stdout)


def _silence(stream: Any) -> None:
    """Point a stream that cannot be written at /dev/null, so that what it still holds does not
    fail again when Python flushes it at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def _output_failed(exc: OSError) -> NoReturn:
    """A closed pipe ends the command quietly with success (the reader has what it wanted);
    any other failure to write (a full disk, an I/O error) is a one-line error."""
    _silence_stdout()  # what is still buffered would fail again at exit
    if isinstance(exc, BrokenPipeError):
        raise typer.Exit(FOUND)
    fail(f"cannot write the output: {_os_problem(exc)}")


def _emit(text: str, *, json_text: bool = False) -> None:
    """Write text to stdout; JSON in ASCII escapes when stdout's encoding cannot hold it."""
    text = _encodable(text, json_text)
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except OSError as exc:
        _output_failed(exc)


def _encodable(text: str, json_text: bool) -> str:
    """The text, made writable to stdout: JSON with `\\u00e9` escapes for what stdout's encoding
    cannot write, other text as it is with a warning that those characters will show as `?`."""
    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    if text.isascii() or encoding.lower().replace("-", "").replace("_", "") == "utf8":
        return text
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        if json_text:
            return re.sub(_NON_ASCII, _json_escape, text)
        _warn_lossy(encoding)
    except LookupError:
        pass
    return text


@cache
def _warn_lossy(encoding: str) -> None:
    """Say once (output is written in chunks) that some characters will show as `?`."""
    _stderr(
        f"the output's encoding ({encoding}) cannot write every character: they are written "
        "as '?' (PYTHONIOENCODING=utf-8 keeps them)"
    )


_NON_ASCII = r"[^\x00-\x7f]"


def _json_escape(match: "re.Match[str]") -> str:
    """A character as JSON escapes it (in two UTF-16 halves beyond the first 65 536)."""
    units = match[0].encode("utf-16-be")
    return "".join(f"\\u{units[i]:02x}{units[i + 1]:02x}" for i in range(0, len(units), 2))


MAX_TABLE_ROWS = 5_000
"""Most rows drawn as a table or a tree: Rich lays a table out whole, which takes minutes for
a hundred thousand rows. Beyond, the command refuses and says which formats to use."""


def _width() -> int:
    """Columns for a table: COLUMNS, else the terminal's, within esskit's limits."""
    from esskit.__main__ import width

    text = os.environ.get("COLUMNS")
    if text is None:
        try:
            text = str(os.get_terminal_size(sys.__stdout__.fileno()).columns)  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            text = ""
    return width(text)


def _table_rows(count: int) -> None:
    """Refuse to draw more than MAX_TABLE_ROWS rows, saying what to use instead."""
    if count > MAX_TABLE_ROWS:
        fail(
            f"{count:,} rows are too many to draw as a table or a tree (at most "
            f"{MAX_TABLE_ROWS:,}): use --format plain, csv or --json, or choose fewer sheets"
        )


def _emit_rich(renderable: "RenderableType") -> None:
    """Draw a Rich renderable on stdout (colour per NO_COLOR, FORCE_COLOR, TERM)."""
    from rich.console import Console

    # Both sizes given, so that Rich reads neither COLUMNS nor LINES itself (a height a table
    # never uses: Rich would parse a LINES of 5 000 digits and fail).
    console = Console(highlight=False, soft_wrap=False, emoji=False, width=_width(), height=25)
    console.on_broken_pipe = _pipe_closed  # type: ignore[method-assign]
    try:
        console.print(renderable, crop=False)  # a long address is printed whole, never cut
        sys.stdout.flush()
    except OSError as exc:
        _output_failed(exc)


def _pipe_closed() -> None:
    """For Rich, which otherwise exits 1 when the reader has gone."""
    raise BrokenPipeError


def fail(message: str, code: int = USAGE_ERROR) -> NoReturn:
    """Print a one-line error on stderr and exit with `code`."""
    _stderr(message)
    raise typer.Exit(code)


# ----------------------------------------------------------------------------- helpers


def _debugging() -> bool:
    """Whether ESSKIT_DEBUG asks for tracebacks (an unclear value is refused by the options)."""
    try:
        return cat.parse_flag("ESSKIT_DEBUG", os.environ.get("ESSKIT_DEBUG"))
    except cat.BadSetting:
        return False


def _settings(ctx: typer.Context) -> Settings:
    settings = ctx.find_object(Settings)
    return settings if settings is not None else Settings(None, cat.Policy())


def _chosen_catalogue(ctx: typer.Context, path: str | None) -> str | None:
    """The catalogue file to read: the command's own --catalogue, else the one before the
    command, else ESSKIT_CATALOGUE (which both options read), else None for the packaged one."""
    if path and _typed_catalogue(ctx):
        return path
    return _settings(ctx).catalogue or path


def _typed_catalogue(owner: Any) -> bool:
    """Whether the --catalogue of a command (or of the group before it) was typed, rather than
    read from ESSKIT_CATALOGUE or left out (`owner`: its context)."""
    return getattr(owner.get_parameter_source("catalogue"), "name", None) == "COMMANDLINE"


def _no_empty_path(path: str | None, name: str) -> None:
    """An empty path typed for a catalogue is a usage error: it names no file."""
    if path == "":
        fail(f"{name}: an empty path names no catalogue file")


def _load(ctx: typer.Context, path: str | None) -> "Catalogue":
    settings = _settings(ctx)
    _no_empty_path(path, "--catalogue")
    chosen = _chosen_catalogue(ctx, path)
    try:
        return cat.load(chosen, settings.policy)
    except cat.UnreadableCatalogue as exc:
        fail(
            f"cannot read the catalogue: {exc.problems[0].located(_path(exc.path))} "
            f"{_check_the_path(ctx, chosen)}"
        )
    except cat.CatalogueError as exc:
        where = f" {_shell_word(exc.path)}" if chosen else ""
        fail(
            f"invalid catalogue: {exc.problems[0].located(_path(exc.path))} "
            f"(run '{PROG} validate{where}' to list every problem)"
        )


def _check_the_path(ctx: typer.Context, chosen: str | None) -> str:
    """What to check when the catalogue `chosen` cannot be read: the path in ESSKIT_CATALOGUE,
    the one given to --catalogue, or, for the packaged catalogue, esskit's installation."""
    if chosen is None:
        return "(esskit's own catalogue is missing: reinstall esskit)"
    given = _typed_catalogue(ctx) or _typed_catalogue(ctx.find_root())
    return f"(check the path {'given to --catalogue' if given else 'in ESSKIT_CATALOGUE'})"


def _path(path: str) -> str:
    """A file's path as messages show it: escaped when it holds control characters, newlines or
    bytes that are not UTF-8."""
    return cat.shown(path, 200)


def _shell_word(path: str) -> str:
    """A path as a shell reads it back, for a command a message suggests."""
    import shlex

    return shlex.quote(_path(path))


def _category(name: str | None) -> "Category | None":
    if name is None:
        return None
    try:
        return cat.parse_category(name)
    except cat.UnknownCategory as exc:
        fail(str(exc))


def _format(fmt: Format | None, as_json: bool) -> Format:
    if as_json and fmt not in (None, Format.JSON):
        fail(f"--json and --format {fmt.value} disagree: give one of them")
    if as_json:
        return Format.JSON
    if fmt in BINARY_FORMATS and _stdout_is_terminal():
        fail(f"--format {fmt.value} writes a binary file: redirect it, as in > kit.{fmt.value}")
    if fmt is not None:
        return fmt
    return Format.TABLE if sys.stdout.isatty() else Format.PLAIN


def _fields(spec: str | None, available: Sequence[str]) -> list[str] | None:
    try:
        return parse_fields(spec, available)
    except UnknownField as exc:
        fail(cat.shown(str(exc), 400))  # it quotes the names given


_CHUNK = 1_000
"""Records formatted and written at a time, so that the output of a large catalogue is never
held whole, let alone twice."""


def _emit_records(
    records: Iterable[dict[str, Any]],
    output: Format,
    fields: Sequence[str] | None,
    *,
    columns: Sequence[str] = DEFAULT_COLUMNS,
    single: bool = False,
    display: Lang = Lang.EN,
    title: str = "",
) -> None:
    """Print records in any format but the table; JSON is indented for a person at a terminal,
    on one line for scripts. The formats made of records one after another are written _CHUNK
    records at a time."""
    if output in BINARY_FORMATS:
        _emit_workbook(list(records), list(fields) if fields else list(columns), display, title)
        return
    pretty = _stdout_is_terminal()
    json_text = output in (Format.JSON, Format.JSONL)

    def text(chunk: list[dict[str, Any]], one: bool = False) -> str:
        return machine_output(
            chunk,
            output,
            fields,
            columns=columns,
            single=one,
            pretty=pretty,
            display=display,
            title=title,
        )

    if single or output not in _CHUNKED:
        _emit(text(list(records), single), json_text=json_text)
        return
    items = iter(records)
    chunk, first = list(islice(items, _CHUNK)), True
    while True:
        following = list(islice(items, _CHUNK)) if len(chunk) == _CHUNK else []
        piece = text(chunk)
        if not (first and not following):
            piece = _piece(piece, output, first=first, last=not following, pretty=pretty)
        _emit(piece, json_text=json_text)
        if not following:
            return
        chunk, first = following, False


def _emit_workbook(
    records: Sequence[dict[str, Any]], fields: Sequence[str], display: Lang, title: str
) -> None:
    """Write an xlsx workbook of the records to stdout, as bytes."""
    from esskit.formats import TooManyRows, to_xlsx

    try:
        data = to_xlsx(records, fields, display, title)
    except TooManyRows as exc:
        fail(f"{exc}: use --format csv or choose fewer sheets")
    try:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    except OSError as exc:
        _output_failed(exc)


_CHUNKED = (Format.JSON, Format.JSONL, Format.CSV, Format.TSV, Format.PLAIN)
"""The formats written in chunks: the others (HTML, Markdown, spreadsheet) are one document."""


def _piece(text: str, output: Format, *, first: bool, last: bool, pretty: bool) -> str:
    """One chunk's output as a piece of the whole: a JSON array's items between the brackets
    the first and last chunks write, the rows of CSV and TSV without the header again."""
    if output is Format.JSON:
        body = text.rstrip("\n")
        items = body[2:-2] if pretty else body[1:-1]  # inside "[\n" and "\n]", or "[" and "]"
        start = ("[\n" if pretty else "[") if first else (",\n" if pretty else ",")
        return start + items + (("\n]" if pretty else "]") + "\n" if last else "")
    if output in (Format.CSV, Format.TSV) and not first:
        return text.split("\n", 1)[1]
    return text


def _stdout_is_terminal() -> bool:
    return sys.stdout.isatty()


def _locale() -> str:
    """The user's locale: the first of LC_ALL, LC_MESSAGES and LANG that is set, unless LANGUAGE
    (gettext's list of preferred languages) names French or English first and the locale is not
    C or POSIX."""
    names = ("LC_ALL", "LC_MESSAGES", "LANG")
    locale = next((os.environ[name] for name in names if os.environ.get(name)), "")
    if locale.split(".")[0] not in ("C", "POSIX"):
        for wanted in os.environ.get("LANGUAGE", "").split(":"):
            if default_lang(wanted) is not Lang.BOTH:
                return wanted
    return locale


def _languages(lang: Lang | None) -> tuple[Lang, Lang]:
    """The titles to show (from --lang, else the locale), and the display language of headings
    and labels: French when --lang or else the locale says fr, English otherwise."""
    titles = lang or default_lang(_locale())
    display = lang if lang is not None and lang is not Lang.BOTH else default_lang(_locale())
    return titles, Lang.FR if display is Lang.FR else Lang.EN


def _page_title(catalogue: "Catalogue", *details: str) -> str:
    """The heading of an HTML page: the kit, and what was asked."""
    return " · ".join([f"{catalogue.kit.name} ({catalogue.kit.edition})", *details])


def _record(sheet: "Sheet", search_page: bool = False) -> dict[str, Any]:
    url, kind = cat.sheet_url(sheet, search=search_page)
    return sheet_record(sheet, url, kind)


def _sheet(catalogue: "Catalogue", text: str) -> "Sheet":
    try:
        return cat.get_sheet(catalogue, cat.parse_number(text))
    except cat.SheetNotFound as exc:
        fail(str(exc))


def _selection(catalogue: "Catalogue", texts: Sequence[str]) -> list["Sheet"]:
    """The sheets the numbers name, in the order given, each once; the first unknown number is
    an error that names it."""
    try:
        return cat.get_sheets(catalogue, cat.parse_numbers(texts))
    except cat.SheetNotFound as exc:
        fail(str(exc))


# ----------------------------------------------------------------------------- options

CatalogueOption = Annotated[
    str | None,
    typer.Option(
        "--catalogue",
        "-c",
        metavar="PATH",
        envvar="ESSKIT_CATALOGUE",
        show_envvar=True,
        help="Catalogue file to use instead of the packaged one.",
        show_default=False,
    ),
]
FormatOption = Annotated[
    Format | None,
    typer.Option(
        "--format",
        "-f",
        metavar="FORMAT",
        help=f"Output format: {', '.join(Format)} \\[default: table on a terminal, plain when "
        "piped].",
        show_default=False,
        case_sensitive=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Shorthand for --format json.")]
FieldsOption = Annotated[
    str | None,
    typer.Option(
        "--fields",
        metavar="A,B,…",
        help="Fields to print, in order, in every format but the table.",
        autocompletion=completion.fields,
        show_default=False,
    ),
]
LangOption = Annotated[
    Lang | None,
    typer.Option(
        "--lang",
        help="Titles to show, and the display language \\[default: from the locale "
        "(LC_ALL, LC_MESSAGES, LANG, LANGUAGE); both titles when it is neither fr nor en].",
        show_default=False,
        case_sensitive=False,
    ),
]
CategoryOption = Annotated[
    str | None,
    typer.Option(
        "--category",
        "-k",
        metavar="CATEGORY",
        help=f"Only this category: {', '.join(Category)} (French names work too: "
        f"{', '.join(cat.FRENCH_CATEGORIES.values())}).",
        autocompletion=completion.categories,
        show_default=False,
    ),
]
NumbersArgument = Annotated[
    list[str],
    typer.Argument(
        metavar="NUMBER",
        help="Sheet numbers, as 'esskit list' shows them (0 is the introductory text), shown in "
        "the order given.",
        autocompletion=completion.numbers,
        show_default=False,
    ),
]


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            number = version(PROG)
        except PackageNotFoundError:
            number = "unknown (not installed)"
        _emit(f"{PROG} {number}\n")
        raise typer.Exit(FOUND)


@app.callback()
def main_options(
    ctx: typer.Context,
    catalogue: CatalogueOption = None,
    allow_host: Annotated[
        list[str] | None,
        typer.Option(
            "--allow-host",
            metavar="HOST",
            help="Also accept links to HOST and its subdomains (repeatable) "
            "\\[env var: ESSKIT_ALLOW_HOSTS, comma-separated].",
            show_default=False,
        ),
    ] = None,
    allow_http: Annotated[
        bool,
        typer.Option(
            "--allow-http",
            help="Accept plain http links in the catalogue and open them "
            "\\[env var: ESSKIT_ALLOW_HTTP=1].",
        ),
    ] = False,
    version: Annotated[
        bool | None,
        typer.Option(
            "--version", "-V", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = None,
) -> None:
    """Find your way through the RTES Kit MunicipalESS (2020).

    The kit's documents: the introductory text (0) and the sheets, in three categories: intro,
    the levers a municipality holds, and the thematic sheets. Exit codes: 0 found, 1 nothing
    found, 2 usage or data error.
    """
    try:
        cat.parse_flag("ESSKIT_DEBUG", os.environ.get("ESSKIT_DEBUG"))
        policy = cat.Policy.from_env(allow_host or (), allow_http)
    except cat.BadSetting as exc:
        fail(str(exc))
    _no_empty_path(catalogue, "--catalogue")
    ctx.obj = Settings(catalogue, policy)


# ----------------------------------------------------------------------------- commands


@app.command(
    "list",
    cls=_Command,
    epilog=_examples(
        "esskit list --category levier",
        "esskit list 4 7 13 --json",
        "esskit list --tree",
    ),
)
def list_sheets(
    ctx: typer.Context,
    numbers: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="NUMBER",
            help="Only these sheets, in the order given \\[default: every sheet].",
            autocompletion=completion.numbers,
            show_default=False,
        ),
    ] = None,
    category: CategoryOption = None,
    fmt: FormatOption = None,
    as_json: JsonOption = False,
    fields: FieldsOption = None,
    lang: LangOption = None,
    tree: Annotated[
        bool, typer.Option("--tree", help="Draw the kit's structure as a tree.")
    ] = False,
    catalogue: CatalogueOption = None,
) -> None:
    """List the kit's documents: number, category, French and English titles."""
    chosen = _category(category)
    output = _format(fmt, as_json)
    selected = _fields(fields, SHEET_FIELDS)
    if tree and (as_json or fields or fmt not in (None, Format.TABLE)):
        fail(
            "--tree draws the kit for people: it does not combine with --json, --format or --fields"
        )
    loaded = _load(ctx, catalogue)
    every = _selection(loaded, numbers) if numbers else loaded.sheets
    sheets = [sheet for sheet in every if chosen is None or sheet.category is chosen]
    titles, display = _languages(lang)
    if not sheets:
        if not numbers:  # the catalogue has none: the other categories are no news
            _nothing_found(f"no sheet is in category {chosen}", output)
        _not_in_category(
            f"none of the sheets {', '.join(numbers)} is in category {chosen}", every, output
        )
    if tree or output is Format.TABLE:
        _table_rows(len(sheets))
    if tree:
        from esskit.display import sheets_tree

        kit = loaded.kit
        _emit_rich(sheets_tree(sheets, kit.name, kit.edition, titles, display))
    elif output is Format.TABLE:
        from esskit.display import sheets_table

        _emit_rich(sheets_table(sheets, titles, display=display))
    else:
        _emit_records(
            (_record(sheet) for sheet in sheets),
            output,
            selected,
            columns=columns_for(output, titles),
            display=display,
            title=_page_title(loaded, *([category_name(chosen, display)] if chosen else [])),
        )


@app.command(
    cls=_Command,
    epilog=_examples(
        "esskit search mobilité",
        "esskit search PAT",
        'esskit search "comment aider un café associatif dans un village"',
        'esskit search "commande publique" --json',
        "esskit search foncier --format csv --fields number,title_fr,url",
    ),
)
def search(
    ctx: typer.Context,
    query: Annotated[
        str,
        typer.Argument(
            metavar="QUERY",
            help="Words of a title or subject, in French or English, or a number.",
            show_default=False,
        ),
    ],
    limit: Annotated[
        int,
        typer.Option("--limit", "-n", metavar="N", min=1, max=10_000, help="Most results to show."),
    ] = 10,
    category: CategoryOption = None,
    fmt: FormatOption = None,
    as_json: JsonOption = False,
    fields: FieldsOption = None,
    lang: LangOption = None,
    catalogue: CatalogueOption = None,
) -> None:
    """Search the sheets in French or English: titles, keywords, acronyms and summaries.

    Questions in plain words, plurals, typos and missing accents are forgiven; an acronym
    (PAT, SPASER, QPV) is read as its official expansion (see `esskit glossary`).
    """
    from esskit.search import QueryError, find

    chosen = _category(category)
    output = _format(fmt, as_json)
    selected = _fields(fields, (*SHEET_FIELDS, *MATCH_FIELDS))
    loaded = _load(ctx, catalogue)
    sheets = [sheet for sheet in loaded.sheets if chosen is None or sheet.category is chosen]
    try:
        matches = find(sheets, query, limit=limit, glossary=loaded.glossary)
    except QueryError as exc:
        fail(str(exc))
    if not matches:
        if chosen is not None:
            found = find(loaded.sheets, query, limit=limit, glossary=loaded.glossary)
            elsewhere = [match.sheet for match in found if match.sheet.category is not chosen]
            if elsewhere:
                message = f"no sheet in category {chosen} matches {cat.quoted(query)}"
                _not_in_category(message, elsewhere, output)
        _no_match(sheets, query, loaded.glossary, output)
    titles, display = _languages(lang)
    if output is Format.TABLE:
        from esskit.display import sheets_table

        _table_rows(len(matches))
        _emit_rich(sheets_table([m.sheet for m in matches], titles, matches, display))
        return
    records = [match_record(match, *cat.sheet_url(match.sheet)) for match in matches]
    _emit_records(
        records,
        output,
        selected,
        columns=columns_for(output, titles, searched=True),
        display=display,
        title=_page_title(loaded, query),
    )


def _nothing_found(
    message: str, output: Format | None = None, hints: Sequence[str] = ()
) -> NoReturn:
    """Say why nothing was found (an empty array for JSON, one line and hints on stderr), and
    exit 1."""
    if output is Format.JSON:
        _emit("[]\n")
    _stderr(message)
    for hint in hints:
        _write_stderr(f"  {hint}\n")
    raise typer.Exit(NOTHING_FOUND)


def _not_in_category(message: str, elsewhere: Sequence["Sheet"], output: Format) -> NoReturn:
    """Say that nothing was found in the category asked for, and which other categories hold
    the sheets found (`in other categories: thematic (8, 16)`), and exit 1."""
    held = cat.numbers_by_category(elsewhere)
    listing = "; ".join(f"{category} ({_some(numbers)})" for category, numbers in held.items())
    _nothing_found(message, output, [f"in other categories: {listing}"] if held else [])


def _some(numbers: Sequence[int], most: int = 10) -> str:
    """`4, 7, 13`, or the first `most` numbers and how many more."""
    shown = ", ".join(map(str, numbers[:most]))
    return shown if len(numbers) <= most else f"{shown} and {len(numbers) - most:,} more"


def _no_match(
    sheets: Sequence["Sheet"],
    query: str,
    glossary: Sequence["GlossaryEntry"],
    output: Format | None = None,
) -> NoReturn:
    """Say that nothing matched, and which of its words are not in the kit, with up to three
    close sheets and what esskit reads, and exit 1."""
    from esskit.search import find, not_in_kit

    near = [m.sheet for m in find(sheets, query, limit=3, loose=True, glossary=glossary)]
    missing = not_in_kit(sheets, query, glossary)
    unknown = f" (not in the kit: {', '.join(missing)})" if missing else ""
    _nothing_found(
        f"no sheet matches {cat.quoted(query)}{unknown}",
        output,
        [
            *(
                f"did you mean {sheet.number}: {sheet.title}"
                f"{'' if sheet.title.endswith('?') else '?'}"
                for sheet in near
            ),
            READS,
        ],
    )


READS = (
    "esskit reads French and English, and the field's words in Spanish, Italian, Portuguese "
    "and German"
)


# Numbers go through our own parsing, so that `show -1` is a bad number, not an unknown option.
_NUMBER_CONTEXT = {"ignore_unknown_options": True}


@app.command(
    cls=_Command,
    context_settings=_NUMBER_CONTEXT,
    epilog=_examples("esskit show 13", "esskit show 4 7 --json"),
)
def show(
    ctx: typer.Context,
    numbers: NumbersArgument,
    fmt: FormatOption = None,
    as_json: JsonOption = False,
    fields: FieldsOption = None,
    lang: LangOption = None,
    catalogue: CatalogueOption = None,
) -> None:
    """Show everything the catalogue knows about sheets: titles, summary, keywords, links."""
    output = _format(fmt, as_json)
    selected = _fields(fields, SHEET_FIELDS)
    loaded = _load(ctx, catalogue)
    sheets = _selection(loaded, numbers)
    titles, display = _languages(lang)
    if output is Format.TABLE:
        from rich.console import Group

        from esskit.display import sheet_panel

        _table_rows(len(sheets))
        panels = (sheet_panel(sheet, *cat.sheet_url(sheet), display) for sheet in sheets)
        _emit_rich(Group(*panels))
        return
    records = [_record(sheet) for sheet in sheets]
    if output in PEOPLE_FORMATS:
        from esskit.formats import section_fields, to_html_sections, to_markdown_sections

        rows = selected or section_fields(titles)
        if output is Format.MARKDOWN:
            _emit(to_markdown_sections(records, rows, titles, display))
        else:
            _emit(to_html_sections(records, rows, titles, display, _page_title(loaded)))
        return
    # One number prints one JSON object, as it always has; several print an array.
    single = len(numbers) == 1
    _emit_records(
        records,
        output,
        selected,
        columns=columns_for(output, titles),
        single=single,
        display=display,
        title=_page_title(loaded),
    )


@app.command(
    "open",
    cls=_Command,
    context_settings=_NUMBER_CONTEXT,
    epilog=_examples(
        "esskit open 13",
        'esskit open "monnaie locale" --print-url',
        "esskit open 2 --search",
    ),
)
def open_sheet(
    ctx: typer.Context,
    target: Annotated[
        str,
        typer.Argument(
            metavar="NUMBER|QUERY",
            help="A sheet number, or words to search for (the best match is opened).",
            autocompletion=completion.numbers,
            show_default=False,
        ),
    ],
    print_url: Annotated[
        bool, typer.Option("--print-url", "-p", help="Print the address instead of opening it.")
    ] = False,
    search_page: Annotated[
        bool,
        typer.Option("--search", help="Open a web search for the sheet on socioeco.org instead."),
    ] = False,
    edition: Annotated[
        int | None,
        typer.Option(
            "--edition",
            metavar="YEAR",
            help="Open the page of the sheet's counterpart in that edition of the kit (2026).",
            show_default=False,
        ),
    ] = None,
    catalogue: CatalogueOption = None,
) -> None:
    """Open a sheet's page in your browser: its socioeco.org or citego.org page, else a web search
    for it on socioeco.org; with --edition 2026, its counterpart's page on rtes.fr."""
    loaded = _load(ctx, catalogue)
    sheet = _target(loaded, target)
    if edition is not None and edition != loaded.kit.edition:
        _open_newer(ctx, loaded, sheet, edition, print_url)
        return
    url, kind = cat.sheet_url(sheet, search=search_page)
    try:
        url = cat.safe_url(url, _settings(ctx).policy, kind)
    except cat.UnsafeUrl as exc:
        fail(str(exc))
    if print_url:
        _emit(url + "\n")
        return
    note = ""
    if kind.value == "search":
        note = (
            " (a socioeco.org search, as asked)"
            if search_page
            else (" (no page of its own is known: searching socioeco.org)")
        )
    _browse(url, f"opening sheet {sheet.number}{note}")


def _open_newer(
    ctx: typer.Context, catalogue: "Catalogue", sheet: "Sheet", edition: int, print_url: bool
) -> None:
    """Open the page of a sheet's counterpart in a later edition, or say plainly that the
    catalogue does not know it (exit 1): never a page guessed from a number."""
    newer = sheet.newer_edition
    number, kit = sheet.number, catalogue.kit
    hub = f"the kit's hub carries its newest edition: {cat.KIT_HUB}"
    if newer is None or newer.edition != edition:
        _nothing_found(
            f"sheet {number} ({kit.edition}) has no known counterpart in the {edition} edition",
            hints=[hub],
        )
    if newer.page is None:
        _nothing_found(
            f"sheet {number} ({kit.edition}) is sheet {newer.number} of the {edition} edition, "
            "whose page is not known",
            hints=[hub],
        )
    try:
        url = cat.safe_url(newer.page, _settings(ctx).policy)
    except cat.UnsafeUrl as exc:
        fail(str(exc))
    if print_url:
        _emit(url + "\n")
        return
    _browse(
        url,
        f"opening sheet {newer.number} of the {edition} edition (sheet {number} of {kit.edition})",
    )


def _browse(url: str, saying: str) -> None:
    """Hand an address to the browser (Python's `webbrowser`, which follows BROWSER), or print
    it when no browser can be started."""
    import webbrowser

    _stderr(f"{saying}: {url}")
    try:
        opened = webbrowser.open(url)
    except Exception:  # a BROWSER it cannot even parse ('"x %s'): as if none could start
        opened = False
    if not opened:
        _stderr("no browser could be started; open this address yourself:")
        _emit(url + "\n")


def _target(catalogue: "Catalogue", target: str) -> "Sheet":
    """The sheet a number names, or the clear best match of a query."""
    text = target.strip()
    if read_number(text) is not None:  # a number, even one no sheet has (-5): not a query
        return _sheet(catalogue, text)
    from esskit.search import QueryError, clear_leader, find

    try:
        matches = find(catalogue.sheets, text, limit=5, glossary=catalogue.glossary)
    except QueryError as exc:
        fail(str(exc))
    if not matches:
        _no_match(catalogue.sheets, text, catalogue.glossary)
    leader = clear_leader(matches)
    if leader is None:
        _nothing_found(
            f"{cat.quoted(text)} matches several sheets; say which with its number:",
            hints=[f"{match.sheet.number:>3}  {match.sheet.title}" for match in matches],
        )
    return leader.sheet


@app.command(
    cls=_Command,
    epilog=_examples("esskit glossary", "esskit glossary PAT --json", "esskit glossary mobilité"),
)
def glossary(
    ctx: typer.Context,
    term: Annotated[
        str | None,
        typer.Argument(
            metavar="TERM",
            help="An acronym (PAT) or a word of its expansion (alimentaire) "
            "\\[default: every entry].",
            show_default=False,
        ),
    ] = None,
    current: Annotated[
        bool,
        typer.Option("--current", help="Leave out what has ended or been replaced."),
    ] = False,
    fmt: FormatOption = None,
    as_json: JsonOption = False,
    fields: FieldsOption = None,
    lang: LangOption = None,
    catalogue: CatalogueOption = None,
) -> None:
    """List the acronyms of the field with their official expansions and the sheets they lead to.

    Search reads these acronyms as their expansions: `esskit search PAT` finds the sheet on
    territorial food projects and says `PAT → projet alimentaire territorial`.
    """
    from esskit.formats import GLOSSARY_FIELDS, glossary_columns, glossary_record

    output = _format(fmt, as_json)
    selected = _fields(fields, GLOSSARY_FIELDS)
    loaded = _load(ctx, catalogue)
    entries = list(loaded.glossary)
    if term is not None:
        from esskit.search import QueryError, look_up

        try:
            entries = look_up(entries, term)
        except QueryError as exc:
            fail(str(exc))
        if not entries:
            _nothing_found(f"no glossary entry for {cat.quoted(term)}", output)
    if current:
        ended = entries
        entries = [entry for entry in entries if not entry.ended]
        if not entries and term is not None:
            _nothing_found(
                f"{cat.quoted(term)} names only what has ended or been replaced "
                f"(leave out --current to see it: {', '.join(e.term for e in ended[:5])})",
                output,
            )
    display = _languages(lang)[1]
    if output is Format.TABLE:
        from esskit.display import glossary_table

        _table_rows(len(entries))
        _emit_rich(glossary_table(entries, display))
    else:
        records = [glossary_record(entry) for entry in entries]
        title = _page_title(loaded, "glossaire" if display is Lang.FR else "glossary")
        _emit_records(
            records,
            output,
            selected,
            columns=glossary_columns(output),
            display=display,
            title=title,
        )


@app.command(
    cls=_Command,
    epilog=_examples(
        "esskit validate my-catalogue.json",
        "python make_catalogue.py | esskit validate -",
    ),
)
def validate(
    ctx: typer.Context,
    path: Annotated[
        str | None,
        typer.Argument(
            metavar="PATH",
            help="Catalogue file to check, '-' for standard input \\[default: the packaged one].",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Check a catalogue file and report its problems (up to 100), each with its location."""
    _no_empty_path(path, "PATH")
    chosen = path or _settings(ctx).catalogue
    target = chosen
    try:
        if target == "-":
            target = STDIN
            loaded = cat.validate_bytes(_stdin(), _settings(ctx).policy, STDIN, every_problem=True)
        else:
            loaded = cat.check(target, _settings(ctx).policy)
    except cat.CatalogueError as exc:
        where = _path(exc.path)
        # a path from --catalogue or ESSKIT_CATALOGUE rather than from the argument: say which
        named = isinstance(exc, cat.UnreadableCatalogue) and not path
        hint = f" {_check_the_path(ctx, chosen)}" if named else ""
        for problem in exc.problems:
            _stderr(problem.located(where) + hint)
        if exc.more:
            _stderr(f"{where}: only the first {len(exc.problems)} problems are listed")
        raise typer.Exit(USAGE_ERROR) from None
    where = _path(target) if target else "packaged catalogue"
    _emit(f"{where}: valid, {len(loaded.sheets)} sheets\n")


STDIN = "standard input"


def _stdin() -> bytes:
    """A catalogue read from standard input, within the size limit of a catalogue file."""
    stream = getattr(sys.stdin, "buffer", None)  # none when stdin is closed (`<&-`)
    if stream is None:
        raise cat.CatalogueError(STDIN, [cat.Problem("", "is closed")])
    return cat.read_stream(stream, STDIN)


@app.command(cls=_Command, epilog=_examples("esskit schema > catalogue.schema.json"))
def schema() -> None:
    """Print the JSON Schema of the catalogue file format."""
    from esskit.formats import to_json

    _emit(to_json(cat.json_schema(), pretty=True), json_text=True)


def main() -> None:
    """Run the `esskit` command (`esskit.__main__.main` prepares the process first)."""
    app(prog_name=PROG)
