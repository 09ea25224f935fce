"""Plain text: chapters at headings, title and byline lines, notes and scene breaks."""

from __future__ import annotations

from pathlib import Path

from audiobook.formats.common import (
    assemble,
    blank_line_breaks,
    split_paragraphs,
    title_from_path,
)
from audiobook.formats.conventions import front_matter, is_heading, is_note, is_scene_break
from audiobook.model import Book, Paragraph


def parse_text(text: str, source: Path | None = None, encoding: str = "utf-8",
               keep_notes: bool = False) -> Book:
    """Split decoded text into front matter, chapters and paragraphs."""
    paragraphs = split_paragraphs(text)
    n_front, title, author = front_matter(text, paragraphs)
    front = [Paragraph(p.start, p.end, "title") for p in paragraphs[:n_front]]
    paragraphs = paragraphs[n_front:]
    breaks = blank_line_breaks(text, paragraphs)
    classified, headings = [], set()
    after_marker = False
    for para in paragraphs:
        body = text[para.start : para.end]
        if after_marker:
            breaks.append(para.start)
        after_marker = False
        if is_heading(body):
            headings.add(para.start)
            classified.append(para)
        elif is_scene_break(body):
            classified.append(Paragraph(para.start, para.end, "skipped"))
            after_marker = True
        elif not keep_notes and is_note(body):
            classified.append(Paragraph(para.start, para.end, "skipped"))
        else:
            classified.append(para)
    book = assemble(text, classified, headings, title=title or title_from_path(source),
                    author=author, source=source, encoding=encoding, scene_breaks=breaks)
    book.front = front + book.front
    return book
