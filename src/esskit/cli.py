"""The `esskit` command line: parse, choose the output, write it once, turn errors into exit codes.

Exit codes: 0 found, 1 nothing found, 2 usage or data error (130 when interrupted, 143 when
terminated). The messages and the help are in the language esskit speaks (`esskit.i18n`).
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from itertools import islice
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

from esskit import catalogue as cat
from esskit import completion, i18n
from esskit.formats import (
    BINARY_FORMATS,
    EDITION_FIELDS,
    GLOSSARY_FIELDS,
    PEOPLE_FORMATS,
    SEARCH_FIELDS,
    SHEET_FIELDS,
    Format,
    Lang,
    UnknownField,
    category_name,
    columns_for,
    default_lang,
    machine_output,
    parse_fields,
    sheet_record,
)
from esskit.i18n import N_, _
from esskit.models import escaped, read_number

if TYPE_CHECKING:
    from rich.console import RenderableType

    from esskit.models import Catalogue, Category, GlossaryEntry, Sheet, UrlKind
    from esskit.search import Match

FOUND, NOTHING_FOUND, USAGE_ERROR = 0, 1, 2
PROG = "esskit"
EXAMPLES = N_("Examples:")
READS = N_(
    "esskit reads French and English, and the field's words in Spanish, Italian, Portuguese "
    "and German"
)
TYPER_WORDS = (
    N_("Options"),
    N_("Commands"),
    N_("Arguments"),
    N_("[env var: {}]"),
    N_("[default: {}]"),
    N_("[required]"),
    N_("Show this message and exit."),
    N_("Missing command."),
    N_("No such command {name!r}."),
)
"""Typer's words that its help and errors say through gettext: they are in esskit's catalogue."""
MAX_TABLE_ROWS = 5_000
"""Most rows drawn as a table or a tree: Rich lays a table out whole, which takes minutes for
a hundred thousand rows. Beyond, the command refuses and says which formats to use."""


# ----------------------------------------------------------------------------- writing


def say(message: str) -> None:
    """One line on stderr, `esskit: ` first, whatever it quotes escaped, and kept within a few
    hundred characters whatever slipped through."""
    if len(message) > 1_000:
        message = message[:997] + "..."
    _stderr(f"{PROG}: {escaped(message)}\n")


def _stderr(text: str) -> None:
    """Write to stderr; when it cannot be written (closed, full), there is nowhere left to say
    so: go on without it, so that the exit code still tells what happened."""
    try:
        sys.stderr.write(text)
        sys.stderr.flush()
    except (OSError, ValueError):
        _silence(sys.stderr)


def _silence(stream: Any) -> None:
    """Point a stream that cannot be written at /dev/null, so that what it still holds does not
    fail again when Python flushes it at exit."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), stream.fileno())


def _os_problem(exc: OSError) -> str:
    """An error of the system as one line: what it said, and about which file."""
    name = getattr(exc, "filename", None)
    about = f": {cat.shown(os.fsdecode(name), 200)}" if isinstance(name, str | bytes) else ""
    return f"{exc.strerror or type(exc).__name__}{about}"


def write(produce: Callable[[], object], *, help_page: bool = False) -> None:
    """Write an output (text, bytes, a table, help, a completion script) the one way: when the
    reader has gone (`| head -1`) the rest is dropped quietly, and the command ends with
    success (help keeps the exit code it has); any other failure to write (a full disk) is
    one line and exit 2."""
    try:
        produce()
        sys.stdout.flush()
    except (BrokenPipeError, SystemExit):  # SystemExit: how Rich answers a closed pipe
        _silence(sys.stdout)
        if not help_page:
            raise typer.Exit(FOUND) from None
    except ValueError:  # stdout was closed: nothing left to write to
        pass
    except OSError as exc:
        _silence(sys.stdout)  # what is still buffered would fail again at exit
        fail(_("cannot write the output: {problem}").format(problem=_os_problem(exc)))


def emit(text: str, *, json_text: bool = False) -> None:
    """Write text to stdout; JSON in ASCII escapes when stdout's encoding cannot hold it, other
    text with `?` for what it cannot hold, said once."""
    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    if not text.isascii():
        try:
            text.encode(encoding)
        except UnicodeEncodeError:
            if json_text:
                text = re.sub(r"[^\x00-\x7f]", _json_escape, text)
            else:
                _lossy(encoding)
        except LookupError:
            pass
    write(lambda: sys.stdout.write(text))


def _json_escape(match: re.Match[str]) -> str:
    """A character as JSON escapes it (in two UTF-16 halves beyond the first 65 536)."""
    units = match[0].encode("utf-16-be")
    return "".join(f"\\u{units[i]:02x}{units[i + 1]:02x}" for i in range(0, len(units), 2))


_warned: set[str] = set()


def _lossy(encoding: str) -> None:
    """Say once that some characters will show as `?`."""
    if encoding not in _warned:
        _warned.add(encoding)
        say(
            _(
                "the output's encoding ({encoding}) cannot write every character: they are "
                "written as '?' (PYTHONIOENCODING=utf-8 keeps them)"
            ).format(encoding=encoding)
        )


def emit_bytes(data: bytes) -> None:
    """Write a binary document (a workbook) to stdout."""
    write(lambda: sys.stdout.buffer.write(data))


def emit_rich(renderable: RenderableType) -> None:
    """Draw a Rich renderable on stdout at the terminal's width (colour per NO_COLOR,
    FORCE_COLOR, TERM); a long address is printed whole, never cut."""
    from rich.console import Console

    from esskit.__main__ import width

    text = os.environ.get("COLUMNS")
    if text is None:
        try:
            text = str(os.get_terminal_size(sys.__stdout__.fileno()).columns)  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            text = ""
    # both sizes given, so that Rich reads neither COLUMNS nor LINES itself
    console = Console(highlight=False, soft_wrap=False, emoji=False, width=width(text), height=25)
    console.on_broken_pipe = _pipe_closed  # type: ignore[method-assign]
    write(lambda: console.print(renderable, crop=False))


