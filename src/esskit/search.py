"""Rank sheets against a query typed in French or English, however it is typed.

`find` works in visible stages, as search engines do:

1. parse: the query read as the sheets are read (`analysis`: folded, stop words out), the sheet
   number it names, the acronyms of the glossary it holds, and the ways of writing ESS;
2. gather: every place of the sheets that holds a word answering a query word: the same word, a
   word with the same stem in its language, a longer word it starts (four letters or more), and,
   for a word that nothing answers, the sheets' words within a typo or two. The index finds them
   by scanning its folded text for what such words start with, so no sheet that could score is
   left out (a test checks that reading every sheet finds the same);
3. score: BM25F, a field-weighted, rarity-weighted sum over the query's words;
4. rank: tiers first (the sheet the query names; a title, keyword or glossary entry holding the
   query's words in order), then the score, then the sheet number;
5. explain: the field and text that matched best, and how the query was read: an acronym's
   expansion (`PAT → projet alimentaire territorial`), a word found in another form
   (`cantines → cantine`, `vdlo → velo`).

A sheet is a match only when the words it holds weigh at least half of the query (a word found
only in a summary counts for less): a query about something outside the kit finds nothing rather
than a sheet that shares one common word with it. This module is the only one that uses RapidFuzz,
and imports it only to correct a typo.
"""

from __future__ import annotations

import heapq
import math
import operator
import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from enum import IntEnum, StrEnum
from functools import cached_property
from operator import attrgetter
from os.path import commonprefix
from typing import NamedTuple

from esskit.analysis import (
    SEPARATORS,
    fold,
    fold_keeping_separators,
    fold_lines,
    stem,
    stop_words,
    words,
)
from esskit.models import GlossaryEntry, Sheet, named_number

MAX_QUERY_CHARACTERS = 300
MAX_QUERY_WORDS = 30
"""A query longer than this is refused: a question fits well within it."""


class Field(StrEnum):
    """Which part of a sheet a match was found in."""

    TITLE = "title"
    KEYWORDS = "keywords"
    GLOSSARY = "glossary"
    SUMMARY = "summary"
    NUMBER = "number"


class Tier(IntEnum):
    """How a result matched, best first; results rank by tier, then by score."""

    NUMBER = 0
    """The query names the sheet (`7`, `fiche 7`, `n°7`)."""
    PHRASE = 1
    """A title, keyword or glossary entry holds the query's words, in order."""
    WORDS = 2
    """The sheet holds enough of the query's words."""


# The fields of a sheet that are searched, French then English, with their weight in a score and
# how much a field's length weakens what it holds (BM25F's b: keywords and glossary entries are
# lists, and a long list is no sign of a text that merely mentions a word).
_FIELDS = (
    (Field.TITLE, "fr"),
    (Field.KEYWORDS, "fr"),
    (Field.GLOSSARY, "fr"),
    (Field.SUMMARY, "fr"),
    (Field.TITLE, "en"),
    (Field.KEYWORDS, "en"),
    (Field.GLOSSARY, "en"),
)
LANGUAGES = ("fr", "en")
_FIELD_KINDS = tuple(kind for kind, _ in _FIELDS)
_FIELD_LANGS = tuple(lang for _, lang in _FIELDS)
FIELD_WEIGHTS = {Field.TITLE: 3.0, Field.KEYWORDS: 2.0, Field.GLOSSARY: 2.0, Field.SUMMARY: 0.6}
LENGTH_EFFECT = {Field.TITLE: 0.5, Field.KEYWORDS: 0.2, Field.GLOSSARY: 0.2, Field.SUMMARY: 0.75}
SATURATION = 1.2
"""BM25's k1: how quickly more occurrences of a word stop adding to a score."""
TOGETHER = 1.0
"""Weight of the query's words that stand together in one title, keyword or glossary entry
(`trouver des locaux`), on top of BM25F, which counts words one by one."""

# How well a word of a sheet answers a word of the query, in hundredths (whole numbers, so that
# sums do not depend on the order of the words).
EXACT = 100
SAME_STEM = 95
LONGER_WORD = 80
"""A word that starts with the query's word (`mobil` -> `mobilite`)."""
TYPO = 70
"""A word within a typo or two of the query's word (`vdlo` -> `velo`)."""

MIN_COVER = 0.5
"""The share of the query's weight that a sheet must hold to be a match (or a suggestion)."""
SUMMARY_COVER = 0.5
"""What a word found only in a summary counts for, in that share."""
SHORTEST_FUZZY = 4
"""Words shorter than this match only as themselves or their stem: no longer word, no typo."""

_KEYWORD_SEPARATOR = "\v"
_FIELD_SEPARATOR = "\t"
_SHEET_SEPARATOR = "\n"

# Ways of writing the social and solidarity economy, folded; a query that writes one of them
# means ESS. Longest first.
_ESS_PHRASES = (
    "economie sociale et solidaire",
    "social and solidarity economy",
    "economie sociale solidaire",
    "economie sociale",
    "economie solidaire",
    "social economy",
    "solidarity economy",
)
_ESS = "ess"
_ESS_WORDS = frozenset({"ess", "sse"})
"""The two acronyms, French and English: each query for one finds the other."""
_WORD = re.compile(r"[^\W_]+")
_DOTTED = re.compile(r"(?<!\w)[^\W\d_](?:\.[^\W\d_])+\.?(?!\w)")


