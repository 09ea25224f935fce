"""Hostile and broken EPUBs: each is refused with one clear line (exit 2), nothing is
read from outside the archive, nothing is expanded, memory stays bounded."""

from __future__ import annotations

import subprocess
import sys
import tracemalloc
import zipfile
import zlib

import pytest

from audiobook.book import load_book
from audiobook.errors import InputError
from audiobook.formats import epubfile as epub_format
from tests.test_robust_input import one_error_line, run

CONTAINER = ('<?xml version="1.0"?><container version="1.0" xmlns="urn:oasis:names:tc:'
             'opendocument:xmlns:container"><rootfiles><rootfile full-path="{root}" '
             'media-type="application/oebps-package+xml"/></rootfiles></container>')
OPF = ('<?xml version="1.0"?>{doctype}<package xmlns="http://www.idpf.org/2007/opf" '
       'version="3.0"><metadata xmlns:dc="http://purl.org/dc/elements/1.1/">'
       '<dc:title>{title}</dc:title></metadata><manifest>{items}</manifest>'
       '<spine>{refs}</spine></package>')
CHAPTER = ('<?xml version="1.0" encoding="utf-8"?>{doctype}<html xmlns="http://www.w3.org/1999/'
           'xhtml"><head><title>c</title></head><body><h1>Chapter {n}</h1><p>{text}</p>'
           '</body></html>')


def make_epub(path, *, chapters=("The tide came in.", "The tide went out."), hrefs=None,
              spine=None, root="OEBPS/content.opf", opf_doctype="", title="Tides",
              chapter_doctype="", files=None, drop=()):
    """An EPUB 3 with one file per chapter; keyword arguments break it in one place."""
    hrefs = hrefs or [f"ch{n}.xhtml" for n in range(1, len(chapters) + 1)]
    items = "".join(f'<item id="c{n}" href="{href}" media-type="application/xhtml+xml"/>'
                    for n, href in enumerate(hrefs, 1))
    refs = "".join(f'<itemref idref="{idref}"/>'
                   for idref in (spine or [f"c{n}" for n in range(1, len(hrefs) + 1)]))
    members = {
        "mimetype": "application/epub+zip",
        "META-INF/container.xml": CONTAINER.format(root=root),
        "OEBPS/content.opf": OPF.format(doctype=opf_doctype, title=title, items=items,
                                        refs=refs),
    }
    for n, text in enumerate(chapters, 1):
        members[f"OEBPS/ch{n}.xhtml"] = CHAPTER.format(doctype=chapter_doctype, n=n, text=text)
    members.update(files or {})
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            if name not in drop:
                z.writestr(name, data)
    return path


def refused(path, words: str) -> str:
    with pytest.raises(InputError) as info:
        load_book(path)
    assert words in str(info.value)
    return str(info.value)


def test_a_well_formed_epub_loads(tmp_path):
    book = load_book(make_epub(tmp_path / "ok.epub"))
    assert [c.title for c in book.chapters] == ["Chapter 1", "Chapter 2"]
    assert "The tide went out." in book.text


def test_not_a_zip_exits_2_with_one_line(write):
    path = write("book.epub", b"PK\x03\x04 but not really a zip at all" * 10)
    refused(path, "not a readable EPUB")
    proc = run("segment", path)
    assert proc.returncode == 2
    assert "not a readable EPUB" in one_error_line(proc.stderr)


def test_no_container(tmp_path):
    refused(make_epub(tmp_path / "b.epub", drop={"META-INF/container.xml"}),
            "META-INF/container.xml")


def test_missing_package_file(tmp_path):
    refused(make_epub(tmp_path / "b.epub", root="OEBPS/other.opf"), "'OEBPS/other.opf' is missing")


@pytest.mark.parametrize("kwargs, words", [
    ({"drop": {"OEBPS/ch2.xhtml"}}, "'OEBPS/ch2.xhtml' is missing"),
    ({"spine": ["c1", "nosuch"]}, "'nosuch', which the manifest lacks"),
])
def test_missing_spine_items_are_refused_not_skipped(tmp_path, kwargs, words):
    refused(make_epub(tmp_path / "b.epub", **kwargs), words)


def test_damaged_member_is_a_clean_error(tmp_path):
    path = make_epub(tmp_path / "b.epub", chapters=("The tide came in. " * 200,))
    data = bytearray(path.read_bytes())
    at = data.index(b"OEBPS/ch1.xhtml") + 40  # inside the compressed chapter
    data[at:at + 30] = b"\x00" * 30
    path.write_bytes(bytes(data))
    refused(path, "cannot be unpacked")


@pytest.mark.parametrize("kwargs, words", [
    ({"root": "../content.opf"}, "points outside the archive"),
    ({"hrefs": ["ch1.xhtml", "../../../etc/passwd"]}, "points outside the archive"),
    ({"hrefs": ["ch1.xhtml", "/etc/passwd"]}, "points outside the archive"),
    ({"files": {"../../evil.xhtml": "x"}}, "'../../evil.xhtml', which points outside"),
    ({"files": {"/etc/cron.d/evil": "x"}}, "points outside"),
])
def test_paths_pointing_outside_the_archive(tmp_path, kwargs, words):
    path = make_epub(tmp_path / "b.epub", **kwargs)
    refused(path, words)
    assert run("segment", path).returncode == 2


SECRET = "KEEPER-SECRET-7f3a"


def external_entity(secret_path) -> str:
    return f'<!DOCTYPE x [<!ENTITY leak SYSTEM "file://{secret_path}">]>'