def _pipe_closed() -> None:
    """For Rich, which otherwise exits 1 when the reader has gone."""
    raise BrokenPipeError


def fail(message: str, code: int = USAGE_ERROR) -> NoReturn:
    """Say what went wrong in one line on stderr and exit with `code`."""
    say(message)
    raise typer.Exit(code)


def nothing_found(
    message: str, output: Format | None = None, hints: Sequence[str] = ()
) -> NoReturn:
    """Say why nothing was found (an empty array for JSON, one line and hints on stderr), and
    exit 1."""
    if output is Format.JSON:
        emit("[]\n")
    say(message)
    for hint in hints:
        _stderr(f"  {escaped(hint)}\n")
    raise typer.Exit(NOTHING_FOUND)


# ----------------------------------------------------------------------------- Typer, in words


def _in_words(command: Any, ctx: Any) -> None:
    """A command's help, examples and options' help in the language spoken (Typer holds them as
    written, in English), each flag shown as itself (`--json`, not `--json <bool>`), each
    argument by its name only (not `<list[str]>`)."""
    for name in ("help", "short_help"):
        if getattr(command, name, None):
            setattr(command, name, _one_paragraph(_(getattr(command, name))))
    if command.epilog:
        command.epilog = command.epilog.replace(EXAMPLES, _(EXAMPLES), 1)
    for param in [*command.params, command.get_help_option(ctx)]:
        if param is None:
            continue
        if getattr(param, "help", None):
            param.help = _one_paragraph(_(param.help))
        if isinstance(param, TyperOption) and param.is_flag and param.metavar is None:
            param.metavar = ""
        if isinstance(param, TyperArgument):
            param.display_type_rich = lambda ctx: None  # type: ignore[method-assign]


def _one_paragraph(text: str) -> str:
    """Help whose lines are joined into paragraphs, as Typer shows English docstrings."""
    return re.sub(r"(?<!\n)\n(?!\n)", " ", text)


def _usage_message(exc: Exception) -> str:
    """A usage error in esskit's words: a missing argument says what to give (`missing QUERY:
    words of a title or subject...`), an unknown option the ones that are close."""
    kind, param = type(exc).__name__, getattr(exc, "param", None)
    if kind == "MissingParameter" and getattr(param, "param_type_name", "") == "argument":
        name = getattr(param, "metavar", None) or str(param.name).upper()  # type: ignore[union-attr]
        what = str(getattr(param, "help", None) or "").replace("\\[", "[").strip().rstrip(".")
        if not what:
            return _("missing {name}").format(name=name)
        what = what[:1].lower() + what[1:]
        return _("missing {name}: {what}").format(name=name, what=what)
    if kind == "NoSuchOption":
        message = _("no such option: {name}").format(name=getattr(exc, "option_name", ""))
        close = list(getattr(exc, "possibilities", None) or ())
        return message + (
            _(" (did you mean {options}?)").format(options=", ".join(close)) if close else ""
        )
    extra = re.fullmatch(r"Got unexpected extra arguments? \((.*)\)", exc.format_message())  # type: ignore[attr-defined]
    if extra:
        return _("unexpected argument: {words}").format(words=extra[1])
    return str(exc.format_message()).replace("Value error, ", "")  # type: ignore[attr-defined]


class _Command(TyperCommand):
    """Typer's command, its help in words and written as every output is."""

    def format_help(self, ctx: Any, formatter: Any) -> None:
        _in_words(self, ctx)
        write(lambda: super(_Command, self).format_help(ctx, formatter), help_page=True)


FRENCH_NAMES: dict[str, str] = {}
"""Each command's French name, a hidden alias of its English one."""


class _Group(TyperGroup):
    """Typer's group: the language chosen before anything is said, every usage error as one
    line on stderr, help in words, completion written and installed by esskit, each command
    known by its French name too."""

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        i18n.use(i18n.from_locale(os.environ) or "en")
        try:
            result = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
            code = result if isinstance(result, int) else FOUND
        except typer.Exit as done:
            code = done.exit_code
        except Exception as exc:
            code = _failure(exc)
        try:  # what Typer or Click wrote themselves (a usage page), flushed as every output
            write(lambda: None, help_page=True)
        except typer.Exit as failed:
            code = failed.exit_code
        if not standalone_mode:
            return code
        sys.exit(code)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        _in_words(self, ctx)
        write(lambda: super(_Group, self).format_help(ctx, formatter), help_page=True)

    def get_params(self, ctx: Any) -> Any:
        params = super().get_params(ctx)
        for param in params:
            if param.name == "show_completion":
                param.callback = _show_completion
            elif param.name == "install_completion":
                param.callback = _install_completion
        return params

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        try:
            return super().resolve_command(ctx, args)
        except typer.TyperException as exc:  # an unknown command: the closest name, French too
            import difflib

            close = difflib.get_close_matches(args[0], [*self.commands, *FRENCH_NAMES], n=1)
            if close and isinstance(getattr(exc, "message", None), str):
                suggestion = _(" (did you mean {options}?)").format(options=close[0])
                exc.message = exc.message.rstrip(".") + suggestion
            raise

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        command = super().get_command(ctx, FRENCH_NAMES.get(cmd_name, cmd_name))
        if command is not None:
            _in_words(command, ctx)
        return command


