"""Markdown input: headings are chapters, markup is not read."""

from pathlib import Path

from audiobook.cast import Cast
from audiobook.formats.markdown import parse_markdown
from audiobook.pipeline import script
from audiobook.segmenter import segment_book

STORY = """\
# The Glass Orchard

By: Wren Tally

## Chapter 1: Frost
The trees were *very* still, and [the gate](https://example.com/gate) was shut.

> "Who planted them?" asked Ilo.

---

Nobody answered.

## Chapter 2: Thaw

![a drawing](orchard.png)

Water ran under the `glass` roots.
"""


def test_headings_are_chapters_and_the_top_heading_is_the_title():
    book = parse_markdown(STORY, Path("orchard.md"))
    assert (book.title, book.author) == ("The Glass Orchard", "Wren Tally")
    assert [c.title for c in book.chapters] == ["Chapter 1: Frost", "Chapter 2: Thaw"]
    assert book.scene_breaks == [STORY.index("Nobody answered")]


def test_markup_is_not_read_aloud():
    book = parse_markdown(STORY, Path("orchard.md"))
    said = " ".join(line.say for line in script(book, segment_book(book), Cast()))
    assert "The Glass Orchard, by Wren Tally." in said
    assert "The trees were very still, and the gate was shut." in said
    assert "Water ran under the glass roots." in said
    for mark in ("*", "#", "[", "](", "`", ">", "https", "drawing", "png"):
        assert mark not in said, mark


def test_setext_headings_and_yaml_front_matter():
    text = "---\ntitle: Low Tide\nauthor: Mo Reed\n---\nPart One\n========\n\nSand.\n"
    book = parse_markdown(text, Path("x.md"))
    assert (book.title, book.author) == ("Low Tide", "Mo Reed")
    assert [c.title for c in book.chapters] == ["Part One"]
    segments = segment_book(book)
    assert segments[0].kind == "skipped" and "title: Low Tide" in segments[0].text
