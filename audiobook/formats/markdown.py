"""Markdown stories: `#`/`##` headings are chapters; markup stays in the text but is not read.

Offsets stay in the original Markdown, so the segments of `audiobook segment`
point at the file itself; `speech.speakable` drops emphasis, link targets and
other marks when the text is spoken.
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
from audiobook.formats.conventions import byline_author, front_matter, is_note, is_scene_break
from audiobook.model import Book, Paragraph

_ATX = re.compile(r"^ {0,3}(#{1,6})\s+(\S.*?)\s*#*\s*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)\s*$")
_RULE = re.compile(r"^ {0,3}(?:(?:\*\s*){3,}|(?:-\s*){3,}|(?:_\s*){3,})$")
_YAML_FRONT = re.compile(r"\A---\n(.*?)\n(?:---|\.\.\.)\n", re.DOTALL)
_YAML_FIELD = re.compile(r"^(title|author)\s*:\s*['\"]?(.*?)['\"]?\s*$", re.IGNORECASE | re.M)
_COMMENT = re.compile(r"^\s*<!--.*-->\s*$", re.DOTALL)
CHAPTER_LEVELS = 2
"""`#` and `##` headings start chapters; deeper ones are read as text."""


def _split_headings(text: str, paragraphs: list[Paragraph]) -> list[tuple[Paragraph, int]]:
    """Paragraphs with their heading level (0 = not a heading); a heading line is split off
    the paragraph it starts, since Markdown needs no blank line after a heading."""
    out: list[tuple[Paragraph, int]] = []
    for para in paragraphs:
        body = text[para.start : para.end]
        first, _, rest = body.partition("\n")
        atx = _ATX.match(first)
        lines = body.split("\n")
        if atx:
            cut = para.start + len(first)
            out.append((Paragraph(para.start, cut), len(atx.group(1))))
            if rest.strip():
                out.extend(_split_headings(text, split_paragraphs(text, cut, para.end)))
        elif len(lines) >= 2 and _SETEXT.match(lines[1]) and lines[0].strip():
            cut = para.start + len(lines[0]) + 1 + len(lines[1])
            out.append((Paragraph(para.start, cut), 1 if "=" in lines[1] else 2))
            if len(lines) > 2:
                out.extend(_split_headings(text, split_paragraphs(text, cut, para.end)))
        else:
            out.append((para, 0))
    return out


def parse_markdown(text: str, source: Path | None = None, encoding: str = "utf-8",
                   keep_notes: bool = False) -> Book:
    """A Markdown story as a Book: headings are chapters, a lone top `#` is the title."""
    title = author = None
    front: list[Paragraph] = []
    body_start = 0
    yaml = _YAML_FRONT.match(text)
    if yaml:
        fields = {k.lower(): v for k, v in _YAML_FIELD.findall(yaml.group(1))}
        title, author = fields.get("title") or None, fields.get("author") or None
        front.append(Paragraph(0, yaml.end() - 1, "skipped"))
        body_start = yaml.end()
    blocks = _split_headings(text, split_paragraphs(text, body_start))
    top = [i for i, (_, level) in enumerate(blocks) if level == 1]
    if len(top) == 1 and top[0] == 0 and sum(1 for _, lv in blocks if lv == 2) >= 1:
        # One `#` heading over `##` chapters: it is the book's title.
        para = blocks[0][0]
        title = title or _ATX.sub(r"\2", text[para.start : para.end]).split("\n")[0].strip()
        front.append(Paragraph(para.start, para.end, "title"))
        blocks = blocks[1:]
        # A `By: Author` line under the title is metadata too.
        if blocks and not blocks[0][1]:
            first = blocks[0][0]
            by = byline_author(text[first.start : first.end])
            if by:
                author = author or by
                front.append(Paragraph(blocks[0][0].start, blocks[0][0].end, "title"))
                blocks = blocks[1:]
    elif not title:
        count, title, by = front_matter(text, [p for p, _ in blocks])
        author = author or by
        front += [Paragraph(p.start, p.end, "title") for p, _ in blocks[:count]]
        blocks = blocks[count:]

    paragraphs, headings, breaks = [], set(), blank_line_breaks(text, [p for p, _ in blocks])
    after_marker = False
    for para, level in blocks:
        body = text[para.start : para.end]
        if after_marker:
            breaks.append(para.start)
        after_marker = False
        if 0 < level <= CHAPTER_LEVELS:
            headings.add(para.start)
            paragraphs.append(para)
        elif _RULE.match(body) or (not level and is_scene_break(body)):
            paragraphs.append(Paragraph(para.start, para.end, "skipped"))
            after_marker = True
        elif _COMMENT.match(body) or (not keep_notes and is_note(body.lstrip("#> "))):
            paragraphs.append(Paragraph(para.start, para.end, "skipped"))
        else:
            paragraphs.append(para)
    book = assemble(text, paragraphs, headings, title=title or title_from_path(source),
                    author=author, source=source, encoding=encoding, scene_breaks=breaks)
    book.front = front + book.front
    if not keep_notes:
        skip_edge_notes(book)
    return book

