"""How text is read for search, the same way for the sheets and for the query: the analyzer chain.

1. fold: lower case, no accents, ligatures and letters with a stroke spelled out (`œ` -> `oe`,
   `ł` -> `l`), everything that is not a letter or a digit turned into a space (so elisions such
   as `l'`, `d'` leave a lone letter, which is never matched);
2. words: the folded text split on spaces;
3. stop words: the French and English lists of the `stop-words` package, less the words that carry
   meaning in this field (KEPT_WORDS);
4. stems: Snowball's French and English stemmers (PyStemmer); a word matches another when they
   share a stem in either language.

Folding works character by character, so that folding a text and folding its parts give the same
result. A fast path folds at C speed the text that is Latin-1 once its other characters (`’`,
`œ`) are folded, with a byte table made from the same rule; a test checks that both agree.
"""

from __future__ import annotations

import codecs
import unicodedata
from collections.abc import Sequence
from functools import cache
from typing import Any

# Letters that Unicode does not decompose, and ligatures, as they are spelled in plain letters.
_SPELLINGS = {
    "œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss", "ẞ": "ss", "ł": "l", "Ł": "l",
    "ø": "o", "Ø": "o", "đ": "d", "Đ": "d", "ı": "i", "ħ": "h", "Ħ": "h", "ŀ": "l", "Ŀ": "l",
}  # fmt: skip

SEPARATORS = "\t\n\v"
"""Characters that `fold_keeping_separators` keeps (the search index separates fields, sheets and
keywords with them); `fold` turns them into spaces like any other punctuation."""

_LATIN1_MISS = 0
"""Marks, in the byte table, a Latin-1 character whose folding is not one Latin-1 character."""


def _fold_once(char: str) -> str:
    spelled = _SPELLINGS.get(char, char)
    decomposed = unicodedata.normalize("NFKD", spelled.casefold())
    letters = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return "".join(c if c.isalnum() else " " for c in letters)


@cache
def fold_char(char: str) -> str:
    """One character, folded: its plain lower-case letters or digits, or a space (folded again
    until nothing changes: `ǿ` decomposes to `ø`, which is spelled `o`)."""
    if char.isascii():
        return char.lower() if char.isalnum() else " "
    folded, previous = _fold_once(char), char
    while folded != previous:
        folded, previous = "".join(map(_fold_once, folded)), folded
    return folded


class _FoldMap(dict[int, str]):
    """A `str.translate` table that folds every character, computed on first sight."""

    def __init__(self, keep: str) -> None:
        super().__init__({ord(c): c for c in keep})

    def __missing__(self, code: int) -> str:
        folded = self[code] = fold_char(chr(code))
        return folded


@cache
def _latin1_table() -> bytes:
    """The byte table that folds Latin-1 text (and, on first use, the encoding error handler
    that folds what Latin-1 cannot hold)."""
    codecs.register_error("esskit-fold", _fold_unencodable)
    table = bytearray(256)
    for code in range(1, 256):  # NUL folds to a space, but the slow path says so
        folded = fold_char(chr(code))
        table[code] = ord(folded) if len(folded) == 1 and ord(folded) < 256 else _LATIN1_MISS
    return bytes(table)


@cache
def _tables(keep: str) -> tuple[_FoldMap, bytes]:
    """The folding table for any text, and the byte table for Latin-1 text, keeping `keep`."""
    latin1 = bytearray(_latin1_table())
    for char in keep:
        latin1[ord(char)] = ord(char)
    return _FoldMap(keep), bytes(latin1)


class _NotLatin1(ValueError):
    """A character whose folding is not Latin-1 text."""


