from pathlib import Path

import pytest

from audiobook.book import decode, is_heading, load_book, parse_book, split_paragraphs
from audiobook.errors import InputError


def test_paragraphs_keep_offsets_into_the_text():
    text = "First line\nwraps here.\n\n  Second paragraph.  \n\n\n\nThird."
    paras = split_paragraphs(text)
    assert [text[p.start : p.end] for p in paras] == [
        "First line\nwraps here.", "Second paragraph.", "Third."]


@pytest.mark.parametrize("heading", [
    "Chapter 1", "CHAPTER I.", "Chapter Two: The Storm", "Prologue", "Epilogue",
    "# The Beginning", "CHAPTER XIV\nIn Which Things Happen", "Chapter twenty-one",
])
def test_chapter_headings_are_recognised(heading):
    assert is_heading(heading)


@pytest.mark.parametrize("line", [
    "Chapter one of her life had ended badly, she thought, and the next was no better.",
    '"Chapter 1," she said.', "The prologue was long.", "Part of me wanted to stay.",
])
def test_ordinary_sentences_are_not_headings(line):
    assert not is_heading(line)


def test_chapters_split_at_headings_with_titles():
    text = ("Prologue\n\nIt began.\n\nChapter 1: Rain\n\nIt rained.\n\nMore rain.\n\n"
            "Epilogue\n\nDry.")
    book = parse_book(text, Path("rain.txt"))
    assert [c.title for c in book.chapters] == ["Prologue", "Chapter 1: Rain", "Epilogue"]
    assert [len(c.paragraphs) for c in book.chapters] == [1, 2, 1]


def test_text_without_headings_is_one_chapter_titled_from_the_file():
    book = parse_book("Just a paragraph.\n\nAnd another.", Path("the_long_night.txt"))
    assert len(book.chapters) == 1
    assert book.chapters[0].title == book.title == "The Long Night"


def test_title_and_author_lines_are_metadata():
    book = parse_book("My Story\n\nBy: Jo Writer\n\nChapter 1\n\nText.", Path("x.txt"))
    assert (book.title, book.author) == ("My Story", "Jo Writer")
    assert len(book.front) == 2
    assert book.chapters[0].title == "Chapter 1"


def test_windows_1252_curly_quotes_are_decoded():
    text, encoding = decode(b"\x93Hello,\x94 she said.\r\nNext line.")
    assert encoding == "cp1252"
    assert text == "\u201cHello,\u201d she said.\nNext line."


def test_utf16_with_bom_is_decoded():
    text, encoding = decode("Caf\u00e9 \u201cquoted\u201d".encode("utf-16"))
    assert text == "Caf\u00e9 \u201cquoted\u201d"
    assert encoding == "utf-16"


def test_binary_and_empty_files_are_refused(tmp_path):
    binary = tmp_path / "image.txt"
    binary.write_bytes(b"\x89PNG\x00\x00\x01\x02" * 100)
    with pytest.raises(InputError, match="not a text file"):
        load_book(binary)
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n\n ")
    with pytest.raises(InputError, match="empty"):
        load_book(empty)
    with pytest.raises(InputError, match="no such file"):
        load_book(tmp_path / "missing.txt")
