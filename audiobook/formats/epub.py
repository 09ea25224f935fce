"""EPUB 2 and 3: chapters from the table of contents, in spine order, with metadata and cover.

Secure reading: the package files are parsed with defusedxml (no entity
expansion, no external entities), content documents with `html.parser`;
names are resolved inside the archive only (nothing outside it is ever
opened), and sizes are capped before anything is decompressed.
"""

from __future__ import annotations

import lzma
import posixpath
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from audiobook.book import MAX_INPUT_BYTES, Book, Chapter, Paragraph, title_from_path
from audiobook.errors import InputError
from audiobook.formats.html import Block, block_kind, build_text, extract

MAX_MEMBER_BYTES = 64 * 1024 * 1024
"""Largest single file read from the archive (uncompressed)."""
MAX_TOTAL_BYTES = 128 * 1024 * 1024
"""Most uncompressed bytes read from one EPUB: a zip bomb stops here (no real book
needs more than a few tens of megabytes of text)."""
MAX_MEMBERS = 20000
SKIPPED_TYPES = {"cover", "toc", "copyright-page", "titlepage", "title-page", "landmarks",
                 "loi", "lot", "index", "colophon", "imprint", "copyright", "halftitlepage",
                 "frontispiece", "other.toc", "page-list"}
"""Landmark/guide/epub:type values of front and back matter that is not read."""
_SKIPPED_TITLES = re.compile(
    r"^\s*(?:copyright(?:\s+page)?|(?:table\s+of\s+)?contents|cover|title\s*page|colophon|"
    r"index|imprint)\s*$", re.IGNORECASE)


@dataclass
class TocEntry:
    """A table-of-contents link: its label and target."""

    title: str
    path: str
    fragment: str


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


class _Archive:
    """Bounded, inside-only reads from the EPUB zip."""

    def __init__(self, path: Path):
        try:
            self.zip = zipfile.ZipFile(path)
            infos = self.zip.infolist()
        except _ZIP_ERRORS as err:
            raise InputError(f"{path}: not a readable EPUB (not a zip archive: {err})") from None
        if len(infos) > MAX_MEMBERS:
            raise InputError(f"{path}: too many files in the EPUB")
        for info in infos:
            if _outside(info.filename):
                raise InputError(f"{path}: the EPUB holds a file named {info.filename!r}, "
                                 "which points outside the archive")
        self.names = {info.filename: info for info in infos}
        self.path = path
        self.read_total = 0

    def read(self, name: str) -> bytes:
        info = self.names.get(name)
        if info is None:
            raise InputError(f"{self.path}: missing {name!r} inside the EPUB")
        if info.file_size > MAX_MEMBER_BYTES:
            raise InputError(f"{self.path}: {name!r} is too large "
                             f"({info.file_size} bytes unpacked)")
        # The header may lie about the size: cap what is really unpacked too, so
        # memory stays bounded whatever the archive claims.
        allowed = min(MAX_MEMBER_BYTES, MAX_TOTAL_BYTES - self.read_total)
        try:
            with self.zip.open(info) as f:
                data = f.read(allowed + 1)
        except _ZIP_ERRORS as err:
            raise InputError(f"{self.path}: {name!r} cannot be unpacked ({err})") from None
        self.read_total += len(data)
        if len(data) > allowed:
            raise InputError(f"{self.path}: the EPUB unpacks to too much data (a zip bomb?)")
        return data

    def xml(self, name: str):
        try:
            return fromstring(self.read(name))
        except (ParseError, DefusedXmlException) as err:
            raise InputError(f"{self.path}: {name}: bad or unsafe XML ({err})") from None

    def text(self, name: str) -> str:
        data = self.read(name)
        for encoding in ("utf-8", "utf-16"):
            try:
                return data.decode(encoding).lstrip("\ufeff")
            except UnicodeDecodeError:
                continue
        return data.decode("latin-1")


_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, lzma.LZMAError, EOFError,
               NotImplementedError, RuntimeError, ValueError, OSError, struct.error)
"""What a broken, encrypted or hostile archive makes zipfile raise."""


def _outside(name: str) -> bool:
    """Whether an archive member's name is absolute or climbs out with `..`."""
    name = name.replace("\\", "/")
    return (name.startswith("/") or re.match(r"^[A-Za-z]:", name) is not None
            or ".." in name.split("/"))


def resolve(base: str, href: str) -> tuple[str, str] | None:
    """An href relative to `base`'s folder as (archive name, fragment); None if it leaves
    the archive (absolute, `..` above the root, or another scheme)."""
    href, _, fragment = href.partition("#")
    href = unquote(href)
    if re.match(r"^[a-z][a-z0-9+.-]*:", href, re.IGNORECASE) or href.startswith("/"):
        return None
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(base), href)) if href else base
    if joined.startswith("../") or joined == ".." or joined.startswith("/"):
        return None
    return joined, fragment


