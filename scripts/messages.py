"""esskit's messages for translators: gather them, merge them into the French catalogue, compile it.

    python scripts/messages.py          # gather, merge into fr/esskit.po, compile esskit.mo

The messages are those the code marks (`_`, `N_`, `ngettext`) and the help the commands give
(their docstrings, their options' help), which Typer holds rather than the code marking them.
A new message enters the French catalogue untranslated (and fuzzy-free): translate it in
`src/esskit/locale/fr/LC_MESSAGES/esskit.po`, then run this again to compile it.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "esskit"
FRENCH = PACKAGE / "locale" / "fr" / "LC_MESSAGES"
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2)}


def marked() -> Iterator[tuple[str | tuple[str, ...], str, str | None]]:
    """(message, where, context) for every message the code marks."""
    for filename, line, message, _comments, context in extract_from_dir(
        str(PACKAGE), keywords=KEYWORDS, comment_tags=()
    ):
        yield message, f"{filename}:{line}", context


def helps() -> Iterator[tuple[str, str, None]]:
    """(message, where, no context) for the help of every command and option of `esskit`."""
    import typer

    from esskit.cli import EXAMPLES, app

    group: Any = typer.main.get_command(app)
    yield EXAMPLES, "examples", None
    commands = {"esskit": group, **{f"esskit {n}": c for n, c in group.commands.items()}}
    for name, command in commands.items():
        for text in (command.help, command.short_help):
            if text:
                yield text, name, None
        for param in command.params:
            if getattr(param, "help", None):
                yield param.help, f"{name} {param.name}", None


def gathered() -> Catalog:
    """Every message, in a catalogue of their own."""
    catalog = Catalog(project="esskit", charset="utf-8")
    for message, where, context in [*marked(), *helps()]:
        catalog.add(message, locations=[(where, 0)], context=context)
    return catalog


def french() -> Catalog:
    """The French catalogue as it is."""
    path = FRENCH / "esskit.po"
    if not path.exists():
        return Catalog(locale="fr", project="esskit", charset="utf-8")
    with path.open("rb") as handle:
        return read_po(handle, locale="fr")


def main() -> None:
    """Merge the messages into the French catalogue and compile it."""
    catalog = french()
    catalog.update(gathered(), no_fuzzy_matching=True)
    catalog.obsolete.clear()
    FRENCH.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=100, omit_header=False, sort_output=True, include_lineno=False)
    (FRENCH / "esskit.po").write_bytes(buffer.getvalue())
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    (FRENCH / "esskit.mo").write_bytes(compiled.getvalue())
    missing = [m.id for m in catalog if m.id and not m.string]
    print(f"{len(catalog)} messages, {len(missing)} without a French translation")


if __name__ == "__main__":
    main()
