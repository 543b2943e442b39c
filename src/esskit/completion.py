"""Shell completion: the values esskit offers at TAB, the scripts that ask for them, and their
installation in a shell's files. Nothing here prints; `cli` writes what these functions return."""

from __future__ import annotations

import fcntl
import os
import stat
import tempfile
import unicodedata
from collections.abc import Mapping
from contextlib import suppress
from pathlib import Path
from typing import Any

from esskit import catalogue as cat
from esskit.formats import COMMAND_FIELDS, EDITION_FIELDS, SHEET_FIELDS
from esskit.i18n import _
from esskit.models import Category

# The callbacks' `ctx` is Typer's context, found by its name (this module imports no Typer).

SHELLS = ("bash", "zsh", "fish")
"""The shells esskit writes completion scripts for."""


class CompletionError(Exception):
    """A completion script that cannot be installed: the message names the file or setting."""


# Descriptions are kept to characters that mean nothing to any layer they cross, rather than
# escaped for each: zsh reads a description twice (the script's `eval`, then `_arguments`'
# `eval ws=( "..." )`, after Typer's own partial escaping), Rich reads it as markup and emoji
# codes before either shell sees it, and fish splits it on new lines. One safe set holds for
# every shell and every Typer version; exact escaping would have to undo Typer's, layer by layer.
_PUNCTUATION = frozenset(" .,;?!&()/+%-–—’‘“”«»…")
"""Punctuation kept in descriptions: none is special to zsh inside double quotes, to fish's
completion output, or to Rich (no `[`, `]`, `:`, `\\`, `$`, backquote or ASCII quote)."""

_KEPT = ("L", "Mn", "Mc", "Nd")
"""Unicode categories kept in descriptions: letters of any script, their accents, digits."""

MAX_DESCRIPTION = 79
"""The widest description offered, in terminal cells, wherever the terminal is wider."""


def description(text: str, width: int = MAX_DESCRIPTION) -> str:
    """A title as an inert completion description: letters, digits, spaces and harmless
    punctuation on one line (`'` becomes `’`, anything else a space), cut with an ellipsis to
    `width` terminal cells; empty when nothing is left or `width` is under 1."""
    kept = (
        "’"
        if char == "'"
        else char
        if char in _PUNCTUATION or unicodedata.category(char).startswith(_KEPT)
        else " "
        for char in text
    )
    plain = " ".join("".join(kept).split())
    if width < 1:
        return ""
    if sum(map(_cells, plain)) <= width:
        return plain
    cells = 1  # the ellipsis
    for end, char in enumerate(plain):
        cells += _cells(char)
        if cells > width:
            return plain[:end].rstrip() + "…"
    return plain  # not reached: the sum above was wider than `width`


def _cells(char: str) -> int:
    """The terminal cells a character takes: 2 for wide (East Asian) ones, else 1 (combining
    accents take none, but counting them as one only cuts a little sooner)."""
    return 2 if unicodedata.east_asian_width(char) in "WF" else 1


def description_width(environ: Mapping[str, str] | None = None) -> int:
    """The cells a description may take without being wrapped by the Rich console that Typer
    passes it through: Rich's width (TERMINAL_WIDTH, else COLUMNS, else the terminal of stdin,
    stdout or stderr, else 80) less one, at most MAX_DESCRIPTION; 0 (no descriptions) at 10
    columns or fewer."""
    env = os.environ if environ is None else environ
    width = _rich_width(env)
    return min(width - 1, MAX_DESCRIPTION) if width > 10 else 0


def _rich_width(env: Mapping[str, str]) -> int:
    """The width Typer's Rich console renders completion help at, read as Typer and Rich read it."""
    with suppress(ValueError):  # Typer reads TERMINAL_WIDTH with int()
        return int(env.get("TERMINAL_WIDTH", ""))
    columns = env.get("COLUMNS", "")
    if columns.isdigit():  # Rich ignores anything but digits
        return int(columns)
    for descriptor in (0, 1, 2):
        with suppress(OSError, ValueError):
            return os.get_terminal_size(descriptor).columns or 80
    return 80


def chosen_catalogue(ctx: Any) -> str | None:
    """The catalogue the options name (`ctx`: the command's context): the command's own
    --catalogue when typed, else the one before the command, else ESSKIT_CATALOGUE (which both
    read), else none (the packaged one)."""
    path = ctx.params.get("catalogue")
    typed = getattr(ctx.get_parameter_source("catalogue"), "name", None) == "COMMANDLINE"
    return (path if path and typed else ctx.find_root().params.get("catalogue") or path) or None