class Matched(NamedTuple):
    """What made a sheet match: the field, its language, the text that matched, and a note on
    how the query was read (an acronym's expansion: `PAT → projet alimentaire territorial`)."""

    field: Field
    lang: str | None
    text: str
    note: str | None = None


class Match(NamedTuple):
    """One search result: the sheet, its score (0-100, higher first), its tier, and why it matched.

    `highlights` maps `title_fr` and `title_en` to the character spans of their matching words.
    """

    sheet: Sheet
    score: float
    tier: Tier
    matched: Matched
    highlights: dict[str, tuple[tuple[int, int], ...]]


class QueryError(ValueError):
    """A query that cannot be searched for."""


class EmptyQuery(QueryError):
    """The query has nothing to search for (empty, or only punctuation, common words or lone
    letters)."""


class QueryTooLong(QueryError):
    """The query is longer than any search needs."""


# ----------------------------------------------------------------------------- 1. parse


class Term(NamedTuple):
    """One word of the query as it is searched for."""

    word: str
    """The folded word (`velo`); `ess` for any way of writing ESS out."""
    entries: tuple[GlossaryEntry, ...] = ()
    """The glossary entries this word is the acronym of."""

    @property
    def exact_only(self) -> bool:
        """No longer word and no typo answers an acronym, a number or a word of three letters or
        fewer (a short word may still answer through its stem; an acronym or a number never)."""
        return bool(self.entries) or len(self.word) < SHORTEST_FUZZY or self.word.isdigit()


class Query(NamedTuple):
    """A parsed query: its terms, and its words in order (stop words included) for phrases."""

    text: str
    terms: tuple[Term, ...]
    phrase: tuple[str, ...]
    loose: bool = False


def _merge_ess(folded: str) -> str:
    """Folded text with each way of writing ESS out as the word `ess`."""
    padded = f" {' '.join(folded.split())} "
    for phrase in _ESS_PHRASES:
        padded = padded.replace(f" {phrase} ", f" {_ESS} ")
    return padded.strip()


def _acronyms(
    typed_words: Sequence[str], glossary: Sequence[GlossaryEntry]
) -> dict[str, tuple[GlossaryEntry, ...]]:
    """The query's acronyms, folded, with their glossary entries: a term of several words
    (`ESS France`) when its words stand together in the query (an entry that asks for its
    capitals is found only when typed with them)."""
    by_term: dict[str, list[GlossaryEntry]] = {}
    for folded, entry in zip(fold_lines([entry.term for entry in glossary]), glossary, strict=True):
        by_term.setdefault(folded, []).append(entry)
    sizes = {len(_WORD.findall(entry.term)) for entry in glossary} | {1}
    found: dict[str, tuple[GlossaryEntry, ...]] = {}
    for size in sizes:
        for start in range(len(typed_words) - size + 1):
            typed = " ".join(typed_words[start : start + size])
            folded = " ".join(words(typed))
            entries = tuple(
                entry
                for entry in by_term.get(folded, ())
                if not entry.case_sensitive or typed == entry.term
            )
            if entries:
                found[folded] = entries
    return found


def _join_acronyms(phrase: str, acronyms: dict[str, tuple[GlossaryEntry, ...]]) -> str:
    """Folded text with each acronym of several words as one word (`ess france` ->
    `essfrance`), longest first, so that it is one term, found through its glossary entry."""
    padded = f" {phrase} "
    for several in sorted((a for a in acronyms if " " in a), key=len, reverse=True):
        while f" {several} " in padded:
            padded = padded.replace(f" {several} ", f" {several.replace(' ', '')} ")
    return padded.strip()


def parse(text: str, glossary: Sequence[GlossaryEntry] = (), *, loose: bool = False) -> Query:
    """The query's terms, or QueryError when there is nothing to search for, or far too much."""
    if len(text) > MAX_QUERY_CHARACTERS:
        raise QueryTooLong(
            f"the query is {len(text)} characters long: give at most {MAX_QUERY_CHARACTERS}"
        )
    text = _DOTTED.sub(lambda dotted: dotted.group().replace(".", ""), text)  # P.A.T. is PAT
    typed_words = _WORD.findall(text)
    if not typed_words:
        raise EmptyQuery("the query is empty: give a word of a title, a subject or a sheet number")
    if len(typed_words) > MAX_QUERY_WORDS:
        raise QueryTooLong(
            f"the query has {len(typed_words)} words: give at most {MAX_QUERY_WORDS}"
        )
    acronyms = _acronyms(typed_words, glossary)
    folded = _join_acronyms(" ".join(_merge_ess(fold(text)).split()), acronyms)
    acronyms |= {several.replace(" ", ""): entries for several, entries in acronyms.items()}
    phrase = tuple(w for w in folded.split() if len(w) > 1 or w.isdigit())
    stop = stop_words()
    terms: dict[str, Term] = {}
    for word in phrase:
        if word in acronyms:
            terms.setdefault(word, Term(word, acronyms[word]))
        elif word not in stop:
            terms.setdefault(word, Term(word))
    if not terms:
        raise EmptyQuery(
            "the query has only common words (such as 'de', 'the') or lone letters: "
            "give a word of a title, a subject or a sheet number"
        )
    return Query(text, tuple(terms.values()), phrase, loose)


