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
from audiobook.lexicon import SPEECH_VERBS

NARRATOR = "narrator"
"""Speaker name of every non-dialogue segment."""

_WORDLIKE = re.compile(r"\w")
_OPEN_DOUBLE = "\u201c"
_CLOSE_DOUBLE = "\u201d"
_MARKS = "\"'\u201c\u201d\u2018\u2019\u00ab\u00bb"
_PAIRS = {"double": (_OPEN_DOUBLE, _CLOSE_DOUBLE), "guillemets": ("\u00ab", "\u00bb"),
          "guillemets-reversed": ("\u00bb", "\u00ab")}
"""Opening and closing marks of each style of double quotation marks."""
_OPENING_MARKS = "\"'\u201c\u2018\u00ab\u00bb"


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
    confidence: float | None = None
    """For dialogue: how sure attribution is of the speaker, 0 to 1 (None: not judged)."""

    def to_dict(self) -> dict:
        out = {
            "chapter": self.chapter,
            "kind": self.kind,
            "speaker": self.speaker,
            "start": self.start,
            "end": self.end,
            "text": self.text,
        }
        if self.confidence is not None:
            out["confidence"] = self.confidence
        return out


# Words that begin with an apostrophe, not a quote mark ('tis, 'em, rock 'n' roll).
ELISIONS = frozenset("""
    tis twas twere twill til till em n cause cos bout round ere neath gainst nother
    im ave er is e ow appen specially ud ll d s t m re ve un uns
""".split())
_SINGLE_OPEN = re.compile(r"(?:(?<=^)|(?<=[\s(\[\u2014\"\u201c-]))['\u2018](?=[\w.\u2014-])")
_SINGLE_CLOSE_AFTER = re.compile(r"(?=[\s,.;:!?)\]\u2014\"\u201d-]|$)")
_DOUBLE_MARKS = re.compile(r'["\u201c\u201d]')


def _elision(text: str, i: int) -> bool:
    m = re.match(r"\w+", text[i + 1:i + 8])
    return bool(m and m.group(0).lower() in ELISIONS and not text[i + 1 + m.end():][:1].isalpha())


_GUILLEMET_OPEN = re.compile(r"(?:^|(?<=\s))([\u00ab\u00bb])\s?\w")
"""A guillemet before a word after a space: the opening mark (`« Où ?` or `»Wo?`)."""


def quote_style(text: str) -> str:
    """Which marks open the book's quotations: `double`, `single` (British style),
    `guillemets` (`« »`) or `guillemets-reversed` (`» «`, as German and Danish print them)."""
    doubles = len(_DOUBLE_MARKS.findall(text))
    opens = [m.group(1) for m in _GUILLEMET_OPEN.finditer(text)]
    if len(opens) > doubles:
        return "guillemets" if opens.count("\u00ab") >= opens.count("\u00bb") else (
            "guillemets-reversed")
    singles = sum(1 for m in _SINGLE_OPEN.finditer(text) if not _elision(text, m.start()))
    return "single" if singles > doubles else "double"


_DASHES = "\u2014\u2015\u2013"
_VERBS = "|".join(sorted(SPEECH_VERBS, key=len, reverse=True))
_DASH_OPENER = re.compile(rf"(?:[{_DASHES}]|--)[ \t]*(?=\S)")
"""A paragraph opened by a dash is a line of speech in the European style (`— Yes.`)."""
DASH_STYLE_MIN_PARAGRAPHS = 3
"""A book uses dash dialogue when at least this many paragraphs open with a dash."""
_SUBJECT = r"(?:he|she|I|they|we|you|it|(?:[A-Z][\w.'\u2019-]*[ \t]+){1,3}?)"
_DASH_TAG = re.compile(
    rf"(?<=[,!?\u2026])[ \t]+(?={_SUBJECT}[ \t]*(?:\w+ly[ \t]+)?(?:{_VERBS})\b"
    rf"|(?:{_VERBS})[ \t]+{_SUBJECT})"
    rf"|[ \t]*[{_DASHES}][ \t]*(?=[a-z])")
