"""Archive of Our Own downloads (HTML and EPUB): the preface's tags and summary as metadata,
chapters from the archive's chapter headings, notes and end notes kept but not read.

The layout is the archive's download template (otwarchive `app/views/downloads/`):
a `#preface` (title line, a `dl.tags` list, the stats, an `h1` title, the byline,
the summary and the work's notes, each note a `blockquote` after a label such as
`Notes`), then `#chapters` (per chapter a `.meta.group` with an `h2.heading`,
chapter summary and notes, the chapter text in a `.userstuff` div, and a
`#endnotesN` div), then an `#afterword` (end notes and a request to comment).
The EPUB is that same page converted by calibre and split into several files,
which may lose ids and classes: labels and element types decide where they are gone.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

from audiobook.formats.common import join_names, skip_edge_notes, title_from_path
from audiobook.formats.epubfile import Package, read_spine
from audiobook.formats.markup import Block, block_kind, chapters_from_blocks, extract
from audiobook.model import Book, ReadOptions, Series, WorkInfo

PUBLISHER = "Archive of Our Own"
ORPHAN_ACCOUNT = "orphan_account"
"""The account orphaned works are moved to: no author to announce."""

_IDS = {"preface": "#preface", "chapters": "#chapters", "afterword": "#afterword",
        "endnotes": "#endnotes", "children": "#children"}
_CLASSES = {"message", "byline", "endnote-link", "meta", "heading", "toc-heading", "userstuff",
            "tags"}
_TAGS = {"blockquote", "dl", "dt", "dd"}
_LABELS = {
    "summary": "summary", "notes": "note", "end notes": "note",
    "chapter summary": "chapter-summary", "chapter notes": "note",
    "chapter end notes": "note",
}
"""Label paragraphs of the template and what the blockquote after each holds."""
_ENDNOTE_LINK = re.compile(r"^see the end of the (?:work|chapter) for\b", re.IGNORECASE)
_COMMENT_PROMPT = re.compile(r"^please drop by the archive and comment\b", re.IGNORECASE)
_AO3_CHAPTER = re.compile(r"^Chapter \d+(?::\s+\S.*)?$")
_SERIES = re.compile(r"Part (\d+) of (.+?)(?=,\s*Part \d+ of |$)", re.DOTALL)
_CLAIM = re.compile(r"""<div[^>]*\bid=["']preface["']""")
_ARCHIVE = re.compile(r"archiveofourown\.org|Archive of Our Own")
_TRAILING_DIGITS = re.compile(r"\d+$")
_POSTED = "Posted originally on the"


def claims_html(markup: str) -> bool:
    """Whether an HTML file is an AO3 download (its preface comes first)."""
    head = markup[:40000]
    return bool(_CLAIM.search(head) and _ARCHIVE.search(head))


def claims_package(package: Package) -> bool:
    """Whether an EPUB is an AO3 download (calibre-made, published by the archive)."""
    if package.first("publisher") == PUBLISHER:
        return True
    return any("archiveofourown.org" in v for k in ("identifier", "source")
               for v in package.metadata.get(k, []))


def _marker(tag: str, attrs: dict[str, str]) -> tuple[str, ...]:
    marks = []
    element_id = attrs.get("id", "")
    if element_id in _IDS:
        marks.append(_IDS[element_id])
    elif element_id.startswith("endnotes"):
        marks.append("#endnotes")  # a chapter's end notes: `endnotes3`
    for name in attrs.get("class", "").split():
        name = _TRAILING_DIGITS.sub("", name)  # calibre may number classes: `userstuff1`
        if name in _CLASSES:
            marks.append("." + name)
    if tag in _TAGS:
        marks.append(tag)
    return tuple(marks)


@dataclass
class _Role:
    """What one block of the download is."""

    role: str
    """`title`, `byline`, `summary`, `chapter-summary`, `note`, `heading`, `text` or `meta`
    (template text that is never read: tags, stats, labels, links, the comment prompt)."""
    region: str
    """`preface`, `chapters` or `afterword`."""


def classify(blocks: list[Block]) -> list[_Role]:
    """The role of every block, read in order through preface, chapters and afterword."""
    roles: list[_Role] = []
    region = "preface"
    pending = None  # what the blockquote after a label holds
    seen_title = False
    for block in blocks:
        ctx = block.context
        label = _LABELS.get(block.text.strip().rstrip(":").lower())
        quoted = "blockquote" in ctx
        # Where we are: the ids when the file kept them, else headings and content.
        if "#afterword" in ctx or (block.kind == "heading" and block.text.strip() == "Afterword"
                                   and ("#chapters" not in ctx or ".toc-heading" in ctx)):
            region = "afterword"
        elif "#preface" in ctx:
            region = "preface"
        elif region == "preface" and ("#chapters" in ctx or _chapter_heading(block) or (
                not quoted and not label and not _preface_item(block, seen_title))):
            region = "chapters"
        if quoted and pending:
            role = pending
        elif label:
            role, pending = "meta", label
        elif region == "preface":
            role = _preface_role(block, seen_title)
            seen_title = seen_title or role == "title"
        elif region == "afterword":
            role = "meta"
        elif _chapter_heading(block) and not quoted:
            role = "heading"
        elif ".byline" in ctx or _ENDNOTE_LINK.match(block.text) or (
                "#endnotes" in ctx and not quoted):
            role = "meta"
        else:
            role = "text"
        if not quoted and not label:
            pending = None
        roles.append(_Role(role, region))
    # A label is read with what it introduces (`Chapter Notes` before a note that is kept).
    for i, item in enumerate(roles[:-1]):
        label = _LABELS.get(blocks[i].text.strip().rstrip(":").lower())
        if label and "blockquote" in blocks[i + 1].context and roles[i + 1].role == label:
            item.role = label
    return roles


def _chapter_heading(block: Block) -> bool:
    return block.kind == "heading" and block.level == 2 and (
        ".heading" in block.context or bool(_AO3_CHAPTER.match(block.text.strip())))


def _preface_item(block: Block, seen_title: bool) -> bool:
    """Whether a block outside a blockquote can belong to the preface."""
    ctx = block.context
    return bool(ctx & {"dl", "dt", "dd", ".message", ".byline", ".endnote-link", ".tags"}) or (
        block.kind == "heading") or bool(_ENDNOTE_LINK.match(block.text)) or (
        seen_title and block.text.startswith("by ")) or _POSTED in block.text


def _preface_role(block: Block, seen_title: bool) -> str:
    if block.kind == "heading" and block.level == 1 and not seen_title:
        return "title"
    if ".byline" in block.context or (seen_title and block.text.startswith("by ")
                                      and "dd" not in block.context):
        return "byline"
    return "meta"


def work_info(blocks: list[Block], roles: list[_Role]) -> tuple[str | None, WorkInfo]:
    """The title and the work's metadata from the preface's tag list, byline and summary."""
    info = WorkInfo(source="archiveofourown.org")
    title = None
    label = None
    summary: list[str] = []
    for block, role in zip(blocks, roles, strict=True):
        if role.region != "preface" or _LABELS.get(block.text.strip().rstrip(":").lower()):
            continue
        if "dt" in block.context:
            label = block.text.strip().rstrip(":").strip().lower()
        elif "dd" in block.context and label:
            _tag_field(info, label, " ".join(block.text.split()))
        elif role.role == "title" and title is None:
            title = " ".join(block.text.split())
        elif role.role == "byline":
            info.authors = byline_names(block.text)
        elif role.role == "summary":
            summary.append(block.text)
        elif _POSTED in block.text:
            url = re.search(r"https?://\S+?(?=\.?$|\s)", block.text)
            info.url = url.group(0) if url else None
    info.summary = "\n\n".join(summary) or None
    return title, info


def _tags(value: str) -> list[str]:
    # AO3 tags cannot contain commas: a comma always separates two tags.
    return [t.strip() for t in value.split(",") if t.strip()]


def _tag_field(info: WorkInfo, label: str, value: str) -> None:
    singular = label[:-1] if label.endswith("s") and label != "series" else label
    if singular == "rating":
        info.rating = value
    elif singular in ("archive warning", "warning"):
        info.warnings = _tags(value)
    elif singular in ("category", "categorie"):
        info.categories = _tags(value)
    elif singular == "fandom":
        info.fandoms = _tags(value)
    elif singular == "relationship":
        info.relationships = _tags(value)
    elif singular == "character":
        info.characters = _tags(value)
    elif singular in ("additional tag", "freeform"):
        info.tags = _tags(value)
    elif label == "series":
        info.series = [Series(" ".join(name.split()).rstrip(","), int(pos))
                       for pos, name in _SERIES.findall(value)]
    elif label == "stats":
        info.status = _status(value)


def _status(stats: str) -> str | None:
    if re.search(r"\bCompleted:", stats):
        return "Completed"
    chapters = re.search(r"Chapters:\s*(\d+)/(\d+|\?)", stats)
    if chapters:
        done, total = chapters.groups()
        return "Completed" if done == total else "In-Progress"
    return None


def byline_names(text: str) -> list[str]:
    """The creators a byline names: `by A, B` -> [A, B]; a pseud's `(user)` is dropped."""
    names = text.strip()
    names = names[3:] if names.lower().startswith("by ") else names
    out = []
    for name in _tags(names):
        pseud = re.sub(r"\s*\([^()]*\)$", "", name).strip()  # `Robin (bob)`: the pseud
        out.append(pseud or name)
    return out


def author_line(authors: list[str]) -> str | None:
    """How the book's author is shown and announced: `A`, `A and B`, `A, B and C`.

    An orphaned work (the `orphan_account` pseud) has no author to name.
    """
    return join_names([a for a in authors if a != ORPHAN_ACCOUNT])


def _kind(block: Block, role: _Role, options: ReadOptions) -> str:
    """The paragraph kind a block gets."""
    if role.role in ("title", "byline"):
        return "title"
    if role.role in ("summary", "chapter-summary"):
        return "text" if options.read_summary else "skipped"
    if role.role == "note":
        return "text" if options.keep_notes else "skipped"
    if role.role == "heading":
        return "heading"
    if role.role == "text":
        return block_kind(block, options.keep_notes)
    return "skipped"


def build_book(blocks: list[Block], source: Path | None, options: ReadOptions,
               encoding: str = "utf-8", fallback: WorkInfo | None = None,
               fallback_title: str | None = None) -> Book:
    """The Book of an AO3 download's blocks: preface as front matter, chapters at the
    archive's headings, the afterword at the end of the last chapter."""
    roles = classify(blocks)
    title, info = work_info(blocks, roles)
    if fallback is not None:
        for name, value in vars(fallback).items():
            if value and not getattr(info, name):
                setattr(info, name, value)
    kinds = [_kind(b, r, options) for b, r in zip(blocks, roles, strict=True)]
    title = title or fallback_title or title_from_path(source)
    text, front, chapters, breaks = chapters_from_blocks(
        blocks, kinds, [r.region == "preface" for r in roles], title)
    book = Book(text, title, author_line(info.authors), chapters, front, source, encoding,
                sorted(set(breaks)), work=info)
    if not options.keep_notes:
        skip_edge_notes(book)
    return book


def parse_ao3_html(markup: str, source: Path | None = None, encoding: str = "utf-8",
                   options: ReadOptions | None = None) -> Book:
    """An AO3 HTML download as a Book."""
    doc = extract(markup, _marker)
    return build_book(doc.blocks, source, options or ReadOptions(), encoding,
                      fallback_title=doc.title.split(" - ")[0] or None)


def read_ao3_epub(package: Package, options: ReadOptions | None = None) -> Book:
    """An AO3 EPUB download as a Book: the same page, split into files by calibre."""
    spine = read_spine(package, _marker)
    blocks = [b for b, doc in zip(spine.blocks, spine.doc_of, strict=True)
              if doc not in spine.skipped]
    fallback = WorkInfo(authors=package.metadata.get("creator", []),
                        summary=_plain(package.first("description")),
                        series=_calibre_series(package))
    book = build_book(blocks, package.path, options or ReadOptions(), fallback=fallback,
                      fallback_title=package.first("title"))
    book.language = package.first("language")
    book.cover = package.cover
    return book


def _calibre_series(package: Package) -> list[Series]:
    name = package.first("meta:calibre:series")
    if not name:
        return []
    index = package.first("meta:calibre:series_index") or ""
    try:
        position = int(float(index))
    except ValueError:
        position = None
    return [Series(name, position)]


def _plain(description: str | None) -> str | None:
    """An EPUB description (often escaped HTML) as plain paragraphs."""
    if not description:
        return None
    blocks = extract(description if "<" in description else html.escape(description)).blocks
    return "\n\n".join(b.text for b in blocks) or None