def _failure(exc: Exception) -> int:
    """Say in one line what ended a command (an interruption, a usage error, a refusal of the
    system, a bug) and give its exit code; a bug is shown whole when debugging."""
    if isinstance(exc, typer.Abort):
        say(_("interrupted"))
        return 130
    if isinstance(exc, typer.TyperException):  # Typer's usage errors derive from it
        if type(exc).__name__ == "NoArgsIsHelpError":  # the help, drawn already by Rich
            if exc.format_message().strip():
                _stderr(exc.format_message().strip() + "\n")
        else:
            context = getattr(exc, "ctx", None)
            hint = (
                _(" (see '{command} --help')").format(command=context.command_path)
                if context is not None
                else ""
            )
            message = _usage_message(exc).replace("\n", " ")
            say(cat.shown(message, 300) + hint)  # it may quote a whole argument
        return int(getattr(exc, "exit_code", USAGE_ERROR))
    if isinstance(exc, OSError):  # the system refused something (a file completion would write)
        say(_os_problem(exc))
        return USAGE_ERROR
    if _flag("ESSKIT_DEBUG"):
        raise exc
    say(
        _(
            "unexpected error ({error}); this is a bug: rerun with ESSKIT_DEBUG=1 and "
            "include what it prints when you report it"
        ).format(error=f"{type(exc).__name__}: {str(exc)[:200]}")
    )
    return USAGE_ERROR


def _completion_shell(value: Any) -> str:
    """The shell a completion option names, else the user's."""
    return value if isinstance(value, str) else completion.detected_shell()


def _show_completion(ctx: Any, param: Any, value: Any) -> None:
    """--show-completion: the completion script, written as every output is."""
    if not value or ctx.resilient_parsing:
        return
    try:
        emit(completion.script(_completion_shell(value), PROG))
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
        fail(_("cannot install completion: {problem}").format(problem=_os_problem(exc)))
    emit(
        _("{shell} completion installed in {path}\nit takes effect in a new shell\n").format(
            shell=shell, path=path
        )
    )
    raise typer.Exit(FOUND)


def _examples(*lines: str) -> str:
    """An "Examples" block for the end of a command's help, its lines kept as written."""
    return f"\b\n{EXAMPLES}\n" + "\n".join(f"  {line}" for line in lines)


