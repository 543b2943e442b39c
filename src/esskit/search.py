"""Rank sheets against a query typed in French or English, or in the field's words of Spanish,
Italian, Portuguese or German, however it is typed.

`find` works in stages, as search engines do:

1. parse: the query read as the sheets are read (`analysis`: folded, stop words out), the sheet
   number it names, the acronyms of the glossary it holds, and the ways of writing ESS;
2. look up: each query word's answers among the words of the index (its term dictionary): the
   word itself, a word with the same stem in a field's language, a longer word it starts (four
   letters or more), and, for a word that nothing answers, the index's words within a typo or
   two; a word that nothing answers at all is not in the kit, and is left out;
3. gather: the postings of those words, the fields and sheets that hold them;
4. score: BM25F, a field-weighted, rarity-weighted sum over the query's words, and a bonus for
   the words that stand together in one title, keyword or glossary entry;
5. select: a sheet is a result when a word of the query means something there (it anchors it,
   see `Evidence.anchors`); a query that anchors no sheet is outside the kit, and finds nothing;
6. rank: tiers first (the sheet the query names; an item holding the query's words in order),
   then the sheets that hold every part of the query, then each part's best sheets in turn, so
   that a query joining two subjects finds both; then the score, then the sheet number;
7. explain: what each result holds of the query (`Match.matches`, the best first), how the query
   was read (an acronym's expansion, a word found in another form), what is not in the kit.

This module is the only one that uses RapidFuzz, and imports it only to correct a typo.
"""

from __future__ import annotations

import heapq
import math
import re
from array import array
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from enum import IntEnum, StrEnum
from functools import cache, cached_property
from itertools import accumulate, compress, count, repeat
from operator import and_, attrgetter, eq, ne
from os.path import commonprefix
from typing import NamedTuple

from esskit.analysis import LANGUAGES, fold, stem, stop_words, words
from esskit.i18n import _
from esskit.models import GlossaryEntry, Sheet, named_number

MAX_QUERY_CHARACTERS = 300
MAX_QUERY_WORDS = 30
"""A query longer than this is refused: a question fits well within it."""


class Field(StrEnum):
    """Which part of a sheet a match was found in."""

    TITLE = "title"
    KEYWORDS = "keywords"
    RELATED = "related"
    GLOSSARY = "glossary"
    SUMMARY = "summary"
    NUMBER = "number"


class Tier(IntEnum):
    """How a result matched, best first; results rank by tier, then as `rank` says."""

    NUMBER = 0
    """The query names the sheet (`7`, `fiche 7`, `n°7`)."""
    PHRASE = 1
    """A title, keyword or glossary entry holds the query's words, in order."""
    WORDS = 2
    """The sheet holds words of the query that mean something there."""


class FieldSpec(NamedTuple):
    """A searched field: where its texts come from, its kind and language, its weight in a
    score, how much its length weakens what it holds (BM25F's b), and the words it typically
    holds (the length it is weighed against)."""

    source: str
    kind: Field
    lang: str
    weight: float
    length_effect: float
    typical: float


FIELDS = (
    FieldSpec("title_fr", Field.TITLE, "fr", 3.0, 0.5, 8),
    FieldSpec("title_en", Field.TITLE, "en", 3.0, 0.5, 8),
    *(FieldSpec(f"keywords_{lang}", Field.KEYWORDS, lang, 2.0, 0.2, 90) for lang in LANGUAGES),
    FieldSpec("related_fr", Field.RELATED, "fr", 1.0, 0.2, 20),
    FieldSpec("related_en", Field.RELATED, "en", 1.0, 0.2, 20),
    FieldSpec("glossary_fr", Field.GLOSSARY, "fr", 2.0, 0.2, 20),
    FieldSpec("glossary_en", Field.GLOSSARY, "en", 2.0, 0.2, 20),
    FieldSpec("summary_fr", Field.SUMMARY, "fr", 0.6, 0.75, 60),
)
"""Every field searched. Keywords and glossary entries are lists, and a long list is no sign of a
text that merely mentions a word: their length weighs little."""

SATURATION = 1.2
"""BM25's k1: how quickly more occurrences of a word stop adding to a score."""
TOGETHER = 1.0
"""Weight of the query's words that stand together in one title, keyword or glossary entry
(`trouver des locaux`), on top of BM25F, which counts words one by one."""
OWN = 1.0
"""What an acronym adds to its own sheet, the first its glossary entry leads to (`ESS`: the
sheet that says what the ESS is), however common the acronym."""
TITLED = 1.0
"""Weight of the query's words that a title holds: a title says what a sheet is about, and
BM25F's saturation would otherwise let a sheet that merely lists a word in its keywords score
as well (`SCIC`: the SCIC sheet, not the two that mention SCICs)."""

# How well a word of a sheet answers a word of the query, in hundredths.
EXACT = 100
SAME_STEM = 95
LONGER_WORD = 80
"""A word that starts with the query's word (`mobil` -> `mobilite`)."""
TYPO = 70
"""A word within a typo or two of the query's word (`vdlo` -> `velo`)."""
PART = 85
"""A word of the index that a compound of the query is made of (`repaircafe` -> `repair`,
`cafe`; `burgerbeteiligung` -> `beteiligung`)."""
SHORTEST_PART = 3
"""The fewest letters of a compound's part (`job` in `jobseekers`)."""
LINKING = ("s", "es", "n", "en", "e")
"""What German puts between the parts of a compound (`wirtschaft-s-forderung`)."""
SHORTEST_FUZZY = 4
"""Words shorter than this match only as themselves or their stem: no longer word, no typo."""

COMMON_SHARE = 0.25
"""A word that more than this share of the sheets hold is common (`commune`, `politique`,
`local`): it leads only to the sheets whose title holds it, and is no part of the query on its
own."""
COMMON_FLOOR = 5
"""However few the sheets searched (a category), a word that five of them hold or fewer is not
common."""

# Ways of writing the social and solidarity economy, folded; a query or a text that writes one
# of them means ESS. Longest first.
_ESS_PHRASES = (
    "economie sociale et solidaire",
    "social and solidarity economy",
    "economia social y solidaria",
    "economia sociale e solidale",
    "economia social e solidaria",
    "sozial und solidarwirtschaft",
    "economie sociale solidaire",
    "solidarische okonomie",
    "economie sociale",
    "economie solidaire",
    "social economy",
    "solidarity economy",
    "economia social",
    "economia solidaria",
    "economia sociale",
    "economia solidale",
    "sozialwirtschaft",
    "solidarwirtschaft",
)
_ESS_WORDS = frozenset({"ess", "sse"})
"""The acronyms: ESS in French, Spanish, Italian and Portuguese, SSE in English: each query for
one finds the other."""
_ESS_RE = re.compile(r"\b(?:" + "|".join(_ESS_PHRASES) + r")\b")
_WORD = re.compile(r"[^\W_]+")
_DOTTED = re.compile(r"(?<!\w)[^\W\d_](?:\.[^\W\d_])+\.?(?!\w)")


