"""The book model every reader produces: chapters of paragraphs over one decoded text.

Every position kept here is a character offset into `Book.text`: the decoded
input with universal newlines for plain text and Markdown, the text extracted
from the markup for HTML and EPUB. Paragraphs that are kept but not read
(disclaimers, author's notes, scene-break marks, front and back matter) have
`kind="skipped"`, so every letter of the text still belongs to some paragraph
and, later, to exactly one segment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Paragraph:
    """A span of `Book.text` read (or skipped) as one paragraph."""

    start: int
    """Offset of the first non-blank character."""
    end: int
    """Offset just past the last non-blank character."""
    kind: str = "text"
    """`text` (read aloud), `skipped` (kept for offsets, not read) or, in `Book.front`,
    `title` (announced once as the book's title and author)."""


@dataclass
class Chapter:
    """A chapter: its heading paragraphs (may be none) and its body paragraphs."""

    index: int
    """1-based position in the book."""
    title: str
    """Title as shown in tags and file names."""
    headings: list[Paragraph] = field(default_factory=list)
    """Heading paragraphs (read aloud as the chapter's opening)."""
    paragraphs: list[Paragraph] = field(default_factory=list)
    """Body paragraphs in order."""


@dataclass
class Series:
    """A series the work belongs to."""

    title: str
    """The series' name."""
    position: int | None = None
    """The work's place in it (1-based), when known."""


@dataclass
class WorkInfo:
    """What a fan-fiction download says about the work besides its text."""

    authors: list[str] = field(default_factory=list)
    """Every creator as the byline names them (`Anonymous` for anonymous works)."""
    summary: str | None = None
    """The work's summary as plain text (paragraphs separated by blank lines)."""
    fandoms: list[str] = field(default_factory=list)
    relationships: list[str] = field(default_factory=list)
    """Relationship tags as written: `A/B` romantic, `A & B` platonic."""
    characters: list[str] = field(default_factory=list)
    """Character tags as written (`Sephiroth (Compilation of FFVII)`, `Female Shepard`)."""
    tags: list[str] = field(default_factory=list)
    """Additional (freeform) tags."""
    rating: str | None = None
    warnings: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    series: list[Series] = field(default_factory=list)
    status: str | None = None
    """`Completed` or `In-Progress` where the download says."""
    source: str | None = None
    """Where the work was published (`archiveofourown.org`, `FanFicFare`)."""
    url: str | None = None
    """The work's address, when the download gives it."""


@dataclass
class Book:
    """A decoded story split into chapters."""

    text: str
    """The decoded input text; all offsets point into it."""
    title: str
    """Book title: from the text's metadata, else from the file name."""
    author: str | None
    """Author when the text names one."""
    chapters: list[Chapter]
    """Chapters in reading order (at least one)."""
    front: list[Paragraph] = field(default_factory=list)
    """Title/author lines at the top (announced once instead of read as text) and
    skipped paragraphs before the first chapter; with `kind="text"`, front matter
    that is read after the title (a summary the user asked for, notes they keep)."""
    source: Path | None = None
    """The file the book was loaded from."""
    encoding: str = "utf-8"
    """The encoding the input was decoded with."""
    scene_breaks: list[int] = field(default_factory=list)
    """Sorted offsets of paragraphs that begin a new scene (a longer pause before them)."""
    language: str | None = None
    """Language tag from the book's metadata (`en`, `en-GB`)."""
    cover: bytes | None = None
    """Cover image (JPEG or PNG) found in the book."""
    work: WorkInfo = field(default_factory=WorkInfo)
    """Tags, summary and series of a fan-fiction download (empty for other books)."""


@dataclass(frozen=True)
class ReadOptions:
    """What the user asked a reader to read besides the story."""

    keep_notes: bool = False
    """Read disclaimers and author's notes instead of skipping them."""
    read_summary: bool = False
    """Read a work's summary after its title (fan-fiction downloads)."""
