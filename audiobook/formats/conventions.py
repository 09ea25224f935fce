"""What story text looks like: chapter headings, scene breaks, notes, title lines.

Rules shared by the readers of plain text, Markdown and HTML, written for
fan fiction as it is posted and pasted as much as for novels.
"""

from __future__ import annotations

import re

from audiobook.model import Paragraph

_NUMBER_WORDS = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
    "fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|"
    "seventy|eighty|ninety|hundred|first|second|third|fourth|fifth|sixth|seventh|"
    "eighth|ninth|tenth|last|final"
)
_HEADING = re.compile(
    rf"""^\s*(?:
        (?i:chapter|book|part|volume|act)\s+
            (?i:\d+|[ivxlcdm]+|(?:the\s+)?(?:{_NUMBER_WORDS})(?:[\s-](?:{_NUMBER_WORDS}))*)\b
            # a title after a separator, or a capitalised one: not "Chapter one of her life"
            (?:\s*[.:\-\u2013\u2014]\s*\S.*|\s+[A-Z0-9"'\u201c\u2018_*(\[].*|\s*[.:]?)
      | (?i:prologue|epilogue|preface|foreword|afterword|introduction|interlude)
            (?:\s*[.:\-\u2013\u2014]\s*\S.*|\s*[.:]?)
      | \#{{1,3}}\s+\S.*
    )\s*$""",
    re.VERBOSE,
)
_MAX_HEADING_CHARS = 120
_META = re.compile(r"^\s*(title|author|by)\s*:\s*(\S.*?)\s*$", re.IGNORECASE)
_BY_LINE = re.compile(r"^\s*by\s+(\S.*?)\s*$", re.IGNORECASE)
_SCENE_BREAK = re.compile(
    r"""^\s*(?:
        (?:[*~\-_=#+\u2022\u00b7\u2013\u2014]\s*){3,}     # * * *, ~~~, -----, ###, ___
      | (?:[oO0xX]){3,}                                  # oOo, o0o, xXx
      | [\u00a7\u2042\u2766\u2767]+                         # section signs, asterisms, fleurons
    )\s*$""",
    re.VERBOSE,
)
_DISCLAIMER = re.compile(r"^[\s*_\[(]*disclaimer\b\s*[:.\-\u2013\u2014]?", re.IGNORECASE)
_AUTHORS_NOTE = re.compile(
    r"""^[\s*_\[(]*(?:
        a\s*/\s*n\b | an\s*: | author'?s?'?\s+(?:\w+\s+)?notes?\b | author\s+notes?\b
      | notes?\s+from\s+the\s+author\b
    )""",
    re.IGNORECASE | re.VERBOSE,
)


def is_heading(text: str) -> bool:
    """Whether a paragraph's text is a chapter heading (first line decides)."""
    if len(text) > _MAX_HEADING_CHARS:
        return False
    lines = text.split("\n")
    return len(lines) <= 3 and bool(_HEADING.match(lines[0]))


def byline_author(text: str) -> str | None:
    """The author named by a `By: X`, `by X` or `Author: X` line, else None."""
    meta, by = _META.match(text), _BY_LINE.match(text)
    if meta and meta.group(1).lower() in ("by", "author"):
        return meta.group(2)
    return by.group(1) if by else None


def _is_byline(text: str) -> bool:
    meta = _META.match(text)
    return bool(_BY_LINE.match(text) or (meta and meta.group(1).lower() in ("by", "author")))


def front_matter(text: str, paragraphs: list[Paragraph]) -> tuple[int, str | None, str | None]:
    """Count leading title/author paragraphs; return (count, title, author)."""
    title = author = None
    count = 0
    for i, para in enumerate(paragraphs[:4]):
        body = text[para.start : para.end].strip()
        lines = [line.strip() for line in body.split("\n") if line.strip()]
        if len(lines) > 1 and len(body) <= 300 and all(
            _META.match(line) or _BY_LINE.match(line) or (j == 0 and not is_heading(line))
            for j, line in enumerate(lines)
        ) and any(_is_byline(line) for line in lines):
            # A block of metadata lines: `Title: X` / `Author: Y`, or a title over `By: Y`.
            for j, line in enumerate(lines):
                meta, by = _META.match(line), _BY_LINE.match(line)
                if meta:
                    if meta.group(1).lower() == "title":
                        title = meta.group(2)
                    else:
                        author = meta.group(2)
                elif by:
                    author = by.group(1)
                elif j == 0:
                    title = line
            count = i + 1
            continue
        if len(lines) != 1 or len(body) > 100 or is_heading(body):
            break
        meta = _META.match(body)
        by = _BY_LINE.match(body)
        if meta:
            key, value = meta.group(1).lower(), meta.group(2)
            if key == "title":
                title = value
            else:
                author = value
        elif by and (title or i == 1):
            author = by.group(1)
        elif i == 0 and len(paragraphs) > 1 and _is_byline(
            text[paragraphs[1].start : paragraphs[1].end]
        ):
            title = body
        else:
            break
        count = i + 1
    return count, title, author


def is_scene_break(text: str) -> bool:
    """Whether a paragraph is a scene-break marker (`* * *`, `~~~`, `oOo`, `-----`)."""
    return len(text) <= 40 and bool(_SCENE_BREAK.match(text))


def is_note(text: str) -> bool:
    """Whether a paragraph is a disclaimer or an author's note."""
    return bool(_DISCLAIMER.match(text) or _AUTHORS_NOTE.match(text))


