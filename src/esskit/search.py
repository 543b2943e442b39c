"""Rank sheets against a query typed in French or English, however it is typed.

Text is folded (case, accents, French typography), words are made singular, and the words that
nearly every title shares count for little. Each matching sheet lands in a tier:

1. the query's words stand together, in order, in a title or a keyword (a phrase match);
2. every query word is present as a word or a word prefix;
3. words that are close to the query's (typos).

A query that names a sheet (`7`, `fiche 7`, `n°7`, `sheet 7`) ranks that sheet first. Ties break
by sheet number. This module is the only one that uses RapidFuzz, and imports it on first use.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from enum import StrEnum
from functools import cache, lru_cache
from itertools import chain
from typing import NamedTuple

from esskit.models import Sheet, named_number

GENERIC = frozenset(
    {"ess", "economie", "economy", "social", "sociale", "solidaire", "solidarity", "solidarite"}
)
"""Words nearly every title holds: they count for little in a ranking."""

STOPWORDS = frozenset(
    {
        "a", "an", "and", "at", "au", "aux", "by", "d", "de", "des", "du", "en", "et", "for",
        "in", "l", "la", "le", "les", "ma", "mes", "mon", "of", "on", "or", "ou", "par", "pour",
        "sa", "ses", "son", "sur", "the", "to", "un", "une", "with",
    }
)  # fmt: skip
"""Articles, prepositions and conjunctions, dropped before matching."""

MAX_QUERY = 500
"""Characters of a query that are read; the rest is ignored."""

_GENERIC_WEIGHT = 0.15
_FUZZY_CUTOFF = 75.0
_LOOSE_CUTOFF = 60.0
_MIN_SCORE = 25.0

# How letters and marks of French and English typography, and letters with a stroke (which
# Unicode does not decompose), are spelled for matching. With them replaced, French and English
# text is Latin-1, which the search prefilter folds byte by byte.
_SPELLINGS = {
    "œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss", "’": "'", "‘": "'", "ʼ": "'",
    "`": "'", "´": "'", "“": '"', "”": '"', "„": '"', "–": "-", "—": "-", "…": "...",
    "ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ı": "i",
}  # fmt: skip
_TYPOGRAPHY = str.maketrans(_SPELLINGS)
_MARKS = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+")
_ELISION = re.compile(r"\b(?:l|d|qu|n|s|c|j|m|t|jusqu|lorsqu|puisqu)'(?=\w)")
_NONWORD = re.compile(r"[\W_]+")
_WORD = re.compile(r"[^\W_]+")
# Ways of naming the social and solidarity economy, or its two halves, longest first: each
# becomes the word `ess`, like the acronyms (`economie sociale` + `solidaire` is `ess` twice over).
_ESS_PHRASES = (
    ("social", "solidarity", "economy"),
    ("economie", "sociale"),
    ("economie", "solidaire"),
    ("ess", "solidaire"),
    ("social", "economy"),
    ("solidarity", "economy"),
)
_ESS_ENDINGS = {  # the phrases by their last word, longest first
    last: [phrase for phrase in _ESS_PHRASES if phrase[-1] == last]
    for last in dict.fromkeys(phrase[-1] for phrase in _ESS_PHRASES)
}
_ESS_WORDS = frozenset({"sse", *_ESS_ENDINGS})
_ESS_ANCHORS = ("ess", "sse", "social", "solida")
"""Every way of writing ESS above holds one of these."""


class Field(StrEnum):
    """Which part of a sheet a match was found in."""

    TITLE = "title"
    KEYWORDS = "keywords"
    GLOSSARY = "glossary"
    SUMMARY = "summary"
    NUMBER = "number"


class Matched(NamedTuple):
    """What made a sheet match: the field, its language, the text that matched, and a note on
    how the query was read (an acronym's expansion: `PAT → projet alimentaire territorial`)."""

    field: Field
    lang: str | None
    text: str
    note: str | None = None


class Match(NamedTuple):
    """One search result: the sheet, its score (0-100), its tier, and why it matched.

    `highlights` maps `title_fr` and `title_en` to the character spans of their matching words.
    """

    sheet: Sheet
    score: float
    tier: int
    matched: Matched
    highlights: dict[str, tuple[tuple[int, int], ...]]


class EmptyQuery(ValueError):
    """The query has nothing to search for (empty, or only punctuation, common words or lone
    letters)."""


def fold(text: str) -> str:
    """Lower-case, accent-free, punctuation-free text: `L’Économie & co` -> `economie co`."""
    text = text.translate(_TYPOGRAPHY).casefold()
    text = _MARKS.sub("", unicodedata.normalize("NFKD", text)).casefold()
    text = _ELISION.sub(" ", text.translate(_TYPOGRAPHY))
    return _NONWORD.sub(" ", text).strip()


def _singular(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith("aux"):
        return word[:-3] + "al"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us")):
        return word[:-1]
    return word


@cache
def _normal_word(word: str) -> tuple[str, ...]:
    """A raw word as it is matched: folded and singular; nothing for a stopword or a lone letter."""
    return tuple(
        _singular(part)
        for part in fold(word).split()
        if part not in STOPWORDS and (len(part) > 1 or part.isdigit())
    )


def _merge_ess(tokens: list[str]) -> list[str]:
    """`economie sociale solidaire`, `economie sociale`, their English forms and `sse` become
    `ess`."""
    if _ESS_WORDS.isdisjoint(tokens):
        return tokens
    out: list[str] = []
    for token in tokens:
        out.append("ess" if token == "sse" else token)
        for phrase in _ESS_ENDINGS.get(token, ()):
            if tuple(out[-len(phrase) :]) == phrase:
                out[-len(phrase) :] = ["ess"]
                break
    return out


@lru_cache(maxsize=65_536)
def tokens(text: str) -> tuple[str, ...]:
    """The words of a text as they are matched."""
    return tuple(_merge_ess(list(chain.from_iterable(map(_normal_word, _WORD.findall(text))))))


def query_terms(query: str) -> list[str]:
    """The words of a query as they are matched: no stopwords or lone letters, which no sheet
    text keeps either."""
    return list(tokens(query[:MAX_QUERY]))


@cache
def _closeness(term: str, word: str) -> float:
    """Up to .8 for a word spelled close to the term (a typo), else 0."""
    from rapidfuzz import fuzz

    return 0.8 * fuzz.ratio(term, word, score_cutoff=_LOOSE_CUTOFF) / 100


def _quality(term: str, words: tuple[str, ...], fuzzy: bool, line: str | None = None) -> float:
    """How well the best of `words` matches a query term: 1 the same word, .9 a word that starts
    with it (or ESS, for a word of its name), then (with `fuzzy`) up to .8 for a close spelling,
    else 0. `line` is the words joined after a space, when the caller has it already."""
    if term in words:
        return 1.0
    line = " " + " ".join(words) if line is None else line
    if (len(term) >= 3 and " " + term in line) or (term in GENERIC and "ess" in words):
        return 0.9
    if not fuzzy or len(term) < 4:
        return 0.0
    return max((_closeness(term, word) for word in words), default=0.0)


def _anchors(terms: Iterable[str], query: _Query) -> set[str]:
    """Letters found in the folded text of every sheet that can match the query.

    Without typos, a word of the sheet starts with the term (less a final `y` or `l`, which a
    plural changes: `mobilities` -> `mobility`, `locaux` -> `local`); with typos, one slip leaves
    the term's first or last half whole; for suggestions, its first or last three letters.
    """
    anchors: set[str] = set()
    for term in terms:
        if term in GENERIC:  # ESS however it is written, which the words of its name match too
            anchors.update(_ESS_ANCHORS)
            if term == "ess":
                continue
        if not query.fuzzy:
            anchors.add(term[:-1] if len(term) > 3 and term.endswith(("y", "l")) else term)
        elif len(term) < 4:
            anchors.add(term)
        else:
            half = 3 if query.loose else max(3, len(term) // 2)
            anchors.update((term[:half], term[-half:]))
    return anchors


def _raw_fields(sheet: Sheet) -> str:
    """The texts of `_fields(sheet)` on one line (spelled out: it runs for every sheet)."""
    keywords = " ".join((*sheet.keywords_fr, *sheet.keywords_en))
    return f"{sheet.title_fr or ''} {sheet.title_en} {keywords}"


@cache
def _latin1_fold() -> bytes:
    """A byte table that folds Latin-1 text as `fold` does: lower case, no accents."""
    table = bytearray(range(256))
    for code in range(256):
        folded = fold(chr(code))
        if len(folded) == 1 and folded.isascii():
            table[code] = ord(folded)
    return bytes(table)


def _folded_block(sheets: Sequence[Sheet]) -> bytes | None:
    """The searched text of all sheets, one line each, folded to lower-case ASCII letters; None
    when a line break inside a sheet's text (never in a validated catalogue) would shift lines.

    Text that is Latin-1 once typographic marks are replaced, as French and English are, is
    folded byte by byte at C speed; other text goes through Unicode decomposition.
    """
    block = "\n".join(map(_raw_fields, sheets))
    for mark, plain in _SPELLINGS.items():
        if mark in block:  # each replace copies the whole block: only when it is needed
            block = block.replace(mark, plain)
    if block.count("\n") != len(sheets) - 1:
        return None
    try:
        return block.encode("latin-1").translate(_latin1_fold())
    except UnicodeEncodeError:
        decomposed = unicodedata.normalize("NFKD", block)
        return _MARKS.sub("", decomposed).casefold().encode("utf-8", "replace")


def _candidates(sheets: Sequence[Sheet], block: bytes | None, query: _Query) -> Iterable[int]:
    """Indexes of the sheets whose folded text holds an anchor of a query term: the only ones
    worth scoring (every sheet when there is no block)."""
    if block is None:
        return range(len(sheets))
    anchors = _anchors(query.required or query.terms, query)
    pattern = re.compile(b"|".join(re.escape(a.encode()) for a in sorted(anchors)))
    found: list[int] = []
    line, position = 0, 0
    hit = pattern.search(block)
    while hit is not None:
        line += block.count(b"\n", position, hit.start())
        found.append(line)
        position = block.find(b"\n", hit.end())  # the line holds one: look on from the next
        hit = pattern.search(block, position) if position >= 0 else None
    return found


class _Query(NamedTuple):
    terms: tuple[str, ...]
    weights: tuple[float, ...]
    """Per term: 1, or less for a generic word (unless every word is generic)."""
    loose: bool
    fuzzy: bool

    @classmethod
    def parse(cls, query: str, loose: bool) -> _Query:
        terms = tuple(dict.fromkeys(query_terms(query)))
        weights = tuple(_GENERIC_WEIGHT if term in GENERIC else 1.0 for term in terms)
        if all(weight < 1 for weight in weights):
            weights = (1.0,) * len(terms)
        return cls(terms, weights, loose, fuzzy=loose)

    @property
    def required(self) -> list[str]:
        return [term for term, weight in zip(self.terms, self.weights, strict=True) if weight >= 1]


def _fields(sheet: Sheet) -> list[tuple[Field, str, str]]:
    fields = [(Field.TITLE, "fr", sheet.title_fr)] if sheet.title_fr else []
    fields.append((Field.TITLE, "en", sheet.title_en))
    fields.extend((Field.KEYWORDS, "fr", keyword) for keyword in sheet.keywords_fr)
    fields.extend((Field.KEYWORDS, "en", keyword) for keyword in sheet.keywords_en)
    return fields


def _contains(words: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    if phrase[0] not in words:
        return False
    size = len(phrase)
    return any(words[i : i + size] == phrase for i in range(len(words) - size + 1))


class _Judged(NamedTuple):
    """How one title or keyword answers a query."""

    qualities: tuple[float, ...]
    """Per term: 1 a word, .9 a word prefix, up to .8 a close spelling; 0 below the cut-off."""
    cover: float
    """The qualities, weighted."""
    phrase: float
    """93 to 100 when the query's words stand together in the text, else 0."""


def _judge(is_title: bool, text: str, query: _Query) -> _Judged:
    cutoff = 0.8 * (_LOOSE_CUTOFF if query.loose else _FUZZY_CUTOFF) / 100
    words = tokens(text)
    line = " " + " ".join(words)
    qualities = tuple(
        quality if (quality := _quality(term, words, query.fuzzy, line)) >= cutoff else 0.0
        for term in query.terms
    )
    phrase = 0.0
    if _contains(words, query.terms):
        if words == query.terms:
            phrase = 100.0 if is_title else 98.0
        else:
            phrase = (96.0 if is_title else 93.0) - min(3.0, len(words) / 10)
    cover = sum(weight * quality for weight, quality in zip(query.weights, qualities, strict=True))
    return _Judged(qualities, cover, phrase)


class _Judge:
    """Judges the texts of sheets for one query, each keyword once: sheets share their keywords
    (titles are their own, and are not kept)."""

    def __init__(self, query: _Query) -> None:
        self.query = query
        self.keywords: dict[str, _Judged] = {}

    def __call__(self, is_title: bool, text: str) -> _Judged:
        if is_title:
            return _judge(True, text, self.query)
        judged = self.keywords.get(text)
        if judged is None:
            judged = self.keywords[text] = _judge(False, text, self.query)
        return judged


def _score(sheet: Sheet, judge: _Judge) -> tuple[float, int, Matched] | None:
    """(score, tier, what matched) for one sheet, or None when it does not match."""
    query = judge.query
    best = [0.0] * len(query.terms)
    phrase_score, phrase_kinds = 0.0, set()
    matched, matched_cover = None, 0.0
    for field, lang, text in _fields(sheet):
        judged = judge(field is Field.TITLE, text)
        if not judged.cover:
            continue
        best = list(map(max, best, judged.qualities))
        if judged.cover > matched_cover:
            matched, matched_cover = Matched(field, lang, text), judged.cover
        if judged.phrase:
            phrase_kinds.add(field)
            phrase_score = max(phrase_score, judged.phrase)
    if matched is None:
        return None
    if phrase_score:
        bonus = 1.5 if len(phrase_kinds) == 2 else 0.0  # in a title and in a keyword
        return min(100.0, phrase_score + bonus), 1, matched
    coverage = sum(w * q for w, q in zip(query.weights, best, strict=True)) / sum(query.weights)
    required = [quality for quality, weight in zip(best, query.weights, strict=True) if weight >= 1]
    if all(quality >= 0.9 for quality in required):
        return 60 + 29 * coverage, 2, matched
    score = 59 * coverage
    floor = _MIN_SCORE * (0.6 if query.loose else 1.0)
    if score >= floor and any(required):
        return score, 3, matched
    return None


def _spans(text: str, query: _Query) -> tuple[tuple[int, int], ...]:
    """Character spans of the words of `text` that match a query term (for highlighting)."""
    threshold = 0.8 * _FUZZY_CUTOFF / 100
    return tuple(
        (found.start(), found.end())
        for found in _WORD.finditer(text)
        if any(
            _quality(term, _normal_word(found.group()), query.fuzzy) >= threshold
            for term in query.terms
        )
    )


def _number_match(sheets: Sequence[Sheet], query: str) -> list[Match]:
    """The sheet a query such as `7`, `fiche 7` or `n°7` names, if there is one."""
    number = named_number(query[:MAX_QUERY])
    if number is None:
        return []
    return [
        Match(sheet, 100.0, 0, Matched(Field.NUMBER, None, str(number)), {})
        for sheet in sheets
        if sheet.number == number
    ]


def _score_all(
    sheets: Sequence[Sheet], block: bytes | None, query: _Query
) -> list[tuple[float, int, int, Matched]]:
    """(score, tier, index, what matched) of every sheet that matches."""
    scored = []
    judge = _Judge(query)
    for index in _candidates(sheets, block, query):
        result = _score(sheets[index], judge)
        if result is not None:
            score, tier, matched = result
            scored.append((round(score, 1), tier, index, matched))
    return scored


def find(
    sheets: Sequence[Sheet], query: str, *, limit: int | None = 10, loose: bool = False
) -> list[Match]:
    """The sheets that match `query`, best first, at most `limit` of them.

    Raises EmptyQuery when the query has nothing to search for. With `loose`, close spellings
    count for more: the way to find "did you mean" sheets for a query that found nothing.
    """
    if not fold(query[:MAX_QUERY]):
        raise EmptyQuery("the query is empty: give a word of a title, a subject or a sheet number")
    if limit is not None and limit < 1:
        return []
    named = _number_match(sheets, query)
    if named:
        return named
    parsed = _Query.parse(query, loose)
    if not parsed.terms:
        raise EmptyQuery(
            "the query has only common words (such as 'de', 'the') or lone letters: "
            "give a word of a title, a subject or a sheet number"
        )
    block = _folded_block(sheets)
    scored = _score_all(sheets, block, parsed)
    if any(tier < 3 for _, tier, _, _ in scored):
        # a sheet has every word: partial matches are not worth showing beside it
        scored = [item for item in scored if item[1] < 3]
    elif not parsed.fuzzy:
        # no sheet has every word: let close spellings count (typos)
        parsed = parsed._replace(fuzzy=True)
        scored = _score_all(sheets, block, parsed)
    scored.sort(key=lambda item: (item[1], -item[0], sheets[item[2]].number))
    return [
        Match(
            sheets[index],
            score,
            tier,
            matched,
            {
                key: _spans(text, parsed)
                for key, text in (
                    ("title_fr", sheets[index].title_fr),
                    ("title_en", sheets[index].title_en),
                )
                if text
            },
        )
        for score, tier, index, matched in scored[:limit]
    ]


def clear_leader(matches: Sequence[Match]) -> Match | None:
    """The first match when it clearly beats the second, else None (the user should choose)."""
    if not matches:
        return None
    if len(matches) == 1 or matches[0].tier < matches[1].tier:
        return matches[0]
    return matches[0] if matches[0].score - matches[1].score >= 8 else None