# ----------------------------------------------------------------------------- 2. gather

Words = dict[str, int]
"""Words of the sheets that answer a query term, each with how well it does."""
Answers = dict[str, Words]
"""A term's answers in each language's part of the index."""


class Hit(NamedTuple):
    """A place that holds a word answering a query term: the sheet's position in the searched
    sequence, the field's position in `_FIELDS`, which keyword or glossary entry of the field
    (0 for a title or a summary); the term's position in the query, and how well the word answers
    it. Hits sort by sheet."""

    sheet: int
    field: int
    part: int
    term: int
    quality: int


Place = tuple[int, int, int, int, str]
"""Where a word of the index stands: its position in the text, the sheet, field and item (as in
a Hit), and the word."""


class Reader:
    """How the words of the sheets answer one query term.

    A word answers when it is the term (or, for ESS, SSE); for a term that is not an acronym or a
    number, when it has the same Snowball stem in its language; for a term of four letters or
    more, when it starts with the term (`mobil` -> `mobilite`), or is one of its typos. Every
    word that answers starts with `prefix` (the term and its stems' common beginning: Snowball
    changes only endings) or is a typo, which is how the index finds them.
    """

    def __init__(self, term: Term) -> None:
        self.term = term
        self.typos: frozenset[str] = frozenset()
        """The words of the sheets that the term is a typo of (read only when nothing else
        answers it)."""

    @cached_property
    def prefix(self) -> str:
        """What every word answering the term starts with (a typo aside)."""
        word = self.term.word
        if self.term.entries or word.isdigit():
            return word
        return commonprefix([word, *(stem(word, lang) for lang in LANGUAGES)]) or word[:1]

    def quality(self, word: str, lang: str) -> int | None:
        """How well `word`, of a field in `lang`, answers the term (None: it does not)."""
        term = self.term
        if word == term.word:
            return EXACT
        if term.word in _ESS_WORDS:
            return EXACT if word in _ESS_WORDS else None
        if term.entries or term.word.isdigit():
            return None  # `REP` must not find `repas`, which stems alike
        if word.startswith(self.prefix):
            if stem(word, lang) == stem(term.word, lang):
                return SAME_STEM
            if not term.exact_only and word.startswith(term.word):
                return LONGER_WORD
        return TYPO if word in self.typos else None

    @property
    def beginnings(self) -> list[str]:
        """What the words that answer start with: the prefix (for ESS, its forms), the typos."""
        if self.term.word in _ESS_WORDS:
            return list(_ESS_WORDS)
        return _shortest([self.prefix, *self.typos])


def _segments(sheet: Sheet, entries: Sequence[GlossaryEntry]) -> tuple[tuple[str, ...], ...]:
    """The texts of each field of a sheet, in the order of `_FIELDS` (lists item by item); a
    glossary entry gives its French expansion to the French field, its English one (if any) to
    the English field (the acronym itself is found by `parse`, which knows whether its capitals
    matter)."""
    return (
        (sheet.title_fr,) if sheet.title_fr else (),
        sheet.keywords_fr,
        tuple(entry.fr for entry in entries),
        (sheet.summary_fr,) if sheet.summary_fr else (),
        (sheet.title_en,),
        sheet.keywords_en,
        tuple(entry.en or "" for entry in entries),
    )


