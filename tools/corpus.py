"""Loading the annotated corpus and scoring attribution in-process (for tools only)."""

from __future__ import annotations

import ast
import bisect
import csv
import re
from dataclasses import dataclass
from pathlib import Path

DEFAULT_CORPUS = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus" / "pdnc"


def norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", name.lower()).strip()


@dataclass
class Novel:
    name: str
    text: str
    cast: dict  # canonical name -> {"aliases": [...], "gender": ...}
    quotes: list  # {"spans": [(s, e)], "speaker": str, "type": str}


def _parse_set(cell: str) -> list[str]:
    cell = (cell or "").strip()
    if not cell:
        return []
    try:
        value = ast.literal_eval(cell)
    except (ValueError, SyntaxError):
        return [cell]
    return sorted(value) if isinstance(value, (set, list, tuple)) else [str(value)]


def load_novel(folder: Path) -> Novel:
    text = (folder / "novel_text.txt").read_text(encoding="utf-8")
    cast = {}
    with open(folder / "character_info.csv", newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            gender = {"M": "male", "F": "female"}.get(row.get("Gender", "").strip())
            cast[row["Main Name"]] = {"aliases": _parse_set(row["Aliases"]), "gender": gender}
    quotes = []
    with open(folder / "quotation_info.csv", newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            spans = [tuple(s) for s in ast.literal_eval(row["quoteByteSpans"])]
            quotes.append({"spans": spans, "speaker": row["speaker"],
                           "type": row["quoteType"].strip().lower()})
    return Novel(folder.name, text, cast, quotes)


def load_corpus(root: Path = DEFAULT_CORPUS) -> list[Novel]:
    return [load_novel(d) for d in sorted(Path(root).iterdir()) if d.is_dir()]


def make_cast(novel: Novel):
    """The cast file the scorer writes with --cast-given, as a Cast."""
    from audiobook.cast import Cast, Speaker

    cast = Cast()
    for name, info in novel.cast.items():
        sp = Speaker(name)
        sp.aliases = [a for a in info["aliases"] if a != name]
        sp.gender = info.get("gender") or "unknown"
        cast.characters[name] = sp
    return cast


def run_rules(novel: Novel, folder: Path, cast_given: bool = True):
    """What `audiobook segment` does before the ranker, in-process: the book, its
    segments, the roster (the cast the scorer writes, or none, plus the characters
    found in the text) and the rules' evidence and context."""
    from audiobook.attribution import Roster, find_characters, rule_evidence
    from audiobook.book import load_book
    from audiobook.cast import Cast, merge_characters
    from audiobook.segmenter import segment_book

    book = load_book(Path(folder) / novel.name / "novel_text.txt")
    segments = segment_book(book)
    cast = make_cast(novel) if cast_given else Cast()
    merge_characters(cast, find_characters(book.text, segments, known=cast.to_characters()))
    roster = Roster(cast.to_characters(), narrator=cast.narrator_character)
    evidence, ctx = rule_evidence(segments, roster, book.text)
    return book, segments, roster, evidence, ctx


def gold_for_segments(novel: Novel, segments) -> list[tuple[dict, object]]:
    """(gold quote, dialogue segment overlapping it most) pairs, as the scorer matches them."""
    dialogue = sorted((s for s in segments if s.kind == "dialogue"), key=lambda s: s.start)
    starts = [s.start for s in dialogue]
    out = []
    for q in novel.quotes:
        best, best_len = None, 0
        for a, b in q["spans"]:
            i = max(0, bisect.bisect_right(starts, a) - 1)
            while i < len(dialogue) and dialogue[i].start < b:
                n = max(0, min(b, dialogue[i].end) - max(a, dialogue[i].start))
                if n > best_len:
                    best, best_len = dialogue[i], n
                i += 1
        out.append((q, best))
    return out


def correct(novel: Novel, q: dict, speaker: str, cast_given: bool) -> bool:
    gold = q["speaker"]
    keys = {norm(gold)}
    if not cast_given and gold in novel.cast:
        keys |= {norm(a) for a in novel.cast[gold]["aliases"]}
    return norm(speaker or "") in keys
