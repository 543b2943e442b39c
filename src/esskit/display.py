"""Rich renderables for the terminal: tables of sheets and search results, a sheet's panel, the
kit's tree, the glossary. Nothing here prints or reads the environment; Rich is imported only by
the functions that build renderables."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from esskit.formats import (
    NO_TITLE,
    Lang,
    category_name,
    french_typography,
    glossary_note,
    heading,
    matched_label,
    newer_edition_label,
    score_text,
    some_keywords,
    titles_of,
    wording,
)
from esskit.i18n import _
from esskit.models import CONTROL, Category, GlossaryEntry, Sheet, UrlKind

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
    from rich.text import Text

    from esskit.search import Match

_UNSAFE = f"[{CONTROL}]"


def safe_text(value: str) -> Text:
    """Catalogue text as a Rich Text: never read as markup, control characters made visible."""
    from rich.text import Text

    return Text(re.sub(_UNSAFE, "\N{REPLACEMENT CHARACTER}", value))


def _title_cell(
    text: str | None, spans: Sequence[tuple[int, int]] = (), *, french: bool = False
) -> Text:
    from rich.text import Text

    if text is None:
        return Text(NO_TITLE, style="dim")
    cell = safe_text(french_typography(text) if french else text)
    for start, end in spans:
        cell.stylize("bold reverse", start, end)
    return cell


def _wrap(text: Text, width: int) -> Text:
    """The text broken into lines of at most `width` cells at ordinary spaces only. Rich breaks
    lines at any space, so that a title's narrow no-break space (`solidaire ?`) would leave the
    `?` alone on a line; breaking here, at the same length, keeps highlighted spans in place."""
    from rich.cells import cell_len

    chars = list(text.plain)
    line = 0
    start = 0
    for word in text.plain.split(" "):
        size = cell_len(word)
        if start == 0:
            line = size
        elif line and line + 1 + size > width:
            chars[start - 1] = "\n"
            line = size
        else:
            line += 1 + size
        start += len(word) + 1
    wrapped = text.copy()
    wrapped.plain = "".join(chars)
    return wrapped


MIN_TITLE_WIDTH = 20
"""Narrowest a title column gets: at a narrower terminal, other columns give way first."""


class _AtWidth:
    """A renderable built for the width it is drawn at (a table that gives way as the terminal
    narrows), so that what to show is decided here and not by reading the terminal."""

    def __init__(self, build: Callable[[int], RenderableType]) -> None:
        self.build = build

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield self.build(options.max_width)


def sheets_table(
    sheets: Sequence[Sheet],
    lang: Lang,
    matches: Sequence[Match] | None = None,
) -> RenderableType:
    """A table of sheets (or of search results, with their scores and highlighted words), its
    headings and category names in the display language. As the terminal narrows, the matched
    field loses its note, then the matched and score columns go, then both titles share one
    column, then the category goes, before a title column gets narrower than MIN_TITLE_WIDTH."""
    return _AtWidth(lambda width: _sheets_table(sheets, lang, matches, width))


class _Columns:
    """What a table of sheets shows at a width: the columns that fit, in the documented order of
    giving way (the matched note, the matched column, the score, one title column for both
    titles, the category), and how wide each title column may be."""

    def __init__(
        self,
        sheets: Sequence[Sheet],
        rows: Sequence[Match | None],
        lang: Lang,
        width: int,
        *,
        searched: bool,
    ) -> None:
        self.sheets, self.rows, self.lang = sheets, rows, lang
        self.score = self.matched = self.note = searched
        self.category = True
        self.stacked = False
        for step in ("note", "matched", "score", "stack", "category"):
            if self.needed() <= width:
                break
            if step == "stack":
                self.stacked = len(titles_of(lang)) > 1
            else:
                setattr(self, step, False)
        titles = 1 if self.stacked else len(titles_of(lang))
        # each title column's share of what the others leave (less than the minimum only when
        # the terminal is narrower than the number, the gaps and MIN_TITLE_WIDTH together)
        self.share = max(1, (width - self.needed()) // titles + MIN_TITLE_WIDTH)

    def matched_text(self, match: Match) -> str:
        m = match.matched
        return matched_label(m.field.value, m.lang, m.note if self.note else None)

    def needed(self) -> int:
        """The width of every column shown, the title columns at their narrowest."""
        from rich.cells import cell_len

        def widest(name: str, cells: Iterable[str]) -> int:
            return max([cell_len(heading(name)), *(cell_len(cell) for cell in cells)])

        found = [match for match in self.rows if match is not None]
        columns = [widest("number", [str(sheet.number) for sheet in self.sheets])]
        if self.score:
            columns.append(widest("score", [score_text(match.score) for match in found]))
        if self.category:
            columns.append(widest("category", [category_name(s.category) for s in self.sheets]))
        if self.matched:
            columns.append(widest("matched", [self.matched_text(match) for match in found]))
        titles = 1 if self.stacked else len(titles_of(self.lang))
        return sum(columns) + 2 * (len(columns) + titles - 1) + MIN_TITLE_WIDTH * titles

    def titles(self, sheet: Sheet, match: Match | None) -> list[list[Text]]:
        """A row's title cells: one column each, or both titles in one column, the English one
        dim; an English title standing for a French one unknown is marked `(en)`."""

        def spans(key: str) -> Sequence[tuple[int, int]]:
            return match.highlights.get(key, ()) if match is not None else ()

        cells: list[Text] = []
        for key in titles_of(self.lang):
            if key == "title_fr" and sheet.title_fr is None and self.stacked:
                continue  # the English title follows, marked
            if key == "title_fr" and sheet.title_fr is None and self.lang is Lang.FR:
                cell = _title_cell(sheet.title_en, spans("title_en"))
                cell.append(" (en)", style="dim")
            else:
                cell = _title_cell(getattr(sheet, key), spans(key), french=key == "title_fr")
            cells.append(cell)
        if not self.stacked:
            return [[cell] for cell in cells]
        if sheet.title_fr is None:
            cells[0].append(" (en)", style="dim")
        for other in cells[1:]:
            other.stylize("dim")
        return [cells]

    def headers(self) -> list[str]:
        if self.stacked:
            return [f"{heading('title_fr')} · {heading('title_en')}"]
        return [heading(key) for key in titles_of(self.lang)]


def _sheets_table(
    sheets: Sequence[Sheet],
    lang: Lang,
    matches: Sequence[Match] | None,
    width: int,
) -> RenderableType:
    from rich.cells import cell_len
    from rich.table import Table
    from rich.text import Text

    rows: list[Match | None] = list(matches) if matches is not None else [None] * len(sheets)
    shown = _Columns(sheets, rows, lang, width, searched=matches is not None)
    titles = [shown.titles(sheet, match) for sheet, match in zip(sheets, rows, strict=True)]
    headers = shown.headers()
    natural = [
        max([cell_len(header), *(cell_len(t.plain) for row in titles for t in row[i])])
        for i, header in enumerate(headers)
    ]
    sizes = _share(natural, shown.share * len(headers))

    table = Table(box=None, header_style="bold", pad_edge=False, expand=False)
    table.add_column(heading("number"), justify="right", no_wrap=True)
    if shown.score:
        table.add_column(heading("score"), justify="right", no_wrap=True)
    if shown.category:
        table.add_column(heading("category"), no_wrap=True)
    for header, size in zip(headers, sizes, strict=True):
        # exactly as wide as the titles are wrapped here: Rich has nothing left to squeeze
        table.add_column(header, width=size, overflow="fold")
    if shown.matched:
        table.add_column(heading("matched"), style="dim", no_wrap=True)
    for sheet, match, row in zip(sheets, rows, titles, strict=True):
        cells: list[RenderableType] = [str(sheet.number)]
        if shown.score and match is not None:
            cells.append(score_text(match.score))
        if shown.category:
            cells.append(category_name(sheet.category))
        for column, size in zip(row, sizes, strict=True):
            cells.append(Text("\n").join(_wrap(title, size) for title in column))
        if shown.matched and match is not None:
            cells.append(safe_text(shown.matched_text(match)))
        table.add_row(*cells)
    return table


def _share(natural: Sequence[int], total: int) -> list[int]:
    """Widths for columns that would like `natural` widths within `total`: a column that needs
    less than an even share keeps its own width and leaves the rest to the others."""
    sizes = [0] * len(natural)
    left = total
    for done, index in enumerate(sorted(range(len(natural)), key=natural.__getitem__)):
        sizes[index] = max(1, min(natural[index], left // (len(natural) - done)))
        left -= sizes[index]
    return sizes


def paragraphs(text: str) -> Text:
    """A text that may hold paragraph breaks, each line made safe on its own."""
    from rich.text import Text

    return Text("\n").join(safe_text(line) for line in text.splitlines())


def sheets_tree(sheets: Sequence[Sheet], kit_name: str, edition: int, lang: Lang) -> RenderableType:
    """The kit's structure: introduction, levers, thematic sheets; a long title wraps under
    itself, not under its number."""
    return _AtWidth(lambda width: _sheets_tree(sheets, kit_name, edition, lang, width))


def _sheets_tree(
    sheets: Sequence[Sheet], kit_name: str, edition: int, lang: Lang, width: int
) -> RenderableType:
    from rich.table import Table
    from rich.text import Text
    from rich.tree import Tree

    digits = max((len(str(sheet.number)) for sheet in sheets), default=1)
    room = max(1, width - 8 - digits - 2)  # the guides take 8 cells
    tree = Tree(Text(f"{kit_name} ({edition})", style="bold"))
    for category in Category:
        members = [sheet for sheet in sheets if sheet.category is category]
        if not members:
            continue
        branch = tree.add(Text(wording(category.value), style="bold"))
        for sheet in members:
            title = sheet.title_en if lang is Lang.EN else sheet.title
            label = safe_text(french_typography(title) if sheet.title_fr else title)
            if lang is not Lang.EN and sheet.title_fr is None:
                label.append(" (en)", style="dim")
            if lang is Lang.BOTH and sheet.title_fr:
                label.append_text(Text(" · ", style="dim"))
                label.append_text(safe_text(sheet.title_en).copy())
                label.stylize("dim", len(label) - len(sheet.title_en), len(label))
            row = Table.grid(padding=(0, 2))
            row.add_column(justify="right", no_wrap=True, min_width=digits)
            row.add_column(overflow="fold")
            row.add_row(str(sheet.number), _wrap(label, room))
            branch.add(row)
    return tree


def _link(url: str) -> Text:
    """A URL as text that terminals with hyperlinks make clickable (a style built here, never
    markup read from the catalogue)."""
    from rich.style import Style

    text = safe_text(url)
    text.stylize(Style(link=url))
    return text


class _Unbroken:
    """Lines that are never wrapped nor cut, each a label and a URL with a note. A URL that does
    not fit beside its label goes on a line of its own, and one longer than the terminal is
    left for the terminal to wrap: either way it stays whole for click-to-open and copying."""

    def __init__(self, rows: Sequence[tuple[str, str | None, str]], indent: int) -> None:
        self.rows = rows
        self.indent = indent

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        from rich.cells import cell_len
        from rich.segment import Segment
        from rich.style import Style

        def clean(text: str) -> str:
            return re.sub(_UNSAFE, "\N{REPLACEMENT CHARACTER}", text)

        def beside(url: str | None, note: str) -> int:
            return 1 + self.indent + cell_len(url or "") + (1 + cell_len(note) if note else 0)

        # labels beside their addresses when every line fits, else each on a line of its own
        stacked = any(beside(url, note) > options.max_width for _, url, note in self.rows)
        for label, url, note in self.rows:
            if stacked:
                if label:
                    yield Segment(" " + label, Style(bold=True))
                    yield Segment.line()
                if url is not None:
                    yield Segment("   ")
                    yield Segment(clean(url), Style(link=url))
                    yield Segment.line()
                if note:
                    yield Segment("   " + clean(note), Style(dim=True))
                    yield Segment.line()
                continue
            yield Segment(" " + label.ljust(self.indent), Style(bold=True))
            if url is not None:
                yield Segment(clean(url), Style(link=url))
            if note:
                yield Segment((" " if url else "") + clean(note), Style(dim=True))
            yield Segment.line()


def sheet_panel(sheet: Sheet, url: str, url_kind: UrlKind) -> RenderableType:
    """Everything the catalogue knows about one sheet, for a person to read. Its addresses stay
    inside the border when they fit; otherwise they follow it, one a line, never split."""
    return _AtWidth(lambda width: _sheet_panel(sheet, url, url_kind, width))


_SITES = (("socioeco", "socioeco.org"), ("citego", "citego.org"), ("rtes", "rtes.fr"))

_PanelLink = tuple[str, str | None, str]
"""A line of a panel's addresses: its label, the address, a note."""


