"""Rewriting the user's cast file keeps their comments, order and layout."""

from __future__ import annotations

from pathlib import Path

import pytest

from audiobook.cast import Speaker, load_cast
from audiobook.castfile import CastDocument
from audiobook.cli import main
from audiobook.errors import InputError

STORY = """\
The Ferry

By: Test Author


Chapter 1: The Crossing

"Are you coming inside?" said Ada.

"Not yet," said Ben.

"Why not?" said Ada.

"Because I like the rain," said Ben.

"Since when?" Ada asked. Ben did not answer, and Ben went below.
"""

USER_FILE = """\
# My cast for the ferry.
narrator:
    voice: gmw/en-us   # the default, for now
characters:
    Ada:
        gender: female   # she runs the ferry
        pitch: 60

# Words the engine gets wrong:
pronunciations:
    Ada: AY-da
corrections:
  - text: why not   # really Ada
    speaker: Ada
"""


def test_cast_run_again_keeps_comments_order_and_corrections(write, capsys):
    story = write("ferry.txt", STORY)
    cast = write("ferry.yaml", USER_FILE)
    assert main(["cast", str(story), "--voices", str(cast), "-o", str(cast)]) == 0
    text = cast.read_text()
    for line in USER_FILE.splitlines():
        if line.strip():
            assert line in text  # every line of the user's is still there, as written
    # Order: the user's keys first where they were, the new character after Ada,
    # the comment that heads `pronunciations:` still right above it.
    assert text.index("Ada:") < text.index("    Ben:") < text.index("# Words the engine")
    assert text.index("# Words the engine") + len("# Words the engine gets wrong:\n") == \
        text.index("pronunciations:")
    assert "        voice: " in text.split("    Ben:")[1]  # Ben got a voice, same indentation
    loaded = load_cast(cast)
    assert loaded.characters["Ada"].pitch == 60 and "Ben" in loaded.characters
    assert loaded.corrections[0].text == "why not"
    # A second run changes nothing more.
    assert main(["cast", str(story), "--voices", str(cast), "-o", str(cast)]) == 0
    assert cast.read_text() == text


def test_edits_keep_the_rest_of_the_file(tmp_path: Path):
    path = tmp_path / "c.yaml"
    path.write_text(USER_FILE)
    doc = CastDocument.load(path)
    doc.set_field("Ada", "rate", 150)
    doc.set_field("Ada", "pitch", None)
    doc.add_character(Speaker("Cora", ["Cor"], "female", "gmw/en-us+f2"))
    doc.add_correction({"text": "Since when?", "speaker": "Cora", "chapter": 1})
    doc.save()
    text = path.read_text()
    assert "pitch" not in text and "        rate: 150" in text
    assert "    Cora:\n        aliases: [Cor]\n" in text
    assert "  - text: Since when?\n    speaker: Cora\n    chapter: 1\n" in text
    assert "# My cast for the ferry." in text and "# really Ada" in text
    assert text.index("    Cora:") < text.index("# Words the engine")
    assert doc.remove_correction(1) == {"text": "Since when?", "speaker": "Cora", "chapter": 1}


def test_an_edit_that_breaks_the_file_is_refused_and_nothing_is_written(tmp_path: Path):
    path = tmp_path / "c.yaml"
    path.write_text(USER_FILE)
    doc = CastDocument.load(path)
    doc.set_field("Ada", "pitch", 400)
    with pytest.raises(InputError, match="pitch must be 0 to 100"):
        doc.save()
    doc = CastDocument.load(path)
    doc.add_correction({"text": "Since when?", "speaker": "Nobody"})
    with pytest.raises(InputError, match="'Nobody' is not in the cast file"):
        doc.save()
    assert path.read_text() == USER_FILE
    assert [p.name for p in tmp_path.iterdir()] == ["c.yaml"]


def test_an_empty_file_gets_sections():
    doc = CastDocument(Path("new.yaml"), "")
    doc.add_character(Speaker("Ada", [], "female", "gmw/en-us+f2"))
    doc.add_correction({"text": "hello", "speaker": "Ada"})
    assert doc.validate().characters["Ada"].voice == "gmw/en-us+f2"
