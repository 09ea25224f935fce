"""FanFicFare downloads (EPUB and HTML): the title page's metadata, chapters from its
chapter titles, notes kept but not read.

The layout is FanFicFare's writers (`fanficfare/writers/writer_epub.py`,
`writer_html.py`): a title page (`Title by Author`, then `Label: value`
entries such as Category, Characters, Relationships, Status, Summary), an
optional table of contents and update log, and one chapter per file (EPUB,
`h3.fff_chapter_title`) or per `h2` after a `sectionNNNN` anchor (HTML). Notes
an archive keeps apart from the text (AO3's) arrive in `div.fff_chapter_notes`.
"""

from __future__ import annotations

import re
from pathlib import Path

from audiobook.formats.common import join_names, skip_edge_notes, title_from_path
from audiobook.formats.conventions import relationship_tags
from audiobook.formats.epubfile import Package, read_spine
from audiobook.formats.markup import Block, block_kind, chapters_from_blocks, extract
from audiobook.model import Book, Paragraph, ReadOptions, Series, WorkInfo

CONTRIBUTOR = "FanFicFare"
_PAGES = {"fff_titlepage": ".titlepage", "fff_chapter": ".chapter", "fff_tocpage": ".tocpage",
          "fff_logpage": ".logpage", "fff_coverpage": ".coverpage"}
_LABEL = re.compile(r"^([A-Z][A-Za-z0-9 /]{0,40}):\s*(.*)$", re.DOTALL)
_BYLINE = re.compile(r"^(?P<title>.+?) by (?P<authors>.+)$", re.DOTALL)
_SERIES = re.compile(r"^(?P<name>.+?)\s*\[(?P<index>\d+)\]$")
_CLAIM_H1 = re.compile(r"<h1>\s*<a [^>]*>.*?</a>\s*by\s*<a class=['\"]authorlink['\"]",
                       re.DOTALL)


def claims_html(markup: str) -> bool:
    """Whether an HTML file is FanFicFare's: its `h1` links the story and its authors."""
    return bool(_CLAIM_H1.search(markup[:20000])) and 'name="section' in markup


def claims_package(package: Package) -> bool:
    """Whether an EPUB was written by FanFicFare (it names itself a contributor)."""
    return any(CONTRIBUTOR in v for v in package.metadata.get("contributor", [])) or any(
        v.startswith("fanficfare-uid:") for v in package.metadata.get("identifier", []))


def _marker(tag: str, attrs: dict[str, str]) -> tuple[str, ...]:
    marks = []
    for name in attrs.get("class", "").split():
        if name in _PAGES:
            marks.append(_PAGES[name])
        elif name in ("fff_chapter_notes", "fff_chapter_title"):
            marks.append("." + name)
    if tag in ("blockquote", "h1", "table"):
        marks.append(tag)
    if tag == "a" and re.fullmatch(r"section\d+", attrs.get("name", "")):
        marks.append("section")
    return tuple(marks)


def title_page(lines: list[str]) -> tuple[dict[str, str], list[int]]:
    """The title page's entries (label -> value), from its lines in order, and which lines
    hold the summary (a `Summary:` entry and the lines after it that have no label)."""
    fields: dict[str, list[str]] = {}
    summary: list[int] = []
    label = None
    for i, line in enumerate(lines):
        match = _LABEL.match(line)
        if match:
            label = match.group(1)
            fields[label] = [match.group(2)] if match.group(2) else []
            if label == "Summary" and match.group(2):
                summary.append(i)
        elif label:
            fields[label].append(line)
            if label == "Summary":
                summary.append(i)
    return {k: " ".join(" ".join(v).split()) for k, v in fields.items()}, summary


def work_info(fields: dict[str, str], byline: str | None) -> tuple[str | None, WorkInfo]:
    """Title and metadata from the title page's byline and entries."""
    info = WorkInfo(source=fields.get("Publisher") or CONTRIBUTOR)
    title = None
    if byline:
        match = _BYLINE.match(" ".join(byline.split()))
        if match:
            title = match.group("title")
            info.authors = [a.strip() for a in re.split(r",\s*| & ", match.group("authors"))
                            if a.strip()]

    def split(name: str) -> list[str]:
        return [v.strip() for v in fields.get(name, "").split(",") if v.strip()]

    info.fandoms = split("Fandoms") or split("Category")
    info.characters = split("Characters")
    info.relationships = relationship_tags(fields.get("Relationships", ""))
    info.tags = split("Freeform Tags") or split("Genre")
    info.warnings = split("Warnings")
    info.rating = fields.get("Rating") or None
    info.status = fields.get("Status") or None
    info.url = fields.get("Story URL") or None
    if fields.get("Series"):
        match = _SERIES.match(fields["Series"])
        info.series = [Series(match.group("name"), int(match.group("index")))] if match else [
            Series(fields["Series"])]
    return title, info