class Index:
    """The sheets' searchable text, folded once.

    One line a sheet; on it, the fields of `_FIELDS` separated by tabs, and the items of a list
    (keywords, glossary entries) by vertical tabs. The words that start with a given beginning
    are found with one scan of the whole text at C speed, and a place tells its sheet, field
    and item.
    """

    def __init__(self, sheets: Sequence[Sheet], glossary: Sequence[GlossaryEntry] = ()) -> None:
        self.sheets = tuple(sheets)
        self.glossary = tuple(glossary)
        self.entries: dict[int, list[GlossaryEntry]] = {}
        """The glossary entries that lead to each sheet number."""
        for entry in glossary:
            for number in dict.fromkeys(entry.sheets):
                self.entries.setdefault(number, []).append(entry)
        self.text = self._folded_text()
        self.line_starts = [0, *(end.end() for end in re.finditer(_SHEET_SEPARATOR, self.text))]
        self._found: dict[str, list[Place]] = {}
        self._spellings: dict[str, list[str]] = {}

    def segments(self, sheet: Sheet) -> tuple[tuple[str, ...], ...]:
        """The texts of each field of a sheet, in the order of `_FIELDS`."""
        return _segments(sheet, self.entries.get(sheet.number, ()))

    @cached_property
    def positions(self) -> dict[int, list[int]]:
        """Where each sheet number stands in the searched sequence."""
        found: dict[int, list[int]] = {}
        for position, sheet in enumerate(self.sheets):
            found.setdefault(sheet.number, []).append(position)
        return found

    def spellings(self, first: str) -> list[str]:
        """The distinct words of the text that start with `first` and that a typo may stand for
        (a typo keeps its word's first letter): found once for each letter, with one scan of
        the text for a word's start, which the regex engine does at C speed, without a list of
        every word of the text."""
        found = self._spellings.get(first)
        if found is None:
            text = self.text
            starting = f"[ {SEPARATORS}]({re.escape(first)}{_REST_OF_WORD})"
            words = set(re.findall(starting, text))
            if text.startswith(first):  # the first word of the text has nothing before it
                words.add(text.split(maxsplit=1)[0])
            found = self._spellings[first] = _spellable(words)
        return found

    def holds(self, sheets: Sequence[Sheet], glossary: Sequence[GlossaryEntry]) -> bool:
        """Whether this is the index of these very sheets and glossary."""
        return (
            len(sheets) == len(self.sheets)
            and all(map(operator.is_, sheets, self.sheets))
            and tuple(glossary) == self.glossary
        )

    def words_from(self, beginnings: Sequence[str]) -> Iterator[Place]:
        """Every whole word of the text that starts with one of `beginnings`, and where it
        stands, in the order of the text."""
        found = [self._words_from(start) for start in dict.fromkeys(beginnings)]
        if len(found) == 1:
            yield from found[0]
            return
        last = -1
        for place in heapq.merge(*found):
            if place[0] != last:  # not found already (through a beginning that starts another)
                last = place[0]
                yield place

    def _words_from(self, start: str) -> list[Place]:
        """The places of the words that start with `start`, found once for the index (a search
        that finds nothing looks again, loosely, for suggestions): one scan of the text for the
        literal, which the regex engine does fast, each match then checked for a word's start
        (a look-behind would make it try every position)."""
        cached = self._found.get(start)
        if cached is not None:
            return cached
        text = self.text
        places = []
        for found in re.finditer(re.escape(start) + _REST_OF_WORD, text):
            position = found.start()
            if position and text[position - 1] not in _BOUNDARIES:
                continue  # inside a word
            line = bisect_right(self.line_starts, position) - 1
            line_start = self.line_starts[line]
            field_at = text.count(_FIELD_SEPARATOR, line_start, position)
            part = 0
            if _FIELDS[field_at][0] in _LISTS:
                field_start = text.rfind(_FIELD_SEPARATOR, line_start, position) + 1
                part = text.count(_KEYWORD_SEPARATOR, field_start or line_start, position)
            places.append((position, line, field_at, part, found.group()))
        self._found[start] = places
        return places

    def _folded_text(self) -> str:
        """The sheets' text, folded, a line a sheet; made ten thousand sheets at a time, so that
        the text of a whole large catalogue is never held twice over while it is folded."""
        chunks = []
        for start in range(0, len(self.sheets), _CHUNK):
            sheets = self.sheets[start : start + _CHUNK]
            chunks.append(fold_keeping_separators(self._lines(sheets) or self._clean_lines(sheets)))
        return _SHEET_SEPARATOR.join(chunks)

    def _lines(self, sheets: Sequence[Sheet]) -> str | None:
        """The text of some sheets, a line a sheet, or None when a text holds a separator and
        would shift what follows it: then the lines hold more separators than their fields and
        items make. (Spelled out: it runs for every sheet.)"""
        glue = _KEYWORD_SEPARATOR.join
        french = {n: glue(e.fr for e in entries) for n, entries in self.entries.items()}
        english = {n: glue(e.en or "" for e in entries) for n, entries in self.entries.items()}
        text = _SHEET_SEPARATOR.join(
            [
                f"{s.title_fr or ''}\t{glue(s.keywords_fr)}\t{french.get(s.number, '')}"
                f"\t{s.summary_fr.replace(_SHEET_SEPARATOR, ' ') if s.summary_fr else ''}"
                f"\t{s.title_en}\t{glue(s.keywords_en)}\t{english.get(s.number, '')}"
                for s in sheets
            ]
        )
        keywords = [
            *map(attrgetter("keywords_fr"), sheets),
            *map(attrgetter("keywords_en"), sheets),
        ]
        more_entries = {number: len(entries) - 1 for number, entries in self.entries.items()}
        items = sum(map(len, keywords)) - sum(map(bool, keywords))
        items += (
            2 * sum(more_entries.get(sheet.number, 0) for sheet in sheets) if more_entries else 0
        )
        expected = {
            _SHEET_SEPARATOR: max(0, len(sheets) - 1),
            _FIELD_SEPARATOR: (len(_FIELDS) - 1) * len(sheets),
            _KEYWORD_SEPARATOR: items,
        }
        return text if all(text.count(m) == n for m, n in expected.items()) else None

    def _clean_lines(self, sheets: Sequence[Sheet]) -> str:
        """The same text as `_lines`, with separators inside texts read as spaces."""
        return _SHEET_SEPARATOR.join(
            _FIELD_SEPARATOR.join(
                _KEYWORD_SEPARATOR.join(map(_clean, texts)) for texts in self.segments(sheet)
            )
            for sheet in sheets
        )


_CHUNK = 10_000
_UNSEEN = -1
_BOUNDARIES = frozenset(" " + SEPARATORS)
_REST_OF_WORD = "[^ \t\n\v]*"
_LISTS = (Field.KEYWORDS, Field.GLOSSARY)
_AS_SPACES = str.maketrans(dict.fromkeys(SEPARATORS, " "))


def _clean(text: str) -> str:
    return text.translate(_AS_SPACES)


