"""Plain text: chapters at headings, title and byline lines, notes and scene breaks.

Fan fiction as it comes from copy and paste keeps its author's notes, marked
(`A/N:`, `(A/N: ...)`, `Disclaimer:`) or not (thanks and review requests at a
chapter's end): they are kept as skipped paragraphs. FanFicFare's txt output is
recognised by its `TABLE OF CONTENTS`: its metadata lines are read as tags and
its chapter titles are the headings.
"""

from __future__ import annotations

import re
from pathlib import Path

from audiobook.formats.common import (
    assemble,
    blank_line_breaks,
    skip_edge_notes,
    split_paragraphs,
    title_from_path,
)
from audiobook.formats.conventions import (
    front_matter,
    inline_notes,
    is_heading,
    is_note,
    is_scene_break,
    relationship_tags,
)
from audiobook.model import Book, Paragraph, WorkInfo

_TOC = re.compile(r"^\s*TABLE OF CONTENTS\s*$")
_END_FILE = re.compile(r"^\s*End file\.\s*$")
_ENTRY = re.compile(r"^([A-Z][A-Za-z /]{0,30}):[ \t]*(.*)$")


def parse_text(text: str, source: Path | None = None, encoding: str = "utf-8",
               keep_notes: bool = False) -> Book:
    """Split decoded text into front matter, chapters and paragraphs."""
    paragraphs = split_paragraphs(text)
    n_front, title, author = front_matter(text, paragraphs)
    front = [Paragraph(p.start, p.end, "title") for p in paragraphs[:n_front]]
    paragraphs = paragraphs[n_front:]
    work = WorkInfo()
    toc = _fanficfare_contents(text, paragraphs)
    if toc is not None:
        meta, entries, end_file = toc
        front += [Paragraph(p.start, p.end, "skipped") for p in paragraphs[:meta + entries]]
        work = _entries(text, paragraphs[:meta])
        chapter_titles = [text[p.start:p.end].strip() for p in paragraphs[meta + 1:meta + entries]]
        tail = paragraphs[end_file:] if end_file is not None else []
        paragraphs = paragraphs[meta + entries:end_file]
    breaks = blank_line_breaks(text, paragraphs)
    classified, headings = [], set()
    after_marker = False
    for para in paragraphs:
        body = text[para.start : para.end]
        if after_marker:
            breaks.append(para.start)
        after_marker = False
        if (toc is not None and body.strip() in chapter_titles) or (
                toc is None and is_heading(body)):
            headings.add(para.start)
            classified.append(para)
        elif is_scene_break(body):
            classified.append(Paragraph(para.start, para.end, "skipped"))
            after_marker = True
        elif not keep_notes and is_note(body):
            classified.append(Paragraph(para.start, para.end, "skipped"))
        elif not keep_notes:
            classified += _without_inline_notes(text, para)
        else:
            classified.append(para)
    if toc is not None:
        classified += [Paragraph(p.start, p.end, "skipped") for p in tail]
    book = assemble(text, classified, headings, title=title or title_from_path(source),
                    author=author, source=source, encoding=encoding, scene_breaks=breaks)
    book.front = front + book.front
    book.work = work
    if work.authors and not author:
        book.author = work.authors[0]
    if not keep_notes:
        skip_edge_notes(book)
    return book


def _without_inline_notes(text: str, para: Paragraph) -> list[Paragraph]:
    """A paragraph cut around its `(A/N: ...)` asides: story, skipped aside, story."""
    out: list[Paragraph] = []
    pos = para.start
    for start, end in inline_notes(text, para.start, para.end):
        out += split_paragraphs(text, pos, start)
        out.append(Paragraph(start, end, "skipped"))
        pos = end
    if not out:
        return [para]
    return out + split_paragraphs(text, pos, para.end)


def _fanficfare_contents(text: str, paragraphs: list[Paragraph]
                         ) -> tuple[int, int, int | None] | None:
    """FanFicFare's txt layout after the title lines: a block of `Label: value` lines,
    `TABLE OF CONTENTS` and one paragraph per chapter title, the chapters, `End file.`.
    Returns (index of the contents heading, its length with the titles, index of
    `End file.` or None), or None for any other text."""
    at = next((i for i, p in enumerate(paragraphs[:6]) if _TOC.match(text[p.start:p.end])),
              None)
    if at is None:
        return None
    titles: list[str] = []
    i = at + 1
    while i < len(paragraphs):
        line = text[paragraphs[i].start:paragraphs[i].end].strip()
        if line in titles or "\n" in line or len(line) > 200:
            break  # the first chapter title again: the chapters begin
        titles.append(line)
        i += 1
    if not titles or i >= len(paragraphs):
        return None
    end = next((j for j in range(len(paragraphs) - 1, i, -1)
                if _END_FILE.match(text[paragraphs[j].start:paragraphs[j].end])), None)
    return at, i - at, end


def _entries(text: str, paragraphs: list[Paragraph]) -> WorkInfo:
    """The metadata of FanFicFare's title page: `Characters: A, B`, `Summary: ...`."""
    fields: dict[str, str] = {}
    label = None
    for para in paragraphs:
        for line in text[para.start:para.end].split("\n"):
            match = _ENTRY.match(line.strip())
            if match:
                label = match.group(1)
                fields[label] = match.group(2).strip()
            elif label and line.strip():
                fields[label] += " " + line.strip()

    def split(name: str) -> list[str]:
        return [v.strip() for v in fields.get(name, "").split(",") if v.strip()]

    return WorkInfo(summary=fields.get("Summary") or None, fandoms=split("Category"),
                    characters=split("Characters"),
                    relationships=relationship_tags(fields.get("Relationships", "")),
                    tags=split("Genre"), rating=fields.get("Rating"),
                    status=fields.get("Status"), source=fields.get("Publisher"))