# Loads an EPUB with every file opening in the process watched: prints the files opened
# whose name holds "secret", then what happened.
WATCH = """
import sys
from pathlib import Path
opened = []
sys.addaudithook(lambda event, args: event == "open" and "secret" in str(args[0])
                 and opened.append(str(args[0])))
from audiobook.book import load_book
from audiobook.errors import InputError
try:
    book = load_book(Path(sys.argv[1]))
    outcome = "loaded " + repr(book.text)
except InputError as err:
    outcome = "refused " + str(err)
print(opened)
print(outcome)
"""


@pytest.mark.parametrize("where", ["package", "chapter", "container"])
def test_external_entities_never_read_a_local_file(tmp_path, where):
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET)
    doctype = external_entity(secret)
    kwargs = {"package": {"opf_doctype": doctype, "title": "&leak;"},
              "chapter": {"chapter_doctype": doctype, "chapters": ("Tide &leak; out.",)},
              "container": {"files": {"META-INF/container.xml": CONTAINER.replace(
                  "<container", doctype + "<container").replace("{root}", "&leak;")}}}[where]
    path = make_epub(tmp_path / "b.epub", **kwargs)
    proc = subprocess.run([sys.executable, "-c", WATCH, str(path)], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    opened, outcome = proc.stdout.splitlines()
    assert opened == "[]"
    assert SECRET not in proc.stdout
    if where != "chapter":
        assert outcome.startswith("refused") and "unsafe" in outcome
    cli = run("segment", path)
    assert SECRET not in cli.stdout + cli.stderr


LAUGHS = ('<!DOCTYPE x [<!ENTITY a "hahahahahahahahahaha">'
          + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">'
                    for i in range(8)) + "]>")  # &i; would be 10^9 laughs


def test_entity_expansion_bomb_in_the_package_is_refused(tmp_path):
    path = make_epub(tmp_path / "b.epub", opf_doctype=LAUGHS, title="&i;")
    refused(path, "unsafe")
    proc = run("segment", path)
    assert proc.returncode == 2 and "unsafe" in one_error_line(proc.stderr)


def test_entity_expansion_bomb_in_a_chapter_is_not_expanded(tmp_path):
    path = make_epub(tmp_path / "b.epub", chapter_doctype=LAUGHS,
                     chapters=("Laugh &i; now.", "The tide went out."))
    book = load_book(path)
    assert len(book.text) < 2000
    assert "hahahahaha" not in book.text.replace("&", "")[200:]


def write_zeros(path, name: str, size: int) -> None:
    """Add a member of `size` zero bytes, compressed (a zip bomb), to an EPUB."""
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as z, z.open(name, "w") as f:
        block = b"\x00" * (1 << 20)
        for _ in range(size >> 20):
            f.write(block)


def claim_size(path, name: str, size: int) -> None:
    """Rewrite a member's unpacked size in both zip headers (a lying archive)."""
    with zipfile.ZipFile(path) as z:
        local = z.getinfo(name).header_offset
    data = bytearray(path.read_bytes())
    data[local + 22:local + 26] = size.to_bytes(4, "little")
    central = data.index(b"PK\x01\x02")
    while data[central + 46:central + 46 + len(name)] != name.encode():
        central = data.index(b"PK\x01\x02", central + 4)
    data[central + 24:central + 28] = size.to_bytes(4, "little")
    path.write_bytes(bytes(data))


def test_zip_bomb_is_capped_with_bounded_memory(tmp_path):
    path = make_epub(tmp_path / "b.epub", hrefs=["ch1.xhtml", "bomb.xhtml"],
                     drop={"OEBPS/ch2.xhtml"})
    size = epub_format.MAX_MEMBER_BYTES + (8 << 20)
    write_zeros(path, "OEBPS/bomb.xhtml", size)
    assert path.stat().st_size < size // 500  # it is a bomb: tiny packed, huge unpacked
    tracemalloc.start()
    try:
        refused(path, "too large")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 << 20  # the size in the header is believed: nothing unpacked


def test_a_lying_size_header_is_still_capped(tmp_path, monkeypatch):
    monkeypatch.setattr(epub_format, "MAX_MEMBER_BYTES", 4 << 20)
    path = make_epub(tmp_path / "b.epub", hrefs=["ch1.xhtml", "bomb.xhtml"],
                     drop={"OEBPS/ch2.xhtml"})
    write_zeros(path, "OEBPS/bomb.xhtml", 16 << 20)
    claim_size(path, "OEBPS/bomb.xhtml", 1000)  # the reader must not trust this
    tracemalloc.start()
    try:
        message = refused(path, ".epub: ")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 12 << 20
    assert "cannot be unpacked" in message or "too much data" in message


def test_total_unpacked_size_is_capped(tmp_path, monkeypatch):
    monkeypatch.setattr(epub_format, "MAX_TOTAL_BYTES", 3 << 20)
    text = "The tide came in and went out again. " * 30000  # about 1.1 MB each
    path = make_epub(tmp_path / "b.epub", chapters=(text, text, text, text))
    assert path.stat().st_size < 1 << 20
    refused(path, "too much data")


def test_compression_ratio_of_real_text_is_fine(tmp_path):
    text = "The tide came in and went out again. " * 30000
    book = load_book(make_epub(tmp_path / "b.epub", chapters=(text,)))
    assert book.text.count("tide") == 30000
    assert zlib  # (zlib is what makes these archives small)


def test_a_file_listed_twice_in_the_spine_is_read_once(tmp_path):
    book = load_book(make_epub(tmp_path / "b.epub", spine=["c1", "c2", "c1"]))
    assert book.text.count("The tide came in.") == 1
    assert [c.title for c in book.chapters] == ["Chapter 1", "Chapter 2"]
