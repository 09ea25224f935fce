"""Plain-text fan fiction as pasted or exported: notes with and without markers are never
read, no story paragraph is skipped, scene-break lines are pauses, fan-fiction headings
are chapters. Checked against fixtures of our own whose notes are annotated."""

import json
from pathlib import Path

import pytest

from audiobook.book import is_heading, is_note, is_scene_break, load_book, parse_book
from audiobook.cast import Cast
from audiobook.formats.conventions import is_disclaimer, is_unmarked_note
from audiobook.pipeline import analyse, script
from tests.packing import FIXTURES

STORIES = sorted((FIXTURES / "fanfic").glob("*.txt"))


def _said(book) -> str:
    cast = Cast()
    return " ".join(line.say for line in script(book, analyse(book, cast), cast) if line.say)


def _annotations(path: Path) -> dict:
    return json.loads(path.with_suffix(".notes.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", STORIES, ids=lambda p: p.stem)
def test_no_note_is_read_and_no_story_paragraph_is_skipped(path):
    notes = _annotations(path)
    book = load_book(path)
    segments = analyse(book, Cast())
    heard = {id(line.segment) for line in script(book, segments, Cast()) if line.say}
    by_paragraph: dict[int, list] = {}
    for seg in segments:
        by_paragraph.setdefault(seg.paragraph, []).append(seg)
    assert [c.title for c in book.chapters] == notes["chapters"]
    read_notes, skipped_story = [], []
    for segs in by_paragraph.values():
        text = " ".join(" ".join(s.text.split()) for s in segs)
        is_a_note = any(text.startswith(n) for n in notes["notes"])
        spoken = any(id(s) in heard for s in segs)
        if is_a_note and spoken:
            read_notes.append(text)
        elif not is_a_note and not spoken and segs[0].kind == "skipped" and (
                text not in notes["breaks"]) and not any(
                text.startswith(m) for m in notes.get("matter", [])):
            skipped_story.append(text)
    assert read_notes == [] and skipped_story == []
    # Every annotated note was found (the annotations themselves are not stale).
    texts = [" ".join(book.text[p.start:p.end].split()) for c in book.chapters
             for p in c.paragraphs] + [" ".join(book.text[p.start:p.end].split())
                                       for p in book.front]
    for note in notes["notes"]:
        assert any(t.startswith(note) for t in texts), note


def test_keep_notes_reads_the_unmarked_ones_too():
    path = FIXTURES / "fanfic" / "the-ferrymans-daughter.txt"
    said = _said(load_book(path, keep_notes=True))
    for words in ("Just the plot and Wren", "my laptop died", "Please review", "moonwort",
                  "Tam is the one from the first story", "The sequel is already in the works"):
        assert words in said, words


def test_inline_note_is_cut_from_its_paragraph():
    book = load_book(FIXTURES / "fanfic" / "the-ferrymans-daughter.txt")
    said = _said(book)
    assert "stood beside it with his hands on his hips" in said
    assert "and watched her come up the lane." in said
    assert "first story" not in said


def test_scene_break_lines_become_longer_pauses_not_words():
    book = load_book(FIXTURES / "fanfic" / "the-ferrymans-daughter.txt")
    starts = [book.text.index(s) for s in ("The Mayhews' cart was already",
                                           "In the morning he walked down")]
    assert set(starts) <= set(book.scene_breaks)
    said = _said(book)
    assert "xXx" not in said and "o-o" not in said and "~" not in said


def test_fanficfare_txt_layout():
    book = load_book(FIXTURES / "fanfic" / "the-salt-road-fanficfare.txt")
    assert (book.title, book.author) == ("The Salt Road", "tidewright")
    assert book.work.characters == ["Rook", "Ilsa Varro"]
    assert book.work.summary.startswith("Rook carries a letter across the salt flats")
    said = _said(book)
    for words in ("TABLE OF CONTENTS", "Category", "Packaged", "End file", "K+"):
        assert words not in said, words
    assert said.startswith("The Salt Road, by tidewright. one. The Flats.")


@pytest.mark.parametrize("line", [
    "~~~", "xXx", "oOo", "-o-o-o-", "* * *", "***", "___", "%%%", "~o~O~o~", "x-x-x-x",
    "<><><>", "=/=/=", "Line Break", "-scene break-", "\u2042",
])
def test_scene_break_lines(line):
    assert is_scene_break(line)


@pytest.mark.parametrize("line", ["...", "?!", "--", "Ooo, said Ana.", "(-)", "Oh-oh-oh",
                                  "xo, Mara", "Two stars * * * in a sentence."])
def test_lines_that_are_no_scene_breaks(line):
    assert not is_scene_break(line)


@pytest.mark.parametrize("heading", ["Chapter 3: Title", "Ch. 3", "Ch 12", "Chap. 4",
                                     "Part Three", "~ Chapter Three ~", "-Chapter 1-",
                                     "**Chapter 2**", "[Part One]", "CHAPTER IX."])
def test_fan_fiction_headings(heading):
    assert is_heading(heading)


def test_decorated_heading_titles_drop_their_decorations():
    book = parse_book("~ Chapter Three ~\n\nText.\n\n**Chapter 4: Rain**\n\nMore.", Path("x.txt"))
    assert [c.title for c in book.chapters] == ["Chapter Three", "Chapter 4: Rain"]


@pytest.mark.parametrize("note", [
    "Thanks for reading! Please review!", "Thank you to everyone who reviewed and followed!",
    "To be continued...", "TBC", "Next chapter should be up by Sunday.",
    "Sorry for the late update, school has been crazy.", "Hope you guys enjoyed this chapter!",
    "Let me know what you think!", "Updates every other Friday.", "Thanks so much to my beta!",
    "Find me on tumblr!", "R&R please", "Until next time!", "Stay tuned for more!",
])
def test_unmarked_notes(note):
    assert is_unmarked_note(note)


@pytest.mark.parametrize("story", [
    "But that is another story, which shall be told in another chapter.",
    "Next time, she thought, she would bring a coat.",
    "He thanked her for the reading and left.",
    "\u201cThanks for reading it to me,\u201d she said.",
    "The End",
    "She read the last chapter twice and put the book down.",
])
def test_story_lines_that_are_no_notes(story):
    assert not is_unmarked_note(story) and not is_note(story)


@pytest.mark.parametrize("text, disclaimer", [
    ("I don't own Naruto.", True), ("I own nothing!", True), ("I do not own any of this.", True),
    ("Harry Potter belongs to JKR, not me.", True), ("No copyright infringement intended.", True),
    ("I don't own anything except my OCs.", True),
    ("I do not own a horse.", False), ("I don't own the house, my brother does.", False),
    ("I own nothing but the clothes on my back.", False),
])
def test_disclaimers_without_the_word(text, disclaimer):
    assert is_disclaimer(text) is disclaimer


def test_a_chapter_of_notes_only_is_no_chapter():
    text = "Chapter 1\n\nStory.\n\nChapter 2\n\nHiatus, sorry guys! Please review though.\n"
    book = parse_book(text, Path("x.txt"))
    assert [c.title for c in book.chapters] == ["Chapter 1"]
    kinds = [(book.text[p.start:p.end], p.kind) for p in book.chapters[0].paragraphs]
    assert kinds == [("Story.", "text"), ("Chapter 2", "skipped"),
                     ("Hiatus, sorry guys! Please review though.", "skipped")]