class Matched(NamedTuple):
    """What a sheet holds of the query: the field, its language (the language the query was read
    in there), the text, and a note on how the query was read (an acronym's expansion: `PAT →
    projet alimentaire territorial`; a word found in another form; words not in the kit)."""

    field: Field
    lang: str | None
    text: str
    note: str | None = None


class Match(NamedTuple):
    """One search result: the sheet, its score (0-100, higher first), its tier, the best of what
    it holds of the query (`matched`), all of it, best first (`matches`), and the character
    spans of the matching words of `title_fr` and `title_en` (`highlights`)."""

    sheet: Sheet
    score: float
    tier: Tier
    matched: Matched
    highlights: dict[str, tuple[tuple[int, int], ...]]
    matches: tuple[Matched, ...] = ()
    not_in_kit: tuple[str, ...] = ()
    """Words of the query that nothing in the catalogue answers: they were left out."""


class QueryError(ValueError):
    """A query that cannot be searched for."""


class EmptyQuery(QueryError):
    """The query has nothing to search for (empty, or only punctuation, common words or lone
    letters)."""


class QueryTooLong(QueryError):
    """The query is longer than any search needs."""


# ----------------------------------------------------------------------------- the analyzer


def merge_ess(folded: str) -> str:
    """Folded text with each way of writing ESS out as the word `ess`."""
    if "econom" in folded or "okonom" in folded or "solidar" in folded or "sozial" in folded:
        return _ESS_RE.sub("ess", folded)
    return folded


def terms_of(text: str) -> list[str]:
    """The words of a text that are searched: folded, ESS as one word, no stop words, no lone
    letters (a lone digit stays)."""
    stop = stop_words()
    return [
        word
        for word in merge_ess(fold(text)).split()
        if word not in stop and (len(word) > 1 or word.isdigit())
    ]


# ----------------------------------------------------------------------------- the index


Value = str | tuple[str, ...] | None
"""A sheet's value in a field: a text (a title, a summary), a list of them (keywords), or none."""


class FieldIndex:
    """One field of every sheet: each sheet's value there, which sheets hold each value, and
    each value's length in searched words.

    A value is named by the position of the first sheet that holds it (`of_sheet[position]`);
    sheets often share a value (the same keywords), and each is read once."""

    def __init__(self, values: list[Value]) -> None:
        self.values = values
        """Each sheet's value, by position, as the sheet holds it (`items` reads it)."""
        first: dict[Value, int] = {}  # setdefault keeps the position a value is first seen at
        self.of_sheet = array("I", map(first.setdefault, values, count()))
        self.shared: dict[int, list[int]] = {}
        """The holders of each value that several sheets hold, in order (the empty value
        aside: it holds no word, and its holders are never asked for)."""
        later = map(ne, self.of_sheet, count())  # a sheet holding a value seen before
        for position in compress(count(), later):
            value = self.of_sheet[position]
            if values[value]:
                self.shared.setdefault(value, [value]).append(position)
        self.lengths = array("I", bytes(4 * len(values)))

    @classmethod
    def empty(cls, of_sheet: array[int]) -> FieldIndex:
        """A field that no sheet fills: one empty value, held by every sheet (`of_sheet`, all
        zeros, may be shared by such fields: it is only read)."""
        field = cls([()])
        field.of_sheet = of_sheet
        return field

    def distinct(self) -> Iterator[int]:
        """The values that hold items, each once."""
        values = self.values
        for value in compress(count(), map(eq, self.of_sheet, count())):
            if values[value]:
                yield value

    def items(self, value: int) -> tuple[str, ...]:
        """The items of a value: its texts."""
        held = self.values[value]
        if held is None:
            return ()
        return (held,) if isinstance(held, str) else held

    def holders(self, value: int) -> Sequence[int]:
        """The positions of the sheets that hold a value, in order."""
        return self.shared.get(value) or (value,)


# A posting packs where a word stands and how often in one int: its field, the value of that
# field, the item of the value (which keyword), and the times the item holds the word (at most
# 255: BM25 has long stopped counting them by then). Without its count, a posting is the key of
# an item; without its item too, the key of a field value: what a query finds is kept by these
# keys, which cost less than tuples.
_PART_BITS, _VALUE_BITS, _COUNT_BITS = 24, 24, 8
_MOST_PARTS, _MOST_VALUES = 1 << _PART_BITS, 1 << _VALUE_BITS
_FIELD_SHIFT = _VALUE_BITS + _PART_BITS
"""An item's key shifted by this many bits is its field."""


def _item(at: int, value: int, part: int) -> int:
    """The key of one item of a field's value."""
    return (at << _VALUE_BITS | value) << _PART_BITS | part


def _where(item: int) -> tuple[int, int, int]:
    """(field, value, part) of an item's key."""
    part = item & (_MOST_PARTS - 1)
    item >>= _PART_BITS
    return item >> _VALUE_BITS, item & (_MOST_VALUES - 1), part


def _field_value(key: int) -> tuple[int, int]:
    """(field, value) of a field value's key (an item's key without its part)."""
    return key >> _VALUE_BITS, key & (_MOST_VALUES - 1)


def _post(postings: dict[str, list[int]], words: Iterable[str], posting: int) -> None:
    """One posting added to the postings of each of these words."""
    for word in words:
        listed = postings.get(word)
        if listed is None:
            postings[word] = [posting]
        else:
            listed.append(posting)


