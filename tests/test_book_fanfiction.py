"""Fan-fiction conventions in text files: metadata, notes, disclaimers, scene breaks."""

from pathlib import Path

from audiobook.book import is_note, is_scene_break, parse_book
from audiobook.cast import Cast
from audiobook.pipeline import PAUSE_SCENE_BREAK_MS, plan_chapters, script
from audiobook.segmenter import segment_book

STORY = """\
The Borrowed Lantern

By: Quill Sparrow

Disclaimer: I own nothing but the plot and a very old lantern.

A/N: Thanks to everyone who left a review! This one is short.

Chapter 1: The Shed

Pell lifted the lantern off its hook.

"Careful," said Ory. "It bites."

* * *

Morning came grey and cold.



Later, the shed was empty.

Author's Ending Note: More next week, I promise.
"""


def _book(keep_notes=False):
    return parse_book(STORY, Path("lantern.txt"), keep_notes=keep_notes)


def test_title_and_byline_are_metadata_announced_once():
    book = _book()
    assert (book.title, book.author) == ("The Borrowed Lantern", "Quill Sparrow")
    lines = script(book, segment_book(book), Cast())
    said = [line.say for line in lines if line.say]
    assert said[0] == "The Borrowed Lantern, by Quill Sparrow."
    assert sum("Quill Sparrow" in s for s in said) == 1


def test_disclaimers_and_authors_notes_are_skipped_but_listed():
    book = _book()
    segments = segment_book(book)
    skipped = [s.text for s in segments if s.kind == "skipped"]
    assert any(t.startswith("Disclaimer:") for t in skipped)
    assert any(t.startswith("A/N:") for t in skipped)
    assert any(t.startswith("Author's Ending Note") for t in skipped)
    said = " ".join(line.say for line in script(book, segments, Cast()))
    assert "lantern off its hook" in said
    assert "review" not in said and "own nothing" not in said and "next week" not in said


def test_keep_notes_reads_them():
    book = _book(keep_notes=True)
    said = " ".join(line.say for line in script(book, segment_book(book), Cast()))
    assert "review" in said and "next week" in said


def test_every_letter_belongs_to_exactly_one_segment():
    book = _book()
    owner = [0] * len(book.text)
    for seg in segment_book(book):
        assert book.text[seg.start:seg.end] == seg.text
        for i in range(seg.start, seg.end):
            owner[i] += 1
    for i, ch in enumerate(book.text):
        if ch.isalnum():
            assert owner[i] == 1, (i, book.text[max(0, i - 20):i + 20])


def test_scene_breaks_become_longer_pauses():
    book = _book()
    starts = [book.text.index("Morning came"), book.text.index("Later, the shed")]
    assert book.scene_breaks == starts
    lines = script(book, segment_book(book), Cast())
    _, sequences = plan_chapters(book, lines, Cast())
    assert sum(1 for item in sequences[0] if item == PAUSE_SCENE_BREAK_MS) == 2


def test_markers_and_notes_are_recognised():
    for marker in ["* * *", "***", "~~~", "-----", "oOo", "###", "o0o", "xXx", "~*~*~"]:
        assert is_scene_break(marker), marker
    for text in ["Three stars * * * in a sentence.", "Ooo, said Ana.", "--"]:
        assert not is_scene_break(text), text
    for note in ["A/N: hi", "AN: hello", "Author's Note: thanks", "Authors Note - x",
                 "(A/N: brief)", "**Disclaimer:** not mine", "Author's Ending Note: bye"]:
        assert is_note(note), note
    for text in ["Anna said hello.", "An old man sat there.", "Authors are odd people."]:
        assert not is_note(text), text


def test_evenly_double_spaced_text_has_no_blank_line_scene_breaks():
    text = "One.\n\n\nTwo.\n\n\nThree.\n\n\nFour.\n\n\n\n\nFive."
    book = parse_book(text, Path("x.txt"))
    assert book.scene_breaks == [text.index("Five.")]


def test_title_and_author_block_on_consecutive_lines():
    book = parse_book("Title: Small Hours\nAuthor: Bea Lark\n\nIt was late.", Path("x.txt"))
    assert (book.title, book.author) == ("Small Hours", "Bea Lark")
    assert len(book.front) == 1
