"""Shared helpers of the readers: decoding, capped file reads, paragraphs, chapters.

Every reader turns a file into the same `Book` (audiobook.model) and uses these
helpers; none of them knows about any file format.
"""

from __future__ import annotations

import codecs
import logging
import re
from pathlib import Path

from audiobook.errors import InputError
from audiobook.formats.conventions import edge_notes
from audiobook.model import Book, Chapter, Paragraph

log = logging.getLogger("audiobook")

MAX_INPUT_BYTES = 200 * 1024 * 1024
"""Refuse inputs larger than this: no story needs more, and it bounds memory."""
_MARKS = r"[\s~*=_\-\u2013\u2014+<>|\[\]{}]"
_HEADING_MARKS = re.compile(rf"^{_MARKS}+|{_MARKS}+$")
"""Decorations around a heading line (`~ Chapter Three ~`, `**Chapter 2**`)."""
_BLANK_LINES = re.compile(r"\n[ \t\f\v]*\n\s*")
SCENE_BREAK_BLANK_LINES = 2
"""This many blank lines or more between paragraphs mark a scene break (when the
book does not use them between every paragraph)."""

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


def read_bytes(path: Path) -> bytes:
    """A file's bytes, refused with a one-line InputError when missing, unreadable or too large."""
    try:
        size = path.stat().st_size
        if size > MAX_INPUT_BYTES:
            raise InputError(f"{path}: too large ({size} bytes)")
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, not a story file") from None
    except OSError as err:
        raise InputError(f"{path}: cannot read ({err.strerror})") from None


def read_text(path: Path) -> tuple[str, str]:
    """Read and decode a text file; raise InputError for anything unusable."""
    text, encoding = decode(read_bytes(path), str(path))
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


def heading_title(text: str) -> str:
    """A heading paragraph as one line, as written but for its decorations:
    `CHAPTER I.` + `The Storm` -> `CHAPTER I: The Storm`; `~ Chapter Three ~` -> `Chapter Three`."""
    lines = [_HEADING_MARKS.sub("", line.strip().lstrip("#")) for line in text.split("\n")]
    lines = [line for line in lines if line and not re.fullmatch(r"[=\-]+", line)]
    if len(lines) > 1:
        return lines[0].rstrip(".:") + ": " + " ".join(lines[1:])
    return lines[0].rstrip(".") if lines else ""


def join_names(names: list[str]) -> str | None:
    """Authors as a byline says them: `A`, `A and B`, `A, B and C` (None for nobody)."""
    if not names:
        return None
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def title_from_path(path: Path | None) -> str:
    """A readable title from a file name: `the_long_night.txt` -> `The Long Night`."""
    if path is None:
        return "Untitled"
    words = re.split(r"[\s_\-]+", path.stem)
    return " ".join(w[:1].upper() + w[1:] for w in words if w) or "Untitled"



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




def skip_edge_notes(book: Book) -> None:
    """Skip the author's notes with no marker at the start and end of every chapter
    (thanks, review requests, update news, disclaimers). A chapter left with nothing but
    notes (a hiatus notice, an opening before the first heading) is no chapter: its
    paragraphs, heading included, are kept as skipped ones of the chapter before (or of
    the front matter)."""
    text = book.text
    kept: list[Chapter] = []
    for n, chapter in enumerate(book.chapters):
        paras = chapter.paragraphs
        found = edge_notes([text[p.start:p.end] if p.kind == "text" else None for p in paras])
        chapter.paragraphs = [Paragraph(p.start, p.end, "skipped") if i in found else p
                              for i, p in enumerate(paras)]
        others = len(kept) + len(book.chapters) - n - 1  # chapters that would be left
        if found and others and all(p.kind == "skipped" for p in chapter.paragraphs):
            moved = [Paragraph(p.start, p.end, "skipped") for p in chapter.headings]
            moved += chapter.paragraphs
            if kept:
                kept[-1].paragraphs += moved
            else:
                book.front += moved
            continue
        kept.append(chapter)
    if len(kept) < len(book.chapters):
        for n, chapter in enumerate(kept, 1):
            chapter.index = n
        book.chapters = kept
