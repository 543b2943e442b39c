"""Shell completion: the values esskit offers at TAB, the scripts that ask for them, and their
installation in a shell's files. Nothing here prints; `cli` writes what these functions return."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from esskit import catalogue as cat
from esskit.formats import MATCH_FIELDS, SHEET_FIELDS
from esskit.models import Category

# The callbacks' `ctx` is Typer's context, found by its name (this module imports no Typer).

SHELLS = ("bash", "zsh", "fish")
"""The shells esskit writes completion scripts for."""


class CompletionError(Exception):
    """A completion script that cannot be installed: the message names the file or setting."""


def numbers(ctx: Any, incomplete: str) -> list[tuple[str, str]]:
    """Sheet numbers in numeric order, each with its title for the shells that show one; the
    numbers already on the line are left out."""
    root = ctx.find_root().params
    path = ctx.params.get("catalogue") or root.get("catalogue") or None
    try:
        policy = cat.Policy.from_env(root.get("allow_host") or (), bool(root.get("allow_http")))
        sheets = cat.load(path, policy).sheets
    except (cat.CatalogueError, cat.BadSetting):
        return []
    given = set(ctx.params.get("numbers") or ())
    return [
        (str(sheet.number), sheet.title_fr or f"{sheet.title_en} (en)")
        for sheet in sorted(sheets, key=lambda sheet: sheet.number)
        if str(sheet.number).startswith(incomplete) and str(sheet.number) not in given
    ]


def categories(incomplete: str) -> list[tuple[str, str]]:
    """Category names in English, then French, each French name with the category it names."""
    names = [(c.value, "") for c in Category] + [
        (n, c.value) for c, n in cat.FRENCH_CATEGORIES.items()
    ]
    return [(name, value) for name, value in names if name.startswith(incomplete)]


_FIELDS = {"search": (*SHEET_FIELDS, *MATCH_FIELDS)}
"""The fields of each command's records, where they are not a sheet's."""


def fields(ctx: Any, incomplete: str) -> list[str]:
    """The fields the command prints that are not already in the list being typed."""
    done, _, current = incomplete.rpartition(",")
    prefix = f"{done}," if done else ""
    chosen = set(done.split(","))
    known = _FIELDS.get(ctx.info_name or "", SHEET_FIELDS)
    return [prefix + name for name in known if name.startswith(current) and name not in chosen]


# The scripts of Typer's completion protocol, each asking its shell to keep the order esskit
# offers (bash, zsh and fish sort completions as text by default: 0 1 10 11 ... 2 20).
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
  eval $(env _TYPER_COMPLETE_ARGS="${words[1,$CURRENT]}" %(var)s=complete_zsh %(prog)s)
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
        raise CompletionError(f"no completion for the shell {shell!r}: choose {', '.join(SHELLS)}")
    name = prog.replace("-", "_")
    values = {"func": f"_{name}_completion", "prog": prog, "var": f"_{name.upper()}_COMPLETE"}
    return _SCRIPTS[shell] % values + "\n"


def detected_shell(environ: Any = None) -> str:
    """The user's shell, from SHELL (`/usr/bin/zsh` -> `zsh`)."""
    env = os.environ if environ is None else environ
    name = Path(env.get("SHELL", "")).name
    if name not in SHELLS:
        raise CompletionError(
            "cannot tell which shell to complete for: give one, as in "
            f"'--install-completion bash' ({', '.join(SHELLS)})"
        )
    return name


def install(shell: str, prog: str, home: str | None) -> Path:
    """Write the completion script of a shell in `home` and have the shell read it; the path of
    the script."""
    if not home:
        raise CompletionError("HOME is not set: esskit cannot tell where to install completion")
    base = Path(home)
    text = script(shell, prog)
    if shell == "bash":
        target = base / ".bash_completions" / f"{prog}.sh"
        _write(target, text)
        _add_line(base / ".bashrc", f"source '{target}'")
    elif shell == "zsh":
        target = base / ".zfunc" / f"_{prog}"
        _write(target, text)
        _add_line(base / ".zshrc", "fpath+=~/.zfunc; autoload -Uz compinit; compinit")
    else:
        target = base / ".config" / "fish" / "completions" / f"{prog}.fish"
        _write(target, text)
    return target


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _add_line(path: Path, line: str) -> None:
    """Add a line to a shell's start-up file, unless it holds it already."""
    held = path.read_text(encoding="utf-8") if path.is_file() else ""
    if line not in held.splitlines():
        with path.open("a", encoding="utf-8") as handle:
            handle.write(("" if not held or held.endswith("\n") else "\n") + line + "\n")