app = typer.Typer(
    cls=_Group,
    name=PROG,
    help=N_(
        "Find your way through the RTES Kit MunicipalESS (2020): list, search, show and open "
        "its documents."
    ),
    epilog=_examples(
        'esskit search "commande publique"',
        "esskit show 13",
        "esskit list --category lever --format xlsx > leviers.xlsx",
    ),
    no_args_is_help=True,
    suggest_commands=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


# ----------------------------------------------------------------------------- settings


def _flag(name: str) -> bool:
    """An on/off setting of the environment (see `catalogue.parse_flag`)."""
    try:
        return cat.parse_flag(name, os.environ.get(name))
    except cat.BadSetting as exc:
        fail(str(exc))


class Settings:
    """What the options before the command say, for every command."""

    __slots__ = ("catalogue", "policy")

    def __init__(self, catalogue: str | None, policy: cat.Policy) -> None:
        self.catalogue = catalogue
        self.policy = policy


def _settings(ctx: typer.Context) -> Settings:
    settings = ctx.find_object(Settings)
    return settings if settings is not None else Settings(None, cat.Policy())


def _typed(owner: Any) -> bool:
    """Whether the --catalogue of a command (or of the group before it) was typed, rather than
    read from ESSKIT_CATALOGUE or left out (`owner`: its context)."""
    return getattr(owner.get_parameter_source("catalogue"), "name", None) == "COMMANDLINE"


def _no_empty_path(path: str | None, name: str) -> None:
    """An empty path typed for a catalogue is a usage error: it names no file."""
    if path == "":
        fail(_("{name}: an empty path names no catalogue file").format(name=name))


def _path_source(ctx: typer.Context, chosen: str | None) -> str:
    """What to check when the catalogue `chosen` cannot be read: the path in ESSKIT_CATALOGUE,
    the one given to --catalogue, or, for the packaged catalogue, esskit's installation."""
    if chosen is None:
        return _("(esskit's own catalogue is missing: reinstall esskit)")
    if _typed(ctx) or _typed(ctx.find_root()):
        return _("(check the path given to --catalogue)")
    return _("(check the path in ESSKIT_CATALOGUE)")


def load(ctx: typer.Context, path: str | None) -> Catalogue:
    """The catalogue the options name: the command's own --catalogue, else the one before the
    command, else ESSKIT_CATALOGUE (which both read), else the packaged one."""
    _no_empty_path(path, "--catalogue")
    settings = _settings(ctx)
    chosen = completion.chosen_catalogue(ctx)
    try:
        return cat.load(chosen, settings.policy)
    except cat.UnreadableCatalogue as exc:
        where = exc.problems[0].located(cat.shown(exc.path, 200))
        fail(
            _("cannot read the catalogue: {where} {check}").format(
                where=where, check=_path_source(ctx, chosen)
            )
        )
    except cat.CatalogueError as exc:
        where = exc.problems[0].located(cat.shown(exc.path, 200))
        command = f"{PROG} validate" + (f" {_shell_word(exc.path)}" if chosen else "")
        fail(
            _("invalid catalogue: {where} (run '{command}' to list every problem)").format(
                where=where, command=command
            )
        )


def _shell_word(path: str) -> str:
    """A path as a shell reads it back, for a command a message suggests."""
    import shlex

    return shlex.quote(cat.shown(path, 200))


def _category(name: str | None) -> Category | None:
    if name is None:
        return None
    try:
        return cat.parse_category(name)
    except cat.UnknownCategory as exc:
        fail(str(exc))


_OTHER_FORMATS = {"excel": Format.XLSX, "xls": Format.XLSX, "md": Format.MARKDOWN}


def _format(fmt: str | None, as_json: bool) -> Format:
    """The output format asked for (`--format`, `--json`), else a table on a terminal and plain
    lines when piped; a format name that is close to one is pointed to it."""
    chosen = None
    if fmt is not None:
        wanted = fmt.strip().casefold()
        try:
            chosen = Format(wanted)
        except ValueError:
            import difflib

            close = _OTHER_FORMATS.get(wanted) or next(
                iter(difflib.get_close_matches(wanted, list(Format), n=1)), None
            )
            hint = _(" (did you mean {options}?)").format(options=close) if close else ""
            fail(
                _("unknown format {name}{hint}: choose {names}").format(
                    name=cat.quoted(fmt), hint=hint, names=", ".join(Format)
                )
            )
    if as_json and chosen not in (None, Format.JSON):
        fail(_("--json and --format {name} disagree: give one of them").format(name=chosen))
    if as_json:
        return Format.JSON
    if chosen in BINARY_FORMATS and _stdout_is_terminal():
        fail(
            _("--format {name} writes a file: send it to one, as in '> kit.{name}'").format(
                name=chosen
            )
        )
    return chosen or (Format.TABLE if _stdout_is_terminal() else Format.PLAIN)


def _stdout_is_terminal() -> bool:
    return sys.stdout.isatty()


def _fields(spec: str | None, available: Sequence[str]) -> list[str] | None:
    try:
        return parse_fields(spec, available)
    except UnknownField as exc:
        fail(cat.shown(str(exc), 400))  # it quotes the names given


def _languages(lang: Lang | None) -> Lang:
    """The titles to show, from --lang, else the locale (both when it is neither French nor
    English); and from now on, the language esskit speaks: French when --lang or else the
    locale says so, English otherwise."""
    spoken = i18n.from_locale(os.environ)
    titles = lang or default_lang(spoken)
    i18n.use(lang.value if lang in (Lang.FR, Lang.EN) else spoken or "en")
    return titles


def _page_title(catalogue: Catalogue, *details: str) -> str:
    """The heading of a document: the kit, and what was asked."""
    return " · ".join([f"{catalogue.kit.name} ({catalogue.kit.edition})", *details])


def _rows(count: int) -> None:
    """Refuse to draw more than MAX_TABLE_ROWS rows, saying what to use instead."""
    if count > MAX_TABLE_ROWS:
        fail(
            _(
                "{count} rows are too many to draw as a table or a tree (at most {most}): use "
                "--format plain, csv or --json, or choose fewer sheets"
            ).format(count=i18n.count_text(count), most=i18n.count_text(MAX_TABLE_ROWS))
        )


def _selection(catalogue: Catalogue, texts: Sequence[str]) -> list[Sheet]:
    """The sheets the numbers name, in the order given, each once; the first unknown number is
    an error that names it."""
    try:
        return cat.get_sheets(catalogue, cat.parse_numbers(texts))
    except cat.SheetNotFound as exc:
        fail(str(exc))


def _record(sheet: Sheet) -> dict[str, Any]:
    return sheet_record(sheet, *cat.sheet_url(sheet))


_CHUNK = 1_000
"""Records formatted and written at a time (JSON, JSON lines, CSV, TSV, plain), so that the
output of a large catalogue is never held whole, let alone twice."""


def emit_records(
    records: Iterable[dict[str, Any]],
    output: Format,
    fields: Sequence[str] | None,
    columns: Sequence[str],
    *,
    title: str = "",
    single: bool = False,
) -> None:
    """Records in any format but a table: documents whole, the formats for scripts a thousand
    records at a time; JSON indented for a person at a terminal, on one line for scripts."""
    chosen = list(fields) if fields is not None else list(columns)
    if output in BINARY_FORMATS:
        from esskit.formats import TooManyRows, to_xlsx

        try:
            emit_bytes(to_xlsx(list(records), chosen, title))
        except TooManyRows as exc:
            fail(_("{problem}: use --format csv or choose fewer sheets").format(problem=exc))
        return
    pretty, json_text = _stdout_is_terminal(), output in (Format.JSON, Format.JSONL)

    def text(chunk: Sequence[dict[str, Any]], one: bool = False) -> str:
        return machine_output(
            chunk, output, fields, columns=columns, single=one, pretty=pretty, title=title
        )

    if single or output not in _CHUNKED:
        emit(text(list(records), single), json_text=json_text)
        return
    items = iter(records)
    chunk = list(islice(items, _CHUNK))
    first = True
    while True:
        following = list(islice(items, _CHUNK))
        piece = text(chunk)
        if not (first and not following):
            piece = _piece(piece, output, first=first, last=not following, pretty=pretty)
        emit(piece, json_text=json_text)
        if not following:
            return
        chunk, first = following, False


_CHUNKED = (Format.JSON, Format.JSONL, Format.CSV, Format.TSV, Format.PLAIN)


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


def _not_in_category(message: str, elsewhere: Sequence[Sheet], output: Format) -> NoReturn:
    """Say that nothing was found in the category asked for, and which other categories hold
    the sheets found (`in other categories: thematic (8, 16)`), and exit 1."""
    held = cat.numbers_by_category(elsewhere)
    listing = "; ".join(f"{category_name(c)} ({_some(numbers)})" for c, numbers in held.items())
    hints = [_("in other categories: {listing}").format(listing=listing)] if held else []
    nothing_found(message, output, hints)


def _some(numbers: Sequence[int], most: int = 10) -> str:
    """`4, 7, 13`, or the first `most` numbers and how many more."""
    shown = ", ".join(map(str, numbers[:most]))
    if len(numbers) <= most:
        return shown
    return _("{shown} and {count} more").format(
        shown=shown, count=i18n.count_text(len(numbers) - most)
    )


def _found_elsewhere(
    catalogue: Catalogue, query: str, chosen: Category, limit: int, output: Format
) -> None:
    """When a query finds nothing in the category asked for, the categories where it finds
    sheets (exit 1); nothing when it finds none anywhere."""
    from esskit.search import find

    found = find(catalogue.sheets, query, limit=limit, glossary=catalogue.glossary)
    elsewhere = [match.sheet for match in found if match.sheet.category is not chosen]
    if elsewhere:
        message = _("no sheet in category {name} matches {query}").format(
            name=category_name(chosen), query=cat.quoted(query)
        )
        _not_in_category(message, elsewhere, output)


def _no_match(
    sheets: Sequence[Sheet],
    query: str,
    glossary: Sequence[GlossaryEntry],
    titles: Lang,
    output: Format | None = None,
) -> NoReturn:
    """Say that nothing matched, and which of its words are not in the kit, with up to three
    close sheets (their titles in the display language) and what esskit reads, and exit 1."""
    from esskit.search import find, not_in_kit

    near = [m.sheet for m in find(sheets, query, limit=3, loose=True, glossary=glossary)]
    missing = not_in_kit(sheets, query, glossary)
    message = _("no sheet matches {query}").format(query=cat.quoted(query))
    if missing:
        message += _(" (not in the kit: {words})").format(words=", ".join(missing))
    hints = [
        _("did you mean {number}: {title}").format(number=sheet.number, title=_title(sheet, titles))
        for sheet in near
    ]
    nothing_found(message, output, [*hints, _(READS)])


def _title(sheet: Sheet, titles: Lang) -> str:
    """A sheet's title as a message shows it, in the display language, ending with `?`."""
    title = sheet.title_en if titles is Lang.EN or i18n.language() == "en" else sheet.title
    return title if title.endswith("?") else f"{title}?"


# ----------------------------------------------------------------------------- options

CatalogueOption = Annotated[
    str | None,
    typer.Option(
        "--catalogue",
        "-c",
        metavar="PATH",
        envvar="ESSKIT_CATALOGUE",
        show_envvar=True,
        help=N_("Catalogue file to use instead of the packaged one."),
    ),
]
FormatOption = Annotated[
    str | None,
    typer.Option(
        "--format",
        "-f",
        metavar="FORMAT",
        help=N_(
            "Output format: table, json, jsonl, csv, tsv, plain, markdown, html, spreadsheet, "
            "xlsx \\[default: table on a terminal, plain when piped]."
        ),
        autocompletion=completion.formats,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help=N_("Shorthand for --format json."))]
FieldsOption = Annotated[
    str | None,
    typer.Option(
        "--fields",
        metavar="FIELDS",
        help=N_("Fields to print, in order, separated by commas, in every format but the table."),
        autocompletion=completion.fields,
    ),
]
LangOption = Annotated[
    Lang | None,
    typer.Option(
        "--lang",
        metavar="LANG",
        help=N_(
            "Titles to show (fr, en or both), and the language esskit speaks \\[default: from "
            "the locale (LC_ALL, LC_MESSAGES, LANG, LANGUAGE); both titles when it is neither "
            "French nor English]."
        ),
        case_sensitive=False,
    ),
]
CategoryOption = Annotated[
    str | None,
    typer.Option(
        "--category",
        "-k",
        metavar="CATEGORY",
        help=N_(
            "Only this category: intro, lever, thematic (French names work too: introduction, "
            "levier, thématique)."
        ),
        autocompletion=completion.categories,
    ),
]
NumbersArgument = Annotated[
    list[str],
    typer.Argument(
        metavar="N",
        help=N_(
            "Sheet numbers, as 'esskit list' shows them (0 is the introductory text), shown in "
            "the order given."
        ),
        autocompletion=completion.numbers,
    ),
]
SomeNumbersArgument = Annotated[
    list[str] | None,
    typer.Argument(
        metavar="N",
        help=N_("Only these sheets, in the order given \\[default: every sheet]."),
        autocompletion=completion.numbers,
    ),
]
EditionOption = Annotated[
    int | None,
    typer.Option(
        "--edition",
        metavar="YEAR",
        help=N_("The kit's later edition (2026): its sheets, each with its 2020 counterpart."),
    ),
]
# Numbers go through esskit's own reading, so that `show -1` is a bad number, not an option.
_NUMBERS = {"ignore_unknown_options": True}


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            number = version(PROG)
        except PackageNotFoundError:
            number = _("unknown (not installed)")
        emit(f"{PROG} {number}\n")
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
            help=N_(
                "Also accept links to HOST and its subdomains (repeatable) \\[env var: "
                "ESSKIT_ALLOW_HOSTS, comma-separated]."
            ),
        ),
    ] = None,
    allow_http: Annotated[
        bool,
        typer.Option(
            "--allow-http",
            help=N_(
                "Accept plain http links in the catalogue and open them \\[env var: "
                "ESSKIT_ALLOW_HTTP=1]."
            ),
        ),
    ] = False,
    version: Annotated[
        bool | None,
        typer.Option(
            "--version",
            "-V",
            callback=_version,
            is_eager=True,
            help=N_("Print the version and exit."),
        ),
    ] = None,
) -> None:
    """Find your way through the RTES Kit MunicipalESS (2020).

    The kit's documents: the introductory text (0) and the sheets, in three categories: intro,
    the levers a municipality holds, and the thematic sheets. Exit codes: 0 found, 1 nothing
    found, 2 usage or data error.
    """
    _flag("ESSKIT_DEBUG")
    try:
        policy = cat.Policy.of(allow_host or (), allow_http, os.environ)
    except cat.BadSetting as exc:
        fail(str(exc))
    _no_empty_path(catalogue, "--catalogue")
    ctx.obj = Settings(catalogue, policy)


