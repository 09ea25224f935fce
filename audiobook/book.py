"""Loading a story: decoding, paragraphs, chapter headings and title metadata.

Every position kept here is a character offset into `Book.text`, the decoded
input with universal newlines, so later stages can point back to the source.
(For EPUB and HTML, `Book.text` is the text extracted from the markup.)

Paragraphs that are kept but not read (disclaimers, author's notes, scene-break
markers, front and back matter) have `kind="skipped"`, so every letter of the
input still belongs to some paragraph and, later, to exactly one segment.
"""

from __future__ import annotations

import codecs
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

from audiobook.errors import InputError

log = logging.getLogger("audiobook")

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
SCENE_BREAK_BLANK_LINES = 2
"""This many blank lines or more between paragraphs mark a scene break (when the
book does not use them between every paragraph)."""


@dataclass(frozen=True)
class Paragraph:
    """A span of `Book.text` between blank lines."""

    start: int
    """Offset of the first non-blank character."""
    end: int
    """Offset just past the last non-blank character."""
    kind: str = "text"
    """`text` (read aloud) or `skipped` (kept for offsets, not read)."""


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
    """Title/author lines at the top (announced once instead of read as text) and
    skipped paragraphs before the first chapter."""
    source: Path | None = None
    """The file the book was loaded from."""
    encoding: str = "utf-8"
    """The encoding the input was decoded with."""
    scene_breaks: list[int] = field(default_factory=list)
    """Sorted offsets of paragraphs that begin a new scene (a longer pause before them)."""
    language: str | None = None
    """Language tag from the book's metadata (`en`, `en-GB`)."""
    cover: bytes | None = None
    """Cover image (JPEG or PNG) found in the book."""


ENCODING_NAMES = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 with BOM", "utf-16": "UTF-16",
                  "utf-16-le": "UTF-16 (little-endian, no BOM)",
                  "utf-16-be": "UTF-16 (big-endian, no BOM)", "cp1252": "Windows-1252",
                  "latin-1": "Latin-1 (ISO-8859-1)", "utf-8-damaged": "UTF-8"}
"""Readable names for the encodings `decode` reports."""
_SNIFF_BYTES = 65536
_MAX_NON_TEXT_SHARE = 0.05
"""Above this share of control or undecodable characters, a file is not text."""
_NOT_TEXT = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f\ufffd\ufffe\uffff]")
"""Characters no story contains: C0/C1 controls (not whitespace), replacement marks."""


def _cp1252(data: bytes) -> str:
    # Windows-1252 as browsers read it: the five bytes it leaves undefined keep
    # their Latin-1 meaning, so a Latin-1 file with 0x93/0x94 gets curly quotes.
    return data.decode("cp1252", errors="_audiobook_latin1")


def _latin1_fallback(err: UnicodeDecodeError) -> tuple[str, int]:
    return err.object[err.start : err.end].decode("latin-1"), err.end


codecs.register_error("_audiobook_latin1", _latin1_fallback)


def _bomless_utf16(data: bytes) -> str | None:
    """`utf-16-le`/`utf-16-be` when the bytes look like mostly-ASCII UTF-16 without a BOM."""
    sample = data[:_SNIFF_BYTES]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.7 * len(odd) and even.count(0) < 0.1 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.7 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "utf-16-be"
    return None


def decode(data: bytes, name: str = "input") -> tuple[str, str]:
    """Decode raw bytes to text with universal newlines; return (text, encoding).

    UTF-8 (with or without BOM) and UTF-16 (with BOM, or plainly recognisable
    without one) are read as such; anything else that is not valid UTF-8 is
    read as Windows-1252/Latin-1, with a note logged. Binary data raises
    InputError ("not a text file").
    """
    if data.startswith(b"\xef\xbb\xbf"):
        text, encoding = data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")) or (
            b"\x00" in data[:_SNIFF_BYTES] and _bomless_utf16(data)):
        encoding = "utf-16" if data.startswith((b"\xff\xfe", b"\xfe\xff")) else (
            _bomless_utf16(data) or "utf-16")
        if len(data) % 2:
            raise InputError(f"{name}: broken UTF-16 text (an odd number of bytes)")
        try:
            text = data.decode(encoding).lstrip("\ufeff")
        except UnicodeDecodeError as err:
            raise InputError(f"{name}: broken UTF-16 text ({err.reason})") from None
    elif b"\x00" in data[:_SNIFF_BYTES]:
        raise InputError(f"{name}: not a text file (it contains NUL bytes)")
    else:
        try:
            text, encoding = data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            text, encoding = _damaged_utf8_or_cp1252(data)
    sample = text[:_SNIFF_BYTES]
    odd = len(_NOT_TEXT.findall(sample))
    # A share, but not from one stray byte in a short file.
    if sample and odd / len(sample) > _MAX_NON_TEXT_SHARE and (
            odd >= 4 or odd / len(sample) > 0.3):
        raise InputError(f"{name}: not a text file (mostly binary bytes)")
    if encoding == "utf-8-damaged":
        bad = text.count("\ufffd")
        log.info("%s: %d byte(s) that are not valid UTF-8 were replaced", name, bad)
        encoding = "utf-8"
    elif encoding not in ("utf-8", "utf-8-sig"):
        log.info("%s: not UTF-8; read as %s", name, ENCODING_NAMES.get(encoding, encoding))
    return text.replace("\r\n", "\n").replace("\r", "\n"), encoding