class Index:
    """The inverted index of some sheets and the glossary entries that lead to them: each
    searched word -> its postings (field, value, item, count), built once for a catalogue."""

    def __init__(self, sheets: Sequence[Sheet], glossary: Sequence[GlossaryEntry] = ()) -> None:
        self.sheets = tuple(sheets)
        self.glossary = tuple(glossary)
        if len(self.sheets) >= _MOST_VALUES:
            raise ValueError("too many sheets to index")
        self.entries: dict[int, list[GlossaryEntry]] = {}
        """The glossary entries that lead to each sheet number, in the glossary's order."""
        for entry in glossary:
            for number in dict.fromkeys(entry.sheets):
                self.entries.setdefault(number, []).append(entry)
        self.postings: dict[str, list[int]] = {}
        self._nowhere = array("I", bytes(4 * len(self.sheets)))
        self.fields = [self._field(at, spec) for at, spec in enumerate(FIELDS)]

    def _field(self, at: int, spec: FieldSpec) -> FieldIndex:
        """One field's index, its postings added (a field that no sheet fills costs nothing)."""
        values = self._values(spec)
        if values is None:
            return FieldIndex.empty(self._nowhere)
        field = FieldIndex(values)
        self._add(at, field)
        return field

    def _values(self, spec: FieldSpec) -> list[Value] | None:
        """Each sheet's items in a field, in the order of the sheets (None: no sheet has any)."""
        if spec.kind is Field.GLOSSARY:
            if not self.entries:
                return None
            english = spec.lang == "en"
            by_number = {
                number: tuple((e.en or "") if english else e.fr for e in entries)
                for number, entries in self.entries.items()
            }
            return [by_number.get(sheet.number, ()) for sheet in self.sheets]
        given = list(map(attrgetter(spec.source), self.sheets))
        return given if any(given) else None

    def _add(self, at: int, field: FieldIndex) -> None:
        """The postings and lengths of one field's distinct values."""
        postings = self.postings
        for value in field.distinct():
            items = field.items(value)
            if len(items) >= _MOST_PARTS:
                raise ValueError("too many items in one field of a sheet to index")
            length = 0
            for part, text in enumerate(items):
                found = terms_of(text)
                length += len(found)
                posting = _item(at, value, part) << _COUNT_BITS
                if len(set(found)) == len(found):
                    _post(postings, found, posting | 1)
                else:  # a word said twice: counted
                    for word, times in Counter(found).items():
                        _post(postings, (word,), posting | min(times, 255))
            field.lengths[value] = length

    @cached_property
    def vocabulary(self) -> list[str]:
        """The index's words, sorted: where prefixes and typos are looked for."""
        return sorted(self.postings)

    def starting(self, prefix: str) -> Iterator[str]:
        """The index's words that start with `prefix`, in order."""
        vocabulary = self.vocabulary
        for at in range(bisect_left(vocabulary, prefix), len(vocabulary)):
            if not vocabulary[at].startswith(prefix):
                return
            yield vocabulary[at]

    @cached_property
    def entry_parts(self) -> dict[int, dict[GlossaryEntry, int]]:
        """Where each glossary entry stands among those that lead to a sheet number."""
        return {
            number: {entry: part for part, entry in reversed(list(enumerate(entries)))}
            for number, entries in self.entries.items()
        }

    @cached_property
    def acronyms(self) -> frozenset[str]:
        """The glossary's terms, folded."""
        return frozenset(" ".join(words(entry.term)) for entry in self.glossary)

    @cached_property
    def positions(self) -> dict[int, list[int]]:
        """Where each sheet number stands in the searched sequence."""
        found: dict[int, list[int]] = {}
        for position, sheet in enumerate(self.sheets):
            found.setdefault(sheet.number, []).append(position)
        return found

    def text(self, at: int, value: int, part: int) -> str:
        """The text of one item of a field's value."""
        return self.fields[at].items(value)[part]

    def holds(self, sheets: Sequence[Sheet], glossary: Sequence[GlossaryEntry]) -> bool:
        """Whether this is the index of these very sheets and glossary."""
        return (
            len(sheets) == len(self.sheets)
            and all(map(lambda a, b: a is b, sheets, self.sheets))
            and tuple(glossary) == self.glossary
        )


_last_index: Index | None = None


def index_for(sheets: Sequence[Sheet], glossary: Sequence[GlossaryEntry] = ()) -> Index:
    """The index of these sheets and glossary, built once for them (a command that finds
    nothing searches again for suggestions)."""
    global _last_index
    cached = _last_index
    if cached is None or not cached.holds(sheets, glossary):
        cached = _last_index = Index(sheets, glossary)
    return cached


# ----------------------------------------------------------------------------- 1. parse


class Term(NamedTuple):
    """One word of the query as it is searched for."""

    word: str
    """The folded word (`velo`); `ess` for any way of writing ESS out."""
    typed: str
    """The word as the query gives it, for messages."""
    entries: tuple[GlossaryEntry, ...] = ()
    """The glossary entries this word is the acronym of."""
    asked: bool = False
    """A word the way the query asks calls for (`definition` for `qu'est-ce que`): it adds to a
    score, but anchors no sheet and is no part of the query."""

    @property
    def exact_only(self) -> bool:
        """No longer word and no typo answers an acronym, a number, ESS or a word of three
        letters or fewer (a short word may still answer through its stem)."""
        return (
            bool(self.entries)
            or len(self.word) < SHORTEST_FUZZY
            or self.word.isdigit()
            or self.word in _ESS_WORDS
        )


class Query(NamedTuple):
    """A parsed query: its terms, and its words in order (stop words included) for phrases."""

    terms: tuple[Term, ...]
    phrase: tuple[str, ...]
    loose: bool = False


def _acronyms(
    typed_words: Sequence[str], glossary: Sequence[GlossaryEntry]
) -> dict[str, tuple[GlossaryEntry, ...]]:
    """The query's acronyms, folded, with their glossary entries: a term of several words
    (`ESS France`) when its words stand together in the query (an entry that asks for its
    capitals is found only when typed with them)."""
    by_term: dict[str, list[GlossaryEntry]] = {}
    for entry in glossary:
        by_term.setdefault(" ".join(words(entry.term)), []).append(entry)
    sizes = {len(term.split()) for term in by_term} | {1}
    found: dict[str, tuple[GlossaryEntry, ...]] = {}
    for size in sorted(sizes):
        for start in range(len(typed_words) - size + 1):
            typed = " ".join(typed_words[start : start + size])
            entries = tuple(
                entry
                for entry in by_term.get(" ".join(words(typed)), ())
                if not entry.case_sensitive or typed == entry.term
            )
            if entries:
                found[" ".join(words(typed))] = entries
    return found


def _join_acronyms(phrase: str, acronyms: dict[str, tuple[GlossaryEntry, ...]]) -> str:
    """Folded text with each acronym of several words as one word (`ess france` ->
    `essfrance`), longest first, so that it is one term, found through its glossary entry."""
    padded = f" {phrase} "
    for several in sorted((a for a in acronyms if " " in a), key=len, reverse=True):
        padded = padded.replace(f" {several} ", f" {several.replace(' ', '')} ")
    return padded.strip()


ASKED = {
    "definition": (
        "qu est ce que", "qu est ce qu", "c est quoi", "what is", "what are", "que es",
        "que son", "cos e", "che cos e", "o que e", "o que sao", "was ist", "was sind",
    ),
    "arguments": ("pourquoi", "why", "por que", "perche", "warum", "para que"),
}  # fmt: skip
"""The words a way of asking calls for: a question of what something is asks for a
definition, one of why, for the arguments."""


def _asked(folded: str) -> list[str]:
    """The words the query's way of asking calls for."""
    padded = f" {folded} "
    return [word for word, asks in ASKED.items() if any(f" {a} " in padded for a in asks)]


@cache
def _spelled(entry: GlossaryEntry) -> tuple[str, ...]:
    """An entry's expansions as folded words, when they are two words or more (or ESS)."""
    spelled = (" ".join(merge_ess(fold(name)).split()) for name in (entry.fr, entry.en) if name)
    return tuple(name for name in spelled if " " in name or name in _ESS_WORDS)


def _spelled_out(folded: str, glossary: Sequence[GlossaryEntry]) -> dict[str, list[GlossaryEntry]]:
    """The acronyms whose expansion the query writes out (`société coopérative d'intérêt
    collectif` is SCIC), folded, with their entries."""
    padded = f" {folded} "
    found: dict[str, list[GlossaryEntry]] = {}
    for entry in glossary:
        if any(f" {name} " in padded for name in _spelled(entry)):
            found.setdefault("".join(words(entry.term)), []).append(entry)
    return found


