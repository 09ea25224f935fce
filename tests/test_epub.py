"""EPUB input: chapters follow the table of contents, front matter and footnotes are skipped."""

import struct
import zipfile
import zlib

import pytest

from audiobook.book import load_book
from audiobook.cast import Cast
from audiobook.errors import InputError
from audiobook.pipeline import script
from audiobook.segmenter import segment_book


def png(size: int = 8) -> bytes:
    raw = b"".join(b"\x00" + bytes([30, 90, 160]) * size for _ in range(size))

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


XHTML = ('<?xml version="1.0" encoding="utf-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml" '
         'xmlns:epub="http://www.idpf.org/2007/ops"><head><title>x</title></head>{body}</html>')

DOCS = {
    "cover.xhtml": '<body epub:type="cover"><img src="images/cover.png" alt="Cover"/></body>',
    "copyright.xhtml": '<body epub:type="frontmatter copyright-page"><p>Copyright 2024 '
                       'Nobody. All rights reserved.</p></body>',
    # Chapter 1 spans two files; file two also holds the start of chapter 2.
    "part1.xhtml": '<body><section id="c1"><h1>Chapter One</h1><p>The kettle sang'
                   '<a epub:type="noteref" href="#fn1">1</a> on the stove.</p>'
                   '<aside epub:type="footnote" id="fn1"><p>It was a loud kettle.</p></aside>'
                   '</section></body>',
    "part2.xhtml": '<body><p>Mira poured the tea.</p><hr/><p>Later, the cups were empty.</p>'
                   '<h1 id="c2">Chapter Two</h1><p>Rain again.</p></body>',
    "part3.xhtml": '<body><h1>Chapter Three</h1><p>The last page.</p></body>',
}
SPINE = ["cover.xhtml", "copyright.xhtml", "part1.xhtml", "part2.xhtml", "part3.xhtml"]
TOC = [("Copyright", "copyright.xhtml"), ("Chapter One", "part1.xhtml#c1"),
       ("Chapter Two", "part2.xhtml#c2"), ("Chapter Three", "part3.xhtml")]


def make_epub(path, version: int = 3, extra: dict | None = None):
    items = "".join(f'<item id="d{i}" href="text/{name}" media-type="application/xhtml+xml"/>'
                    for i, name in enumerate(SPINE))
    itemrefs = "".join(f'<itemref idref="d{i}"/>' for i in range(len(SPINE)))
    if version == 3:
        nav_links = "".join(f'<li><a href="text/{href}">{label}</a></li>' for label, href in TOC)
        nav = XHTML.format(body=f'<body><nav epub:type="toc"><ol>{nav_links}</ol></nav>'
                                '<nav epub:type="landmarks"><ol><li><a epub:type="copyright-page" '
                                'href="text/copyright.xhtml">Copyright</a></li></ol></nav></body>')
        items += ('<item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" '
                  'properties="nav"/><item id="img" href="images/cover.png" '
                  'media-type="image/png" properties="cover-image"/>')
        spine = f"<spine>{itemrefs}</spine>"
        meta = ""
    else:
        points = "".join(
            f'<navPoint id="p{i}" playOrder="{i + 1}"><navLabel><text>{label}</text></navLabel>'
            f'<content src="text/{href}"/></navPoint>' for i, (label, href) in enumerate(TOC))
        ncx = ('<?xml version="1.0"?><ncx xmlns="http://www.daisy.org/z3986/2005/ncx/" '
               f'version="2005-1"><navMap>{points}</navMap></ncx>')
        items += ('<item id="ncx" href="toc.ncx" media-type="application/x-dtbncx+xml"/>'
                  '<item id="img" href="images/cover.png" media-type="image/png"/>')
        spine = f'<spine toc="ncx">{itemrefs}</spine>'
        meta = '<meta name="cover" content="img"/>'
    opf = (f'<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" '
           f'version="{version}.0"><metadata xmlns:dc="http://purl.org/dc/elements/1.1/">'
           '<dc:title>The Copper Kettle</dc:title><dc:creator>Ada Fenn</dc:creator>'
           f'<dc:language>en-GB</dc:language>{meta}</metadata><manifest>{items}</manifest>'
           f'{spine}</package>')
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/epub+zip")
        z.writestr("META-INF/container.xml",
                   '<?xml version="1.0"?><container version="1.0" xmlns="urn:oasis:names:tc:'
                   'opendocument:xmlns:container"><rootfiles><rootfile full-path="OEBPS/'
                   'content.opf" media-type="application/oebps-package+xml"/></rootfiles>'
                   '</container>')
        z.writestr("OEBPS/content.opf", opf)
        for name, body in DOCS.items():
            z.writestr(f"OEBPS/text/{name}", XHTML.format(body=body))
        z.writestr("OEBPS/images/cover.png", png())
        if version == 3:
            z.writestr("OEBPS/nav.xhtml", nav)
        else:
            z.writestr("OEBPS/toc.ncx", ncx)
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return path