"""Where speech gives way to its tag: after `, ! ?` a subject and a speech verb (`— Back
to barracks! he said`, `— Tell me, Rin said`, `said he`), or a dash before a lower-case
word (`— Yes — said he — we go`)."""
_TAG_END = re.compile(rf"[.!?\u2026](?=\s|$)|[ \t]*[{_DASHES}][ \t]*|$")


def dash_paragraphs(text: str, paragraphs: list[Paragraph]) -> int:
    """How many paragraphs open with a dash."""
    return sum(1 for p in paragraphs if _DASH_OPENER.match(text, p.start, p.end))


def dash_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The spoken pieces of a paragraph opened by a dash: from the dash to its tag, then
    on after the tag's sentence (`— Thanks, he cried. That will do.`)."""
    spans = []
    pos = start
    while pos < end:
        tag = _DASH_TAG.search(text, pos + 1, end)
        if tag is None:
            spans.append((pos, end))
            break
        spans.append((pos, tag.start()))
        close = _TAG_END.search(text, tag.end(), end)
        pos = close.end() if close is not None else end
        while pos < end and text[pos].isspace():
            pos += 1
    return [(a, b) for a, b in spans if _WORDLIKE.search(text, a, b)]


def single_quote_spans(text: str, start: int, end: int) -> tuple[list[tuple[int, int]], bool]:
    """Like `quote_spans` for single marks, telling quotes from apostrophes.

    An opening mark stands before a word after a space; a closing mark stands
    after a word before a space or punctuation. `don't`, `'tis`, `the boys' toys`
    are apostrophes: inside a word, an elision, or a closing-looking mark with no
    punctuation before it while a better-placed closing mark follows.
    """
    spans: list[tuple[int, int]] = []
    open_at = -1
    i = start
    while i < end:
        ch = text[i]
        if ch not in "'\u2018\u2019":
            i += 1
            continue
        before = text[i - 1] if i > start else " "
        after_ok = _SINGLE_CLOSE_AFTER.match(text, i + 1) is not None
        if open_at < 0:
            if ch != "\u2019" and _SINGLE_OPEN.match(text, i) and (
                    i == start or not before.isalnum()) and not _elision(text, i):
                open_at = i
        elif ch != "\u2018" and after_ok and not before.isspace() and i > open_at + 1:
            # A mark after a bare letter (`the boys' toys`) closes only when no
            # mark after punctuation (`,'` `.'` `?'`) comes later in the paragraph.
            if before.isalpha() and _later_punct_close(text, i + 1, end):
                i += 1
                continue
            spans.append((open_at, i + 1))
            open_at = -1
        i += 1
    if open_at >= 0:
        spans.append((open_at, end))
        return spans, True
    return spans, False


def _later_punct_close(text: str, start: int, end: int) -> bool:
    m = re.search(r"[,.!?;:\u2014-]['\u2019](?=[\s,.;:!?)\u2014-]|$)", text[start:end])
    if not m:
        return False
    # Only if no new opening mark comes first (that would start the next quote).
    opener = _SINGLE_OPEN.search(text, start, start + m.start())
    return opener is None


def quote_spans(text: str, start: int, end: int, style: str = "double"
                ) -> tuple[list[tuple[int, int]], bool]:
    """Find quoted spans in text[start:end] (double marks, or single in `single` style).

    Returns the spans (quote marks included) and whether a quote was still open
    at the end (its span then runs to `end`).
    """
    if style == "single":
        return single_quote_spans(text, start, end)
    opening, closing = _PAIRS.get(style, (_OPEN_DOUBLE, _CLOSE_DOUBLE))
    marks = '"' + opening + closing if style == "double" else opening + closing
    spans: list[tuple[int, int]] = []
    open_at = -1
    for i in range(start, end):
        ch = text[i]
        if ch not in marks:
            continue
        if open_at < 0:
            if ch == closing and i > start and not text[i - 1].isspace():
                continue  # a stray closing mark: not an opening
            open_at = i
        elif ch == opening and text[i - 1].isspace():
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
    text: str, para: Paragraph, chapter: int, index: int, first_quote: int,
    style: str = "double",
) -> tuple[list[Segment], int, bool]:
    """Segments of one body paragraph; returns (segments, next quote id, left open).

    `style` is a `quote_style`, or `dash` for a paragraph of dash dialogue."""
    if style == "dash":
        spans, left_open = dash_spans(text, para.start, para.end), False
    else:
        spans, left_open = quote_spans(text, para.start, para.end, style)
        spans = [(qs, qe) for qs, qe in spans if not _scare_quote(text, para, qs, qe)]
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
        if last_dialogue_end is None or not _is_interruption(text, last_dialogue_end, qs, qe):
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