def parse(text: str, glossary: Sequence[GlossaryEntry] = (), *, loose: bool = False) -> Query:
    """The query's terms, or QueryError when there is nothing to search for, or far too much."""
    if len(text) > MAX_QUERY_CHARACTERS:
        raise QueryTooLong(
            _("the query is {count} characters long: give at most {most}").format(
                count=len(text), most=MAX_QUERY_CHARACTERS
            )
        )
    text = _DOTTED.sub(lambda dotted: dotted.group().replace(".", ""), text)  # P.A.T. is PAT
    typed_words = _WORD.findall(text)
    if not typed_words:
        raise EmptyQuery(
            _("the query is empty: give a word of a title, a subject or a sheet number")
        )
    if len(typed_words) > MAX_QUERY_WORDS:
        raise QueryTooLong(
            _("the query has {count} words: give at most {most}").format(
                count=len(typed_words), most=MAX_QUERY_WORDS
            )
        )
    acronyms = _acronyms(typed_words, glossary)
    folded = _join_acronyms(" ".join(merge_ess(fold(text)).split()), acronyms)
    acronyms |= {several.replace(" ", ""): entries for several, entries in acronyms.items()}
    phrase = tuple(w for w in folded.split() if len(w) > 1 or w.isdigit())
    typed_as = {" ".join(words(w)): w for w in typed_words}
    stop = stop_words()
    terms: dict[str, Term] = {}
    spelled = _spelled_out(folded, glossary)
    for word, entries in spelled.items():
        acronyms.setdefault(word, tuple(entries))
    for word in phrase:
        if word in acronyms:
            terms.setdefault(word, Term(word, acronyms[word][0].term, acronyms[word]))
        elif word not in stop:
            terms.setdefault(word, Term(word, typed_as.get(word, word)))
    for word, entries in spelled.items():
        terms.setdefault(word, Term(word, entries[0].term, tuple(entries)))
    if not terms:
        raise EmptyQuery(
            _(
                "the query has only common words (such as 'de', 'the') or lone letters: "
                "give a word of a title, a subject or a sheet number"
            )
        )
    for word in _asked(folded):
        terms.setdefault(word, Term(word, word, asked=True))
    return Query(tuple(terms.values()), phrase, loose)


# ----------------------------------------------------------------------------- 2. look up


class Reader:
    """How the words of the index answer one query term, in each field's language.

    A word answers when it is the term (or, for ESS, SSE); for a term that is not an acronym or
    a number, when it has the same Snowball stem in the field's language; for a term of four
    letters or more, when it starts with the term (`mobil` -> `mobilite`), or is one of its
    typos. Every word that answers starts with `prefix` (the term and its stems' common
    beginning: Snowball changes only endings) or is a typo."""

    def __init__(self, term: Term) -> None:
        self.term = term
        self.typos: frozenset[str] = frozenset()
        self.parts: tuple[str, ...] = ()

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
            if stem(word, lang) == stem(term.word, lang) and _inflected(word, term.word):
                return SAME_STEM
            if not term.exact_only and word.startswith(term.word):
                return LONGER_WORD
        if word in self.parts:
            return PART
        return TYPO if word in self.typos else None

    def candidates(self, index: Index) -> Iterator[str]:
        """The index's words that may answer the term, a typo aside."""
        if self.term.word in _ESS_WORDS:
            yield from sorted(_ESS_WORDS)
        else:
            yield from index.starting(self.prefix)


INFLECTION = 3
"""Most letters in which two words sharing a stem may differ after their common beginning:
Snowball stems derived words alike (`municipale`, `municipalisme`; `procuration` and
`procurement` in English), and only an inflection (`cantines`, `mobilités`) says the same."""


def _inflected(word: str, other: str) -> bool:
    """Whether two words of the same stem differ only as forms of one word do."""
    start = len(commonprefix([word, other]))
    return max(len(word), len(other)) - start <= INFLECTION


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


def compound_parts(index: Index, word: str) -> tuple[str, ...]:
    """The words of the index a compound of the query is made of, when the compound itself is
    not there: both parts, each a word of the index (`repaircafe` -> `repair`, `cafe`; German
    links them with `s`, `n`, `en`: `burgerhaushalts` ...), else its head, the last part, when a
    German field holds it (`burgerbeteiligung` -> `beteiligung`: a Bürgerbeteiligung is a
    Beteiligung). The longest head first; () for a word that is no such compound."""
    postings = index.postings
    for cut in range(SHORTEST_PART, len(word) - SHORTEST_FUZZY + 1):
        head, modifier = word[cut:], word[:cut]
        if head not in postings:
            continue
        for link in ("", *LINKING):
            first = modifier[: len(modifier) - len(link)]
            if modifier.endswith(link) and len(first) >= SHORTEST_PART and first in postings:
                return tuple(dict.fromkeys((first, head)))  # `velovelo`: one word
        if any(
            FIELDS[posting >> _COUNT_BITS >> _FIELD_SHIFT].lang == "de"
            for posting in postings[head]
        ):
            return (head,)
    return ()


def _spellable(index: Index, first: str) -> list[str]:
    """The index's words that a typo of a word starting with `first` may stand for: those that
    start with the same letter, three letters or more, no numbers and no acronyms (`etat` is
    not a typo of `ESAT`)."""
    acronyms = index.acronyms
    return [
        w
        for w in index.starting(first)
        if len(w) >= SHORTEST_FUZZY - 1 and not w.isdigit() and w not in acronyms
    ]


# ----------------------------------------------------------------------------- 3. gather


