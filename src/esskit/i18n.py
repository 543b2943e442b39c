"""The language esskit speaks to people: its messages through the standard library's `gettext`,
English in the source and a French catalogue in the package (`locale/fr/LC_MESSAGES`).

The language comes from the locale, as the tldr client's rule has it: the first of LC_ALL,
LC_MESSAGES and LANG that is set, then LANGUAGE (gettext's list of preferred languages) when the
locale is not C or POSIX; an explicit choice (`--lang`) wins. Typer's own translatable words
(`Options`, `Commands`, `Missing command.`) go through the same catalogue.
"""

from __future__ import annotations

import gettext
from collections.abc import Mapping
from pathlib import Path

DOMAIN = "esskit"
LOCALES = Path(__file__).parent / "locale"
LANGUAGES = ("en", "fr")
"""The languages esskit speaks: English (the source) and French."""

_translation: gettext.NullTranslations = gettext.NullTranslations()
_language = "en"


def from_locale(environ: Mapping[str, str]) -> str | None:
    """The language a locale asks for (`fr_FR.UTF-8` -> `fr`), or None when it names neither
    French nor English."""
    names = ("LC_ALL", "LC_MESSAGES", "LANG")
    locale = next((environ[name] for name in names if environ.get(name)), "")
    if locale.split(".")[0] not in ("C", "POSIX"):
        for wanted in environ.get("LANGUAGE", "").split(":"):
            if wanted[:2].lower() in LANGUAGES:
                return wanted[:2].lower()
    code = locale.strip().lower()[:2]
    return code if code in LANGUAGES else None


def use(language: str) -> None:
    """Speak `language` (`fr` or `en`) from now on: esskit's messages and Typer's."""
    global _translation, _language
    _language = language if language in LANGUAGES else "en"
    _translation = gettext.translation(DOMAIN, LOCALES, languages=[_language], fallback=True)
    gettext.bindtextdomain(DOMAIN, str(LOCALES))
    gettext.textdomain(DOMAIN)


def language() -> str:
    """The language esskit speaks now."""
    return _language


def _(message: str) -> str:
    """A message in the language esskit speaks."""
    return _translation.gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """A message that depends on a count (`1 sheet`, `2 sheets`), in the language spoken."""
    return _translation.ngettext(singular, plural, count)


def pgettext(context: str, message: str) -> str:
    """A message whose meaning its context says (`1` as the first day of a month: `1er`)."""
    return _translation.pgettext(context, message)


def count_text(count: int) -> str:
    """A count as people read it in the language spoken: `1,048,576` in English, `1 048 576` in
    French (a narrow no-break space between groups)."""
    text = f"{count:,}"
    return text.replace(",", "\N{NARROW NO-BREAK SPACE}") if _language == "fr" else text


def N_(message: str) -> str:
    """Mark a message to translate where it is defined (help at import); `_` translates it
    where it is shown."""
    return message
