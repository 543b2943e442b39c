"""How text is read for search, the same way for the sheets and for the query: the analyzer chain.

1. fold: lower case, no accents, ligatures and letters with a stroke spelled out (`œ` -> `oe`,
   `ß` -> `ss`), everything that is not a letter or a digit turned into a space (so elisions such
   as `l'`, `d'`, `dell'` leave a lone letter or a stop word, which is never matched);
2. words: the folded text split on spaces;
3. stop words: the lists of the `stop-words` package for the languages searched, less the words
   that carry meaning in this field (KEPT_WORDS);
4. stems: Snowball's stemmers (PyStemmer) for each language searched; a word answers another in a
   field of some language when they share its stem in that language.

Folding works character by character, so that folding a text and folding its parts agree.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from typing import Any

LANGUAGES = ("fr", "en", "es", "it", "pt", "de")
"""The languages searched: the kit's French and English, and the field's words in Spanish,
Italian, Portuguese and German."""

_SNOWBALL = {
    "fr": "french",
    "en": "english",
    "es": "spanish",
    "it": "italian",
    "pt": "portuguese",
    "de": "german",
}

# Letters that Unicode does not decompose, and ligatures, as they are spelled in plain letters.
_SPELLINGS = {
    "œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss", "ẞ": "ss", "ł": "l", "Ł": "l",
    "ø": "o", "Ø": "o", "đ": "d", "Đ": "d", "ı": "i", "ħ": "h", "Ħ": "h", "ŀ": "l", "Ŀ": "l",
}  # fmt: skip


def _fold_once(char: str) -> str:
    spelled = _SPELLINGS.get(char, char)
    decomposed = unicodedata.normalize("NFKD", spelled.casefold())
    letters = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return "".join(c if c.isalnum() else " " for c in letters)


def fold_char(char: str) -> str:
    """One character, folded: its plain lower-case letters or digits, or a space (folded again
    until nothing changes: `ǿ` decomposes to `ø`, which is spelled `o`)."""
    if char.isascii():
        return char.lower() if char.isalnum() else " "
    folded, previous = _fold_once(char), char
    while folded != previous:
        folded, previous = "".join(map(_fold_once, folded)), folded
    return folded


class _FoldTable(dict[int, str]):
    """A `str.translate` table that folds every character, each worked out on first sight."""

    def __missing__(self, code: int) -> str:
        folded = self[code] = fold_char(chr(code))
        return folded


_TABLE = _FoldTable()


def fold(text: str) -> str:
    """Lower-case, accent-free text with punctuation as spaces: `L’Économie & co` ->
    `l economie   co` (split it to get the words)."""
    return text.translate(_TABLE)


def words(text: str) -> list[str]:
    """The folded words of a text, in order."""
    return fold(text).split()


KEPT_WORDS = frozenset(
    {
        # English words the general list drops that name subjects of the kit
        "young", "youngest", "younger", "work", "working", "works", "general", "free", "open",
        "group", "groups", "home", "state", "area", "areas", "information", "research",
        "interest", "interests", "member", "members", "value", "system", "world", "place",
        "places", "old", "older", "right", "rights", "problem", "problems", "computer", "test",
        "changes", "new", "use", "used", "made",
        "part", "parts", "order", "present", "full", "self", "big", "small", "high", "low",
        "long", "end", "net", "site", "page", "index", "text", "words", "date", "course", "case",
        "call", "calls", "empty", "inner", "third", "early", "results", "useful", "whole",
        "reserved", "year", "years", "zero",
        # a French stop word that is a noun in English (car sharing)
        "car", "cars",
        # French words the general list drops that do
        "état", "personne", "personnes", "valeur", "voie", "force", "droite", "essai", "point",
        "nouveau", "nouveaux", "grande", "haut", "début", "pièce", "sujet", "quasi",
        # Spanish, Italian and Portuguese ones: work, employment, value, the State, the third
        # sector, early childhood (primera infancia), second hand (segunda mano)
        "empleo", "trabajo", "tiempo", "valor", "estado", "uso", "primera", "segunda", "segundo",
        "lavoro", "stato", "terzo", "fare", "trabalho", "tempo", "tipo",
    }
)  # fmt: skip
"""Words of the field that the general stop-word lists drop; they are searched like any other."""


ASKING_WORDS = frozenset(
    {
        # French: the verbs and words of a question, which say how it asks, not what about
        "faire", "fait", "font", "mettre", "mis", "passer", "prendre", "donner", "obtenir",
        "savoir", "pouvoir", "peut", "peuvent", "pourrait", "vouloir", "veut", "veulent",
        "devoir", "doit", "doivent", "devrait", "falloir", "faut", "aller", "venir", "viennent",
        "dire", "dit", "choisir", "permettre", "permettent", "permet", "concerne", "concernent",
        "lancer", "monter", "jouer", "apporter", "fournir", "rediger", "demarrer", "demarre",
        "confier", "maintenir", "accepter", "apprecier", "reduire", "utiliser", "quoi",
        "vraiment", "simple", "simplement", "bonne", "bon", "mieux", "possible", "exactement",
        "aider", "soutenir", "favoriser", "developper",
        "concretement", "notamment", "exemple", "exemples", "idee", "idees", "conseil",
        "conseils", "besoin", "quel", "quels", "quelle", "quelles", "comment", "pourquoi",
        # English
        "help", "helping", "get", "getting", "make", "making", "put", "take", "give",
        "using", "include", "including", "want", "need", "needs", "way", "ways", "best", "good",
        "exactly", "really", "example", "examples", "idea", "ideas", "advice", "tips",
        # the verbs of supporting and asking in Spanish, Italian, Portuguese and German, which
        # these languages' keywords, the field's terms, never hold
        "apoyar", "fomentar", "impulsar", "promover", "puede", "pueden", "debe", "hacer",
        "sostenere", "promuovere", "favorire", "sostegno", "puo", "possono", "deve",
        "apoiar", "incentivar", "pode", "podem", "fazer",
        "fordern", "unterstutzen", "starken", "sollte", "sollten", "kann", "konnen", "warum",
        "wie", "was",
    }
)  # fmt: skip
"""Words of questions (`comment faire`, `peut-on`, `how to get`) that general stop-word lists
leave: they say how a query asks, not what it is about, and are not searched."""


@cache
def stop_words() -> frozenset[str]:
    """The stop words of the languages searched (`stop-words` package) and ASKING_WORDS, folded,
    less KEPT_WORDS (an entry that folds to several words, `aujourd'hui`, is left out)."""
    listed = {" ".join(words(word)) for lang in LANGUAGES for word in _listed(_SNOWBALL[lang])}
    listed |= ASKING_WORDS
    kept = {" ".join(words(word)) for word in KEPT_WORDS}
    return frozenset(word for word in listed - kept if word and " " not in word)


def _listed(language: str) -> list[str]:
    """A language's list, read from the package's own file: importing the package would also
    read its table of languages, a cost every search would pay at start-up."""
    from importlib.util import find_spec
    from pathlib import Path

    spec = find_spec("stop_words")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        listed = Path(folder) / "stop-words" / f"{language}.txt"
        if listed.is_file():
            return [
                line.strip()
                for line in listed.read_text(encoding="utf-8").splitlines()
                if line.strip()
            ]
    from stop_words import get_stop_words  # the files moved: ask the package

    return list(get_stop_words(language))


@cache
def _stemmer(lang: str) -> Any:
    import Stemmer

    return Stemmer.Stemmer(_SNOWBALL[lang])


@cache
def stem(word: str, lang: str) -> str:
    """The Snowball stem of a folded word in a language searched: `mobilites` -> `mobilit`."""
    return str(_stemmer(lang).stemWord(word))