# ----------------------------------------------------------------------------- commands


def command(
    name: str, french: str | None, *examples: str, numbers: bool = False
) -> Callable[..., Any]:
    """A command of esskit, and its French name as a hidden alias (`liste` for `list`)."""

    def register(function: Callable[..., Any]) -> Callable[..., Any]:
        settings: dict[str, Any] = {"cls": _Command, "epilog": _examples(*examples)}
        if numbers:
            settings["context_settings"] = _NUMBERS
        app.command(name, **settings)(function)
        if french:
            FRENCH_NAMES[french] = name
        return function

    return register


@command(
    "list",
    "liste",
    "esskit list --category levier",
    "esskit list 4 7 13 --json",
    "esskit list 8 16 7 --format xlsx > selection.xlsx",
    "esskit list --tree",
    "esskit list --edition 2026",
    numbers=True,
)
def list_sheets(
    ctx: typer.Context,
    numbers: SomeNumbersArgument = None,
    category: CategoryOption = None,
    fmt: FormatOption = None,
    as_json: JsonOption = False,
    fields: FieldsOption = None,
    lang: LangOption = None,
    tree: Annotated[
        bool, typer.Option("--tree", help=N_("Draw the kit's structure as a tree."))
    ] = False,
    edition: EditionOption = None,
    catalogue: CatalogueOption = None,
) -> None:
    """List the kit's documents: number, category, French and English titles."""
    titles = _languages(lang)
    chosen = _category(category)
    output = _format(fmt, as_json)
    if tree and (as_json or fields or fmt is not None and output is not Format.TABLE):
        fail(_("--tree draws the kit for people: it takes no --json, --format or --fields"))
    loaded = load(ctx, catalogue)
    every = _selection(loaded, numbers) if numbers else list(loaded.sheets)
    sheets = [sheet for sheet in every if chosen is None or sheet.category is chosen]
    if edition is not None and edition != loaded.kit.edition:
        _list_edition(loaded, sheets, edition, output, fields)
        return
    selected = _fields(fields, SHEET_FIELDS)
    if not sheets and chosen is not None:
        _none_in_category(chosen, numbers, every, output)
    if tree or output is Format.TABLE:
        _rows(len(sheets))
        from esskit.display import sheets_table, sheets_tree

        kit = loaded.kit
        if tree:
            emit_rich(sheets_tree(sheets, kit.name, kit.edition, titles))
        else:
            emit_rich(sheets_table(sheets, titles))
        return
    emit_records(
        (_record(sheet) for sheet in sheets),
        output,
        selected,
        columns_for(output, titles),
        title=_page_title(loaded, *([category_name(chosen)] if chosen else [])),
    )


