"""Loading a story: one function picks the reader for a file and returns a `Book`.

The readers live in `audiobook.formats` (plain text, Markdown, HTML, EPUB, and
the fan-fiction downloads of the Archive of Our Own and FanFicFare); each turns
its file into the same model (`audiobook.model`). The model and the helpers
most callers need are re-exported here, so `from audiobook.book import ...`
is the one place to import from.
"""

from __future__ import annotations

from pathlib import Path

from audiobook.errors import InputError
from audiobook.formats import ao3, fanficfare
from audiobook.formats.common import (
    ENCODING_NAMES,
    MAX_INPUT_BYTES,
    SCENE_BREAK_BLANK_LINES,
    assemble,
    blank_line_breaks,
    decode,
    heading_title,
    read_bytes,
    read_text,
    split_paragraphs,
    title_from_path,
)
from audiobook.formats.conventions import (
    byline_author,
    front_matter,
    is_heading,
    is_note,
    is_scene_break,
)
from audiobook.formats.epub import read_epub
from audiobook.formats.epubfile import open_package
from audiobook.formats.html import parse_html
from audiobook.formats.markdown import parse_markdown
from audiobook.formats.text import parse_text
from audiobook.model import Book, Chapter, Paragraph, ReadOptions, Series, WorkInfo

__all__ = [
    "ENCODING_NAMES", "MAX_INPUT_BYTES", "SCENE_BREAK_BLANK_LINES", "Book", "Chapter",
    "Paragraph", "ReadOptions", "Series", "WorkInfo", "assemble", "blank_line_breaks",
    "byline_author", "decode", "front_matter", "heading_title", "is_heading", "is_note",
    "is_scene_break", "load_book", "parse_book", "read_text", "split_paragraphs",
    "title_from_path",
]

parse_book = parse_text
"""Plain text as a Book (the name callers have always used)."""

HTML_SUFFIXES = (".html", ".htm", ".xhtml")
MARKDOWN_SUFFIXES = (".md", ".markdown")


def load_book(path: Path, keep_notes: bool = False, read_summary: bool = False) -> Book:
    """Load a story file (.txt, .md, .html, .epub) into a Book with the reader that fits it.

    EPUB and HTML downloads of the Archive of Our Own and FanFicFare are recognised
    by their structure; `keep_notes` reads author's notes and disclaimers,
    `read_summary` a fan-fiction work's summary after its title.
    """
    options = ReadOptions(keep_notes=keep_notes, read_summary=read_summary)
    suffix = path.suffix.lower()
    if suffix == ".epub":
        package = open_package(path)
        # FanFicFare's EPUB of an AO3 work names the archive too: FanFicFare first.
        if fanficfare.claims_package(package):
            return fanficfare.read_fff_epub(package, options)
        if ao3.claims_package(package):
            return ao3.read_ao3_epub(package, options)
        return read_epub(package, options)
    if suffix in HTML_SUFFIXES:
        markup, encoding = decode(read_bytes(path), str(path))
        if fanficfare.claims_html(markup):
            book = fanficfare.parse_fff_html(markup, path, encoding, options)
        elif ao3.claims_html(markup):
            book = ao3.parse_ao3_html(markup, path, encoding, options)
        else:
            book = parse_html(markup, path, encoding, keep_notes=keep_notes)
        if not book.text.strip():
            raise InputError(f"{path}: no text found in the HTML")
        return book
    text, encoding = read_text(path)
    if suffix in MARKDOWN_SUFFIXES:
        return parse_markdown(text, path, encoding, keep_notes=keep_notes)
    return parse_text(text, path, encoding, keep_notes=keep_notes)