def _panel_links(sheet: Sheet, url: str, url_kind: UrlKind) -> tuple[list[_PanelLink], int]:
    """The addresses a panel shows: the page the sheet opens and what it is, each site's page,
    the newer edition's page, then the sources with the fields each gave; and how many
    sources there are."""
    by_source: dict[str, list[str]] = {}
    for name, source in sheet.field_sources.items():
        by_source.setdefault(source, []).append(name)
    sources = [*sheet.sources, *(source for source in by_source if source not in sheet.sources)]
    links: list[_PanelLink] = [
        (heading("url"), url, ""),
        ("", None, wording(f"page_{url_kind.value}")),
    ]
    links += [(site, link, "") for name, site in _SITES if (link := getattr(sheet.links, name))]
    if sheet.newer_edition is not None and sheet.newer_edition.page:
        links.append((heading("newer_edition"), sheet.newer_edition.page, ""))
    for i, source in enumerate(sources):
        fields = by_source.get(source)
        note = f"({', '.join(_field_words(fields))})" if fields else ""
        links.append((heading("sources") if i == 0 else "", source, note))
    return links, len(sources)


class _PanelGrid:
    """A panel's labels and values: side by side, or each label above its value when the
    terminal is too narrow for both; each value wrapped to the room it has."""

    def __init__(self, width: int, label_width: int) -> None:
        from rich.table import Table

        self.stacked = width - 4 - label_width - 2 < 30
        self.room = width - 4 - (2 if self.stacked else label_width + 2)
        self.grid = Table.grid(padding=(0, 2))
        if not self.stacked:
            self.grid.add_column(style="bold", no_wrap=True)
        self.grid.add_column(ratio=1, overflow="fold")

    def row(self, label: str, *lines: str | Text | None) -> None:
        from rich.text import Text

        shown = [line if isinstance(line, Text) else safe_text(line) for line in lines if line]
        if not shown:
            return
        value = _wrap(Text("\n").join(shown), self.room)
        if not self.stacked:
            self.grid.add_row(label, value)
            return
        if label:
            self.grid.add_row(Text(label, style="bold"))
        indented = _indent(value) if "\n" in value.plain else Text("  ").append_text(value)
        self.grid.add_row(indented)