def _scare_quote(text: str, para: Paragraph, qs: int, qe: int) -> bool:
    """A word or two in marks inside a sentence of narration (`a sensitive "highstrung"
    child`), not speech: lower-case, no end punctuation, narration on both sides, and
    no comma or colon introducing it (`she wrote, "wait"` may be speech). The
    narrator reads it."""
    words = text[qs:qe].strip(_MARKS + " \n").split()
    if not 1 <= len(words) <= 3 or not words[0][:1].islower() or words[-1][-1:] in ".!?,;:":
        return False
    before = text[para.start:qs].rstrip()
    return (bool(_WORDLIKE.search(before)) and not before.endswith((",", ":"))
            and _WORDLIKE.search(text, qe, para.end) is not None)


_SENTENCE_CLOSED = re.compile(r"[.!?][\s\"'\u201c\u2018_]*$")
# `"...," said Bell` / `"...," Bell said`: a tag of the quote's own after it.
_OWN_TAG = re.compile(r"[\"'\u201d\u2019]?\s*(?:[a-z]|(?:[A-Z][\w.]*\s+){1,3}"
                      r"(?:said|says|asked|replied|answered|cried|added|returned|went on)\b)")


def _is_interruption(text: str, end: int, start: int, next_end: int | None = None) -> bool:
    """Whether the quote at `start` goes on the one that ended at `end`.

    `"Well," she said, "maybe."` is one utterance; `"No," said Bell. "Yes," said
    Mara.` is two: the narration between closes a sentence and the second quote
    has a tag of its own.
    """
    between = text[end:start]
    closing = text[end - 3:end].rstrip("\"'\u201d\u2019")
    if len(between) >= 80 or re.search(r"[.!?]\s*$", closing):
        return False
    if next_end is not None and _SENTENCE_CLOSED.search(between):
        body = text[start:next_end].rstrip().rstrip("\"'\u201d\u2019").rstrip()
        if body.endswith((",", "!", "?", "\u2014", "-")) and _OWN_TAG.match(
                text, next_end, next_end + 60):
            return False
    return True


def segment_book(book: Book) -> list[Segment]:
    """All segments of a book in text order; dialogue speakers are left empty."""
    text = book.text
    segments: list[Segment] = []
    index = 0
    for para in book.front:
        # Front matter: title lines are announced, `text` (a summary asked for) is narrated.
        kind = {"skipped": "skipped", "text": "narration"}.get(para.kind, "title")
        segments.append(
            Segment(1, kind, NARRATOR, para.start, para.end, text[para.start : para.end], index)
        )
        index += 1
    quote = -1
    style = quote_style(text)
    dashes = dash_paragraphs(text, [p for c in book.chapters for p in c.paragraphs])
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
            dash = dashes >= DASH_STYLE_MIN_PARAGRAPHS and bool(
                _DASH_OPENER.match(text, para.start, para.end))
            found, quote, left_open = segment_paragraph(text, para, chapter.index, index, quote,
                                                         "dash" if dash else style)
            if continued and found and found[0].kind == "dialogue" and (
                    text[para.start] in _OPENING_MARKS):
                # Continuation of the previous paragraph's open quote: same utterance.
                for seg in found:
                    if seg.quote == before + 1:
                        seg.quote = before
                quote = max((s.quote for s in found), default=before)
            continued = left_open
            segments.extend(found)
            index += 1
    return segments