def typos(word: str, vocabulary: Sequence[str], loose: bool) -> frozenset[str]:
    """Words of a vocabulary within a typo or two of `word` (a transposition counts as one): one
    for a word of four to seven letters, two from eight. A typo keeps the word's first and last
    letters, which people type right: so `police` is not read as `policy`. When `loose`
    (suggestions), the last letter may differ (`velp` -> `velo`), and a word of eight letters or
    more may have three typos (`mobxlytz` -> `mobilite`); a shorter word has no more, for two
    typos in six letters make another word (`chasse` -> `charte`)."""
    from rapidfuzz import process
    from rapidfuzz.distance import OSA

    edits = 1 if len(word) < 8 else 3 if loose else 2
    return frozenset(
        found
        for found, _, _ in process.extract(
            word, vocabulary, scorer=OSA.distance, score_cutoff=edits, limit=None
        )
        if found != word and found[0] == word[0] and (loose or found[-1] == word[-1])
    )


def _spellable(words: Iterable[str]) -> list[str]:
    """The words a typo may stand for: no numbers, none shorter than three letters."""
    return [w for w in set(words) if len(w) >= SHORTEST_FUZZY - 1 and not w.isdigit()]


def _shortest(starts: Iterable[str]) -> list[str]:
    """The starts that no other start begins (a word that starts with `mobilit` starts with
    `mobil`), so that each word is found by one of them only, and the text scanned no more
    often than needed."""
    kept: list[str] = []
    for start in sorted(set(starts), key=len):
        if not any(start.startswith(shorter) for shorter in kept):
            kept.append(start)
    return kept


def _places(index: Index, reader: Reader, term: int) -> tuple[list[Hit], Answers]:
    """The places of the sheets that hold a word answering a term, found through the index, and
    the words that answer it."""
    hits: list[Hit] = []
    answers: Answers = {lang: {} for lang in LANGUAGES}
    verdicts: dict[tuple[str, str], int | None] = {}
    for _, sheet, field_at, part, word in index.words_from(reader.beginnings):
        lang = _FIELD_LANGS[field_at]
        quality = verdicts.get((word, lang), _UNSEEN)
        if quality == _UNSEEN:
            quality = verdicts[word, lang] = reader.quality(word, lang)
            if quality is not None:
                answers[lang][word] = quality
        if quality is not None:
            hits.append(Hit(sheet, field_at, part, term, quality))
    return hits, answers


def _places_every_sheet(index: Index, reader: Reader, term: int) -> tuple[list[Hit], Answers]:
    """The same as `_places`, found by reading every text of every sheet: the plain version
    that the index must agree with."""
    hits: list[Hit] = []
    answers: Answers = {lang: {} for lang in LANGUAGES}
    for position, sheet in enumerate(index.sheets):
        for field_at, texts in enumerate(index.segments(sheet)):
            lang = _FIELDS[field_at][1]
            for part, text in enumerate(texts):
                for word in fold(text).split():
                    quality = reader.quality(word, lang)
                    if quality is not None:
                        hits.append(Hit(position, field_at, part, term, quality))
                        answers[lang][word] = quality
    return hits, answers


def _vocabulary(index: Index, first: str, every_sheet: bool) -> list[str]:
    """The words of the sheets that a typo of a word starting with `first` may stand for (all of
    them, when reading every sheet)."""
    if not every_sheet:
        return index.spellings(first)
    words: set[str] = set()
    for sheet in index.sheets:
        for texts in index.segments(sheet):
            for text in texts:
                words.update(fold(text).split())
    return _spellable(words)


def gather(
    index: Index, query: Query, *, every_sheet: bool = False
) -> tuple[list[Hit], list[Answers]]:
    """Stage 2: every place of the sheets holding a word that answers a term of the query, and
    those words. A term that nothing answers is read as a typo (every term, when loose); an
    acronym answers itself in the glossary field of the sheets its entries lead to.
    `every_sheet` reads every sheet instead of the index (the same places, slower: for tests)."""
    places = _places_every_sheet if every_sheet else _places
    readers = [Reader(term) for term in query.terms]
    found = [places(index, reader, term) for term, reader in enumerate(readers)]
    misspelt = [
        i
        for i, (reader, (hits, _)) in enumerate(zip(readers, found, strict=True))
        if not reader.term.exact_only and (query.loose or not hits)
    ]
    for i in misspelt:
        word = readers[i].term.word
        readers[i].typos = typos(word, _vocabulary(index, word[0], every_sheet), query.loose)
        found[i] = places(index, readers[i], i)
    hits = [hit for term_hits, _ in found for hit in term_hits]
    answers = [term_answers for _, term_answers in found]
    for position, (term, term_answers) in enumerate(zip(query.terms, answers, strict=True)):
        if term.entries:
            term_answers["fr"][term.word] = EXACT
            hits.extend(_acronym_hits(index, term, position))
    return hits, answers


def _acronym_hits(index: Index, term: Term, position: int) -> Iterator[Hit]:
    """The glossary field of the sheets an acronym leads to."""
    glossary_field = _FIELDS.index((Field.GLOSSARY, "fr"))
    for entry in term.entries:
        for number in dict.fromkeys(entry.sheets):
            part = index.entries[number].index(entry)
            for at in index.positions.get(number, ()):
                yield Hit(at, glossary_field, part, position, EXACT)


