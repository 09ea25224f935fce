"""Reading an EPUB package safely: the archive, its package file, metadata, table of
contents and spine, and every spine document as text blocks. Shared by the EPUB readers.

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
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from audiobook.errors import InputError
from audiobook.formats.common import MAX_INPUT_BYTES
from audiobook.formats.markup import Block, Marker, extract

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
SKIPPED_TITLES = re.compile(
    r"^\s*(?:copyright(?:\s+page)?|(?:table\s+of\s+)?contents|cover|title\s*page|colophon|"
    r"index|imprint)\s*$", re.IGNORECASE)
"""Table-of-contents labels of front and back matter that is not read."""
_DC = "{http://purl.org/dc/elements/1.1/}"


@dataclass
class TocEntry:
    """A table-of-contents link: its label and target."""

    title: str
    path: str
    fragment: str


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


class Archive:
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


def _nav_toc(archive: Archive, nav_path: str) -> tuple[list[TocEntry], set[str]]:
    """EPUB 3 navigation document: toc links in order, and landmark targets to skip."""
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


def _ncx_toc(archive: Archive, ncx_path: str) -> list[TocEntry]:
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


@dataclass
class Package:
    """An opened EPUB: its metadata, reading order and table of contents."""

    path: Path
    archive: Archive
    rootfile: str
    """The package (OPF) file's name inside the archive."""
    metadata: dict[str, list[str]] = field(default_factory=dict)
    """Dublin Core values by element name (`title`, `creator`, `description`, `subject`,
    `publisher`, `contributor`, `identifier`, `source`, `language`), in document order,
    and `<meta name=... content=...>` values under `meta:NAME`."""
    spine: list[tuple[str, bool]] = field(default_factory=list)
    """(document name, linear?) in reading order; documents only, each once."""
    toc: list[TocEntry] = field(default_factory=list)
    nav: str | None = None
    """The EPUB 3 navigation document, if any (never read as text)."""
    skipped: set[str] = field(default_factory=set)
    """Documents that landmarks or the guide call front or back matter."""
    cover: bytes | None = None
    """The cover image (JPEG or PNG), when there is one."""

    def first(self, name: str) -> str | None:
        """The first value of a metadata element, or None."""
        values = self.metadata.get(name)
        return values[0] if values else None


def open_package(path: Path) -> Package:
    """Open an EPUB and read its package file; raise InputError for anything unusable."""
    try:
        if path.stat().st_size > MAX_INPUT_BYTES:
            raise InputError(f"{path}: too large")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    archive = Archive(path)
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

    package = Package(path, archive, rootfile)
    cover_id = None
    manifest: dict[str, tuple[str, str, str]] = {}  # id -> (path, media type, properties)
    outside: dict[str, str] = {}  # id -> href of items that point outside the archive
    itemrefs: list[tuple[str, bool]] = []
    toc_id = None
    for el in opf.iter():
        name = _local(el.tag)
        if el.tag.startswith(_DC) and (el.text or "").strip():
            package.metadata.setdefault(name, []).append(" ".join(el.text.split()))
        elif name == "meta" and el.get("name"):
            package.metadata.setdefault("meta:" + el.get("name"), []).append(
                el.get("content", ""))
            if el.get("name") == "cover":
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
            itemrefs.append((el.get("idref"), el.get("linear", "yes") != "no"))
        elif name == "reference" and el.get("type", "").lower() in SKIPPED_TYPES | {"cover"}:
            target = resolve(rootfile, el.get("href", ""))
            if target:
                package.skipped.add(target[0])
    # Descriptions keep their line breaks: a summary's paragraphs.
    package.metadata["description"] = [
        (el.text or "").strip() for el in opf.iter()
        if el.tag == _DC + "description" and (el.text or "").strip()]

    package.nav = next((p for p, _, props in manifest.values() if "nav" in props.split()), None)
    if package.nav and package.nav in archive.names:
        package.toc, landmarks = _nav_toc(archive, package.nav)
        package.skipped |= landmarks
    if not package.toc and toc_id in manifest and manifest[toc_id][0] in archive.names:
        package.toc = _ncx_toc(archive, manifest[toc_id][0])

    cover_path = next((p for p, _, props in manifest.values() if "cover-image" in props.split()),
                      manifest.get(cover_id, (None,))[0] if cover_id else None)
    if cover_path and cover_path in archive.names:
        data = archive.read(cover_path)
        if data.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")):
            package.cover = data

    seen: set[str] = set()
    for idref, linear in itemrefs:
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
        if doc_path in seen:
            continue  # listed twice in the spine: read once, never repeat text
        seen.add(doc_path)
        package.spine.append((doc_path, linear))
    return package


@dataclass
class SpineText:
    """Every spine document's blocks in reading order, and where each anchor lands."""

    blocks: list[Block]
    doc_of: list[str]
    """The document each block comes from."""
    position: dict[tuple[str, str], int]
    """(document, id) -> index of the first block at or after it; (document, "") its start."""
    skipped: set[str]
    """Documents not to read: the package's, plus non-linear ones, the navigation
    document and those whose body says they are front or back matter."""


def read_spine(package: Package, marker: Marker | None = None) -> SpineText:
    """The text blocks of every spine document, in reading order."""
    blocks: list[Block] = []
    doc_of: list[str] = []
    position: dict[tuple[str, str], int] = {}
    skipped = set(package.skipped)
    for doc_path, linear in package.spine:
        doc = extract(package.archive.text(doc_path), marker)
        if not linear or doc.types & SKIPPED_TYPES or doc_path == package.nav:
            skipped.add(doc_path)
        position[(doc_path, "")] = len(blocks)
        for block in doc.blocks:
            for anchor in block.ids:
                position.setdefault((doc_path, anchor), len(blocks))
            blocks.append(block)
            doc_of.append(doc_path)
    if not blocks:
        raise InputError(f"{package.path}: no readable text in the EPUB")
    return SpineText(blocks, doc_of, position, skipped)
