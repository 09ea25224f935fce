#!/usr/bin/env python3
"""List attribution errors per novel: the quote, the narration around it, printed vs gold.

    .venv/bin/python tools/errors.py [--corpus DIR] [--type explicit] [--no-cast]
        [--novel NAME] [--rules] [--limit N]

Runs the same pipeline as `audiobook segment` in-process (cast given unless
--no-cast); --rules shows the rules' choice and tag before the ranker.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from corpus import DEFAULT_CORPUS, correct, gold_for_segments, load_corpus, run_rules  # noqa: E402

from audiobook.attribution import attribute  # noqa: E402


def _flat(s: str) -> str:
    return " ".join(s.split())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default=str(DEFAULT_CORPUS))
    ap.add_argument("--type", default="explicit")
    ap.add_argument("--no-cast", action="store_true")
    ap.add_argument("--novel", default="")
    ap.add_argument("--limit", type=int, default=1000)
    ap.add_argument("--context", type=int, default=160)
    args = ap.parse_args()
    cast_given = not args.no_cast
    summary = []
    for novel in load_corpus(Path(args.corpus)):
        if args.novel and args.novel.lower() not in novel.name.lower():
            continue
        book, segments, roster, evidence, _ = run_rules(novel, Path(args.corpus), cast_given)
        by_seg = {id(s): ev for ev in evidence for s in ev.segments}
        attribute(segments, roster, book.text)
        text = book.text
        n = bad = 0
        causes = Counter()
        shown = 0
        for q, seg in gold_for_segments(novel, segments):
            if args.type != "all" and q["type"] != args.type:
                continue
            n += 1
            said = seg.speaker if seg is not None else None
            if seg is not None and correct(novel, q, said, cast_given):
                continue
            bad += 1
            ev = by_seg.get(id(seg)) if seg is not None else None
            cause = "no segment" if ev is None else (
                f"tag={ev.tag!r}/{ev.tag_side}" if ev.tag is not None else "no tag")
            causes[cause.split("=")[0] if ev is None or ev.tag is None else
                   ("tag wrong" if ev.tag else "tag unresolved")] += 1
            if shown >= args.limit:
                continue
            shown += 1
            a, b = q["spans"][0][0], q["spans"][-1][1]
            print(f"--- {novel.name} @{a}  gold={q['speaker']!r} printed={said!r} "
                  f"rule={ev.rule if ev else None!r} {cause} word={ev.tag_word if ev else ''!r}")
            print("   ", _flat(text[max(0, a - args.context):a]), "[[",
                  _flat(text[a:b])[:200], "]]", _flat(text[b:b + args.context]))
        summary.append(f"{novel.name}: {args.type} {n - bad}/{n} wrong {bad} {dict(causes)}")
    print("\n".join(summary))


if __name__ == "__main__":
    main()