class Evidence:
    """What the index holds of the query, per term, field value by field value (a value read
    once however many sheets hold it): the summed quality of its words in each field value, the
    values where a whole word answers it (the term, a stem or a typo: not a longer word it only
    starts), the best quality of its words in each item, and the words that answered it."""

    def __init__(self, query: Query) -> None:
        self.query = query
        self.readers = [Reader(term) for term in query.terms]
        self.values: list[dict[int, float]] = [{} for _ in query.terms]
        """Per term, per field value (`_field_value`): its words' qualities times their counts,
        summed."""
        self.whole: list[set[int]] = [set() for _ in query.terms]
        """Per term, the field values where a whole word answers it."""
        self.items: list[dict[int, int]] = [{} for _ in query.terms]
        """Per term, per item (`_where`): the best quality of its words there."""
        self.answers: list[dict[str, dict[str, int]]] = [{} for _ in query.terms]
        """Per term, per language, the words that answer it and how well."""

    def add(self, index: Index, position: int, answering: Iterable[str]) -> bool:
        """Gather the postings of the words that may answer one term; whether any did."""
        reader = self.readers[position]
        found, whole, items = self.values[position], self.whole[position], self.items[position]
        answers = self.answers[position]
        for word in answering:
            verdicts: dict[str, int | None] = {}
            field, quality = -1, None
            for posting in index.postings.get(word, ()):
                item = posting >> _COUNT_BITS
                value = item >> _PART_BITS
                if value >> _VALUE_BITS != field:  # postings come field by field
                    field = value >> _VALUE_BITS
                    lang = FIELDS[field].lang
                    if lang not in verdicts:
                        verdicts[lang] = quality = reader.quality(word, lang)
                        if quality is not None:
                            answers.setdefault(lang, {})[word] = quality
                    quality = verdicts[lang]
                if quality is None:
                    continue
                found[value] = found.get(value, 0.0) + quality * (posting & 0xFF)
                if quality != LONGER_WORD:
                    whole.add(value)
                if items.get(item, 0) < quality:
                    items[item] = quality
        return bool(found)

    def add_acronym(self, index: Index, position: int) -> None:
        """An acronym answers itself in the glossary field of the sheets its entries lead to."""
        term = self.query.terms[position]
        at = next(i for i, spec in enumerate(FIELDS) if spec.kind is Field.GLOSSARY)
        field = index.fields[at]
        found, items = self.values[position], self.items[position]
        self.answers[position].setdefault("fr", {})[term.word] = EXACT
        for entry in term.entries:
            for number in dict.fromkeys(entry.sheets):
                part = index.entry_parts.get(number, {}).get(entry)
                if part is None:
                    continue
                for sheet in index.positions.get(number, ()):
                    item = _item(at, field.of_sheet[sheet], part)
                    value = item >> _PART_BITS
                    found[value] = found.get(value, 0.0) + EXACT
                    self.whole[position].add(value)
                    items[item] = EXACT

    def held(self, item: int) -> dict[int, int]:
        """The terms an item holds (by their position in the query, in order), and how well."""
        return {position: items[item] for position, items in enumerate(self.items) if item in items}

    def every_item(self) -> Iterator[int]:
        """Every item that holds a term of the query, once, in the order found."""
        yield from self.items[0] if self.items else ()
        for position, items in enumerate(self.items[1:], 1):
            earlier = self.items[:position]
            for item in items:
                if not any(item in other for other in earlier):
                    yield item


def gather(index: Index, query: Query) -> Evidence:
    """Stage 2 and 3: every field value holding a word that answers a term of the query. A term
    that nothing answers is read as a typo (every term, when loose); an acronym answers itself in
    the glossary field of the sheets its entries lead to."""
    evidence = Evidence(query)
    for position, reader in enumerate(evidence.readers):
        term = reader.term
        found = evidence.add(index, position, reader.candidates(index))
        if not term.exact_only and (query.loose or not found):
            reader.typos = typos(term.word, _spellable(index, term.word[0]), query.loose)
            found = evidence.add(index, position, sorted(reader.typos))
        if not term.exact_only and not found:
            reader.parts = compound_parts(index, term.word)
            evidence.add(index, position, reader.parts)
        if term.entries:
            evidence.add_acronym(index, position)
    return evidence


# ----------------------------------------------------------------------------- 4. score

STRONG, IN_TITLE, NEAR, SUBJECT, MENTIONED = 1, 2, 4, 8, 16
"""What a term's words are in a sheet: a whole word (the term, a stem, a typo) in its title,
keywords or glossary entries; the same in its title; a whole item of its related words; its
title, or a whole keyword or glossary entry (the sheet holds the term as a subject); a whole
word anywhere in its French or English text, its summary included."""

_LEADS = frozenset({Field.TITLE, Field.KEYWORDS, Field.GLOSSARY})
"""The fields whose words say what a sheet is about (a summary mentions, related words are
near)."""
_WHOLE_FLAGS = [
    (MENTIONED if spec.lang in ("fr", "en") else 0)
    | (STRONG | IN_TITLE | SUBJECT if spec.kind is Field.TITLE else 0)
    for spec in FIELDS
]
"""What a whole word of each field is to its sheets before `Scores._lead_items` looks at the
items: mentioned in French or English, a subject in a title."""


def _one_after_another(positions: Sequence[int]) -> bool:
    """Whether several terms follow one another in the query (its stop words aside)."""
    return len(positions) > 1 and max(positions) - min(positions) == len(positions) - 1


def _rarity(holders: int, total: int) -> float:
    """BM25's inverse document frequency: a word that few sheets hold counts for more."""
    return math.log(1 + (total - holders + 0.5) / (holders + 0.5))


