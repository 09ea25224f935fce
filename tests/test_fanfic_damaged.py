"""Damaged fan-fiction downloads (cut short, a file missing, markup stripped) are read as far
as they go or refused with a one-line error, never a crash; no letter is read twice."""

import re
import zipfile

import pytest

from audiobook.book import load_book
from audiobook.cast import Cast
from audiobook.errors import InputError
from audiobook.pipeline import analyse, script
from tests.invariants import check_segments
from tests.packing import FIXTURES, pack_epub

DOWNLOADS = [FIXTURES / "ao3" / "the-lamplighters-debt.html",
             FIXTURES / "ao3" / "the-night-watch-anonymous.html",
             FIXTURES / "fanficfare" / "the-tollkeeper.html"]


def _read(path):
    try:
        book = load_book(path)
    except InputError:
        return None
    cast = Cast()
    segments = analyse(book, cast)
    check_segments(book, segments)
    script(book, segments, cast)
    return book


@pytest.mark.parametrize("source", DOWNLOADS, ids=lambda p: p.name)
def test_html_downloads_cut_anywhere(tmp_path, source):
    markup = source.read_text(encoding="utf-8")
    for n, cut in enumerate(range(0, len(markup), max(1, len(markup) // 23))):
        path = tmp_path / f"cut{n}.html"
        path.write_text(markup[:cut], encoding="utf-8")
        _read(path)


@pytest.mark.parametrize("folder", ["ao3/salt-and-cinders-orphaned",
                                    "fanficfare/harbour-lights-epub3"])
def test_epub_downloads_missing_a_file(tmp_path, folder):
    whole = pack_epub(FIXTURES / folder, tmp_path / "whole.epub")
    with zipfile.ZipFile(whole) as zf:
        names = zf.namelist()
        data = {name: zf.read(name) for name in names}
    for n, missing in enumerate(names):
        path = tmp_path / f"missing{n}.epub"
        with zipfile.ZipFile(path, "w") as zf:
            for name in names:
                if name != missing:
                    zf.writestr(name, data[name])
        _read(path)


def test_an_ao3_page_with_its_ids_and_classes_stripped_still_skips_the_preface(tmp_path):
    markup = (FIXTURES / "ao3" / "the-lamplighters-debt.html").read_text(encoding="utf-8")
    bare = markup.replace(' class="meta"', "").replace(' class="meta group"', "")
    bare = bare.replace('id="chapters"', "").replace(' class="userstuff"', "")
    path = tmp_path / "bare.html"
    path.write_text(bare, encoding="utf-8")
    book = _read(path)
    said = " ".join(line.say for line in script(book, analyse(book, Cast()), Cast()) if line.say)
    assert said.startswith("The Lamplighter's Debt, by wickandwhistle. Chapter one")
    for words in ("Teen And Up", "my beta", "every other Saturday", "worse night than anyone",
                  "Work ate my February", "tumblr", "drop by the Archive"):
        assert words not in said, words


def test_an_ao3_epub_whose_converter_dropped_every_id_and_class(tmp_path):
    # calibre may rename classes and drop ids: the labels and element types still tell.
    folder = tmp_path / "bare"
    for path in (FIXTURES / "ao3" / "salt-and-cinders-orphaned").rglob("*"):
        if path.is_file():
            target = folder / path.relative_to(FIXTURES / "ao3" / "salt-and-cinders-orphaned")
            target.parent.mkdir(parents=True, exist_ok=True)
            data = path.read_text(encoding="utf-8")
            if path.suffix == ".xhtml":
                data = re.sub(r' (?:id|class)="[^"]*"', "", data)
            target.write_text(data, encoding="utf-8")
    book = _read(pack_epub(folder, tmp_path / "bare.epub"))
    assert [c.title for c in book.chapters] == [
        "Chapter 1: The Chapel", "Chapter 2", "Chapter 3: What the Fire Kept"]
    said = " ".join(line.say for line in script(book, analyse(book, Cast()), Cast()) if line.say)
    assert said.startswith("Salt and Cinders. Chapter one: The Chapel. The fire in the chapel")
    for words in ("discord", "Kudos and comments", "The book, at last", "my first time",
                  "drop by the Archive", "Hurt/Comfort", "snow and got ashes", "See the end"):
        assert words not in said, words