_PANEL_FIELDS = (
    *("category", "title_fr", "title_en", "summary_fr", "keywords_fr", "keywords_en"),
    *("published", "url", "sources"),
)


def _sheet_panel(sheet: Sheet, url: str, url_kind: UrlKind, width: int) -> RenderableType:
    from rich.cells import cell_len
    from rich.console import Group
    from rich.panel import Panel
    from rich.text import Text

    links, sources = _panel_links(sheet, url, url_kind)
    labels = [heading(field) for field in _PANEL_FIELDS]
    labels += [heading("newer_edition")] if sheet.newer_edition is not None else []
    label_width = max(cell_len(label) for label in [*labels, "socioeco.org"])
    panel = _PanelGrid(width, label_width)
    inside = all(cell_len(link or "") <= panel.room for _, link, _ in links)

    row = panel.row
    row(heading("category"), category_name(sheet.category))
    title_fr = french_typography(sheet.title_fr) if sheet.title_fr else None
    row(heading("title_fr"), title_fr or Text(NO_TITLE, style="dim"))
    row(heading("title_en"), sheet.title_en)
    row(heading("summary_fr"), paragraphs(sheet.summary_fr) if sheet.summary_fr else None)
    row(heading("keywords_fr"), some_keywords(sheet.keywords_fr))
    row(heading("keywords_en"), some_keywords(sheet.keywords_en))
    row(heading("published"), sheet.published)
    if sheet.newer_edition is not None:
        row(heading("newer_edition"), newer_edition_label(sheet.newer_edition))
    for number, (label, link, note) in enumerate(links):
        if number == len(links) - sources:
            row("PDF", sheet.links.pdf)  # after the pages, before the sources
        if inside:
            row(label, _link(link) if link else None, Text(note, style="dim") if note else None)
    if not sources:
        row("PDF", sheet.links.pdf)
    title = Text(f"{wording('sheet')} {sheet.number}", style="bold")
    drawn = Panel(panel.grid, title=title, title_align="left", expand=True)
    return drawn if inside else Group(drawn, _Unbroken(links, label_width + 2))