class Scores:
    """Stage 4 and 5: for each sheet that holds a word of the query, its BM25F score by part of
    the query, what anchors it, and its tier.

    Per term, a frequency and a byte of flags for every sheet, in arrays: a broad query
    reaches most sheets, and a float and a byte each cost less than a dictionary's entry."""

    def __init__(self, index: Index, evidence: Evidence) -> None:
        self.index = index
        self.evidence = evidence
        terms = evidence.query.terms
        total = len(index.sheets)
        nothing = array("d", bytes(8 * total))  # shared by the terms that nothing answers
        self.freq = [array("d", nothing) if found else nothing for found in evidence.values]
        self.flags = [bytearray(total) for _ in terms]
        for position in range(len(terms)):
            self._spread(position)
        # How many sheets hold each term: a frequency is never 0 where a term is held.
        held = [total - freq.count(0.0) for freq in self.freq]
        self.known = [bool(n) or term.asked for n, term in zip(held, terms, strict=True)]
        self.named_together = False
        """Whether a keyword or glossary entry of several words stands whole in the query, its
        words one after another (`high street`, `vitrines vides`): the query then names a
        subject of the kit."""
        self._lead_items()
        self.rarity = [_rarity(n, total) for n in held]
        self.common = [
            not term.entries and n > max(COMMON_SHARE * total, COMMON_FLOOR)
            for term, n in zip(terms, held, strict=True)
        ]
        self.outside = self._outside()
        self.own = [
            {sheet for e in term.entries for sheet in index.positions.get(e.sheets[0], ())}
            for term in terms
        ]
        """Per acronym, its own sheets: the first each of its entries leads to."""
        self.parts = self._parts()
        in_parts = {i for part in self.parts for i in part}
        self.rest = [i for i in range(len(terms)) if i not in in_parts]
        """The terms in no part: the common words (and those the kit does not know)."""

    def _outside(self) -> bool:
        """Whether the query holds as many words the kit does not know as any sheet holds words
        of it, and names none of its subjects in several words: its subject is then elsewhere,
        and the kit's words in it are incidental (`destruction d'un nid de frelons asiatiques`,
        `concession au cimetière`). Not for a query read only in Spanish, Italian, Portuguese
        or German, one of its words as the kit writes it there: the kit holds the field's words
        in those languages, not their everyday words, which are then no sign of another subject
        (`Wirkungsmessung sozialer Projekte`; but `nid` in `nid de frelons` is French, only
        stemmed like the Italian `nido`)."""
        unknown = self.known.count(False)
        if not unknown or self.named_together:
            return False
        answers = [words for term in self.evidence.answers for words in term.items()]
        abroad = all(lang not in ("fr", "en") for lang, _ in answers) and any(
            EXACT in words.values() for _, words in answers
        )
        guessed = self._guessed()
        return not abroad and unknown + len(guessed) >= self._most_held(guessed)

    def _guessed(self) -> set[int]:
        """The terms the kit holds only as typos or as other words of their stem that change
        their ending (`policier`, `policy`), not only add to it (`habitats`, `habitat`): beside a
        word the kit does not know, such a word is as likely of another subject (`inondation` is
        not `innovation`) as a misspelled one."""

        def guessed(term: str, word: str, quality: int) -> bool:
            changed = not (word.startswith(term) or term.startswith(word))
            return quality == TYPO or (quality == SAME_STEM and changed)

        terms = self.evidence.query.terms
        return {
            position
            for position, answers in enumerate(self.evidence.answers)
            if answers
            and all(
                guessed(terms[position].word, word, quality)
                for words in answers.values()
                for word, quality in words.items()
            )
        }

    def _spread(self, position: int) -> None:
        """One term's field values, their BM25F frequencies given to the sheets that hold them;
        a whole word of a title anchors them (`_lead_items` looks at the other fields)."""
        freq, flags = self.freq[position], self.flags[position]
        whole_in, fields = self.evidence.whole[position], self.index.fields
        for key, summed in self.evidence.values[position].items():
            at, value = _field_value(key)
            spec = FIELDS[at]
            effect = spec.length_effect
            norm = 1 - effect + effect * fields[at].lengths[value] / spec.typical
            partial = spec.weight * summed / EXACT / norm
            flag = _WHOLE_FLAGS[at] if key in whole_in else 0
            for sheet in fields[at].holders(value):
                freq[sheet] += partial
                flags[sheet] |= flag

    def _lead_items(self) -> None:
        """The keywords, glossary entries and related words that anchor their sheets: an item
        holding a whole word of the query, in French or English; in another language, or among
        the related words (`permis de construire`, near a subject), an item whose every word
        answers the query. When the query holds words that are not in the kit, only such whole
        items do: `permis de chasse` must not lead to `permis de conduire`. An acronym anchors
        the sheets its glossary entries lead to."""
        evidence = self.evidence
        unknown = not all(self.known)
        terms = evidence.query.terms
        for item in evidence.every_item():
            spec = FIELDS[item >> _FIELD_SHIFT]
            if spec.kind in (Field.TITLE, Field.SUMMARY):
                continue
            at, value, part = _where(item)
            named = [i for i, quality in evidence.held(item).items() if quality != LONGER_WORD]
            if spec.kind is Field.GLOSSARY:
                acronyms = [i for i in named if terms[i].entries]
                self._flag(at, value, acronyms, STRONG | SUBJECT)
            whole = self._whole(at, value, part, named)
            if whole and spec.kind is not Field.RELATED and _one_after_another(named):
                self.named_together = True
            if whole:
                self._flag(at, value, named, NEAR if spec.kind is Field.RELATED else SUBJECT)
            whole_only = spec.kind is Field.RELATED or spec.lang not in ("fr", "en") or unknown
            if whole or not whole_only:
                self._flag(at, value, named, NEAR if spec.kind is Field.RELATED else STRONG)

    def _whole(self, at: int, value: int, part: int, named: Sequence[int]) -> bool:
        """Whether every searched word of an item answers one of these terms."""
        lang = FIELDS[at].lang
        said = set(terms_of(self.index.text(at, value, part)))
        answered = {
            word
            for position in named
            for word, quality in self.evidence.answers[position].get(lang, {}).items()
            if quality != LONGER_WORD
        }
        return bool(said) and said <= answered

    def _flag(self, at: int, value: int, positions: Iterable[int], flag: int) -> None:
        for position in positions:
            flags = self.flags[position]
            for sheet in self.index.fields[at].holders(value):
                flags[sheet] |= flag

    def _most_held(self, leaving: set[int]) -> int:
        """The most words of the query that one sheet holds as whole words (the words a way of
        asking calls for aside, and those `leaving` out)."""
        held: Counter[int] = Counter()
        for position, flags in enumerate(self.flags):
            if not self.evidence.query.terms[position].asked and position not in leaving:
                held.update(_marked(flags, STRONG | MENTIONED))
        return max(held.values(), default=0)

    def _parts(self) -> list[list[int]]:
        """The parts of the query: its words that are neither common nor unknown, those that
        stand together in an item of the kit (`tiers lieu`) read as one part."""
        terms = self.evidence.query.terms
        specific = [
            i
            for i, known in enumerate(self.known)
            if known and not self.common[i] and not terms[i].asked
        ]
        group = {i: i for i in specific}

        def root(i: int) -> int:
            while group[i] != i:
                i = group[i]
            return i

        evidence = self.evidence
        for item in evidence.every_item() if len(specific) > 1 else ():
            if FIELDS[item >> _FIELD_SHIFT].kind is Field.SUMMARY:
                continue
            together = [i for i in evidence.held(item) if i in group]
            for other in together[1:]:
                group[root(other)] = root(together[0])
        parts: dict[int, list[int]] = {}
        for i in specific:
            parts.setdefault(root(i), []).append(i)
        return list(parts.values())

    def anchoring(self, position: int) -> int:
        """The flags by which a term means something in a sheet: a whole word in its title,
        keywords or glossary entries, unless the word is common (then only in its title), or a
        whole item of its related words. A word found only in a summary, or only as the start
        of a longer word, does not."""
        if self.evidence.query.terms[position].asked:
            return NEAR
        return NEAR | (IN_TITLE if self.common[position] else STRONG)

    def anchors(self, sheet: int, position: int) -> bool:
        """Whether a term means something in a sheet (see `anchoring`)."""
        return bool(self.flags[position][sheet] & self.anchoring(position))

    def results(self) -> Sequence[int]:
        """Stage 5: the sheets that some term of the query anchors, and, when there are some,
        the sheets that hold one of its specific words anywhere in their French or English
        text (a summary that names the subject), which rank below them as their scores do;
        only the anchored sheets are suggestions."""
        if self.outside:
            return []
        anchored = bytearray(len(self.index.sheets))
        for position, flags in enumerate(self.flags):
            for sheet in _marked(flags, self.anchoring(position)):
                anchored[sheet] = 1
        if self.evidence.query.loose:  # a suggestion holds every part of the query
            return [s for s in _marked(anchored) if all(self.holds(s, part) for part in self.parts)]
        if not any(anchored):
            return []
        for part in self.parts:
            for position in part:
                for sheet in _marked(self.flags[position], MENTIONED):
                    anchored[sheet] = 1
        return array("I", _marked(anchored))

    def holds(self, sheet: int, part: Sequence[int]) -> bool:
        """Whether every term of a part of the query anchors a sheet."""
        return all(self.anchors(sheet, position) for position in part)

    def bm25f(self, sheet: int, position: int) -> float:
        """One term's BM25F score in a sheet: its saturated frequency times its rarity."""
        frequency = self.freq[position][sheet]
        saturated = frequency * (SATURATION + 1) / (frequency + SATURATION)
        return self.rarity[position] * saturated

    @cached_property
    def together(self) -> dict[int, dict[int, float]]:
        """Per sheet, per part (-1: the common words), the rarities of the query's words that
        stand together in one title, keyword or glossary entry, at best."""
        part_of = {i: n for n, part in enumerate(self.parts) for i in part}
        found: dict[int, dict[int, float]] = {}
        if len(self.freq) < 2:
            return found  # one word never stands together with another
        for item in self.evidence.every_item():
            at, value, _ = _where(item)
            held = self.evidence.held(item)
            if len(held) < 2 or FIELDS[at].kind not in _LEADS:
                continue
            weight = sum(self.rarity[i] for i in held)
            part = next((part_of[i] for i in held if i in part_of), -1)
            for sheet in self.index.fields[at].holders(value):
                best = found.setdefault(sheet, {})
                best[part] = max(best.get(part, 0.0), weight)
        return found

    def _words(self, sheet: int, positions: Iterable[int]) -> float:
        """BM25F of some terms in a sheet, with the rarities of those its title holds, or whose
        acronym leads first to it (SCIC's own sheet)."""
        total = 0.0
        for i in positions:
            total += self.bm25f(sheet, i)
            if self.flags[i][sheet] & IN_TITLE:
                total += TITLED * self.rarity[i]
            if sheet in self.own[i]:
                total += OWN
        return total

    def by_part(self, sheet: int) -> list[float]:
        """A sheet's score for each part of the query, and last for its common words."""
        together = self.together.get(sheet, {})
        scores = [
            self._words(sheet, part) + TOGETHER * together.get(n, 0.0)
            for n, part in enumerate(self.parts)
        ]
        common = self._words(sheet, self.rest)
        return [*scores, common + TOGETHER * together.get(-1, 0.0)]

    def scaled(self, sheets: Sequence[int]) -> array[float]:
        """Each sheet's score, every subject of the query counting as much as the strongest: the
        scores of a part that some sheet holds as a subject (in its title, or as a whole keyword
        or glossary entry) are scaled so that its best such sheet scores what the strongest
        part's best does. A query joining two subjects then finds each subject's best sheets
        near the top, and the sheets that hold both above them; a word that only passes by in a
        longer keyword (`lutter`) is no subject, and is not raised."""
        # The sheets' scores by part (`by_part`), a column of floats for each part and the last
        # for the common words: an array costs less than a list for each sheet.
        columns = [array("d") for _ in range(len(self.parts) + 1)]
        for sheet in sheets:
            for column, score in zip(columns, self.by_part(sheet), strict=True):
                column.append(score)
        best = [
            max(
                (
                    scored
                    for sheet, scored in zip(sheets, columns[n], strict=True)
                    if any(self.flags[i][sheet] & SUBJECT for i in part)
                ),
                default=0.0,
            )
            for n, part in enumerate(self.parts)
        ]
        weights = [max(self.rarity[i] for i in part) for part in self.parts]
        strongest = max(range(len(best)), key=best.__getitem__, default=None)
        factors = [1.0] * len(best)
        if strongest is not None:
            top, weight = best[strongest], weights[strongest]
            for n, held in enumerate(best):
                if held > 0:
                    factors[n] = max(1.0, top * min(1.0, weights[n] / weight) / held)
        return array(
            "d",
            (
                sum(s * f for s, f in zip(scores, factors, strict=False)) + scores[-1]
                for scores in zip(*columns, strict=True)
            ),
        )


