"""HTML and XHTML: text blocks (paragraphs, headings, breaks, notes) from markup.

Python's own `html.parser` is used: it never fetches anything and expands
only the standard HTML character references, so a hostile document cannot
pull in files or blow up through entity expansion.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from audiobook.book import (
    MAX_INPUT_BYTES,
    Book,
    Paragraph,
    assemble,
    decode,
    is_note,
    is_scene_break,
    title_from_path,
)
from audiobook.errors import InputError

_BLOCK_TAGS = {"p", "div", "li", "blockquote", "pre", "tr", "dd", "dt", "figcaption",
               "section", "article", "header", "footer", "td", "th", "caption", "table",
               "ul", "ol", "dl", "figure", "main", "body"}
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_IGNORED = {"script", "style", "head", "title", "svg", "math", "template", "noscript"}
_VOID = {"br", "hr", "img", "meta", "link", "input", "wbr", "col", "area", "base", "source"}
NOTE_TYPES = {"footnote", "footnotes", "endnote", "endnotes", "rearnote", "rearnotes", "note",
              "doc-footnote", "doc-endnote", "doc-endnotes"}
"""epub:type / role values of notes: kept as skipped text, never read mid-sentence."""
_NOTEREF = {"noteref", "doc-noteref"}
_SPACES = re.compile(r"[ \t\r\n\f\v\u00a0]+")


@dataclass
class Block:
    """One paragraph-like piece of a document."""

    text: str
    kind: str = "text"
    """`text`, `heading`, `skipped` or `break` (a scene break: `<hr>`)."""
    level: int = 0
    """Heading level (1-6) for headings."""
    ids: list[str] = field(default_factory=list)
    """Element ids that point at (or just before) this block."""


class _Extractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self.title = ""
        self.meta: dict[str, str] = {}
        self.body_types: set[str] = set()
        self._text: list[str] = []
        self._ids: list[str] = []
        self._stack: list[tuple[str, bool, bool]] = []  # tag, note?, hidden?
        # Counts kept beside the stack so deep nesting costs O(1) per tag, not O(depth).
        self._open: Counter[str] = Counter()
        self._depth = [0, 0, 0]  # unused, notes, hidden: open entries of each
        self._heading = 0
        self._in_title = False

    # Context of the current position.
    def _in(self, index: int) -> bool:
        return self._depth[index] > 0

    def _push(self, entry: tuple[str, bool, bool]) -> None:
        self._stack.append(entry)
        self._open[entry[0]] += 1
        self._depth[1] += entry[1]
        self._depth[2] += entry[2]

    def _pop(self) -> tuple[str, bool, bool]:
        entry = self._stack.pop()
        self._open[entry[0]] -= 1
        self._depth[1] -= entry[1]
        self._depth[2] -= entry[2]
        return entry

    def handle_starttag(self, tag, attrs):
        attrs = {k.lower(): (v or "") for k, v in attrs}
        types = set((attrs.get("epub:type", "") + " " + attrs.get("role", "")).lower().split())
        if tag == "meta" and attrs.get("name"):
            self.meta[attrs["name"].lower()] = attrs.get("content", "")
        if tag == "title":
            self._in_title = True
        if attrs.get("id"):
            self._ids.append(attrs["id"])
        if tag == "body":
            self.body_types = types
        if tag in ("br",):
            self._text.append("\n")
        if tag == "hr" and not self._in(1):
            self._flush()
            self.blocks.append(Block("", "break", ids=self._take_ids()))
        if tag in _VOID:
            return
        note = bool(types & NOTE_TYPES) or tag == "aside"
        hidden = (tag in _IGNORED or bool(types & _NOTEREF) or "hidden" in attrs
                  or (tag == "sup" and self._looks_like_noteref(attrs)))
        if tag in _BLOCK_TAGS or tag in _HEADINGS or note:
            self._flush()
        if tag in _HEADINGS:
            self._heading = _HEADINGS[tag]
        self._push((tag, note, hidden))

    @staticmethod
    def _looks_like_noteref(attrs: dict) -> bool:
        return "note" in attrs.get("class", "").lower()

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False
        if tag in _VOID:
            return
        if not self._open[tag]:
            return  # a stray end tag
        while self._stack:
            open_tag, note, _ = self._stack[-1]
            if open_tag in _BLOCK_TAGS or open_tag in _HEADINGS or note:
                self._flush()
            if open_tag in _HEADINGS:
                self._heading = 0
            self._pop()
            if open_tag == tag:
                break

    def handle_data(self, data):
        if self._in_title:
            self.title += data
            return
        if self._in(2):
            return
        self._text.append(data)

    def _take_ids(self) -> list[str]:
        ids, self._ids = self._ids, []
        return ids

    def _flush(self) -> None:
        text = "\n".join(_SPACES.sub(" ", line).strip() for line in "".join(self._text).split("\n"))
        text = "\n".join(line for line in text.split("\n") if line)
        self._text = []
        if not text:
            return
        if self._in(1):
            kind = "skipped"
        elif self._heading:
            kind = "heading"
        elif is_scene_break(text):
            kind = "break"
        else:
            kind = "text"
        self.blocks.append(Block(text, kind, self._heading, self._take_ids()))

    def close(self) -> None:
        super().close()
        self._flush()
        if self._ids and self.blocks:
            self.blocks[-1].ids += self._take_ids()


@dataclass
class Document:
    """What one HTML document holds."""

    blocks: list[Block]
    title: str
    meta: dict[str, str]
    types: set[str]
    """epub:type values of its body (`frontmatter`, `copyright-page`...)."""


def extract(markup: str) -> Document:
    """Blocks of text from an HTML/XHTML document."""
    parser = _Extractor()
    parser.feed(markup)
    parser.close()
    return Document(parser.blocks, _SPACES.sub(" ", parser.title).strip(), parser.meta,
                    parser.body_types)


def build_text(blocks: list[tuple[Block, str]]) -> tuple[str, list[Paragraph], list[int]]:
    """Join blocks into one text; return it, its paragraphs (with kinds) and scene breaks.

    Each entry is (block, kind to give its paragraph). A `break` block adds no text:
    the next paragraph is marked as starting a new scene.
    """
    parts: list[str] = []
    paragraphs: list[Paragraph] = []
    breaks: list[int] = []
    pos = 0
    pending_break = False
    for block, kind in blocks:
        if block.kind == "break" and not block.text:
            pending_break = True
            continue
        if parts:
            parts.append("\n\n")
            pos += 2
        if pending_break and kind != "skipped":
            breaks.append(pos)
            pending_break = False
        parts.append(block.text)
        paragraphs.append(Paragraph(pos, pos + len(block.text), kind))
        pos += len(block.text)
        if block.kind == "break":
            pending_break = True
    return "".join(parts), paragraphs, breaks


def block_kind(block: Block, keep_notes: bool) -> str:
    """The paragraph kind a block gets: `skipped` for notes, breaks and note markers."""
    if block.kind in ("skipped", "break"):
        return "skipped"
    if not keep_notes and block.kind == "text" and is_note(block.text):
        return "skipped"
    return "text"


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
    return book


def load_html(path: Path, keep_notes: bool = False) -> Book:
    """Load an .html/.htm/.xhtml file."""
    try:
        if path.stat().st_size > MAX_INPUT_BYTES:
            raise InputError(f"{path}: too large")
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except OSError as err:
        raise InputError(f"{path}: cannot read ({err.strerror})") from None
    text, encoding = decode(data, str(path))
    book = parse_html(text, path, encoding, keep_notes=keep_notes)
    if not book.text.strip():
        raise InputError(f"{path}: no text found in the HTML")
    return book