def _lines(blocks: list[Block], pages: list[str]) -> tuple[list[Block], list[str]]:
    """Title-page blocks cut into one block per line: each entry its own paragraph."""
    out_blocks, out_pages = [], []
    for block, page in zip(blocks, pages, strict=True):
        if page == "title" and block.kind != "heading" and "\n" in block.text:
            for line in block.text.split("\n"):
                out_blocks.append(Block(line, block.kind, block.level, [], block.context))
                out_pages.append(page)
        else:
            out_blocks.append(block)
            out_pages.append(page)
    return out_blocks, out_pages


def build_book(blocks: list[Block], pages: list[str], source: Path | None,
               options: ReadOptions, encoding: str = "utf-8",
               fallback_title: str | None = None) -> Book:
    """A Book from FanFicFare's blocks, each tagged with its page (`title`, `chapter`,
    `skip`); chapters start at headings of chapter pages."""
    blocks, pages = _lines(blocks, pages)
    front = [i for i, page in enumerate(pages) if page == "title"]
    byline_at = next((i for i in front if blocks[i].kind == "heading"), None)
    entries = [i for i in front if i != byline_at]
    fields, summary_at = title_page([blocks[i].text for i in entries])
    summary_ids = {entries[i] for i in summary_at}
    title, info = work_info(fields, blocks[byline_at].text if byline_at is not None else None)
    info.summary = "\n\n".join(_summary_text(blocks[i].text) for i in sorted(summary_ids)) or None
    kinds = []
    for i, (block, page) in enumerate(zip(blocks, pages, strict=True)):
        if page == "title":
            if i == byline_at:
                kinds.append("title")
            elif i in summary_ids and options.read_summary:
                kinds.append("text")
            else:
                kinds.append("skipped")
        elif page == "chapter" and block.kind == "heading" and (
                ".fff_chapter_title" in block.context or "section" in block.context):
            kinds.append("heading")
        elif page == "chapter" and ".fff_chapter_notes" in block.context:
            kinds.append("text" if options.keep_notes else "skipped")
        elif page == "chapter":
            kinds.append(block_kind(block, options.keep_notes))
        else:
            kinds.append("skipped")
    title = title or fallback_title or title_from_path(source)
    text, front, chapters, breaks = chapters_from_blocks(
        blocks, kinds, [page != "chapter" for page in pages], title)
    if len(chapters) == 1 and chapters[0].title == title:
        # A one-chapter story's title again: said once already, kept as skipped text.
        only = chapters[0]
        only.paragraphs[:0] = [Paragraph(p.start, p.end, "skipped") for p in only.headings]
        only.headings = []
    book = Book(text, title, join_names(info.authors), chapters, front, source, encoding,
                sorted(set(breaks)), work=info)
    if not options.keep_notes:
        skip_edge_notes(book)
    return book


def _summary_text(text: str) -> str:
    match = _LABEL.match(text)
    return match.group(2) if match and match.group(1) == "Summary" else text


def read_fff_epub(package: Package, options: ReadOptions | None = None) -> Book:
    """A FanFicFare EPUB as a Book: title page metadata, one chapter per chapter file."""
    spine = read_spine(package, _marker)
    pages = []
    for block, doc in zip(spine.blocks, spine.doc_of, strict=True):
        if ".titlepage" in block.context or doc.endswith("title_page.xhtml"):
            pages.append("title")
        elif doc in spine.skipped or block.context & {".tocpage", ".logpage", ".coverpage"}:
            pages.append("skip")
        else:
            pages.append("chapter")
    book = build_book(spine.blocks, pages, package.path, options or ReadOptions(),
                      fallback_title=package.first("title"))
    if not book.work.authors:
        book.work.authors = package.metadata.get("creator", [])
        book.author = join_names(book.work.authors)
    if not book.work.summary and package.first("description"):
        book.work.summary = package.first("description")
    book.language = package.first("language")
    book.cover = package.cover
    return book


def parse_fff_html(markup: str, source: Path | None = None, encoding: str = "utf-8",
                   options: ReadOptions | None = None) -> Book:
    """A FanFicFare HTML file as a Book: the title table, a contents list, `h2` chapters."""
    doc = extract(markup, _marker)
    pages = []
    page = "title"
    for block in doc.blocks:
        if block.kind == "heading" and "section" in block.context:
            page = "chapter"
        elif block.kind == "heading" and block.text.strip() == "Table of Contents":
            page = "skip"
        pages.append(page)
    return build_book(doc.blocks, pages, source, options or ReadOptions(), encoding,
                      fallback_title=doc.title.rsplit(" by ", 1)[0] or None)