def _marked(flags: bytearray, mask: int = 0xFF) -> Iterator[int]:
    """The positions of the sheets whose flags hold one of `mask`'s, in order."""
    return compress(count(), map(and_, flags, repeat(mask)))


def _tiers(index: Index, evidence: Evidence) -> bytearray:
    """Which sheets are in the phrase tier: those with a title, keyword or glossary entry that
    holds the query's words in order (see `_in_order`)."""
    terms = evidence.query.terms
    needed = {i for i, term in enumerate(terms) if term.word not in _ESS_WORDS and not term.asked}
    several = len(evidence.query.phrase) > 1
    answers = {term.word: evidence.answers[i] for i, term in enumerate(terms)}
    tier = bytearray(len(index.sheets))
    found: set[int] = set()
    # An item that holds every needed term is among the items of any one of them.
    for item in evidence.items[min(needed)] if needed else evidence.every_item():
        if FIELDS[item >> _FIELD_SHIFT].kind not in _LEADS or item >> _PART_BITS in found:
            continue
        if needed and not needed <= evidence.held(item).keys():
            continue
        if several:  # one word is always in order
            if not _in_order(index, evidence.query.phrase, answers, item):
                continue
            found.add(item >> _PART_BITS)
        at, value, _ = _where(item)
        for sheet in index.fields[at].holders(value):
            tier[sheet] = 1
    return tier


def _in_order(
    index: Index, phrase: Sequence[str], by_word: dict[str, dict[str, dict[str, int]]], item: int
) -> bool:
    """Whether an item holds the query's words in order (its stop words too; a word that
    answers a term, `by_word`, stands for it)."""
    at, value, part = _where(item)
    lang = FIELDS[at].lang
    said = [
        w for w in merge_ess(fold(index.text(at, value, part))).split() if len(w) > 1 or w.isdigit()
    ]
    return any(
        all(
            said[start + i] == word or said[start + i] in by_word.get(word, {}).get(lang, {})
            for i, word in enumerate(phrase)
        )
        for start in range(len(said) - len(phrase) + 1)
    )


# ----------------------------------------------------------------------------- 6. rank

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


class Ranked(NamedTuple):
    """A result before it is explained: its shown score, tier and position in the sheets."""

    score: float
    tier: Tier
    sheet: int


def rank(index: Index, evidence: Evidence, scores: Scores, limit: int | None) -> list[Ranked]:
    """Stage 6: the anchored sheets, best first: tier, then score (every part of the query
    counting alike), then sheet number; only the first `limit` when given."""
    anchored = scores.results()
    if not anchored:
        return []
    scaled = scores.scaled(anchored)
    phrase = _tiers(index, evidence)

    def key(sheet: int, raw: float) -> tuple[Tier, float, int, int]:
        tier = Tier.PHRASE if phrase[sheet] else Tier.WORDS
        return tier, -shown_score(raw, tier), index.sheets[sheet].number, sheet

    keyed = map(key, anchored, scaled)
    best = sorted(keyed) if limit is None else heapq.nsmallest(limit, keyed)
    return [Ranked(-minus, tier, sheet) for tier, minus, _, sheet in best]


# ----------------------------------------------------------------------------- 7. explain


def _excerpt(text: str, wanted: set[str]) -> str:
    """The sentence of a summary that holds a wanted word (the first sentence otherwise)."""
    sentences = re.split(r"(?<=[.!?…])\s+", text.strip())
    for sentence in sentences:
        if not wanted.isdisjoint(merge_ess(fold(sentence)).split()):
            return sentence
    return sentences[0]


