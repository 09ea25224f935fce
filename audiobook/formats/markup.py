"""HTML and XHTML as text blocks (paragraphs, headings, breaks, notes): shared by the
readers of HTML, EPUB and fan-fiction downloads.

Python's own `html.parser` is used: it never fetches anything and expands
only the standard HTML character references, so a hostile document cannot
pull in files or blow up through entity expansion.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser

from audiobook.formats.common import heading_title
from audiobook.formats.conventions import is_note, is_scene_break
from audiobook.model import Chapter, Paragraph

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

Marker = Callable[[str, dict[str, str]], tuple[str, ...]]
"""Names a reader gives an element (`#preface`, `.byline`, `blockquote`) so that each
block knows which of them it sits in: (tag, attributes) -> markers, usually none."""



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
    context: frozenset[str] = frozenset()
    """The markers (see `Marker`) of the elements the block sits in."""


class _Extractor(HTMLParser):
    def __init__(self, marker: Marker | None = None) -> None:
        super().__init__(convert_charrefs=True)
        self.marker = marker
        self._marks: Counter[str] = Counter()
        self.blocks: list[Block] = []
        self.title = ""
        self.meta: dict[str, str] = {}
        self.body_types: set[str] = set()
        self._text: list[str] = []
        self._ids: list[str] = []
        # tag, note?, hidden?, markers
        self._stack: list[tuple[str, bool, bool, tuple[str, ...]]] = []
        # Counts kept beside the stack so deep nesting costs O(1) per tag, not O(depth).
        self._open: Counter[str] = Counter()
        self._depth = [0, 0, 0]  # unused, notes, hidden: open entries of each
        self._heading = 0
        self._in_title = False

    # Context of the current position.
    def _in(self, index: int) -> bool:
        return self._depth[index] > 0

    def _push(self, entry: tuple[str, bool, bool, tuple[str, ...]]) -> None:
        self._stack.append(entry)
        self._open[entry[0]] += 1
        self._marks.update(entry[3])
        self._depth[1] += entry[1]
        self._depth[2] += entry[2]

    def _pop(self) -> tuple[str, bool, bool, tuple[str, ...]]:
        entry = self._stack.pop()
        self._open[entry[0]] -= 1
        self._marks.subtract(entry[3])
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
            self.blocks.append(Block("", "break", ids=self._take_ids(), context=self._context()))
        if tag in _VOID:
            return
        note = bool(types & NOTE_TYPES) or tag == "aside"
        hidden = (tag in _IGNORED or bool(types & _NOTEREF) or "hidden" in attrs
                  or (tag == "sup" and self._looks_like_noteref(attrs)))
        if tag in _BLOCK_TAGS or tag in _HEADINGS or note:
            self._flush()
        if tag in _HEADINGS:
            self._heading = _HEADINGS[tag]
        marks = self.marker(tag, attrs) if self.marker else ()
        self._push((tag, note, hidden, marks))

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
            open_tag, note, _, _ = self._stack[-1]
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
        self.blocks.append(Block(text, kind, self._heading, self._take_ids(), self._context()))

    def _context(self) -> frozenset[str]:
        # The markers' vocabulary is small, so this stays cheap however deep the nesting.
        return frozenset(m for m, n in self._marks.items() if n > 0)

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


def extract(markup: str, marker: Marker | None = None) -> Document:
    """Blocks of text from an HTML/XHTML document, each with the markers it sits in."""
    parser = _Extractor(marker)
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


def chapters_from_blocks(blocks: list[Block], kinds: list[str], front: list[bool], title: str
                         ) -> tuple[str, list[Paragraph], list[Chapter], list[int]]:
    """The text, front matter, chapters and scene breaks of blocks whose paragraph kinds
    are decided (`heading` starts a chapter). Blocks marked `front` before the first
    chapter are front matter; other text before any heading is a chapter named `title`
    (a one-chapter work); a heading right after another joins it as one opening."""
    text, paragraphs, breaks = build_text(list(zip(blocks, kinds, strict=True)))
    kept = [(b, k, f) for b, k, f in zip(blocks, kinds, front, strict=True)
            if not (b.kind == "break" and not b.text)]
    matter: list[Paragraph] = []
    chapters: list[Chapter] = []
    current: Chapter | None = None
    for (block, kind, in_front), para in zip(kept, paragraphs, strict=True):
        if kind == "heading":
            para = Paragraph(para.start, para.end)
            if current is not None and not current.paragraphs:
                current.headings.append(para)
                continue
            current = Chapter(len(chapters) + 1, heading_title(block.text), headings=[para])
            chapters.append(current)
        elif in_front and current is None:
            matter.append(para)
        else:
            if current is None:
                current = Chapter(1, title)
                chapters.append(current)
            current.paragraphs.append(para)
    return text, matter, chapters or [Chapter(1, title)], breaks