def _damaged_utf8_or_cp1252(data: bytes) -> tuple[str, str]:
    """Mostly valid UTF-8 with a few broken bytes stays UTF-8 (a single-byte reading
    would garble every accented letter); anything else is Windows-1252/Latin-1."""
    text = data.decode("utf-8", errors="replace")
    broken = text.count("\ufffd")
    multibyte = len(text) - len(text.encode("ascii", "ignore")) - broken
    if multibyte >= 4 * broken:
        return text, "utf-8-damaged"
    single = _cp1252(data)
    c1_bytes = any(0x80 <= b <= 0x9F for b in data)
    return single, "cp1252" if c1_bytes else "latin-1"


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
    lines = [line for line in lines if line and not re.fullmatch(r"[=\-]+", line)]
    if len(lines) > 1:
        return lines[0].rstrip(".:") + ": " + " ".join(lines[1:])
    return lines[0].rstrip(".") if lines else ""


def title_from_path(path: Path | None) -> str:
    """A readable title from a file name: `the_long_night.txt` -> `The Long Night`."""
    if path is None:
        return "Untitled"
    words = re.split(r"[\s_\-]+", path.stem)
    return " ".join(w[:1].upper() + w[1:] for w in words if w) or "Untitled"


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


def blank_line_breaks(text: str, paragraphs: list[Paragraph]) -> list[int]:
    """Offsets of paragraphs preceded by a run of blank lines longer than the book's usual gap."""
    pairs = zip(paragraphs, paragraphs[1:], strict=False)
    gaps = [text.count("\n", a.end, b.start) - 1 for a, b in pairs]
    if not gaps:
        return []
    usual = sorted(gaps)[len(gaps) // 2]
    threshold = max(SCENE_BREAK_BLANK_LINES, usual + 1)
    return [b.start for gap, b in zip(gaps, paragraphs[1:], strict=True) if gap >= threshold]


def assemble(text: str, paragraphs: list[Paragraph], headings: set[int], *, title: str,
             author: str | None = None, source: Path | None = None, encoding: str = "utf-8",
             scene_breaks: list[int] | None = None) -> Book:
    """Group classified paragraphs into front matter and chapters.

    `headings` holds the start offsets of heading paragraphs; leading `skipped`
    paragraphs (and any passed in as title lines) become `Book.front`.
    """
    front: list[Paragraph] = []
    chapters: list[Chapter] = []
    current: Chapter | None = None
    for para in paragraphs:
        body = text[para.start : para.end]
        if para.start in headings:
            if current is not None and not current.paragraphs:
                # A part heading right before a chapter heading: one opening.
                current.headings.append(para)
                current.title += " - " + heading_title(body)
                continue
            current = Chapter(len(chapters) + 1, heading_title(body), headings=[para])
            chapters.append(current)
            continue
        if current is None:
            if para.kind == "skipped":
                front.append(para)
                continue
            current = Chapter(1, "Opening")
            chapters.append(current)
        current.paragraphs.append(para)
    if not chapters:
        chapters = [Chapter(1, title)]
    elif len(chapters) == 1 and not chapters[0].headings:
        chapters[0].title = title
    return Book(text, title, author, chapters, front, source, encoding,
                sorted(set(scene_breaks or [])))


def parse_book(text: str, source: Path | None = None, encoding: str = "utf-8",
               keep_notes: bool = False) -> Book:
    """Split decoded text into front matter, chapters and paragraphs."""
    paragraphs = split_paragraphs(text)
    n_front, title, author = front_matter(text, paragraphs)
    front, paragraphs = paragraphs[:n_front], paragraphs[n_front:]
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


def load_book(path: Path, keep_notes: bool = False) -> Book:
    """Load a story file (.txt, .md, .html, .epub) into a Book."""
    suffix = path.suffix.lower()
    if suffix == ".epub":
        from audiobook.formats.epub import load_epub

        return load_epub(path, keep_notes=keep_notes)
    if suffix in (".html", ".htm", ".xhtml"):
        from audiobook.formats.html import load_html

        return load_html(path, keep_notes=keep_notes)
    text, encoding = read_text(path)
    if suffix in (".md", ".markdown"):
        from audiobook.formats.markdown import parse_markdown

        return parse_markdown(text, path, encoding, keep_notes=keep_notes)
    return parse_book(text, path, encoding, keep_notes=keep_notes)