def _spans(text: str, wanted: set[str]) -> tuple[tuple[int, int], ...]:
    """Character spans of the words of `text` that answer the query (for highlighting), a way
    of writing ESS out (`Économie sociale et solidaire`) as one span."""
    words = [(found.start(), found.end(), fold(found.group())) for found in _WORD.finditer(text)]
    spans = [(start, end) for start, end, folded in words if not wanted.isdisjoint(folded.split())]
    if not wanted.isdisjoint(_ESS_WORDS):
        joined = " ".join(folded for _, _, folded in words)
        starts = list(accumulate((len(folded) + 1 for _, _, folded in words), initial=0))
        for found in _ESS_RE.finditer(joined):
            first = bisect_right(starts, found.start()) - 1
            last = bisect_right(starts, found.end() - 1) - 1
            spans.append((words[first][0], words[last][1]))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return tuple(merged)


def _expansion(entry: GlossaryEntry) -> str:
    """An acronym as the search read it, and what became of what it names: `ZRR → zone de
    revitalisation rurale (replaced by France Ruralités Revitalisation (FRR), 1 July 2024)`."""
    from esskit.formats import glossary_note

    note = glossary_note(entry)
    return f"{entry.term} → {entry.fr}" + (f" ({note})" if note else "")


class Explainer:
    """Stage 7: what each result holds of the query, and how the query was read."""

    def __init__(self, index: Index, evidence: Evidence, scores: Scores) -> None:
        self.index = index
        self.evidence = evidence
        self.scores = scores
        self.wanted = {
            word for answers in evidence.answers for found in answers.values() for word in found
        }
        terms = evidence.query.terms
        self.not_in_kit = tuple(
            term.typed for term, known in zip(terms, scores.known, strict=True) if not known
        )

    def _items(self, sheet: int) -> list[tuple[float, int, int, dict[int, int]]]:
        """The items of a sheet that hold words of the query, best first."""
        found = []
        for at, field in enumerate(self.index.fields):
            value = field.of_sheet[sheet]
            for part in range(len(field.items(value))):
                held = self.evidence.held(_item(at, value, part))
                if not held:
                    continue
                weight = FIELDS[at].weight * sum(
                    quality * self.scores.rarity[i] for i, quality in held.items()
                )
                found.append((weight, at, part, held))
        found.sort(key=lambda item: (-item[0], item[1], item[2]))
        return found

    def matches(self, sheet: int) -> tuple[Matched, ...]:
        """What the sheet holds of the query, best first: the best item, then each item that
        holds a word of the query the ones before it do not (five at most)."""
        field_of = self.index.fields
        chosen: list[Matched] = []
        covered: set[int] = set()
        for _weight, at, part, held in self._items(sheet):
            if chosen and held.keys() <= covered:
                continue
            covered |= held.keys()
            spec = FIELDS[at]
            text = self.index.text(at, field_of[at].of_sheet[sheet], part)
            if spec.kind is Field.SUMMARY:
                text = _excerpt(text, self.wanted)
            note = self._note(sheet, held, text, spec.lang)
            chosen.append(Matched(spec.kind, spec.lang, text, note))
            if len(chosen) == 5:
                break
        return tuple(chosen)

    def _note(self, sheet: int, held: dict[int, int], text: str, lang: str) -> str | None:
        """How the query's words were read in one item: an acronym as the expansion that leads
        to this sheet, and a word the item holds in another form as that form."""
        number = self.index.sheets[sheet].number
        said = merge_ess(fold(text)).split()
        notes = []
        for position in held:
            term = self.evidence.query.terms[position]
            notes += [_expansion(e) for e in term.entries if number in e.sheets]
            if term.entries or term.word in _ESS_WORDS:
                continue
            answers = self.evidence.answers[position].get(lang, {})
            forms = list(dict.fromkeys(w for w in said if w in answers))
            if forms and term.word not in forms:
                notes.append(f"{term.word} → {', '.join(forms[:3])}")
        return "; ".join(dict.fromkeys(notes)) or None

    def match(self, ranked: Ranked) -> Match:
        """A result, explained."""
        sheet = self.index.sheets[ranked.sheet]
        matches = self.matches(ranked.sheet)
        if self.not_in_kit:
            missing = _("not in the kit: {words}").format(words=", ".join(self.not_in_kit))
            best = matches[0]
            note = f"{best.note}; {missing}" if best.note else missing
            matches = (best._replace(note=note), *matches[1:])
        highlights = {
            key: _spans(title, self.wanted)
            for key, title in (("title_fr", sheet.title_fr), ("title_en", sheet.title_en))
            if title
        }
        return Match(
            sheet, ranked.score, ranked.tier, matches[0], highlights, matches, self.not_in_kit
        )


# ----------------------------------------------------------------------------- find


def _named(sheets: Sequence[Sheet], query: str) -> list[Match]:
    """The sheet a query such as `7`, `fiche 7` or `n°7` names, if there is one."""
    number = named_number(query[:MAX_QUERY_CHARACTERS])
    if number is None:
        return []
    matched = Matched(Field.NUMBER, None, str(number))
    return [
        Match(sheet, 100.0, Tier.NUMBER, matched, {}, (matched,))
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
) -> list[Match]:
    """The sheets that match `query`, best first, at most `limit` of them.

    Raises QueryError (EmptyQuery, QueryTooLong) when the query cannot be searched for. With
    `loose`, every word may be read as a typo, and a little more misspelt (see `typos`): the way
    to find "did you mean" sheets for a query that found nothing, and none for a subject the kit
    does not cover. `glossary` expands acronyms.
    """
    parsed = parse(query, glossary, loose=loose)
    if limit is not None and limit < 1:
        return []
    named = _named(sheets, query)
    if named:
        return named[:limit]
    index = index_for(sheets, glossary)
    evidence = gather(index, parsed)
    scores = Scores(index, evidence)
    explainer = Explainer(index, evidence, scores)
    return [explainer.match(ranked) for ranked in rank(index, evidence, scores, limit)]


def not_in_kit(
    sheets: Sequence[Sheet], query: str, glossary: Sequence[GlossaryEntry] = ()
) -> list[str]:
    """The words of a query that nothing in these sheets answers (they are left out of it)."""
    index = index_for(sheets, glossary)
    evidence = gather(index, parse(query, glossary))
    terms = evidence.query.terms
    return [term.typed for term, found in zip(terms, evidence.values, strict=True) if not found]


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
        raise EmptyQuery(_("the term is empty: give an acronym or a word of its expansion"))
    same = [entry for entry in glossary if " ".join(words(entry.term)) == wanted]
    if same:
        return same
    stop = stop_words()
    asked = [word for word in wanted.split() if word not in stop]
    if not asked:
        raise EmptyQuery(
            _("the term has only common words: give an acronym or a word of its expansion")
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