def _field_words(names: Sequence[str]) -> list[str]:
    """Fields as people read them (`title_en` -> `Title (en)`, `links.citego` -> `citego.org`)."""
    sites = {f"links.{name}": site for name, site in _SITES}
    return [sites.get(name) or heading(name.removeprefix("links.")) for name in names]


def _indent(text: Text) -> Text:
    """Each line of the text two cells further right."""
    from rich.text import Text

    return Text("\n").join(Text("  ").append_text(line) for line in text.split("\n"))


def glossary_table(entries: Sequence[GlossaryEntry]) -> RenderableType:
    """The glossary for a person: each term, its expansions and the sheets it leads to. Below
    NARROW_GLOSSARY columns the English name goes under the French one, so that no word is cut."""
    return _AtWidth(lambda width: _glossary_table(entries, width))


NARROW_GLOSSARY = 70


def _glossary_table(entries: Sequence[GlossaryEntry], width: int) -> RenderableType:
    from rich.table import Table
    from rich.text import Text

    narrow = width < NARROW_GLOSSARY
    table = Table(box=None, header_style="bold", pad_edge=False, expand=False)
    table.add_column(heading("term"), style="bold", overflow="fold", max_width=12)
    table.add_column(heading("fr"), ratio=2, overflow="fold")
    if not narrow:
        table.add_column(heading("en"), ratio=1, style="dim", overflow="fold")
    table.add_column(heading("sheets"), overflow="fold", max_width=8)
    for entry in entries:
        french = safe_text(entry.fr)
        note = glossary_note(entry)
        if note:
            french.append_text(Text("\n")).append_text(Text(safe_text(note).plain, style="dim"))
        english = safe_text(entry.en or "")
        if narrow and entry.en:
            french.append_text(Text("\n")).append_text(english.copy())
            french.stylize("dim", len(french) - len(entry.en))
        names = [french] if narrow else [french, english]
        table.add_row(safe_text(entry.term), *names, ", ".join(map(str, entry.sheets)))
    return table


def editions_table(records: Sequence[dict[str, object]]) -> RenderableType:
    """The sheets of a later edition the catalogue knows, each number under its edition's
    heading (a 2026 number is never shown as a 2020 one), with the counterpart of each."""
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, header_style="bold", pad_edge=False, expand=False)
    first = records[0]
    table.add_column(_("N° ({edition})").format(edition=first["edition"]), justify="right")
    table.add_column(heading("title_fr"), ratio=1, overflow="fold")
    table.add_column(
        _("N° ({edition})").format(edition=first["counterpart_edition"]), justify="right"
    )
    table.add_column(
        _("Title ({edition})").format(edition=first["counterpart_edition"]),
        ratio=1,
        overflow="fold",
    )
    for record in records:
        title = record["title_fr"]
        table.add_row(
            str(record["number"]),
            safe_text(french_typography(str(title))) if title else Text(NO_TITLE, style="dim"),
            str(record["counterpart_number"]),
            safe_text(str(record["counterpart_title"])),
        )
    return table
