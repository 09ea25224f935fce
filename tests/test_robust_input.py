"""Robustness: encodings, line endings, binary files and awkward texts."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest

from audiobook.book import decode, load_book, parse_book
from audiobook.cast import Cast
from audiobook.errors import InputError
from audiobook.pipeline import analyse, script
from audiobook.segmenter import segment_book
from audiobook.speech import MAX_CLIP_CHARS, speakable, split_for_engine
from tests.invariants import check_segments

STORY = ("Chapter 1\n\n\u201cCaf\u00e9 au lait,\u201d said Zo\u00eb. \u201cNa\u00efve?\u201d"
         "\n\nThe end.")


def run(*args, timeout=120, **kwargs):
    return subprocess.run([sys.executable, "-m", "audiobook", *map(str, args)],
                          capture_output=True, text=True, timeout=timeout, **kwargs)


def one_error_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("audiobook: error: "), stderr
    assert "Traceback" not in stderr
    return lines[0]


# --- encodings ---------------------------------------------------------------------------

@pytest.mark.parametrize("encoding, data", [
    ("utf-8", STORY.encode("utf-8")),
    ("utf-8-sig", b"\xef\xbb\xbf" + STORY.encode("utf-8")),
    ("utf-16", STORY.encode("utf-16")),  # with BOM, platform byte order
    ("utf-16", b"\xfe\xff" + STORY.encode("utf-16-be")),
    ("utf-16-le", STORY.encode("utf-16-le")),  # no BOM, recognised by its NUL pattern
    ("cp1252", STORY.encode("cp1252")),
])
def test_encodings_decode_to_the_same_text(encoding, data):
    text, found = decode(data)
    assert text == STORY
    assert found == encoding


def test_latin1_file_reads_0x93_0x94_as_curly_quotes():
    # Latin-1 leaves 0x80-0x9F undefined; such files carry Windows quotes there.
    # 0x81 is undefined in Windows-1252 too: it must not throw the file away.
    data = b"\x93Vite!\x94 cria Ren\xe9e, \x81 d\xe9j\xe0 partie.\n"
    text, encoding = decode(data)
    assert text.startswith("\u201cVite!\u201d cria Ren\u00e9e")
    assert "d\u00e9j\u00e0" in text
    assert encoding == "cp1252"
    text, encoding = decode(b"Ren\xe9e \xe0 la plage.")
    assert (text, encoding) == ("Ren\u00e9e \u00e0 la plage.", "latin-1")


def test_a_few_broken_bytes_do_not_garble_a_utf8_file():
    good = "\u201cCr\u00e8me br\u00fbl\u00e9e,\u201d said Ana\u00efs. " * 10
    text, encoding = decode(good.encode("utf-8")[:-3] + b"\xff" + good.encode("utf-8"))
    assert encoding == "utf-8"
    assert text.count("\ufffd") == 1
    assert "Cr\u00e8me br\u00fbl\u00e9e" in text


@pytest.mark.parametrize("newline", ["\r\n", "\r", "\n"])
def test_line_endings_give_the_same_book(newline):
    raw = "Chapter 1\n\nOne line\nwraps.\n\nChapter 2\n\n\u201cHi,\u201d Bo said.\n"
    book = parse_book(decode(raw.replace("\n", newline).encode())[0], Path("x.txt"))
    assert book.text == raw
    assert [c.title for c in book.chapters] == ["Chapter 1", "Chapter 2"]


def test_not_utf8_is_noted_on_stderr_and_utf8_is_not(write):
    latin = write("latin.txt", "Chapter 1\n\n\u201cOui,\u201d dit Ren\u00e9e.\n".encode("cp1252"))
    proc = run("segment", latin)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.startswith(f"audiobook: note: {latin}: not UTF-8; read as Windows-1252")
    assert "Ren\u00e9e" in proc.stdout and "\u201cOui,\u201d" in proc.stdout
    plain = write("plain.txt", "Chapter 1\n\n\u201cOui,\u201d dit Ren\u00e9e.\n")
    proc = run("segment", plain)
    assert proc.returncode == 0 and proc.stderr == ""


def test_the_note_is_a_log_record_for_python_callers(caplog):
    with caplog.at_level(logging.INFO, logger="audiobook"):
        decode(b"\x93Hi\x94", "story.txt")
    assert [r.getMessage() for r in caplog.records] == [
        "story.txt: not UTF-8; read as Windows-1252"]


@pytest.mark.parametrize("data", [
    b"Once upon a time\x00\x00\x00\x01\x02 there was",       # NUL bytes
    bytes(range(1, 256)) * 40,                               # every byte but NUL
    b"\x7fELF\x02\x01\x01" + bytes(range(1, 200)) * 30,      # an executable's header
    b"\xff\xfe" + ("\x01\x02\x03\x04\x05\x06\x07\x08" * 50).encode("utf-16-le"),  # BOM, controls
])
def test_binary_files_are_refused_as_not_text(write, data):
    path = write("binary.txt", data)
    with pytest.raises(InputError, match="not a text file"):
        load_book(path)
    line = one_error_line(run("segment", path).stderr)
    assert "not a text file" in line


@pytest.mark.parametrize("content", ["", "   \n\t\n  ", "\r\n\r\n", "\ufeff", "\u00a0\u2003\n"])
def test_empty_or_whitespace_only_is_a_clear_error(write, content):
    path = write("empty.txt", content.encode("utf-8"))
    proc = run("segment", path)
    assert proc.returncode == 2
    assert "empty" in one_error_line(proc.stderr)


# --- awkward texts ---------------------------------------------------------------------

def test_five_megabyte_single_line(write):
    words = ["rain", "fell", "on", "the", "roof", "and", "Mara", "waited", "by", "lamp"]
    line = " ".join(words[(i * 7) % len(words)] for i in range(1_000_000))[:5_000_000]
    path = write("long-line.txt", line.encode())
    book = load_book(path)
    segments = segment_book(book)
    check_segments(book, segments)
    pieces = split_for_engine(line)
    assert max(len(p) for p in pieces) <= MAX_CLIP_CHARS
    assert " ".join(pieces).split() == line.split()  # nothing dropped or repeated


def test_a_long_unpunctuated_paragraph_is_split_at_sensible_points():
    words = ("the keeper climbed the stairs and the wind pulled at the door while the gulls "
             "circled the tower because the storm was near").split()
    text = " ".join(words[i % len(words)] for i in range(20_000))
    pieces = split_for_engine(speakable(text))
    assert len(pieces) >= len(text) // MAX_CLIP_CHARS
    assert all(MAX_CLIP_CHARS // 2 <= len(p) <= MAX_CLIP_CHARS for p in pieces[:-1])
    assert " ".join(pieces).split() == text.split()
    # Every cut falls between words, and before a joining word when one is near.
    joins = {"and", "while", "because"}
    assert sum(p.split()[0] in joins for p in pieces[1:]) == len(pieces) - 1


def test_a_giant_word_is_cut_without_losing_characters():
    word = "\u00e9" * 4000 + "e\u0301" * 1000  # combining accents are kept with their letter
    pieces = split_for_engine(word)
    assert "".join(pieces) == word
    assert all(len(p) <= MAX_CLIP_CHARS and not p.startswith("\u0301") for p in pieces)


def test_a_missing_closing_quote_stays_in_its_paragraph():
    text = ("Chapter 1\n\n\u201cWait for me, she called, but nobody turned.\n\n"
            "The boat left without her.\n\nThe harbour was quiet after that.")
    book = parse_book(text, Path("x.txt"))
    segments = segment_book(book)
    check_segments(book, segments)
    dialogue = [s for s in segments if s.kind == "dialogue"]
    assert len(dialogue) == 1 and dialogue[0].text.startswith("\u201cWait")
    narration = " ".join(s.text for s in segments if s.kind == "narration")
    assert "The boat left" in narration and "harbour was quiet" in narration


def test_deeply_nested_quotes_keep_every_letter():
    inner = "word"
    for depth in range(60):
        mark = ('"', "'")[depth % 2] if depth % 3 else ("\u201c", "\u201d")
        open_, close = (mark, mark) if isinstance(mark, str) else mark
        inner = f"{open_}level {depth} says {inner}{close}"
    text = f"Chapter 1\n\nShe said {inner} and stopped.\n\n\u2018{inner}\u2019 he said."
    book = parse_book(text, Path("x.txt"))
    segments = analyse(book, Cast())
    check_segments(book, segments)
    for line in script(book, segments, Cast()):
        assert all(len(p) <= MAX_CLIP_CHARS for p in split_for_engine(line.say))


@pytest.mark.parametrize("text", [
    "Chapter 1\n\n\u201c\U0001F600 \U0001F3F3\ufe0f\u200d\U0001F308!\u201d said Kit. "
    "\U0001F44D\U0001F3FD",
    "\u7b2c\u4e00\u7ae0\n\n\u300c\u4f60\u597d\u300d\u674e\u660e\u8bf4\u3002\u201c\u6211\u5f88"
    "\u597d\uff0c\u201d\u5979\u8bf4\u3002",
    "\u05e4\u05e8\u05e7 1\n\n\u201c\u05e9\u05dc\u05d5\u05dd,\u201d \u05d0\u05de\u05e8\u05d4 "
    "\u05e9\u05e8\u05d4. \u202e\u0645\u0631\u062d\u0628\u0627\u202c \u200f!",
    "Z\u0351\u0352\u0353a\u0354\u0355l\u0356g\u0357o \u201cth\u0358e\u0359 end\u201d",
])
def test_emoji_cjk_and_right_to_left_text(write, text):
    path = write("\U0001F4D6 \u7269\u8a9e \u05e1\u05d9\u05e4\u05d5\u05e8.txt", text)
    book = load_book(path)
    cast = Cast()
    segments = analyse(book, cast)
    check_segments(book, segments)
    for line in script(book, segments, cast):
        for piece in split_for_engine(line.say):
            assert piece.strip() and len(piece) <= MAX_CLIP_CHARS
    proc = run("segment", path, "--format", "jsonl")
    assert proc.returncode == 0, proc.stderr
