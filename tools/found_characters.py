#!/usr/bin/env python3
"""How well the characters found without a cast match the annotated ones.

For every text: the speakers of the gold quotes found as characters (recall,
weighted by their quotes), the characters found that are no annotated speaker
(extra), and the gender given to each found speaker against the annotation.

    .venv/bin/python tools/found_characters.py [--corpus DIR ...] [--show]
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from corpus import DEFAULT_CORPORA, STORIES, load_corpus, norm  # noqa: E402

from audiobook.attribution import Character, find_characters  # noqa: E402
from audiobook.attribution.characters import guess_genders  # noqa: E402
from audiobook.book import load_book  # noqa: E402
from audiobook.segmenter import segment_book  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, nargs="+", default=[*DEFAULT_CORPORA, STORIES])
    ap.add_argument("--show", action="store_true", help="list each text's characters")
    args = ap.parse_args()
    total: Counter = Counter()
    for t in load_corpus(args.corpus):
        book = load_book(t.path)
        found = find_characters(book.text, segment_book(book))
        # The annotated cast with its genders hidden, guessed from the text.
        hidden = [Character(n, list(info["aliases"])) for n, info in t.cast.items()
                  if info.get("gender") in ("male", "female") and not info.get("unnamed")]
        guess_genders(book.text, hidden)
        for c in hidden:
            said, gold = c.gender, t.cast[c.name]["gender"]
            total[t.folder.parent.name, "cast gender " + (
                "right" if said == gold else "unknown" if said == "unknown" else "wrong")] += 1
        speakers = Counter()
        for q in t.quotes:
            for owner in t.owners(q["speaker"]):
                if not t.cast[owner].get("unnamed"):
                    speakers[owner] += 1
        keys = {name: {norm(name)} | {norm(a) for a in t.cast[name]["aliases"]}
                for name in t.cast}
        matched: dict[str, str] = {}
        extra = []
        for c in found:
            owner = next((n for n, k in keys.items() if norm(c.name) in k), None)
            if owner is None:
                owner = next((n for n, k in keys.items()
                              if any(norm(a) in k for a in c.aliases)), None)
            if owner is not None and owner not in matched:
                matched[owner] = c.gender
            elif owner is None:
                extra.append(c.name)
        n = sum(speakers.values())
        hit = sum(q for s, q in speakers.items() if s in matched)
        gender = Counter()
        for s in speakers:
            gold = t.cast[s].get("gender")
            if s in matched and gold in ("male", "female"):
                said = matched[s]
                gender["right" if said == gold else
                       "unknown" if said == "unknown" else "wrong"] += 1
        corpus = t.folder.parent.name
        total[corpus, "quotes"] += n
        total[corpus, "found"] += hit
        total[corpus, "speakers"] += len(speakers)
        total[corpus, "speakers found"] += sum(s in matched for s in speakers)
        total[corpus, "extra"] += len(extra)
        for k, v in gender.items():
            total[corpus, "gender " + k] += v
        if args.show:
            missed = [s for s in speakers if s not in matched]
            print(f"{t.name}: speakers' quotes found {hit}/{n}; missed {missed}; extra {extra}; "
                  f"gender {dict(gender)}")
    for corpus in sorted({c for c, _ in total}):
        g = {k: total[corpus, "gender " + k] for k in ("right", "wrong", "unknown")}
        print(f"{corpus}: speakers found {total[corpus, 'speakers found']}/"
              f"{total[corpus, 'speakers']} (their quotes {total[corpus, 'found']}/"
              f"{total[corpus, 'quotes']}), extra characters {total[corpus, 'extra']}, "
              f"gender right {g['right']} wrong {g['wrong']} unknown {g['unknown']}; "
              "the annotated cast's genders guessed: " + " ".join(
                  f"{k} {total[corpus, 'cast gender ' + k]}"
                  for k in ("right", "wrong", "unknown")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
