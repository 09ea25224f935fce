#!/usr/bin/env python3
"""List attribution errors per text: the quote, the narration around it, printed vs gold.

    .venv/bin/python tools/errors.py [--corpus DIR ...] [--type implicit|all] [--no-cast]
        [--text NAME] [--limit N]

Runs the same pipeline as `audiobook segment` in-process (cast given unless --no-cast)
and counts a quote as the shared scorer does.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from corpus import DEFAULT_CORPORA, gold_for_segments, load_corpus, run_rules  # noqa: E402

from audiobook.attribution import ranking  # noqa: E402


def _flat(s: str) -> str:
    return " ".join(s.split())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", type=Path, nargs="+", default=DEFAULT_CORPORA)
    ap.add_argument("--type", default="all")
    ap.add_argument("--no-cast", action="store_true")
    ap.add_argument("--text", default="")
    ap.add_argument("--limit", type=int, default=1000)
    ap.add_argument("--context", type=int, default=160)
    args = ap.parse_args()
    cast_given = not args.no_cast
    summary = []
    for t in load_corpus(args.corpus):
        if args.text and args.text.lower() not in t.name.lower():
            continue
        book, segments, roster, evidence, ctx = run_rules(t, cast_given)
        by_seg = {id(s): ev for ev in evidence for s in ev.segments}
        model = ranking.load_model()
        for ev, (who, _) in zip(evidence, ranking.decode(evidence, ctx, model), strict=True):
            for seg in ev.segments:
                seg.speaker = who
        text = book.text
        n = bad = shown = 0
        causes: Counter = Counter()
        for q, seg in gold_for_segments(t, segments):
            if t.left_out(q, cast_given) or args.type != "all" and t.kind(q) != args.type:
                continue
            n += 1
            said = seg.speaker if seg is not None else None
            if seg is not None and t.correct(q, said, cast_given):
                continue
            bad += 1
            ev = by_seg.get(id(seg)) if seg is not None else None
            cause = ("no segment" if ev is None else "no tag" if ev.tag is None
                     else "tag wrong" if ev.tag else "tag unresolved")
            causes[cause] += 1
            if shown >= args.limit:
                continue
            shown += 1
            a, b = q["spans"][0][0], q["spans"][-1][1]
            print(f"--- {t.name} @{a} {t.kind(q)} gold={q['speaker']!r} printed={said!r} "
                  f"rule={ev.rule if ev else None!r} {cause} "
                  f"tag={ev.tag if ev else None!r}/{ev.tag_side if ev else ''} "
                  f"word={ev.tag_word if ev else ''!r}")
            print("   ", _flat(text[max(0, a - args.context):a]), "[[",
                  _flat(text[a:b])[:200], "]]", _flat(text[b:b + args.context]))
        summary.append(f"{t.name}: {n - bad}/{n} right; wrong {bad} {dict(causes)}")
    print("\n".join(summary))


if __name__ == "__main__":
    main()
