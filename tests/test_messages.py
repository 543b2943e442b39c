"""esskit speaks French and English: every message has its French translation, the catalogue
compiled is the one written, and each language's help and errors hold none of the other's."""

from __future__ import annotations

import gettext
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import ROOT, esskit_command, write_catalogue
from typer.testing import CliRunner

from esskit.cli import app
from esskit.search import Field

sys.path.insert(0, str(ROOT / "scripts"))
import messages  # noqa: E402

FRENCH = ROOT / "src" / "esskit" / "locale" / "fr" / "LC_MESSAGES"
COMMANDS = ["list", "search", "show", "open", "glossary", "validate", "schema"]
ALIASES = {"liste": "list", "chercher": "search", "voir": "show", "ouvrir": "open"}
ALIASES |= {"glossaire": "glossary", "valider": "validate"}


def _french_catalogue() -> dict[str, str]:
    """The French messages as the compiled catalogue the package ships gives them: a plural
    message under its singular id, with its plural form for many."""
    with (FRENCH / "esskit.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    french: dict[str, str] = {}
    for key, value in compiled._catalog.items():  # type: ignore[attr-defined]
        if isinstance(key, tuple):
            singular, _form = key
            french[singular] = compiled.ngettext(singular, singular, 2)
        elif key:
            french[key] = value
    return french


def test_every_message_has_a_french_translation() -> None:
    translated = _french_catalogue()
    for message in messages.gathered():
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        if message.context:
            key = f"{message.context}\x04{key}"
        assert translated.get(key), f"no French for {message.id!r}"


def test_the_compiled_catalogue_is_the_catalogue_written() -> None:
    from babel.messages.pofile import read_po

    with (FRENCH / "esskit.po").open("rb") as handle:
        written = read_po(handle, locale="fr")
    compiled = _french_catalogue()
    for message in written:
        if message.id and isinstance(message.id, str) and not message.context:
            assert compiled.get(message.id) == message.string, message.id


def test_translations_keep_every_placeholder() -> None:
    from babel.messages.pofile import read_po

    with (FRENCH / "esskit.po").open("rb") as handle:
        written = read_po(handle, locale="fr")
    for message in written:
        if message.id and isinstance(message.id, str) and message.string:
            wanted = sorted(re.findall(r"\{\w*\}", message.id))
            assert sorted(re.findall(r"\{\w*\}", str(message.string))) == wanted, message.id


def _help(command: str | None, lang: str) -> str:
    args = [command, "--help"] if command else ["--help"]
    result = subprocess.run(
        [*esskit_command(), *args],
        capture_output=True,
        text=True,
        env={"LANG": lang, "COLUMNS": "200", "PATH": "/usr/bin:/bin"},
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return " ".join(result.stdout.split())


# English sentences are those of more than three words; examples and option names are not.
def _sentences(language: str) -> set[str]:
    found: set[str] = set()
    for message in messages.gathered():
        if not message.id or not isinstance(message.id, str):
            continue
        text = message.id if language == "en" else _french_catalogue().get(message.id, "")
        for piece in re.split(r"\{\w*\}|\\\[.*?\]|[.:;()]", text):
            piece = " ".join(piece.split())
            if len(piece.split()) > 3 and not piece.startswith(("esskit ", "--")):
                found.add(piece)
    return found


@pytest.mark.slow
@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_help_in_french_holds_no_english_sentence_and_in_english_no_french(
    command: str | None,
) -> None:
    french, english = _help(command, "fr_FR.UTF-8"), _help(command, "C")
    assert not [s for s in _sentences("en") if s in french and s not in _sentences("fr")]
    assert not [s for s in _sentences("fr") if s in english and s not in _sentences("en")]
    assert ("Exemples" in french) and ("Examples" in english)


@pytest.mark.parametrize(
    "args",
    [["show", "99"], ["list", "--category", "nosuch"], ["search", ""], ["search", "xyzzy"]],
)
def test_errors_speak_the_locales_language(runner: CliRunner, args: list[str]) -> None:
    french = runner.invoke(app, args, env={"LANG": "fr_FR.UTF-8"}).stderr
    english = runner.invoke(app, args, env={"LANG": "C"}).stderr
    assert french != english and french.startswith("esskit: ")
    assert not [s for s in _sentences("en") if s in french and s not in _sentences("fr")]


def test_an_explicit_language_wins_over_the_locale(runner: CliRunner) -> None:
    chosen = runner.invoke(app, ["show", "99", "--lang", "en"], env={"LANG": "fr_FR.UTF-8"})
    assert "no sheet number 99" in chosen.stderr


@pytest.mark.parametrize(("alias", "command"), sorted(ALIASES.items()))
def test_french_command_names_are_aliases(runner: CliRunner, alias: str, command: str) -> None:
    args = {"search": ["vélo"], "show": ["13"], "open": ["13", "-p"], "glossary": ["PAT"]}
    given = [*args.get(command, []), *(["--json"] if command in ("list", "glossary") else [])]
    assert (
        runner.invoke(app, [alias, *given]).stdout == runner.invoke(app, [command, *given]).stdout
    )
    assert alias not in runner.invoke(app, ["--help"]).stdout.split()


def test_did_you_mean_gives_titles_in_the_display_language(runner: CliRunner) -> None:
    english = runner.invoke(app, ["search", "mobxlytz", "--lang", "en"]).stderr
    french = runner.invoke(app, ["search", "mobxlytz", "--lang", "fr"]).stderr
    assert "SSE & access to sustainable mobility" in english
    assert "mobilité durable" in french and "sustainable" not in french


def test_the_french_readme_is_linked_from_the_first_lines() -> None:
    head = "\n".join((ROOT / "README.md").read_text("utf-8").splitlines()[:10])
    assert "README.fr.md" in head and Path(ROOT / "README.fr.md").exists()


@pytest.mark.parametrize(
    ("typed", "locale", "said"),
    [
        ("lsit", "C.UTF-8", "No such command 'lsit' (did you mean list?)"),
        (
            "chercer",
            "fr_FR.UTF-8",
            "Commande 'chercer' inconnue (vouliez-vous dire chercher\u202f?)",
        ),
        ("voire", "C.UTF-8", "(did you mean voir?)"),
    ],
)
def test_a_misspelt_command_gets_the_closest_name_in_the_locales_words(
    runner: CliRunner, typed: str, locale: str, said: str
) -> None:
    result = runner.invoke(app, [typed], env={"LANG": locale})
    assert result.exit_code == 2 and said in result.stderr
    assert "Did you mean" not in result.stderr and len(result.stderr.splitlines()) == 1


def test_a_word_like_no_command_gets_no_suggestion(runner: CliRunner) -> None:
    result = runner.invoke(app, ["xyzzy"])
    assert result.exit_code == 2 and "mean" not in result.stderr


@pytest.mark.parametrize(
    ("locale", "said"), [("C.UTF-8", ": valid, 1,234 sheets"), ("fr_FR.UTF-8", "1\u202f234 fiches")]
)
def test_counts_are_written_as_the_locale_reads_them(
    runner: CliRunner, tmp_path: Path, locale: str, said: str
) -> None:
    sheets = [{"number": n, "category": "lever", "title_en": f"S {n}"} for n in range(1_234)]
    path = write_catalogue(tmp_path / "kit.json", sheets)
    result = runner.invoke(app, ["-c", str(path), "validate"], env={"LANG": locale})
    assert result.exit_code == 0 and said in result.stdout


@pytest.mark.parametrize("field", list(Field))
def test_every_field_a_match_names_is_said_in_french(field: Field) -> None:
    from esskit import i18n
    from esskit.formats import matched_label

    i18n.use("fr")
    try:
        french = matched_label(field.value, None, None)
    finally:
        i18n.use("en")
    assert french != matched_label(field.value, None, None)


def test_completion_errors_speak_the_locales_language() -> None:
    env = {**os.environ, "LANG": "fr_FR.UTF-8", "SHELL": "/bin/nosh"}
    done = subprocess.run(
        [*esskit_command(), "--install-completion"],
        capture_output=True,
        text=True,
        env=env,
        timeout=30,
        check=False,
    )
    assert done.returncode == 2 and "impossible de savoir pour quel shell" in done.stderr