# ----------------------------------------------------------------------------- 3. score

TYPICAL_LENGTH = {Field.TITLE: 70, Field.KEYWORDS: 600, Field.GLOSSARY: 150, Field.SUMMARY: 900}
"""Characters a field of the kit's sheets holds, about: BM25's length normalisation weighs a
field's length against it."""


def _rarity(holders: int, total: int) -> float:
    """BM25's inverse document frequency: a word that few sheets hold counts for more."""
    return math.log(1 + (total - holders + 0.5) / (holders + 0.5))


class Tally:
    """What one field of a sheet holds of one term: its words' qualities, summed, and the best."""

    __slots__ = ("best", "summed")

    def __init__(self, quality: int) -> None:
        self.summed = self.best = quality


class Evidence:
    """What one sheet holds of the query: per term and field, the summed and the best quality of
    the words found; per item (a title, keyword, glossary entry or summary), the best quality of
    each term in it."""

    __slots__ = ("items", "sheet", "terms")

    def __init__(self, sheet: int) -> None:
        self.sheet = sheet
        self.terms: dict[int, dict[int, Tally]] = {}
        self.items: dict[tuple[int, int], dict[int, int]] = {}


def _evidence(hits: Sequence[Hit]) -> Evidence:
    """What one sheet's hits say."""
    evidence = Evidence(hits[0].sheet)
    for _, field_at, part, term, quality in hits:
        fields = evidence.terms.setdefault(term, {})
        tally = fields.get(field_at)
        if tally is None:
            fields[field_at] = Tally(quality)
        else:
            tally.summed += quality
            tally.best = max(tally.best, quality)
        item = evidence.items.setdefault((field_at, part), {})
        if quality > item.get(term, 0):
            item[term] = quality
    return evidence


def _by_sheet(hits: list[Hit]) -> list[tuple[int, int]]:
    """The hits sorted by sheet, in place, and where each sheet's hits start and end."""
    hits.sort()
    bounds = []
    start = 0
    for end in range(1, len(hits) + 1):
        if end == len(hits) or hits[end].sheet != hits[start].sheet:
            bounds.append((start, end))
            start = end
    return bounds


def _cover(evidence: Evidence, rarity: Sequence[float], weight: float) -> float:
    """The share of the query's weight (the sum of its terms' rarities) a sheet holds: each term
    by its rarity, as well as its best word answers it (less when it is found only in a
    summary)."""
    held = 0.0
    for term, fields in evidence.terms.items():
        held += rarity[term] * max(
            tally.best / EXACT * _COVER_SHARE[at] for at, tally in fields.items()
        )
    return held / weight


_COVER_SHARE = tuple(SUMMARY_COVER if kind is Field.SUMMARY else 1.0 for kind in _FIELD_KINDS)


def _length(index: Index, sheet: Sheet, position: int) -> int:
    """The characters of one field of a sheet (spelled out: it runs for every match)."""
    kind = _FIELD_KINDS[position]
    if kind is Field.TITLE:
        return len((sheet.title_fr or "") if _FIELD_LANGS[position] == "fr" else sheet.title_en)
    if kind is Field.KEYWORDS:
        return sum(
            map(len, sheet.keywords_fr if _FIELD_LANGS[position] == "fr" else sheet.keywords_en)
        )
    if kind is Field.SUMMARY:
        return len(sheet.summary_fr or "")
    return sum(map(len, index.segments(sheet)[position]))


def _bm25f(index: Index, evidence: Evidence, rarity: Sequence[float]) -> float:
    """BM25F: per term, its words' qualities summed in each field, each field weighted and its
    length weighed against a typical one, saturated, times the term's rarity; plus the query's
    words that stand together in one title, keyword or entry."""
    sheet = index.sheets[evidence.sheet]
    total = 0.0
    for term, fields in evidence.terms.items():
        frequency = 0.0
        for position, tally in fields.items():
            kind = _FIELD_KINDS[position]
            effect = LENGTH_EFFECT[kind]
            norm = 1 - effect + effect * _length(index, sheet, position) / TYPICAL_LENGTH[kind]
            frequency += FIELD_WEIGHTS[kind] * tally.summed / EXACT / norm
        total += rarity[term] * frequency * (SATURATION + 1) / (frequency + SATURATION)
    if len(evidence.terms) < 2:
        return total
    together = [
        sum(rarity[term] for term in terms)
        for (position, _), terms in evidence.items.items()
        if len(terms) > 1 and _FIELD_KINDS[position] is not Field.SUMMARY
    ]
    return total + TOGETHER * max(together, default=0.0)


def _needed(query: Query) -> frozenset[int]:
    """The terms an item must hold to be checked for the query's phrase: all of them but ESS,
    which an item that writes the name out holds though no word of it answers the term."""
    return frozenset(i for i, term in enumerate(query.terms) if term.word not in _ESS_WORDS)


