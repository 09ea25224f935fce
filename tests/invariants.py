"""Checks shared by the robustness, property and fuzz tests."""

from __future__ import annotations

from audiobook.book import Book
from audiobook.segmenter import Segment

KINDS = {"narration", "dialogue", "heading", "title", "skipped"}


def check_segments(book: Book, segments: list[Segment]) -> None:
    """Segments are in text order, never overlap, point at their own text, and every
    letter or digit of the book belongs to exactly one of them."""
    text = book.text
    previous_end = 0
    covered = bytearray(len(text))
    for seg in segments:
        assert seg.kind in KINDS, seg
        assert 0 <= seg.start < seg.end <= len(text), seg
        assert seg.start >= previous_end, f"overlap or out of order at {seg.start}: {seg}"
        assert text[seg.start : seg.end] == seg.text
        covered[seg.start : seg.end] = b"\x01" * (seg.end - seg.start)
        previous_end = seg.end
    lost = [i for i, c in enumerate(text) if c.isalnum() and not covered[i]]
    assert not lost, f"{len(lost)} letters in no segment, first at {lost[0]}: " \
                     f"{text[max(0, lost[0] - 20) : lost[0] + 20]!r}"
