"""A user's corrections to the script, applied between the segmenter and attribution.

A correction names the words of one line (`text:`), found in the first segment
that contains them (ignoring case, runs of whitespace and the style of quote
marks), optionally only in one chapter (`chapter:`) and at a later match
(`nth:`, from 1). It says who speaks that quote (`speaker:`), that the span is
narration after all (`kind: narration`), or that words in the narration are a
quote the segmenter missed (`kind: dialogue`). Changes of kind are made first,
in file order; the speakers then become fixed evidence for attribution.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from audiobook.errors import InputError
from audiobook.segmenter import NARRATOR, Segment

KINDS = ("narration", "dialogue")
"""Values of a correction's `kind:`."""
MARKS = "\"'\u201c\u201d\u2018\u2019\u201e\u201f\u201a\u201b"
"""Quote marks a span of found words may be widened to take in."""
_STRAIGHT = str.maketrans({"\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"',
                           "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'"})
_SPACE = re.compile(r"\s+")


@dataclass
class Correction:
    """One entry of the cast file's `corrections:` list."""

    text: str
    """Words of the line, as `audiobook segment` prints them."""
    speaker: str | None = None
    """Canonical name of who says it, or `narrator`; None when only the kind changes."""
    kind: str | None = None
    """`narration`, `dialogue`, or None for a speaker correction."""
    chapter: int | None = None
    """Search this chapter only (1-based)."""
    nth: int = 1
    """Take the nth match (in the chapter if one is given, else in the book)."""
    where: str = ""
    """`FILE:LINE:COLUMN` of the entry, for error messages."""


def normalize(text: str) -> str:
    """Lower case, straight quote marks, one space for any run of whitespace."""
    return _SPACE.sub(" ", text.translate(_STRAIGHT).lower()).strip()


def _normalized_map(text: str) -> tuple[str, list[int]]:
    """`normalize(text)` and, for each of its characters, the offset it came from."""
    out: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        if ch.isspace():
            if out and out[-1] != " ":
                out.append(" ")
                where.append(i)
            continue
        for low in ch.translate(_STRAIGHT).lower():
            out.append(low)
            where.append(i)
    if out and out[-1] == " ":
        out.pop()
        where.pop()
    return "".join(out), where


def _matches(segments: Iterable[Segment], words: str, chapter: int | None) -> list[Segment]:
    return [s for s in segments
            if (chapter is None or s.chapter == chapter) and words in normalize(s.text)]


def _pick(c: Correction, found: list[Segment], what: str, chapters: int) -> Segment:
    if len(found) >= c.nth:
        return found[c.nth - 1]
    if c.chapter is not None and c.chapter > chapters:
        raise InputError(f"{c.where}: chapter {c.chapter} is not in the book (it has "
                         f"{chapters}); fix or remove the correction's chapter:")
    place = f" in chapter {c.chapter}" if c.chapter is not None else ""
    if found:
        times = "once" if len(found) == 1 else f"{len(found)} times"
        raise InputError(f"{c.where}: {c.text!r} is in a {what}{place} only {times}, not "
                         f"nth: {c.nth}; `audiobook segment BOOK` prints the script")
    raise InputError(f"{c.where}: no {what}{place} contains {c.text!r}; copy the words from "
                     f"`audiobook segment BOOK`, which prints the script")


