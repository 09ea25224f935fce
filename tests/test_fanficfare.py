"""FanFicFare downloads: the title page as metadata (never read), chapters from its chapter
titles, notes in the text or in FanFicFare's notes blocks skipped."""

from audiobook.book import load_book
from audiobook.cast import Cast
from audiobook.pipeline import analyse, script
from tests.invariants import check_segments
from tests.packing import FIXTURES, pack_epub

TITLE_PAGE = ["Category", "Genre", "Characters", "Relationships", "Status", "Published",
              "Packaged", "Rating", "K+", "Publisher", "fanfiction.net", "Chapters:", "Words"]


def _book(tmp_path, name: str, **options):
    path = FIXTURES / "fanficfare" / name
    if path.is_dir():
        path = pack_epub(path, tmp_path / f"{name}.epub")
    return load_book(path, **options)


def spoken(book) -> list[str]:
    cast = Cast()
    return [line.say for line in script(book, analyse(book, cast), cast) if line.say]


def _tollkeeper_checks(book):
    assert (book.title, book.author) == ("The Tollkeeper", "quietbrook")
    assert [c.title for c in book.chapters] == ["1. The Gate", "2. Two Pennies"]
    work = book.work
    assert work.characters == ["Rook", "Dorian H.", "Tollkeeper Maud"]
    assert work.relationships == ["Rook/Dorian H."]
    assert work.status == "Completed"
    assert work.summary.startswith("Nobody crosses the Greywater bridge")
    said = spoken(book)
    assert said[0] == "The Tollkeeper, by quietbrook."
    assert said[1] == "one. The Gate."
    everything = " ".join(said)
    for words in TITLE_PAGE + ["Table of Contents", "be gentle", "is not mine", "Please review",
                               "favorited", "Nobody crosses"]:
        assert words not in everything, words
    assert everything.rstrip().endswith("an event of some importance.")


def test_epub2_from_fanfiction_net(tmp_path):
    book = _book(tmp_path, "the-tollkeeper-epub2")
    _tollkeeper_checks(book)
    assert book.language == "en"


def test_html_from_fanfiction_net(tmp_path):
    _tollkeeper_checks(_book(tmp_path, "the-tollkeeper.html"))


def test_tagged_initials_become_the_full_name_in_the_cast(tmp_path):
    cast = Cast()
    analyse(_book(tmp_path, "the-tollkeeper-epub2"), cast)
    assert "Dorian Hale" in cast.characters and "Dorian H." not in cast.characters


def test_epub3_of_an_ao3_work_with_notes_blocks_and_an_update_log(tmp_path):
    book = _book(tmp_path, "harbour-lights-epub3")
    assert (book.title, book.author) == ("Harbour Lights", "wickandwhistle and tidewright")
    assert [c.title for c in book.chapters] == ["Chapter 1: Backwards", "Chapter 2: The Mole"]
    assert book.work.fandoms == ["Lanterns of Vell (Video Game)"]
    assert [(s.title, s.position) for s in book.work.series] == [("Lamps Along the Canal", 3)]
    assert book.work.status == "In-Progress"
    said = " ".join(spoken(book))
    for words in ("Update Log", "Packaged", "Third part of the series", "same week",
                  "kudos", "Summary for the Chapter", "end of the mole."):
        assert words not in said, words
    assert said.startswith("Harbour Lights, by wickandwhistle and tidewright. Chapter one")
    noted = " ".join(spoken(_book(tmp_path, "harbour-lights-epub3", keep_notes=True)))
    assert "Third part of the series" in noted and "kudos" in noted
    summarised = spoken(_book(tmp_path, "harbour-lights-epub3", read_summary=True))
    assert "Tonight someone is lighting them backwards." in summarised[1]


def test_summary_line_of_a_title_page_is_read_only_when_asked(tmp_path):
    said = spoken(_book(tmp_path, "the-tollkeeper-epub2", read_summary=True))
    assert said[1].startswith("Summary: Nobody crosses the Greywater bridge")
    assert said[2] == "one. The Gate."


def test_a_one_chapter_story_does_not_say_its_title_twice(tmp_path):
    page = (FIXTURES / "fanficfare" / "the-tollkeeper.html").read_text(encoding="utf-8")
    one = page[:page.index('<a name="section0002">')] + page[page.index("</body>"):]
    path = tmp_path / "one.html"
    path.write_text(one.replace("<h2>1. The Gate</h2>", "<h2>The Tollkeeper</h2>"))
    book = load_book(path)
    segments = analyse(book, Cast())
    check_segments(book, segments)
    assert [c.title for c in book.chapters] == ["The Tollkeeper"]
    said = [line.say for line in script(book, segments, Cast()) if line.say]
    assert said[:2] == ["The Tollkeeper, by quietbrook.",
                        "The Greywater bridge had a gate, and the gate had a woman, and the "
                        "woman had a ledger the size of a paving stone."]