def _nav_toc(archive: _Archive, nav_path: str) -> tuple[list[TocEntry], set[str]]:
    """EPUB 3 navigation document: toc links in order, and landmark targets to skip."""
    from html.parser import HTMLParser

    entries: list[TocEntry] = []
    skipped: set[str] = set()

    class Nav(HTMLParser):
        def __init__(self):
            super().__init__(convert_charrefs=True)
            self.nav: list[str] = []
            self.link: tuple[str, str] | None = None
            self.label: list[str] = []

        def handle_starttag(self, tag, attrs):
            attrs = {k.lower(): v or "" for k, v in attrs}
            if tag == "nav":
                self.nav.append(attrs.get("epub:type", "").lower())
            elif tag == "a" and self.nav:
                self.link = (attrs.get("href", ""), attrs.get("epub:type", "").lower())
                self.label = []

        def handle_endtag(self, tag):
            if tag == "nav" and self.nav:
                self.nav.pop()
            elif tag == "a" and self.link is not None:
                href, kind = self.link
                target = resolve(nav_path, href)
                if target and "toc" in self.nav[-1].split():
                    label = " ".join("".join(self.label).split())
                    entries.append(TocEntry(label, *target))
                elif target and "landmarks" in self.nav[-1].split() and set(kind.split()) & (
                        SKIPPED_TYPES):
                    skipped.add(target[0])
                self.link = None

        def handle_data(self, data):
            if self.link is not None:
                self.label.append(data)

    parser = Nav()
    parser.feed(archive.text(nav_path))
    parser.close()
    return entries, skipped


def _ncx_toc(archive: _Archive, ncx_path: str) -> list[TocEntry]:
    """EPUB 2 NCX: navPoints in document order (nested ones after their parent)."""
    entries: list[TocEntry] = []

    # Depth first, without recursion: a hostile NCX may nest navPoints very deep.
    stack = [iter(node) for node in archive.xml(ncx_path).iter() if _local(node.tag) == "navMap"]
    stack.reverse()
    while stack:
        child = next(stack[-1], None)
        if child is None:
            stack.pop()
            continue
        if _local(child.tag) != "navPoint":
            continue
        label = ""
        for sub in child:
            if _local(sub.tag) == "navLabel":
                label = " ".join("".join(sub.itertext()).split())
            if _local(sub.tag) == "content":
                target = resolve(ncx_path, sub.get("src", ""))
                if target:
                    entries.append(TocEntry(label, *target))
        stack.append(iter(child))
    return entries


