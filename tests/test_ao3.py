"""Archive of Our Own downloads (HTML and EPUB): metadata from the preface, chapters from the
archive's headings, nothing of the tags, stats, notes or comment prompt spoken."""

import json
import re
from pathlib import Path

import pytest

from audiobook.book import load_book
from audiobook.cast import Cast, dump_cast, parse_cast
from audiobook.formats.ao3 import author_line, byline_names
from audiobook.pipeline import analyse, script
from audiobook.tagged import tagged_characters
from tests.packing import FIXTURES, pack_epub

LAMPLIGHTERS = FIXTURES / "ao3" / "the-lamplighters-debt.html"
NIGHT_WATCH = FIXTURES / "ao3" / "the-night-watch-anonymous.html"

NEVER_SPOKEN = [
    # tags, stats and template text
    "Teen And Up Audiences", "Archive Warning", "No Archive Warnings Apply", "Lanterns of Vell",
    "Slow Burn", "Found Family", "Published", "Words", "Posted originally", "Preface",
    "Afterword", "Lamps Along the Canal", "See the end", "Rating", "Categories",
    # the work's notes, chapter notes, chapter end notes, end notes, comment prompt
    "my beta", "every other Saturday", "worse night than anyone", "Work ate my February",
    "tumblr", "drop by the Archive", "Kudos", "Chapter Notes", "End Notes",
    # the summaries (not asked for)
    "go dark on the night Rook brings", "The watch comes calling",
]


def _epub(tmp_path, name: str):
    return pack_epub(FIXTURES / "ao3" / name, tmp_path / f"{name}.epub")


def spoken(book, cast=None) -> list[str]:
    cast = cast or Cast()
    return [line.say for line in script(book, analyse(book, cast), cast) if line.say]


def test_html_download_metadata_from_the_preface():
    book = load_book(LAMPLIGHTERS)
    work = book.work
    assert (book.title, book.author) == ("The Lamplighter's Debt", "wickandwhistle")
    assert work.fandoms == ["Lanterns of Vell (Video Game)"]
    assert work.relationships == ["Ilsa Varro/Female Rook", "Dorian Hale & Female Rook"]
    assert work.characters[:3] == ["Female Rook (Lanterns of Vell)", "Ilsa Varro", "Dorian Hale"]
    assert work.tags == ["Slow Burn", "Found Family", "Blackouts", "Debt"]
    assert work.summary.startswith("The lamps of the Low Canal go dark")
    assert [(s.title, s.position) for s in work.series] == [("Lamps Along the Canal", 2)]
    assert (work.rating, work.status) == ("Teen And Up Audiences", "Completed")
    assert work.url == "https://archiveofourown.org/works/90000001"


def test_html_download_chapters_follow_the_work():
    book = load_book(LAMPLIGHTERS)
    assert [c.title for c in book.chapters] == ["Chapter 1: The Unlit Street",
                                                "Chapter 2: What Is Owed"]
    first = book.chapters[0]
    assert [book.text[p.start:p.end] for p in first.headings] == ["Chapter 1: The Unlit Street"]
    text = [book.text[p.start:p.end] for p in first.paragraphs if p.kind == "text"]
    assert text[0].startswith("The lamps along the Low Canal went out")
    assert text[-1].startswith("Dorian sighed and dropped the orange peel")


def test_html_download_speaks_a_short_opening_and_the_story_only():
    book = load_book(LAMPLIGHTERS)
    said = spoken(book)
    assert said[0] == "The Lamplighter's Debt, by wickandwhistle."
    assert said[1] == "Chapter one: The Unlit Street."
    assert said[2].startswith("The lamps along the Low Canal went out")
    everything = " ".join(said)
    for words in NEVER_SPOKEN:
        assert words.lower() not in everything.lower(), words
    assert "the only thing in this city that still burns all night" in everything


def test_every_letter_of_the_download_text_is_in_exactly_one_segment():
    book = load_book(LAMPLIGHTERS)
    owner = [0] * len(book.text)
    for seg in analyse(book, Cast()):
        assert book.text[seg.start:seg.end] == seg.text
        for i in range(seg.start, seg.end):
            owner[i] += 1
    assert all(owner[i] == 1 for i, ch in enumerate(book.text) if ch.isalnum())


def test_notes_and_summary_are_skipped_segments_and_read_when_asked():
    book = load_book(LAMPLIGHTERS)
    skipped = " ".join(s.text for s in analyse(book, Cast()) if s.kind == "skipped")
    for words in ("my beta", "every other Saturday", "Work ate my February", "tumblr",
                  "go dark on the night Rook brings", "The watch comes calling"):
        assert words in skipped, words
    noted = " ".join(spoken(load_book(LAMPLIGHTERS, keep_notes=True)))
    for words in ("my beta", "every other Saturday", "worse night than anyone",
                  "Work ate my February", "tumblr"):
        assert words in noted, words
    assert "drop by the Archive" not in noted and "Teen And Up" not in noted
    assert "go dark on the night" not in noted
    summarised = spoken(load_book(LAMPLIGHTERS, read_summary=True))
    assert summarised[0] == "The Lamplighter's Debt, by wickandwhistle."
    assert "go dark on the night Rook brings a letter" in summarised[2]
    assert "The watch comes calling" in " ".join(summarised)
    assert "my beta" not in " ".join(summarised)


