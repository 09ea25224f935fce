"""Does the note detector eat story text? Counts the paragraphs of the shared corpus that
`audiobook` skips as author's notes or disclaimers (none of its texts has any).

    python tools/note_check.py [CORPUS]      # default: ../shared/corpus

Reads every `pdnc/*/novel_text.txt` and `litbank/*/text.txt` as `audiobook build`
would, and prints each skipped paragraph that is not a scene-break mark, then the
count. Also counts, as a margin, the paragraphs that would be taken for notes if
they stood at a chapter's start or end.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from audiobook.book import is_note, is_scene_break, load_book, split_paragraphs  # noqa: E402
from audiobook.formats.conventions import is_unmarked_note  # noqa: E402

DEFAULT_CORPUS = ROOT / ".." / "shared" / "corpus"


@dataclass
class NoteCheck:
    """What the check found."""

    texts: int = 0
    paragraphs: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    """(text name, paragraph) of every story paragraph skipped as a note or disclaimer."""
    edge_lookalikes: list[tuple[str, str]] = field(default_factory=list)
    """Paragraphs anywhere that the detector would take for notes at a chapter's edge."""


def corpus_texts(root: Path) -> list[Path]:
    return sorted(root.glob("pdnc/*/novel_text.txt")) + sorted(root.glob("litbank/*/text.txt"))


def check(root: Path = DEFAULT_CORPUS) -> NoteCheck:
    out = NoteCheck()
    for path in corpus_texts(root):
        out.texts += 1
        book = load_book(path)
        name = path.parent.name
        for para in [*book.front, *(p for c in book.chapters for p in c.paragraphs)]:
            body = book.text[para.start:para.end]
            out.paragraphs += 1
            if para.kind == "skipped" and not is_scene_break(body):
                out.skipped.append((name, body))
        for para in split_paragraphs(book.text):
            body = book.text[para.start:para.end]
            if is_note(body) or is_unmarked_note(body):
                out.edge_lookalikes.append((name, body))
    return out


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    root = Path(argv[0]) if argv else DEFAULT_CORPUS
    result = check(root)
    if not result.texts:
        print(f"no corpus texts under {root}")
        return 2
    for name, body in result.skipped:
        print(f"  skipped in {name}: {' '.join(body.split())[:120]!r}")
    for name, body in result.edge_lookalikes:
        print(f"  note-like in {name}: {' '.join(body.split())[:120]!r}")
    print(f"{result.texts} texts, {result.paragraphs} paragraphs: {len(result.skipped)} skipped "
          f"as notes or disclaimers; {len(result.edge_lookalikes)} would be taken for notes "
          "at a chapter's edge")
    return 1 if result.skipped else 0


if __name__ == "__main__":
    raise SystemExit(main())