def load_epub(path: Path, keep_notes: bool = False) -> Book:
    """Load an EPUB: chapters follow its table of contents; front/back matter is skipped."""
    try:
        if path.stat().st_size > MAX_INPUT_BYTES:
            raise InputError(f"{path}: too large")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    archive = _Archive(path)
    container = archive.xml("META-INF/container.xml")
    rootfile = next((el.get("full-path") for el in container.iter()
                     if _local(el.tag) == "rootfile" and el.get("full-path")), None)
    if not rootfile:
        raise InputError(f"{path}: the EPUB names no package file in META-INF/container.xml")
    if _outside(rootfile):
        raise InputError(f"{path}: the package file {rootfile!r} points outside the archive")
    if rootfile not in archive.names:
        raise InputError(f"{path}: the package file {rootfile!r} is missing from the EPUB")
    opf = archive.xml(rootfile)

    title = author = language = None
    cover_id = None
    manifest: dict[str, tuple[str, str, str]] = {}  # id -> (path, media type, properties)
    outside: dict[str, str] = {}  # id -> href of items that point outside the archive
    spine: list[tuple[str, bool]] = []
    toc_id = None
    skipped_docs: set[str] = set()
    for el in opf.iter():
        name = _local(el.tag)
        if name == "title" and title is None and (el.text or "").strip():
            title = " ".join(el.text.split())
        elif name == "creator" and author is None and (el.text or "").strip():
            author = " ".join(el.text.split())
        elif name == "language" and language is None and (el.text or "").strip():
            language = el.text.strip()
        elif name == "meta" and el.get("name") == "cover":
            cover_id = el.get("content")
        elif name == "item" and el.get("id") and el.get("href"):
            target = resolve(rootfile, el.get("href"))
            if target:
                manifest[el.get("id")] = (target[0], el.get("media-type", ""),
                                          el.get("properties", ""))
            else:
                outside[el.get("id")] = el.get("href")
        elif name == "spine":
            toc_id = el.get("toc")
        elif name == "itemref" and el.get("idref"):
            spine.append((el.get("idref"), el.get("linear", "yes") != "no"))
        elif name == "reference" and el.get("type", "").lower() in SKIPPED_TYPES | {"cover"}:
            target = resolve(rootfile, el.get("href", ""))
            if target:
                skipped_docs.add(target[0])

    toc: list[TocEntry] = []
    nav = next((p for p, _, props in manifest.values() if "nav" in props.split()), None)
    if nav and nav in archive.names:
        toc, landmarks = _nav_toc(archive, nav)
        skipped_docs |= landmarks
    if not toc and toc_id in manifest and manifest[toc_id][0] in archive.names:
        toc = _ncx_toc(archive, manifest[toc_id][0])

    cover = None
    cover_path = next((p for p, _, props in manifest.values() if "cover-image" in props.split()),
                      manifest.get(cover_id, (None,))[0] if cover_id else None)
    if cover_path and cover_path in archive.names:
        data = archive.read(cover_path)
        if data.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")):
            cover = data

    # Every spine document's blocks in order; where each (file, id) lands.
    blocks: list[Block] = []
    doc_of: list[str] = []
    position: dict[tuple[str, str], int] = {}
    for idref, linear in spine:
        # A spine item that cannot be read would silently drop text: refuse the book.
        if idref in outside:
            raise InputError(f"{path}: the spine item {outside[idref]!r} points outside the "
                             "archive")
        if idref not in manifest:
            raise InputError(f"{path}: the spine names {idref!r}, which the manifest lacks")
        doc_path, media, _ = manifest[idref]
        if "html" not in media:
            continue
        if doc_path not in archive.names:
            raise InputError(f"{path}: the spine item {doc_path!r} is missing from the EPUB")
        if (doc_path, "") in position:
            continue  # listed twice in the spine: read once, never repeat text
        doc = extract(archive.text(doc_path))
        if not linear or doc.types & SKIPPED_TYPES or doc_path == nav:
            skipped_docs.add(doc_path)
        position[(doc_path, "")] = len(blocks)
        for block in doc.blocks:
            for anchor in block.ids:
                position.setdefault((doc_path, anchor), len(blocks))
            blocks.append(block)
            doc_of.append(doc_path)
    if not blocks:
        raise InputError(f"{path}: no readable text in the EPUB")

    # Chapter starts: TOC targets in reading order (a file may hold several).
    starts: dict[int, str] = {}
    for entry in toc:
        at = position.get((entry.path, entry.fragment), position.get((entry.path, "")))
        if at is not None and at not in starts:
            starts[at] = entry.title
    if not starts:  # no usable TOC: one chapter per spine document
        for doc_path in dict.fromkeys(doc_of):
            at = position[(doc_path, "")]
            heading = next((b.text for b in blocks[at:] if b.kind == "heading"), None)
            starts[at] = heading or f"Part {len(starts) + 1}"

    kinds = []
    for i, block in enumerate(blocks):
        kinds.append("skipped" if doc_of[i] in skipped_docs else block_kind(block, keep_notes))
    # A chapter whose TOC label names front/back matter is not read either.
    order = sorted(starts)
    for n, at in enumerate(order):
        end = order[n + 1] if n + 1 < len(order) else len(blocks)
        if _SKIPPED_TITLES.match(starts[at]):
            for i in range(at, end):
                kinds[i] = "skipped"

    text, paragraphs, breaks = build_text(list(zip(blocks, kinds, strict=True)))
    # build_text drops empty break blocks: map block index -> paragraph.
    para_of: dict[int, Paragraph] = {}
    it = iter(paragraphs)
    for i, block in enumerate(blocks):
        if not (block.kind == "break" and not block.text):
            para_of[i] = next(it)

    front: list[Paragraph] = []
    chapters: list[Chapter] = []
    current: Chapter | None = None
    for i in range(len(blocks)):
        if i in starts and any(kinds[j] != "skipped" for j in range(i, _end(order, i, blocks))):
            current = Chapter(len(chapters) + 1, starts[i])
            chapters.append(current)
        para = para_of.get(i)
        if para is None:
            continue
        if current is None:
            front.append(Paragraph(para.start, para.end, "skipped"))
        elif blocks[i].kind == "heading" and para.kind != "skipped" and not current.paragraphs:
            current.headings.append(para)
        else:
            current.paragraphs.append(para)
    if not chapters:
        raise InputError(f"{path}: the EPUB has nothing to read (only front or back matter)")
    book = Book(text, title or title_from_path(path), author, chapters, front, path, "utf-8",
                sorted(set(breaks)), language, cover)
    return book


def _end(order: list[int], start: int, blocks: list[Block]) -> int:
    later = [at for at in order if at > start]
    return later[0] if later else len(blocks)