@pytest.mark.parametrize("version", [3, 2])
def test_chapters_follow_the_toc_not_the_files(tmp_path, version):
    book = load_book(make_epub(tmp_path / "kettle.epub", version))
    assert (book.title, book.author, book.language) == ("The Copper Kettle", "Ada Fenn", "en-GB")
    assert book.cover == png()
    assert [c.title for c in book.chapters] == ["Chapter One", "Chapter Two", "Chapter Three"]
    said = [" ".join(line.say for line in script(book, segment_book(book), Cast())
                     if line.segment.chapter == c.index) for c in book.chapters]
    assert "Mira poured the tea" in said[0] and "cups were empty" in said[0]
    assert "Rain again" in said[1] and "Mira" not in said[1]
    assert "The last page" in said[2]


def test_front_matter_and_footnotes_are_not_read_but_listed(tmp_path):
    book = load_book(make_epub(tmp_path / "kettle.epub"))
    segments = segment_book(book)
    said = " ".join(line.say for line in script(book, segments, Cast()))
    assert "Copyright" not in said and "rights reserved" not in said
    assert "The kettle sang on the stove." in said  # the note mark is not read
    assert "loud kettle" not in said
    skipped = " ".join(s.text for s in segments if s.kind == "skipped")
    assert "All rights reserved" in skipped and "loud kettle" in skipped
    for seg in segments:
        assert book.text[seg.start:seg.end] == seg.text
    assert book.scene_breaks == [book.text.index("Later, the cups")]


@pytest.mark.filterwarnings("ignore:Duplicate name")  # the second entry is the attack
def test_unsafe_xml_is_refused(tmp_path):
    bomb = ('<?xml version="1.0"?><!DOCTYPE c [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;'
            '&a;&a;&a;&a;&a;">]><container>&b;</container>')
    path = make_epub(tmp_path / "bomb.epub")
    with zipfile.ZipFile(path, "a") as z:
        z.writestr("META-INF/container.xml", bomb)  # a later entry of the same name wins
    with pytest.raises(InputError, match="unsafe|bad"):
        load_book(path)


def test_paths_outside_the_archive_are_ignored(tmp_path):
    from audiobook.formats.epubfile import resolve

    assert resolve("OEBPS/content.opf", "text/a.xhtml#x") == ("OEBPS/text/a.xhtml", "x")
    assert resolve("OEBPS/content.opf", "../../etc/passwd") is None
    assert resolve("OEBPS/content.opf", "/etc/passwd") is None
    assert resolve("OEBPS/content.opf", "file:///etc/passwd") is None


def test_not_an_epub_is_a_clean_error(tmp_path):
    path = tmp_path / "x.epub"
    path.write_bytes(b"not a zip")
    with pytest.raises(InputError):
        load_book(path)