def test_every_annotated_quote_is_a_dialogue_segment():
    annotations = json.loads(LAMPLIGHTERS.with_suffix(".speakers.json").read_text())
    dialogue = [s.text for s in analyse(load_book(LAMPLIGHTERS), Cast()) if s.kind == "dialogue"]
    norm = [" ".join(re.sub("[\"\u201c\u201d]", " ", d).split()) for d in dialogue]
    at = 0
    for quote, _ in annotations["quotes"]:
        found = next(i for i in range(at, len(norm)) if quote in norm[i])
        at = found + 1
    assert len(annotations["quotes"]) == len(dialogue) == 72


def test_the_cast_lists_the_tagged_characters_who_speak():
    cast = Cast()
    analyse(load_book(LAMPLIGHTERS), cast)
    assert set(cast.characters) == {"Rook", "Ilsa Varro", "Dorian Hale", "Commander Brask"}
    assert cast.characters["Rook"].gender == "female"  # `Female Rook`
    assert set(cast.characters["Dorian Hale"].aliases) == {"Dorian", "Hale"}
    assert cast.characters["Commander Brask"].aliases == ["Brask"]
    # Oren Vask is tagged and named but never speaks: no voice for him.
    assert "Oren Vask" not in cast.characters
    assert (cast.title, cast.author) == ("The Lamplighter's Debt", "wickandwhistle")
    assert cast.summary.startswith("The lamps of the Low Canal")
    # The written cast file carries the summary and reads back as it was written.
    again = parse_cast(dump_cast(cast), Path("cast.yaml"))
    assert (again.title, again.author, again.summary) == (cast.title, cast.author, cast.summary)


def test_anonymous_one_chapter_reader_insert():
    book = load_book(NIGHT_WATCH)
    assert (book.title, book.author) == ("The Night Watch", "Anonymous")
    assert [c.title for c in book.chapters] == ["The Night Watch"]
    assert not book.chapters[0].headings
    cast = Cast()
    said = " ".join(spoken(book, cast))
    assert said.startswith("The Night Watch, by Anonymous. The watch-house on the Salt Gate")
    for words in ("Midwinter Lanterns", "exchange", "Happy holidays", "Reader-Insert",
                  "drop by the Archive"):
        assert words not in said, words
    assert set(cast.characters) <= {"Commander Brask"}  # `Reader` is nobody to cast
    assert cast.pronunciations == {"Y/N": "your name"}
    assert "your name, sir" in said and "(Y/N)" not in said


def test_orphaned_epub_in_calibres_split_layout(tmp_path):
    book = load_book(_epub(tmp_path, "salt-and-cinders-orphaned"))
    assert (book.title, book.author) == ("Salt and Cinders", None)
    assert book.work.authors == ["orphan_account"]
    assert [c.title for c in book.chapters] == [
        "Chapter 1: The Chapel", "Chapter 2", "Chapter 3: What the Fire Kept"]
    said = spoken(book)
    assert said[0] == "Salt and Cinders."
    everything = " ".join(said)
    for words in ("orphan", "discord", "Kudos and comments", "The book, at last", "my first time",
                  "drop by the Archive", "Hurt/Comfort", "snow and got ashes"):
        assert words.lower() not in everything.lower(), words
    assert everything.rstrip().endswith("went out.")
    people = {c.name: c for c in tagged_characters(book.work, book.text)}
    assert set(people) == {"Warden", "Sister Adelka"}  # not `Original Characters`
    assert people["Warden"].gender == "male"  # `Male Warden`
    assert people["Sister Adelka"].aliases == ["Adelka"]


def test_two_author_one_chapter_epub(tmp_path):
    book = load_book(_epub(tmp_path, "the-cartographers-apprentice-two-authors"))
    assert book.work.authors == ["inkwell_and_ivy", "Marrow"]
    assert book.author == "inkwell_and_ivy and Marrow"
    assert [c.title for c in book.chapters] == ["The Cartographer's Apprentice"]
    assert [(s.title, s.position) for s in book.work.series] == [("Ink and Oil", 1)]
    assert book.work.fandoms == ["Lanterns of Vell (Video Game)", "The Salt Roads Cycle"]
    said = " ".join(spoken(book))
    assert said.startswith("The Cartographer's Apprentice, by inkwell_and_ivy and Marrow. "
                           "The map was very good.")
    assert "video chat" not in said and "sequel" not in said
    assert said.rstrip().endswith("they went to find their coats.")


@pytest.mark.parametrize("byline, names, line", [
    ("by wickandwhistle", ["wickandwhistle"], "wickandwhistle"),
    ("by Anonymous", ["Anonymous"], "Anonymous"),
    ("by orphan_account", ["orphan_account"], None),
    ("by Robin (bob), orphan_account", ["Robin", "orphan_account"], "Robin"),
    ("by A, B (bee), C", ["A", "B", "C"], "A, B and C"),
])
def test_bylines(byline, names, line):
    assert byline_names(byline) == names
    assert author_line(names) == line