def numbers(ctx: Any, incomplete: str) -> list[tuple[str, str]]:
    """Sheet numbers in numeric order, each with its title as an inert description for the
    shells that show one; the numbers already on the line are left out."""
    root = ctx.find_root().params
    path = chosen_catalogue(ctx)
    try:
        hosts = root.get("allow_host") or ()
        policy = cat.Policy.of(hosts, bool(root.get("allow_http")), os.environ)
        sheets = cat.load(path, policy).sheets
    except (cat.CatalogueError, cat.BadSetting):
        return []
    given = set(ctx.params.get("numbers") or ())
    width = description_width()

    def about(title_fr: str | None, title_en: str) -> str:
        if title_fr:
            return description(title_fr, width)
        return f"{description(title_en, width - 5)} (en)".strip() if width else ""

    return [
        (str(sheet.number), about(sheet.title_fr, sheet.title_en))
        for sheet in sorted(sheets, key=lambda sheet: sheet.number)
        if str(sheet.number).startswith(incomplete) and str(sheet.number) not in given
    ]


def formats(incomplete: str) -> list[str]:
    """The output formats."""
    from esskit.formats import Format

    return [fmt.value for fmt in Format if fmt.value.startswith(incomplete)]


def categories(incomplete: str) -> list[tuple[str, str]]:
    """Category names in English, then French, each French name with the category it names."""
    names = [(c.value, "") for c in Category] + [
        (n, c.value) for c, n in cat.FRENCH_CATEGORIES.items()
    ]
    return [(name, value) for name, value in names if name.startswith(incomplete)]


def fields(ctx: Any, incomplete: str) -> list[str]:
    """The fields the command prints that are not already in the list being typed."""
    done, _, current = incomplete.rpartition(",")
    prefix = f"{done}," if done else ""
    chosen = set(done.split(","))
    name = ctx.command.name if ctx.command is not None else ""
    known = EDITION_FIELDS if ctx.params.get("edition") else COMMAND_FIELDS.get(name, SHEET_FIELDS)
    return [prefix + name for name in known if name.startswith(current) and name not in chosen]


# The scripts of Typer's completion protocol, each asking its shell to keep the order esskit
# offers (bash, zsh and fish sort completions as text by default: 0 1 10 11 ... 2 20). zsh's
# `eval "$(...)"` is quoted so that what esskit answers is neither split nor globbed first.
_SCRIPTS = {
    "bash": """\
%(func)s() {
    local IFS=$'\\n'
    COMPREPLY=( $( env COMP_WORDS="${COMP_WORDS[*]}" \\
                   COMP_CWORD=$COMP_CWORD \\
                   %(var)s=complete_bash $1 ) )
    return 0
}

complete -o nosort -o default -F %(func)s %(prog)s""",
    "zsh": """\
#compdef %(prog)s

%(func)s() {
  eval "$(env _TYPER_COMPLETE_ARGS="${words[1,$CURRENT]}" %(var)s=complete_zsh %(prog)s)"
}

zstyle ':completion:*:*:%(prog)s:*' sort false
compdef %(func)s %(prog)s""",
    "fish": (
        "complete --keep-order --command %(prog)s --no-files"
        ' --arguments "(env %(var)s=complete_fish'
        ' _TYPER_COMPLETE_FISH_ACTION=get-args _TYPER_COMPLETE_ARGS=(commandline -cp) %(prog)s)"'
        ' --condition "env %(var)s=complete_fish _TYPER_COMPLETE_FISH_ACTION=is-args'
        ' _TYPER_COMPLETE_ARGS=(commandline -cp) %(prog)s"'
    ),
}


def script(shell: str, prog: str) -> str:
    """The completion script of a shell for the command `prog`."""
    if shell not in _SCRIPTS:
        raise CompletionError(
            _("no completion for the shell {shell}: choose {shells}").format(
                shell=repr(shell), shells=", ".join(SHELLS)
            )
        )
    name = prog.replace("-", "_")
    values = {"func": f"_{name}_completion", "prog": prog, "var": f"_{name.upper()}_COMPLETE"}
    return _SCRIPTS[shell] % values + "\n"