def _holds_phrase(
    index: Index,
    query: Query,
    by_word: dict[str, Answers],
    needed: frozenset[int],
    evidence: Evidence,
) -> bool:
    """Whether a title, keyword or glossary entry that holds every term holds the query's words
    in order (its stop words too; a word that answers a term, `by_word`, stands for it); only
    the items that hold the `needed` terms are read."""
    whole = [
        (position, part)
        for (position, part), terms in evidence.items.items()
        if _FIELD_KINDS[position] is not Field.SUMMARY and needed <= terms.keys()
    ]
    if len(query.phrase) == 1 and any(len(evidence.items[item]) == 1 for item in whole):
        return True  # one word: holding it is holding the phrase
    segments = index.segments(index.sheets[evidence.sheet])
    size = len(query.phrase)
    for position, part in whole:
        lang = _FIELDS[position][1]
        said = [
            w
            for w in _merge_ess(fold(segments[position][part])).split()
            if len(w) > 1 or w.isdigit()
        ]
        for start in range(len(said) - size + 1):
            if all(
                said[start + i] == word or said[start + i] in by_word.get(word, {}).get(lang, ())
                for i, word in enumerate(query.phrase)
            ):
                return True
    return False


class Scored(NamedTuple):
    """A sheet that matches, before it becomes a Match: its hits are `hits[start:end]`."""

    score: float
    tier: Tier
    sheet: int
    start: int
    end: int


def score(index: Index, query: Query, answers: Sequence[Answers], hits: list[Hit]) -> list[Scored]:
    """Stage 3: the sheets whose words weigh enough of the query, with their BM25F scores and
    tiers. Each sheet's evidence is built from its hits and let go, so that a query that most
    sheets answer costs little memory."""
    bounds = _by_sheet(hits)
    holders = [0] * len(query.terms)
    for start, end in bounds:
        for term in {hit.term for hit in hits[start:end]}:
            holders[term] += 1
    rarity = [_rarity(count, len(index.sheets)) for count in holders]
    by_word = {term.word: answers[i] for i, term in enumerate(query.terms)}
    needed = _needed(query)
    weight = sum(rarity)
    scored = []
    for start, end in bounds:
        evidence = _evidence(hits[start:end])
        if _cover(evidence, rarity, weight) < MIN_COVER:
            continue
        phrase = _holds_phrase(index, query, by_word, needed, evidence)
        tier = Tier.PHRASE if phrase else Tier.WORDS
        scored.append(Scored(_bm25f(index, evidence, rarity), tier, evidence.sheet, start, end))
    return scored


# ----------------------------------------------------------------------------- 4. rank

HALF_SCORE = 3.0
"""The BM25F score shown as half of its tier's range: scores are shown from 0 to 100, the
phrase tier above 50 and the rest below, so that they sort as the results do."""


def shown_score(raw: float, tier: Tier) -> float:
    """A score from 0 to 100 that sorts as results rank: 100 for a named sheet, 50-99.9 for a
    phrase, 0-49.9 for the rest."""
    if tier is Tier.NUMBER:
        return 100.0
    base = 50.0 if tier is Tier.PHRASE else 0.0
    return round(base + 49.9 * raw / (raw + HALF_SCORE), 1)


def rank(
    index: Index, scored: Iterable[Scored], limit: int | None = None
) -> list[tuple[float, Scored]]:
    """Results best first, with their shown scores: tier, then shown score, then sheet number;
    only the first `limit` when given (picked without sorting the others)."""
    sheets = index.sheets
    keyed = [
        (item.tier, -shown_score(item.score, item.tier), sheets[item.sheet].number, item)
        for item in scored
    ]
    best = sorted(keyed) if limit is None else heapq.nsmallest(limit, keyed)
    return [(-minus_shown, item) for _, minus_shown, _, item in best]


# ----------------------------------------------------------------------------- 5. explain


def _best_item(evidence: Evidence) -> tuple[int, int]:
    """The title, keyword, entry or summary that answers the most of the query, best field
    first."""
    return max(
        evidence.items,
        key=lambda item: (
            sum(evidence.items[item].values()) * FIELD_WEIGHTS[_FIELDS[item[0]][0]],
            -item[0],
            -item[1],
        ),
    )


def _excerpt(text: str, wanted: set[str]) -> str:
    """The sentence of a summary that holds a wanted word (the first sentence otherwise)."""
    sentences = re.split(r"(?<=[.!?…])\s+", text.strip())
    for sentence in sentences:
        if not wanted.isdisjoint(fold(sentence).split()):
            return sentence
    return sentences[0]


def _readings(
    query: Query,
    answers: Sequence[Answers],
    evidence: Evidence,
    number: int,
    said: Sequence[str],
    lang: str,
) -> str | None:
    """How the query's words were read for this sheet (numbered `number`): an acronym as the
    expansion that leads to it, and a word that the best text (`said`, in `lang`) holds in
    another form (a stem, a longer word, a typo) as that form."""
    notes = []
    for position, term in enumerate(query.terms):
        if position not in evidence.terms:
            continue
        notes += [f"{entry.term} → {entry.fr}" for entry in term.entries if number in entry.sheets]
        if term.entries or term.word in _ESS_WORDS:
            continue
        forms = list(dict.fromkeys(w for w in said if w in answers[position][lang]))
        if forms and term.word not in forms:
            notes.append(f"{term.word} → {', '.join(forms[:3])}")
    return "; ".join(dict.fromkeys(notes)) or None