def _none_in_category(
    chosen: Category, numbers: list[str] | None, every: Sequence[Sheet], output: Format
) -> NoReturn:
    """Say that no sheet listed is in the category asked for (exit 1): when sheets were named,
    the categories they are in."""
    name = category_name(chosen)
    if not numbers:  # the catalogue has none: the other categories are no news
        nothing_found(_("no sheet is in category {name}").format(name=name), output)
    message = _("none of the sheets {numbers} is in category {name}")
    _not_in_category(message.format(numbers=", ".join(numbers), name=name), every, output)


def _list_edition(
    catalogue: Catalogue,
    sheets: Sequence[Sheet],
    edition: int,
    output: Format,
    fields: str | None,
) -> None:
    """The sheets of a later edition that the catalogue knows, each with its counterpart in
    the catalogue's edition, in the later edition's order; every number beside its edition."""
    from esskit.formats import edition_record

    known = [
        s for s in sheets if s.newer_edition is not None and s.newer_edition.edition == edition
    ]
    if not known:
        nothing_found(
            _("the catalogue knows no sheet of the {edition} edition").format(edition=edition),
            output,
            [_("the kit's hub carries its newest edition: {hub}").format(hub=cat.KIT_HUB)],
        )
    known.sort(key=lambda sheet: sheet.newer_edition.number)  # type: ignore[union-attr]
    records = [edition_record(sheet, catalogue.kit.edition) for sheet in known]
    if output is Format.TABLE:
        from esskit.display import editions_table

        emit_rich(editions_table(records))
        return
    title = _page_title(catalogue, _("{edition} edition").format(edition=edition))
    emit_records(records, output, _fields(fields, EDITION_FIELDS), EDITION_FIELDS, title=title)