def _fold_unencodable(error: UnicodeError) -> tuple[str, int]:
    """Encoding error handler: characters beyond Latin-1, folded (`’` -> a space, `œ` -> `oe`),
    when their folding is Latin-1 text."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    folded = "".join(map(fold_char, error.object[error.start : error.end]))
    if not all(ord(char) < 256 for char in folded):
        raise _NotLatin1
    return folded, error.end


_TYPOGRAPHY = "’‘“”–—…œŒ\u202f\u2009"
"""Characters beyond Latin-1 that French text holds often: replaced at C speed before encoding,
rather than one by one by the error handler."""


def _fold(text: str, keep: str) -> str:
    full, latin1 = _tables(keep)
    for char in _TYPOGRAPHY:
        if char in text:
            text = text.replace(char, fold_char(char))
    try:
        data = text.encode("latin-1", errors="esskit-fold")
    except _NotLatin1:
        return text.translate(full)
    folded = data.translate(latin1)
    del data  # a large text is not held three times over
    if _LATIN1_MISS in folded:  # a Latin-1 character that folds to several letters, or to none
        return text.translate(full)
    return folded.decode("latin-1")


def fold(text: str) -> str:
    """Lower-case, accent-free text with punctuation as spaces: `L’Économie & co` ->
    `l economie   co` (split it to get the words)."""
    return _fold(text, "")


def fold_keeping_separators(text: str) -> str:
    """`fold`, but tabs, newlines and vertical tabs are kept as they are."""
    return _fold(text, SEPARATORS)


KEPT_WORDS = frozenset(
    {
        # English words the general list drops that name subjects of the kit
        "young", "youngest", "younger", "work", "working", "works", "general", "free", "open",
        "group", "groups", "home", "state", "area", "areas", "information", "research", "help",
        "interest", "interests", "member", "members", "value", "system", "world", "place",
        "places", "old", "older", "right", "rights", "problem", "problems", "computer", "test",
        "changes", "new", "use", "used", "made",
        "part", "parts", "order", "present", "full", "self", "big", "small", "high", "low",
        "long", "end", "net", "site", "page", "index", "text", "words", "date", "course", "case",
        # French words the general list drops that do
        "état", "personne", "personnes", "valeur", "voie", "force", "droite", "essai", "point",
        "nouveau", "nouveaux", "grande", "haut", "début", "pièce", "sujet",
    }
)  # fmt: skip
"""Words of the field that the general stop-word lists drop; they are searched like any other."""


@cache
def stop_words() -> frozenset[str]:
    """The French and English stop words of the `stop-words` package, folded (`où` -> `ou`),
    less KEPT_WORDS."""
    listed = [word for lang in ("french", "english") for word in _listed_stop_words(lang)]
    kept = set(fold_lines(sorted(KEPT_WORDS)))
    folded = set(fold_lines(listed))
    return frozenset(word for word in folded if word and " " not in word and word not in kept)


def fold_lines(texts: Sequence[str]) -> list[str]:
    """Each text folded, its words joined by one space: one call of `fold` for them all (a text's
    own line breaks are read as spaces)."""
    if not texts:
        return []
    joined = "\n".join(" ".join(text.splitlines()) for text in texts)
    return [" ".join(line.split()) for line in fold_keeping_separators(joined).split("\n")]


def _listed_stop_words(lang: str) -> list[str]:
    """A language's list, read from the package's own file: importing the package would also
    import `json` and read its table of languages, a cost every search would pay at start-up."""
    from importlib.util import find_spec
    from pathlib import Path

    spec = find_spec("stop_words")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        listed = Path(folder) / "stop-words" / f"{lang}.txt"
        if listed.is_file():
            return listed.read_text(encoding="utf-8").split()
    from stop_words import get_stop_words  # the files moved: ask the package

    return list(get_stop_words(lang))


@cache
def _stemmer(lang: str) -> Any:
    import Stemmer

    return Stemmer.Stemmer({"fr": "french", "en": "english"}[lang])


@cache
def stem(word: str, lang: str) -> str:
    """The Snowball stem of a folded word in a language (`fr` or `en`): `mobilites` -> `mobilit`."""
    return str(_stemmer(lang).stemWord(word))


def words(text: str) -> list[str]:
    """The folded words of a text, in order."""
    return fold(text).split()