def _spans(text: str, wanted: set[str]) -> tuple[tuple[int, int], ...]:
    """Character spans of the words of `text` that answer the query (for highlighting)."""
    return tuple(
        (found.start(), found.end())
        for found in _WORD.finditer(text)
        if not wanted.isdisjoint(fold(found.group()).split())
    )


def explain(
    index: Index,
    query: Query,
    answers: Sequence[Answers],
    hits: Sequence[Hit],
    shown: float,
    item: Scored,
) -> Match:
    """Stage 5: a Match, with the sheet's shown score and tier, the text that matched best, how
    the query was read, and its titles' words that answer the query."""
    sheet = index.sheets[item.sheet]
    evidence = _evidence(hits[item.start : item.end])
    position, part = _best_item(evidence)
    kind, lang = _FIELDS[position]
    wanted = {
        word for found in answers for words_of_lang in found.values() for word in words_of_lang
    }
    text = index.segments(sheet)[position][part]
    if kind is Field.SUMMARY:
        text = _excerpt(text, wanted)
    said = fold(text).split()
    highlights = {
        key: _spans(title, wanted)
        for key, title in (("title_fr", sheet.title_fr), ("title_en", sheet.title_en))
        if title
    }
    note = _readings(query, answers, evidence, sheet.number, said, lang)
    return Match(sheet, shown, item.tier, Matched(kind, lang, text, note), highlights)


# ----------------------------------------------------------------------------- find

_last_index: Index | None = None


def index_for(sheets: Sequence[Sheet], glossary: Sequence[GlossaryEntry] = ()) -> Index:
    """The index of these sheets and glossary, built once for them (a command that finds
    nothing searches again for suggestions)."""
    global _last_index
    cached = _last_index
    if cached is None or not cached.holds(sheets, glossary):
        cached = _last_index = Index(sheets, glossary)
    return cached


def _named(sheets: Sequence[Sheet], query: str) -> list[Match]:
    """The sheet a query such as `7`, `fiche 7` or `n°7` names, if there is one."""
    number = named_number(query[:MAX_QUERY_CHARACTERS])
    if number is None:
        return []
    return [
        Match(sheet, 100.0, Tier.NUMBER, Matched(Field.NUMBER, None, str(number)), {})
        for sheet in sheets
        if sheet.number == number
    ]


def find(
    sheets: Sequence[Sheet],
    query: str,
    *,
    limit: int | None = 10,
    loose: bool = False,
    glossary: Sequence[GlossaryEntry] = (),
    every_sheet: bool = False,
) -> list[Match]:
    """The sheets that match `query`, best first, at most `limit` of them.

    Raises QueryError (EmptyQuery, QueryTooLong) when the query cannot be searched for. With
    `loose`, every word may be read as a typo, and a little more misspelt (see `typos`), but a
    sheet must hold as much of the query as a match does: the way to find "did you mean" sheets
    for a query that found nothing, and none for a subject the kit does not cover. `glossary`
    expands acronyms; `every_sheet`
    reads every sheet instead of the index (slower, the same results: for tests).
    """
    parsed = parse(query, glossary, loose=loose)
    if limit is not None and limit < 1:
        return []
    named = _named(sheets, query)
    if named:
        return named[:limit]
    index = index_for(sheets, glossary)
    hits, answers = gather(index, parsed, every_sheet=every_sheet)
    ranked = rank(index, score(index, parsed, answers, hits), limit)
    return [explain(index, parsed, answers, hits, shown, item) for shown, item in ranked]


CLEAR_LEAD = 5.0
"""How far ahead (in shown score) the first result must be for `open QUERY` to open it."""


def clear_leader(matches: Sequence[Match]) -> Match | None:
    """The first match when it clearly beats the second, else None (the user should choose)."""
    if not matches:
        return None
    if len(matches) == 1 or matches[0].tier < matches[1].tier:
        return matches[0]
    return matches[0] if matches[0].score - matches[1].score >= CLEAR_LEAD else None


def look_up(glossary: Sequence[GlossaryEntry], text: str) -> list[GlossaryEntry]:
    """The glossary entries for `text`: those whose acronym it is (`P.A.T.` too), else those whose
    expansions hold all its words but stop words, in any form (`alimentaires` -> PAT), in the
    glossary's order."""
    wanted = " ".join(words(_DOTTED.sub(lambda dotted: dotted.group().replace(".", ""), text)))
    if not wanted:
        raise EmptyQuery("the term is empty: give an acronym or a word of its expansion")
    same = [entry for entry in glossary if " ".join(words(entry.term)) == wanted]
    if same:
        return same
    stop = stop_words()
    asked = [word for word in wanted.split() if word not in stop]
    if not asked:
        raise EmptyQuery(
            "the term has only common words: give an acronym or a word of its expansion"
        )
    found = []
    for entry in glossary:
        held = {_stems(word) for word in words(f"{entry.term} {entry.fr} {entry.en or ''}")}
        french, english = {fr for fr, _ in held}, {en for _, en in held}
        if all(stem(w, "fr") in french or stem(w, "en") in english for w in asked):
            found.append(entry)
    return found


def _stems(word: str) -> tuple[str, str]:
    """A word's French and English stems: two forms of a word share one of them."""
    return stem(word, "fr"), stem(word, "en")