def detected_shell(environ: Mapping[str, str] | None = None) -> str:
    """The user's shell, from SHELL (`/usr/bin/zsh` -> `zsh`). SHELL names the login shell, not
    always the one running; Typer's completion options take no value, so a user of another shell
    sets SHELL for the one run: `SHELL=fish esskit --install-completion`."""
    env = os.environ if environ is None else environ
    given = env.get("SHELL", "")
    name = Path(given).name
    if name not in SHELLS:
        raise CompletionError(
            _(
                "cannot tell which shell to complete for from SHELL ({given}): name one of "
                "{shells} for this run, as in 'SHELL=bash esskit --install-completion'"
            ).format(given=repr(given), shells=", ".join(SHELLS))
        )
    return name


def install(shell: str, prog: str, home: str | None) -> Path:
    """Write the completion script of a shell in `home`, then have the shell's start-up file read
    it (adding one line, once); the path of the script. Raises CompletionError for a HOME that
    is not a home, OSError naming the file that could not be written (the others are then as
    they were, but for a script that nothing reads yet)."""
    text = script(shell, prog).encode()
    base = _home(home)
    rc: Path | None = None
    line = b""
    if shell == "bash":
        target = base / ".bash_completions" / f"{prog}.sh"
        quoted = os.fsencode(target).replace(b"'", b"'\\''")
        rc, line = base / ".bashrc", b"source '" + quoted + b"'"
    elif shell == "zsh":
        target = base / ".zfunc" / f"_{prog}"
        rc, line = base / ".zshrc", b"fpath+=~/.zfunc; autoload -Uz compinit; compinit"
    else:  # fish reads its completions directory itself
        target = base / ".config" / "fish" / "completions" / f"{prog}.fish"
    target.parent.mkdir(parents=True, exist_ok=True)
    if _read(target) != text:
        _replace(target, text)
    if rc is not None:
        _add_line(rc, line)
    return target


def _home(home: str | None) -> Path:
    """HOME as a directory to install in, or CompletionError: never the current or the root
    directory by default, as an empty or relative HOME would give."""
    if not home:
        raise CompletionError(_("HOME is not set: esskit cannot tell where to install completion"))
    if not os.path.isabs(home) or any(ord(char) < 32 or ord(char) == 127 for char in home):
        raise CompletionError(
            _("HOME is not an absolute path ({home}): set it to your home").format(home=repr(home))
        )
    if not os.path.isdir(home):
        raise CompletionError(
            _("HOME is not a directory ({home}): set it to your home").format(home=repr(home))
        )
    return Path(home)


def _read(path: Path) -> bytes | None:
    """The bytes of a file, None when there is none (read as bytes: a start-up file in any
    encoding is kept as it is)."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def _add_line(path: Path, line: bytes) -> None:
    """Add a line to a shell's start-up file unless a line of it is that line already, under a
    lock beside the file, so that runs at once add it once and lose nothing."""
    real = Path(os.path.realpath(path))
    lock = real.with_name(f".{real.name.lstrip('.')}.esskit-lock")
    # The lock file stays: removing it would let a later run lock a new one while another
    # still holds the old.
    descriptor = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        held = _read(real) or b""
        if line not in (old.strip() for old in held.splitlines()):
            gap = b"\n" if held and not held.endswith(b"\n") else b""
            _replace(real, held + gap + line + b"\n")
    finally:
        os.close(descriptor)  # releases the lock


def _replace(path: Path, data: bytes) -> None:
    """Write a file whole or not at all: `data` goes to a temporary file in the same directory,
    renamed over the file once on disk, so a reader or a failure sees the old file or the new,
    never a part. A symlink is written through (its target replaced, the link kept); the old
    file's permissions are kept, and its owner where the system allows (0o644 for a new file).
    An OSError names the file, not the temporary one."""
    real = Path(os.path.realpath(path))
    try:
        try:
            old: os.stat_result | None = real.stat()
        except FileNotFoundError:
            old = None
        descriptor, temporary = tempfile.mkstemp(dir=real.parent, prefix=f".{real.name}.")
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(temporary, stat.S_IMODE(old.st_mode) if old else 0o644)
            if old is not None:
                with suppress(OSError):  # keeps a user's file theirs when root installs
                    os.chown(temporary, old.st_uid, old.st_gid)
            os.replace(temporary, real)
        except BaseException:
            with suppress(OSError):
                os.unlink(temporary)
            raise
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror or str(exc), os.fsdecode(real)) from exc
