"""Loading a story: decoding, paragraphs, chapter headings and title metadata.

Every position kept here is a character offset into `Book.text`, the decoded
input with universal newlines, so later stages can point back to the source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from audiobook.errors import InputError

MAX_INPUT_BYTES = 200 * 1024 * 1024
"""Refuse inputs larger than this: no story needs more, and it bounds memory."""

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
_BLANK_LINES = re.compile(r"\n[ \t\f\v]*\n\s*")


@dataclass(frozen=True)
class Paragraph:
    """A span of `Book.text` between blank lines."""

    start: int
    """Offset of the first non-blank character."""
    end: int
    """Offset just past the last non-blank character."""


@dataclass
class Chapter:
    """A chapter: its heading paragraphs (may be none) and its body paragraphs."""

    index: int
    """1-based position in the book."""
    title: str
    """Title as shown in tags and file names."""
    headings: list[Paragraph] = field(default_factory=list)
    """Heading paragraphs (read aloud as the chapter's opening)."""
    paragraphs: list[Paragraph] = field(default_factory=list)
    """Body paragraphs in order."""


@dataclass
class Book:
    """A decoded story split into chapters."""

    text: str
    """The decoded input text; all offsets point into it."""
    title: str
    """Book title: from the text's metadata, else from the file name."""
    author: str | None
    """Author when the text names one."""
    chapters: list[Chapter]
    """Chapters in reading order (at least one)."""
    front: list[Paragraph] = field(default_factory=list)
    """Title/author lines at the top, announced once instead of read as text."""
    source: Path | None = None
    """The file the book was loaded from."""
    encoding: str = "utf-8"
    """The encoding the input was decoded with."""


def decode(data: bytes, name: str = "input") -> tuple[str, str]:
    """Decode raw bytes to text with universal newlines; return (text, encoding)."""
    if data.startswith(b"\xef\xbb\xbf"):
        text, encoding = data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text, encoding = data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as err:
            raise InputError(f"{name}: broken UTF-16 text ({err.reason})") from None
    else:
        if b"\x00" in data[:65536]:
            raise InputError(f"{name}: not a text file (it contains NUL bytes)")
        try:
            text, encoding = data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            # Windows-1252 is a superset of Latin-1's printable range and maps
            # 0x93/0x94 to curly quotes; bytes it leaves undefined fall back.
            try:
                text, encoding = data.decode("cp1252"), "cp1252"
            except UnicodeDecodeError:
                text, encoding = data.decode("latin-1"), "latin-1"
    sample = text[:65536]
    if sample:
        controls = sum(1 for c in sample if ord(c) < 32 and c not in "\n\r\t\f\v")
        if controls / len(sample) > 0.05:
            raise InputError(f"{name}: not a text file (mostly binary bytes)")
    return text.replace("\r\n", "\n").replace("\r", "\n"), encoding


def read_text(path: Path) -> tuple[str, str]:
    """Read and decode a text file; raise InputError for anything unusable."""
    try:
        size = path.stat().st_size
        if size > MAX_INPUT_BYTES:
            raise InputError(f"{path}: too large ({size} bytes)")
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, not a story file") from None
    except OSError as err:
        raise InputError(f"{path}: cannot read ({err.strerror})") from None
    text, encoding = decode(data, str(path))
    if not text.strip():
        raise InputError(f"{path}: the file is empty")
    return text, encoding


def split_paragraphs(text: str, start: int = 0, end: int | None = None) -> list[Paragraph]:
    """Split text[start:end] at blank lines into trimmed paragraphs."""
    end = len(text) if end is None else end
    paragraphs = []
    pos = start
    for match in _BLANK_LINES.finditer(text, start, end):
        _add_trimmed(text, pos, match.start(), paragraphs)
        pos = match.end()
    _add_trimmed(text, pos, end, paragraphs)
    return paragraphs


def _add_trimmed(text: str, start: int, end: int, out: list[Paragraph]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start < end:
        out.append(Paragraph(start, end))


def is_heading(text: str) -> bool:
    """Whether a paragraph's text is a chapter heading (first line decides)."""
    if len(text) > _MAX_HEADING_CHARS:
        return False
    lines = text.split("\n")
    return len(lines) <= 3 and bool(_HEADING.match(lines[0]))


def heading_title(text: str) -> str:
    """A heading paragraph as one line: `CHAPTER I.` + `The Storm` -> `CHAPTER I: The Storm`."""
    lines = [line.strip().lstrip("#").strip().strip("_*") for line in text.split("\n")]
    lines = [line for line in lines if line]
    if len(lines) > 1:
        return lines[0].rstrip(".:") + ": " + " ".join(lines[1:])
    return lines[0].rstrip(".") if lines else ""


def title_from_path(path: Path | None) -> str:
    """A readable title from a file name: `the_long_night.txt` -> `The Long Night`."""
    if path is None:
        return "Untitled"
    words = re.split(r"[\s_\-]+", path.stem)
    return " ".join(w[:1].upper() + w[1:] for w in words if w) or "Untitled"


def _is_byline(text: str) -> bool:
    meta = _META.match(text)
    return bool(_BY_LINE.match(text) or (meta and meta.group(1).lower() in ("by", "author")))


def _front_matter(text: str, paragraphs: list[Paragraph]) -> tuple[int, str | None, str | None]:
    """Count leading title/author paragraphs; return (count, title, author)."""
    title = author = None
    count = 0
    for i, para in enumerate(paragraphs[:4]):
        body = text[para.start : para.end]
        if "\n" in body.strip() or len(body) > 100 or is_heading(body):
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
            title = body.strip()
        else:
            break
        count = i + 1
    return count, title, author


def parse_book(text: str, source: Path | None = None, encoding: str = "utf-8") -> Book:
    """Split decoded text into front matter, chapters and paragraphs."""
    paragraphs = split_paragraphs(text)
    n_front, title, author = _front_matter(text, paragraphs)
    front, paragraphs = paragraphs[:n_front], paragraphs[n_front:]

    chapters: list[Chapter] = []
    current: Chapter | None = None
    for para in paragraphs:
        body = text[para.start : para.end]
        if is_heading(body):
            if current is not None and not current.paragraphs:
                # A part heading right before a chapter heading: one opening.
                current.headings.append(para)
                current.title += " - " + heading_title(body)
                continue
            current = Chapter(len(chapters) + 1, heading_title(body), headings=[para])
            chapters.append(current)
            continue
        if current is None:
            current = Chapter(1, "Opening")
            chapters.append(current)
        current.paragraphs.append(para)

    book_title = title or title_from_path(source)
    if not chapters:
        chapters = [Chapter(1, book_title)]
    elif len(chapters) == 1 and not chapters[0].headings:
        chapters[0].title = book_title
    return Book(text, book_title, author, chapters, front, source, encoding)


def load_book(path: Path) -> Book:
    """Load a story file (plain text or Markdown) into a Book."""
    text, encoding = read_text(path)
    return parse_book(text, path, encoding)
