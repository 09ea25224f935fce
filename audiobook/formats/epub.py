"""EPUB 2 and 3 books: chapters from the table of contents, in spine order, with the
package's metadata and cover; front and back matter are skipped."""

from __future__ import annotations

from audiobook.errors import InputError
from audiobook.formats.common import skip_edge_notes, title_from_path
from audiobook.formats.epubfile import SKIPPED_TITLES, Package, read_spine
from audiobook.formats.markup import Block, block_kind, build_text
from audiobook.model import Book, Chapter, Paragraph, ReadOptions


def read_epub(package: Package, options: ReadOptions | None = None) -> Book:
    """A book from an opened EPUB: chapters follow its table of contents."""
    keep_notes = bool(options and options.keep_notes)
    path = package.path
    spine = read_spine(package)
    blocks, doc_of, position, skipped_docs = (spine.blocks, spine.doc_of, spine.position,
                                              spine.skipped)
    toc = package.toc
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
        if SKIPPED_TITLES.match(starts[at]):
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
    book = Book(text, package.first("title") or title_from_path(path), package.first("creator"),
                chapters, front, path, "utf-8", sorted(set(breaks)), package.first("language"),
                package.cover)
    if not keep_notes:
        skip_edge_notes(book)
    return book


def _end(order: list[int], start: int, blocks: list[Block]) -> int:
    later = [at for at in order if at > start]
    return later[0] if later else len(blocks)