@command(
    "search",
    "chercher",
    "esskit search mobilité",
    "esskit search PAT",
    'esskit search "comment aider un café associatif dans un village"',
    'esskit search "commande publique" --json',
    "esskit search foncier --format spreadsheet > foncier.csv",
    "esskit search alimentation --format markdown",
)
def search(
    ctx: typer.Context,
    query: Annotated[
        str,
        typer.Argument(
            metavar="QUERY",
            help=N_("Words of a title or subject, in French or English, or a number."),
        ),
    ],
    limit: Annotated[
        int,
        typer.Option(
            "--limit", "-n", metavar="N", min=1, max=10_000, help=N_("Most results to show.")
        ),
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
    (PAT, SPASER, QPV) is read as its official expansion (see `esskit glossary`). The field's
    words in Spanish, Italian, Portuguese and German are read too.
    """
    from esskit.search import QueryError, find

    titles = _languages(lang)
    chosen = _category(category)
    output = _format(fmt, as_json)
    selected = _fields(fields, SEARCH_FIELDS)
    loaded = load(ctx, catalogue)
    sheets = [sheet for sheet in loaded.sheets if chosen is None or sheet.category is chosen]
    try:
        matches = find(sheets, query, limit=limit, glossary=loaded.glossary)
    except QueryError as exc:
        fail(str(exc))
    if not matches:
        if chosen is not None:
            _found_elsewhere(loaded, query, chosen, limit, output)
        _no_match(sheets, query, loaded.glossary, titles, output)
    _matches_out(loaded, query, matches, output, selected, titles)


def _matches_out(
    catalogue: Catalogue,
    query: str,
    matches: Sequence[Match],
    output: Format,
    fields: Sequence[str] | None,
    titles: Lang,
) -> None:
    """Write what a search found, in the format asked for."""
    from esskit.formats import match_record

    if output is Format.TABLE:
        from esskit.display import sheets_table

        _rows(len(matches))
        emit_rich(sheets_table([m.sheet for m in matches], titles, matches))
        return
    emit_records(
        (match_record(match, *cat.sheet_url(match.sheet)) for match in matches),
        output,
        fields,
        columns_for(output, titles, searched=True),
        title=_page_title(catalogue, query),
    )


@command(
    "show",
    "voir",
    "esskit show 13",
    "esskit show 4 7 --json",
    "esskit show 8 16 7 --format markdown > selection.md",
    "esskit show 8 16 7 --format html > selection.html",
    numbers=True,
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
    titles = _languages(lang)
    output = _format(fmt, as_json)
    selected = _fields(fields, SHEET_FIELDS)
    loaded = load(ctx, catalogue)
    sheets = _selection(loaded, numbers)
    if output is Format.TABLE:
        from rich.console import Group

        from esskit.display import sheet_panel

        _rows(len(sheets))
        emit_rich(Group(*(sheet_panel(sheet, *cat.sheet_url(sheet)) for sheet in sheets)))
        return
    records = [_record(sheet) for sheet in sheets]
    if output in PEOPLE_FORMATS:
        from esskit.formats import section_fields, to_html_sections, to_markdown_sections

        rows = selected or section_fields(titles)
        if output is Format.MARKDOWN:
            emit(to_markdown_sections(records, rows, titles))
        else:
            emit(to_html_sections(records, rows, titles, _page_title(loaded)))
        return
    # One number prints one JSON object, as it always has; several print an array.
    emit_records(
        records,
        output,
        selected,
        columns_for(output, titles),
        single=len(numbers) == 1,
        title=_page_title(loaded),
    )


@command(
    "open",
    "ouvrir",
    "esskit open 13",
    'esskit open "monnaie locale" --print-url',
    "esskit open 2 --search",
    "esskit open 17 --edition 2026",
    numbers=True,
)
def open_sheet(
    ctx: typer.Context,
    target: Annotated[
        str,
        typer.Argument(
            metavar="N|QUERY",
            help=N_("A sheet number, or words to search for (the best match is opened)."),
            autocompletion=completion.numbers,
        ),
    ],
    print_url: Annotated[
        bool,
        typer.Option("--print-url", "-p", help=N_("Print the address instead of opening it.")),
    ] = False,
    search_page: Annotated[
        bool,
        typer.Option(
            "--search", help=N_("Open a web search for the sheet on socioeco.org instead.")
        ),
    ] = False,
    edition: Annotated[
        int | None,
        typer.Option(
            "--edition",
            metavar="YEAR",
            help=N_("Open the page of the sheet's counterpart in that edition of the kit (2026)."),
        ),
    ] = None,
    catalogue: CatalogueOption = None,
) -> None:
    """Open a sheet's page in your browser: its socioeco.org or citego.org page, else a web search
    for it on socioeco.org; with --edition 2026, its counterpart's page on rtes.fr."""
    loaded = load(ctx, catalogue)
    sheet = _target(loaded, target)
    url, kind, saying = _page(loaded, sheet, edition, search_page)
    try:
        url = cat.safe_url(url, _settings(ctx).policy, kind)
    except cat.UnsafeUrl as exc:
        fail(str(exc))
    if print_url:
        emit(url + "\n")
    else:
        _browse(url, saying)


def _browse(url: str, saying: str) -> None:
    """Open a page in the user's browser (Python's `webbrowser`, which BROWSER steers), saying
    which; when none can start, the address is printed for the user to open."""
    import webbrowser

    say(_("{saying}: {url}").format(saying=saying, url=url))
    try:
        opened = webbrowser.open(url)
    except Exception:  # a BROWSER it cannot even parse ('"x %s'): as if none could start
        opened = False
    if not opened:
        say(_("no browser could be started; open this address yourself:"))
        emit(url + "\n")


def _page(
    catalogue: Catalogue, sheet: Sheet, edition: int | None, search_page: bool
) -> tuple[str, UrlKind | None, str]:
    """The page to open, its kind (None for a later edition's page), and what to say of it."""
    if edition is not None and edition != catalogue.kit.edition:
        url, newer = _newer_page(catalogue, sheet, edition)
        saying = _("opening sheet {number} of the {edition} edition (sheet {ours} of {kit})")
        ours = catalogue.kit.edition
        return url, None, saying.format(number=newer, edition=edition, ours=sheet.number, kit=ours)
    url, kind = cat.sheet_url(sheet, search=search_page)
    note = ""
    if kind.value == "search":
        note = (
            _(" (a socioeco.org search, as asked)")
            if search_page
            else _(" (no page of its own is known: searching socioeco.org)")
        )
    return url, kind, _("opening sheet {number}{note}").format(number=sheet.number, note=note)


def _newer_page(catalogue: Catalogue, sheet: Sheet, edition: int) -> tuple[str, int]:
    """The page of a sheet's counterpart in a later edition, or a plain word that the catalogue
    does not know it (exit 1): never a page guessed from a number."""
    newer, ours = sheet.newer_edition, catalogue.kit.edition
    hub = _("the kit's hub carries its newest edition: {hub}").format(hub=cat.KIT_HUB)
    if newer is None or newer.edition != edition:
        nothing_found(
            _("sheet {number} ({kit}) has no known counterpart in the {edition} edition").format(
                number=sheet.number, kit=ours, edition=edition
            ),
            hints=[hub],
        )
    if newer.page is None:
        nothing_found(
            _(
                "sheet {number} ({kit}) is sheet {newer} of the {edition} edition, whose page is "
                "not known"
            ).format(number=sheet.number, kit=ours, newer=newer.number, edition=edition),
            hints=[hub],
        )
    return newer.page, newer.number


def _target(catalogue: Catalogue, target: str) -> Sheet:
    """The sheet a number names, or the clear best match of a query."""
    text = target.strip()
    if read_number(text) is not None:  # a number, even one no sheet has (-5): not a query
        return _selection(catalogue, [text])[0]
    from esskit.search import QueryError, clear_leader, find

    try:
        matches = find(catalogue.sheets, text, limit=5, glossary=catalogue.glossary)
    except QueryError as exc:
        fail(str(exc))
    if not matches:
        _no_match(catalogue.sheets, text, catalogue.glossary, Lang.BOTH)
    leader = clear_leader(matches)
    if leader is None:
        nothing_found(
            _("{query} matches several sheets; say which with its number:").format(
                query=cat.quoted(text)
            ),
            hints=[f"{match.sheet.number:>3}  {match.sheet.title}" for match in matches],
        )
    return leader.sheet


@command(
    "glossary",
    "glossaire",
    "esskit glossary",
    "esskit glossary PAT --json",
    "esskit glossary mobilité",
    "esskit glossary --current --format markdown",
)
def glossary(
    ctx: typer.Context,
    term: Annotated[
        str | None,
        typer.Argument(
            metavar="TERM",
            help=N_(
                "An acronym (PAT) or a word of its expansion (alimentaire) \\[default: every "
                "entry]."
            ),
        ),
    ] = None,
    current: Annotated[
        bool,
        typer.Option("--current", help=N_("Leave out what has ended or been replaced.")),
    ] = False,
    fmt: FormatOption = None,
    as_json: JsonOption = False,
    fields: FieldsOption = None,
    lang: LangOption = None,
    catalogue: CatalogueOption = None,
) -> None:
    """List the acronyms of the field with their official expansions and the sheets they lead to.

    Search reads these acronyms as their expansions: `esskit search PAT` finds the sheet on
    territorial food projects and says `PAT → projet alimentaire territorial`. An entry says
    what replaced the scheme it names, and when.
    """
    from esskit.formats import glossary_columns, glossary_record

    _languages(lang)
    output = _format(fmt, as_json)
    selected = _fields(fields, GLOSSARY_FIELDS)
    loaded = load(ctx, catalogue)
    entries = _entries(loaded.glossary, term, current, output)
    if output is Format.TABLE:
        from esskit.display import glossary_table

        _rows(len(entries))
        emit_rich(glossary_table(entries))
        return
    emit_records(
        [glossary_record(entry) for entry in entries],
        output,
        selected,
        glossary_columns(output),
        title=_page_title(loaded, _("glossary")),
    )


def _entries(
    glossary: Sequence[GlossaryEntry], term: str | None, current: bool, output: Format
) -> list[GlossaryEntry]:
    """The glossary entries asked for: those of a term, those still current; none is exit 1."""
    entries = list(glossary)
    if term is not None:
        from esskit.search import QueryError, look_up

        try:
            entries = look_up(entries, term)
        except QueryError as exc:
            fail(str(exc))
        if not entries:
            nothing_found(_("no glossary entry for {term}").format(term=cat.quoted(term)), output)
    if current:
        ended, entries = entries, [entry for entry in entries if not entry.ended]
        if not entries and term is not None:
            nothing_found(
                _(
                    "{term} names only what has ended or been replaced (leave out --current to "
                    "see it: {terms})"
                ).format(term=cat.quoted(term), terms=", ".join(e.term for e in ended[:5])),
                output,
            )
    return entries


STDIN = N_("standard input")


@command(
    "validate",
    "valider",
    "esskit validate my-catalogue.json",
    "python make_catalogue.py | esskit validate -",
)
def validate(
    ctx: typer.Context,
    path: Annotated[
        str | None,
        typer.Argument(
            metavar="PATH",
            help=N_(
                "Catalogue file to check, '-' for standard input \\[default: the packaged one]."
            ),
        ),
    ] = None,
) -> None:
    """Check a catalogue file and report its problems (up to 100), each with its location."""
    _no_empty_path(path, "PATH")
    chosen = path or _settings(ctx).catalogue
    policy = _settings(ctx).policy
    try:
        if chosen == "-":
            from esskit.validation import validate_bytes

            loaded = validate_bytes(_stdin(), policy, _(STDIN), every_problem=True)
        else:
            loaded = cat.check(chosen, policy)
    except cat.CatalogueError as exc:
        where = cat.shown(exc.path, 200)
        # a path from --catalogue or ESSKIT_CATALOGUE rather than from the argument: say which
        named = isinstance(exc, cat.UnreadableCatalogue) and not path
        hint = f" {_path_source(ctx, chosen)}" if named else ""
        for problem in exc.problems:
            say(problem.located(where) + hint)
        if exc.more:
            say(
                _("{where}: only the first {count} problems are listed").format(
                    where=where, count=len(exc.problems)
                )
            )
        raise typer.Exit(USAGE_ERROR) from None
    where = (
        _(STDIN) if chosen == "-" else cat.shown(chosen, 200) if chosen else _("packaged catalogue")
    )
    count = len(loaded.sheets)
    valid = i18n.ngettext(
        "{where}: valid, {count} sheet\n", "{where}: valid, {count} sheets\n", count
    )
    emit(valid.format(where=where, count=i18n.count_text(count)))


def _stdin() -> bytes:
    """A catalogue read from standard input, within the size limit of a catalogue file."""
    stream = getattr(sys.stdin, "buffer", None)  # none when stdin is closed (`<&-`)
    if stream is None:
        raise cat.CatalogueError(_(STDIN), [cat.Problem("", _("is closed"))])
    return cat.read_stream(stream, _(STDIN))


@command("schema", None, "esskit schema > catalogue.schema.json")
def schema() -> None:
    """Print the JSON Schema of the catalogue file format."""
    from esskit.formats import to_json
    from esskit.validation import json_schema

    emit(to_json(json_schema(), pretty=True), json_text=True)


def main() -> None:
    """Run the `esskit` command (`esskit.__main__.main` prepares the process first)."""
    app(prog_name=PROG)
