"""A work's Characters tag seeds the cast: one character per named person, aliases from the
parts the text uses, gender where the tag says; a user's cast file always wins."""

from pathlib import Path

import pytest

from audiobook.book import load_book
from audiobook.cast import parse_cast
from audiobook.model import WorkInfo
from audiobook.pipeline import analyse
from audiobook.tagged import placeholder_pronunciations, tag_person, tagged_characters
from tests.packing import FIXTURES


@pytest.mark.parametrize("tag, person", [
    ("Sephiroth (Compilation of FFVII)", ("Sephiroth", [], "unknown")),
    ("Female Shepard (Mass Effect)", ("Shepard", [], "female")),
    ("Male Hawke (Dragon Age)", ("Hawke", [], "male")),
    ("Commander Shepard", ("Commander Shepard", [], "unknown")),
    ("Angeal Hewley", ("Angeal Hewley", [], "unknown")),
    ("Ben Solo | Kylo Ren", ("Ben Solo", ["Kylo Ren"], "unknown")),
    ('Lucius "Lucky" Vane', ("Lucius Vane", ["Lucky"], "unknown")),
    ("fem!Harry", ("Harry", [], "female")),
])
def test_a_tag_that_names_a_person(tag, person):
    assert tag_person(tag) == person


@pytest.mark.parametrize("tag", [
    "Original Female Character(s)", "Original Characters", "Original Male Character(s)",
    "Original Non-Binary Character(s)", "Reader", "You", "Everyone", "Other(s)", "Y/N",
    "Female Reader", "Reader-Insert", "Minor Characters", "Background Characters",
    "The Avengers Ensemble", "Various",
])
def test_tags_that_name_no_one_person_are_no_characters(tag):
    assert tag_person(tag) is None


def test_aliases_are_the_parts_of_a_name_the_text_uses():
    work = WorkInfo(characters=["Angeal Hewley", "Commander Shepard", "Tom Hale", "Ada Hale"])
    text = "Angeal nodded. Shepard laughed. Hale, said Tom. Ada Hale left. Ada waved."
    found = {c.name: c.aliases for c in tagged_characters(work, text)}
    # `Hewley` is not in the text; a rank is no name; a shared family name is nobody's alone.
    assert found == {"Angeal Hewley": ["Angeal"], "Commander Shepard": ["Shepard"],
                     "Tom Hale": ["Tom"], "Ada Hale": ["Ada"]}


def test_fanfiction_net_initials_take_the_name_the_text_writes():
    work = WorkInfo(characters=["Dorian H.", "Rook"])
    found = tagged_characters(work, "Dorian Hale waited. Dorian smiled.")
    assert [(c.name, c.aliases) for c in found] == [("Dorian Hale", ["Dorian"]), ("Rook", [])]


def test_reader_insert_placeholders_get_a_pronunciation():
    assert placeholder_pronunciations("Hi, (Y/N). Your (h/c) hair.") == {
        "Y/N": "your name", "H/C": "your hair colour"}
    assert placeholder_pronunciations("Answer Y/NO or A/N.") == {}


def test_a_cast_file_wins_over_tags():
    book = load_book(FIXTURES / "ao3" / "the-lamplighters-debt.html")
    cast = parse_cast("""
characters:
  Ilsa:
    aliases: [Ilsa Varro, the lamplighter]
    gender: female
  Rook:
    gender: male
pronunciations:
  y/n: Robin
""", Path("mine.yaml"))
    analyse(book, cast)
    assert "Ilsa Varro" not in cast.characters
    assert cast.characters["Ilsa"].aliases == ["Ilsa Varro", "the lamplighter"]
    assert cast.characters["Rook"].gender == "male"  # the file's word, not `Female Rook`
    assert cast.characters["Ilsa"].lines > 5
    assert cast.pronunciations == {"y/n": "Robin"}


def test_a_cast_file_character_who_never_speaks_keeps_a_place():
    book = load_book(FIXTURES / "ao3" / "the-lamplighters-debt.html")
    cast = parse_cast("characters:\n  Oren Vask:\n    gender: male\n", Path("mine.yaml"))
    analyse(book, cast)
    assert "Oren Vask" in cast.characters  # named by the user: kept, though silent
