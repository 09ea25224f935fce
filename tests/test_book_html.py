"""HTML input: h1/h2 are chapters, footnotes and note marks are not read."""

from pathlib import Path

from audiobook.cast import Cast
from audiobook.formats.html import parse_html
from audiobook.pipeline import script
from audiobook.segmenter import segment_book

PAGE = """<html><head><title>Rain Song</title><meta name="author" content="Ida Moss"></head>
<body><h1>Rain Song</h1>
<h2>Chapter 1</h2><p>It rained<sup class="noteref"><a href="#n1">1</a></sup> all day &amp;
night.</p><hr/><p>Then it stopped.</p>
<aside id="n1"><p>A real storm.</p></aside>
<script>var x = "never read";</script>
<h2>Chapter 2</h2><p>Sun.</p></body></html>"""


def test_html_chapters_metadata_breaks_and_notes():
    book = parse_html(PAGE, Path("rain.html"))
    assert (book.title, book.author) == ("Rain Song", "Ida Moss")
    assert [c.title for c in book.chapters] == ["Chapter 1", "Chapter 2"]
    assert book.scene_breaks == [book.text.index("Then it stopped")]
    segments = segment_book(book)
    said = " ".join(line.say for line in script(book, segments, Cast()))
    assert said.startswith("Rain Song, by Ida Moss.")
    assert "It rained all day and night." in said or "It rained all day & night." in said
    assert "real storm" not in said and "never read" not in said
    assert any(s.kind == "skipped" and "real storm" in s.text for s in segments)