def _trimmed(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end and re.search(r"\w", text[start:end]) else None


def _make_dialogue(segments: list[Segment], seg: Segment, words: str, text: str) -> Segment:
    """Split a narration segment around the found words; return the new dialogue segment."""
    norm, where = _normalized_map(seg.text)
    at = norm.index(words)
    start = seg.start + where[at]
    end = seg.start + where[at + len(words) - 1] + 1
    while start > seg.start and text[start - 1] in MARKS:
        start -= 1
    while end < seg.end and text[end] in MARKS:
        end += 1
    quote = Segment(seg.chapter, "dialogue", "", start, end, text[start:end], seg.paragraph)
    pieces = []
    before = _trimmed(text, seg.start, start)
    if before:
        pieces.append(Segment(seg.chapter, "narration", NARRATOR, *before,
                              text[before[0]:before[1]], seg.paragraph))
    pieces.append(quote)
    after = _trimmed(text, end, seg.end)
    if after:
        pieces.append(Segment(seg.chapter, "narration", NARRATOR, *after,
                              text[after[0]:after[1]], seg.paragraph))
    i = next(k for k, s in enumerate(segments) if s is seg)
    segments[i:i + 1] = pieces
    return quote


def _renumber(segments: list[Segment]) -> None:
    """Utterance ids 0, 1, 2... in text order; pieces of one utterance keep sharing one."""
    number, last = -1, None
    for seg in segments:
        if seg.kind != "dialogue":
            continue
        key = seg.quote if seg.quote >= 0 else id(seg)
        if key != last:
            number += 1
            last = key
        seg.quote = number


def apply_corrections(segments: list[Segment], corrections: list[Correction], text: str
                      ) -> dict[int, str]:
    """Apply the changes of kind to `segments` in place; return the fixed speakers.

    The result maps utterance ids (`Segment.quote`) to the speaker a correction
    gives them, for `attribute(..., fixed=...)`. Raises InputError, with the
    entry's file and line, for a correction whose words match nothing.
    """
    return fixed_speakers(corrections, resolve(segments, corrections, text))


def fixed_speakers(corrections: list[Correction], targets: list[Segment]) -> dict[int, str]:
    """Utterance id -> speaker, from the corrections and the lines `resolve` found."""
    return {seg.quote: c.speaker for c, seg in zip(corrections, targets)
            if c.speaker and seg.kind == "dialogue"}


def resolve(segments: list[Segment], corrections: list[Correction], text: str
            ) -> list[Segment]:
    """Apply the changes of kind to `segments` in place; return the line each correction
    found, in the same order as `corrections`."""
    if not corrections:
        return []
    chapters = max((s.chapter for s in segments), default=0)
    targets: dict[int, Segment] = {}
    changed = False
    for i, c in enumerate(corrections):
        if c.kind is None:
            continue
        words = normalize(c.text)
        own, other = ("dialogue", "narration") if c.kind == "narration" else (
            "narration", "dialogue")
        found = _matches((s for s in segments if s.kind == own), words, c.chapter)
        if len(found) < c.nth:
            # Already of the kind asked for (the segmenter may have learned better).
            found = _matches((s for s in segments if s.kind == other), words, c.chapter)
            seg = _pick(c, found, "quote or narration", chapters)
        else:
            seg = found[c.nth - 1]
            changed = True
            if c.kind == "narration":
                seg.kind, seg.speaker, seg.quote, seg.confidence = "narration", NARRATOR, -1, None
            else:
                seg = _make_dialogue(segments, seg, words, text)
        targets[i] = seg
    if changed:
        _renumber(segments)
    dialogue = [s for s in segments if s.kind == "dialogue"]
    for i, c in enumerate(corrections):
        if c.kind is None:
            targets[i] = _pick(c, _matches(dialogue, normalize(c.text), c.chapter), "quote",
                               chapters)
    return [targets[i] for i in range(len(corrections))]


def describe(segments: list[Segment], target: Segment, words: str | None = None,
             min_words: int = 6) -> dict:
    """The `text:`, `chapter:` (and `nth:` if needed) that find `target` again.

    Without `words`, the first few words of the line, more while a line of its
    chapter before it contains them too; `nth:` only for repeated lines
    ("Yes."). With `words` (a selection inside the line), those words.
    """
    same = [s for s in segments if s.chapter == target.chapter and s.kind == target.kind]
    written = " ".join(target.text.split()).strip(MARKS + " ").split(" ")
    counts = [len(written)] if words else range(min(min_words, len(written)), len(written) + 1)
    for count in counts:
        phrase = " ".join(words.split()) if words else " ".join(written[:count])
        found = _matches(same, normalize(phrase), None)
        if not any(s is target for s in found):
            raise ValueError(f"{phrase!r} is not in the line")
        if found[0] is target or count == len(written):
            out = {"text": phrase, "chapter": target.chapter}
            nth = next(i for i, s in enumerate(found, 1) if s is target)
            if nth > 1:
                out["nth"] = nth
            return out
    raise AssertionError("unreachable")
