"""Splitting a book into narration, dialogue and heading segments.

A dialogue segment's span includes its quote marks. A quote left open at the
end of a paragraph ends there: if the next paragraph opens with a quote mark,
the quote continues (the usual multi-paragraph convention); otherwise the
unbalanced mark is read as narration-free dialogue for that paragraph only,
so it can never swallow the rest of a chapter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from audiobook.book import Book, Paragraph

NARRATOR = "narrator"
"""Speaker name of every non-dialogue segment."""

_WORDLIKE = re.compile(r"\w")
_OPEN_DOUBLE = "\u201c"
_CLOSE_DOUBLE = "\u201d"
_STRAIGHT = '"'


@dataclass
class Segment:
    """A stretch of the book read by one voice."""

    chapter: int
    """1-based chapter index."""
    kind: str
    """`narration`, `dialogue`, `heading`, `title` or `skipped` (kept, not read)."""
    speaker: str
    """Canonical character name for dialogue, `narrator` otherwise."""
    start: int
    """Offset of the first character in `Book.text`."""
    end: int
    """Offset just past the last character."""
    text: str
    """The source text of the span."""
    paragraph: int = 0
    """Book-wide index of the paragraph the segment belongs to."""
    quote: int = -1
    """Index of the utterance (interrupted quotes share one) or -1 for non-dialogue."""

    def to_dict(self) -> dict:
        return {
            "chapter": self.chapter,
            "kind": self.kind,
            "speaker": self.speaker,
            "start": self.start,
            "end": self.end,
            "text": self.text,
        }


def quote_spans(text: str, start: int, end: int) -> tuple[list[tuple[int, int]], bool]:
    """Find double-quoted spans in text[start:end].

    Returns the spans (quote marks included) and whether a quote was still open
    at the end (its span then runs to `end`).
    """
    spans: list[tuple[int, int]] = []
    open_at = -1
    for i in range(start, end):
        ch = text[i]
        if ch not in '"\u201c\u201d':
            continue
        if open_at < 0:
            if ch == _CLOSE_DOUBLE and i > start and not text[i - 1].isspace():
                continue  # a stray closing mark: not an opening
            open_at = i
        elif ch == _OPEN_DOUBLE and text[i - 1].isspace():
            # A new opening mark while one is open: the first was never closed.
            spans.append((open_at, i))
            open_at = i
        else:
            spans.append((open_at, i + 1))
            open_at = -1
    if open_at >= 0:
        spans.append((open_at, end))
        return spans, True
    return spans, False


def _narration_piece(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start < end and _WORDLIKE.search(text, start, end):
        return start, end
    return None


def segment_paragraph(
    text: str, para: Paragraph, chapter: int, index: int, first_quote: int
) -> tuple[list[Segment], int, bool]:
    """Segments of one body paragraph; returns (segments, next quote id, left open)."""
    spans, left_open = quote_spans(text, para.start, para.end)
    segments: list[Segment] = []
    pos = para.start
    quote = first_quote
    last_dialogue_end = None
    for qs, qe in spans:
        piece = _narration_piece(text, pos, qs)
        if piece:
            segments.append(
                Segment(chapter, "narration", NARRATOR, *piece, text[piece[0] : piece[1]], index)
            )
        # An interrupted quote ("Well," she said, "maybe.") is one utterance:
        # the next quote joins it when only a short tag stands between them.
        if last_dialogue_end is None or not _is_interruption(text, last_dialogue_end, qs):
            quote += 1
        if not _WORDLIKE.search(text, qs, qe):
            # Marks around nothing speakable ("" or a lone mark): narration.
            piece = _narration_piece(text, qs, qe)
            if piece:
                segments.append(
                    Segment(chapter, "narration", NARRATOR, *piece, text[qs:qe], index)
                )
            pos = qe
            continue
        segments.append(Segment(chapter, "dialogue", "", qs, qe, text[qs:qe], index, quote))
        last_dialogue_end = qe
        pos = qe
    piece = _narration_piece(text, pos, para.end)
    if piece:
        segments.append(
            Segment(chapter, "narration", NARRATOR, *piece, text[piece[0] : piece[1]], index)
        )
    return segments, quote, left_open


def _is_interruption(text: str, end: int, start: int) -> bool:
    between = text[end:start]
    return len(between) < 80 and not re.search(r"[.!?]\s*$", text[end - 2 : end].strip('"\u201d'))


def segment_book(book: Book) -> list[Segment]:
    """All segments of a book in text order; dialogue speakers are left empty."""
    text = book.text
    segments: list[Segment] = []
    index = 0
    for para in book.front:
        kind = "skipped" if para.kind == "skipped" else "title"
        segments.append(
            Segment(1, kind, NARRATOR, para.start, para.end, text[para.start : para.end], index)
        )
        index += 1
    quote = -1
    for chapter in book.chapters:
        for para in chapter.headings:
            segments.append(
                Segment(chapter.index, "heading", NARRATOR, para.start, para.end,
                        text[para.start : para.end], index)
            )
            index += 1
        continued = False
        for para in chapter.paragraphs:
            if para.kind == "skipped":
                # Not read (notes, scene-break marks, front/back matter), but listed.
                segments.append(Segment(chapter.index, "skipped", NARRATOR, para.start, para.end,
                                        text[para.start : para.end], index))
                index += 1
                continue
            before = quote
            found, quote, left_open = segment_paragraph(text, para, chapter.index, index, quote)
            opens = text[para.start] in '"\u201c'
            if continued and found and found[0].kind == "dialogue" and opens:
                # Continuation of the previous paragraph's open quote: same utterance.
                for seg in found:
                    if seg.quote == before + 1:
                        seg.quote = before
                quote = max((s.quote for s in found), default=before)
            continued = left_open
            segments.extend(found)
            index += 1
    return segments
