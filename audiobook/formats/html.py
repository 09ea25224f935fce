"""HTML and XHTML stories: `h1`/`h2` headings are chapters, notes are not read."""

from __future__ import annotations

from pathlib import Path

from audiobook.formats.common import assemble, skip_edge_notes, title_from_path
from audiobook.formats.markup import block_kind, build_text, extract
from audiobook.model import Book


def parse_html(markup: str, source: Path | None = None, encoding: str = "utf-8",
               keep_notes: bool = False) -> Book:
    """An HTML story as a Book: `h1`/`h2` headings are chapters."""
    doc = extract(markup)
    blocks = doc.blocks
    title = doc.meta.get("dc.title") or doc.title or None
    author = doc.meta.get("author") or doc.meta.get("dc.creator") or None
    top = [b for b in blocks if b.kind == "heading" and b.level == 1]
    first_title = None
    if len(top) == 1 and blocks and blocks[0] is top[0] and any(
            b.kind == "heading" and b.level == 2 for b in blocks):
        first_title = blocks[0]  # one h1 over h2 chapters: the book's title
        title = title or first_title.text
    entries = [(b, "title" if b is first_title else block_kind(b, keep_notes)) for b in blocks]
    text, paragraphs, breaks = build_text(entries)
    headings = {p.start for (b, _), p in zip(
        [e for e in entries if not (e[0].kind == "break" and not e[0].text)], paragraphs,
        strict=True) if b.kind == "heading" and b.level <= 2 and b is not first_title}
    front = [p for p in paragraphs if p.kind == "title"]
    body = [p for p in paragraphs if p.kind != "title"]
    book = assemble(text, body, headings, title=title or title_from_path(source), author=author,
                    source=source, encoding=encoding, scene_breaks=breaks)
    book.front = front + book.front
    if not keep_notes:
        skip_edge_notes(book)
    return book
