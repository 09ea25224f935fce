"""The annotated texts, loaded and scored in-process exactly as the shared scorer does
(for tools only: training, error lists).

A text folder is either PDNC (novel_text.txt, quotation_info.csv, character_info.csv)
or the scorer's simple form (text.txt, quotes.jsonl, cast.yaml): LitBank openings and
our own stories in tests/stories. The folders are read by the scorer's own loaders
(`../shared/tools/score_attribution.py`, or $SCORER), so a quote counts as right here
exactly when it does there.
"""

from __future__ import annotations

import bisect
import importlib.util
import os
import re
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT / ".." / "shared"
DEFAULT_CORPORA = [SHARED / "corpus" / "pdnc", SHARED / "corpus" / "litbank"]
STORIES = ROOT / "tests" / "stories"


def norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", name.lower()).strip()


@cache
def scorer():
    """The shared scorer as a module."""
    path = Path(os.environ.get("SCORER", SHARED / "tools" / "score_attribution.py"))
    spec = importlib.util.spec_from_file_location("score_attribution", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@dataclass
class Text:
    """One annotated text."""

    name: str
    folder: Path
    path: Path
    """The story file `audiobook segment` reads."""
    text: str
    cast: dict
    """Entry name -> {"aliases": [...], "gender": ..., "unnamed": bool}."""
    narrator: str | None
    """The entry that narrates in the first person, if the annotation says."""
    quotes: list
    """{"spans": [(start, end)], "speaker": str, "type": str}, in text order."""

    def owners(self, gold: str) -> list[str]:
        """The cast entries a gold label names: that main name, else every entry it is
        an alias of."""
        if gold in self.cast:
            return [gold]
        key = norm(gold)
        return [n for n, info in self.cast.items() if key in {norm(a) for a in info["aliases"]}]

    def left_out(self, q: dict, cast_given: bool) -> bool:
        """Without a cast, quotes of speakers the annotation could only describe."""
        owners = self.owners(q["speaker"])
        return (not cast_given and bool(owners) and self.narrator not in owners
                and all(self.cast[o].get("unnamed") for o in owners))

    def correct(self, q: dict, speaker: str | None, cast_given: bool) -> bool:
        """Whether `speaker` counts as right for gold quote `q`, as the scorer counts."""
        owners = self.owners(q["speaker"])
        if not owners:
            keys = {norm(q["speaker"])}
        else:
            keys = set()
            for o in owners:
                keys.add(norm(o))
                if not cast_given:
                    keys |= {norm(a) for a in self.cast[o]["aliases"]}
            if not cast_given and self.narrator in owners:
                keys.add("narrator")
        return norm(speaker or "") in keys

    def kind(self, q: dict) -> str:
        return q["type"] if q["type"] in ("explicit", "anaphoric", "implicit") else "unlabelled"


def load_text(folder: Path) -> Text:
    folder = Path(folder)
    simple = (folder / "quotes.jsonl").exists()
    s = scorer()
    text, cast, narrator, quotes = (s.load_simple if simple else s.load_pdnc)(folder)
    for info in cast.values():
        info.setdefault("unnamed", False)
    path = folder / ("text.txt" if simple else "novel_text.txt")
    return Text(folder.name, folder, path, text, cast, narrator, quotes)


def load_corpus(roots: list[Path] | None = None) -> list[Text]:
    """Every text folder under the given corpus roots (default: PDNC and LitBank)."""
    out = []
    for root in roots or DEFAULT_CORPORA:
        root = Path(root)
        if (root / "quotes.jsonl").exists() or (root / "novel_text.txt").exists():
            out.append(load_text(root))
            continue
        out += [load_text(d) for d in sorted(root.iterdir()) if d.is_dir()]
    return out


def voices_for(t: Text, cast_given: bool):
    """The cast file the scorer passes with --cast-given, as `audiobook segment` reads it."""
    from audiobook.cast import Cast, load_cast

    if not cast_given:
        return Cast()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cast.yaml"
        scorer().write_cast(t.cast, t.narrator, path)
        return load_cast(path, set())


def run_rules(t: Text, cast_given: bool = True, fixed: dict | None = None):
    """What `audiobook segment` does before the ranker, in-process: the book, its
    segments, the roster, and the rules' evidence and context."""
    from audiobook.attribution import rule_evidence
    from audiobook.book import load_book
    from audiobook.pipeline import cast_roster
    from audiobook.segmenter import segment_book

    book = load_book(t.path)
    segments = segment_book(book)
    roster = cast_roster(book, segments, voices_for(t, cast_given))
    evidence, ctx = rule_evidence(segments, roster, book.text, fixed)
    return book, segments, roster, evidence, ctx


def gold_for_segments(t: Text, segments) -> list[tuple[dict, object]]:
    """(gold quote, dialogue segment overlapping it most) pairs, as the scorer matches them."""
    dialogue = sorted((s for s in segments if s.kind == "dialogue"), key=lambda s: s.start)
    starts = [s.start for s in dialogue]
    out = []
    for q in t.quotes:
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
