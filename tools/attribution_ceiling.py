#!/usr/bin/env python3
"""How far attribution can score on the annotated corpus with the cast given.

With --cast-given the scorer counts a quote right only when the segment names the
cast file's canonical name of the gold speaker, or, for a gold label that is no
canonical name, that label itself. `audiobook segment` prints canonical names
(the segment contract), and names from a cast file win. Two kinds of gold quote
are then out of reach whatever the rules or the ranker do:

- labelled with an alias of a cast entry (a label the contract never prints);
- named outright by a tag with the exact name of a bare cast entry (no aliases,
  no gender) while labelled with the fuller entry that entry duplicates (its name
  is a word of the fuller entry's names): the tag names a character of the cast.

Prints, per quote type, how many quotes there are, how many are out of reach,
and the highest accuracy left.

    .venv/bin/python tools/attribution_ceiling.py [--corpus ../shared/corpus/pdnc]
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from corpus import (  # noqa: E402
    DEFAULT_CORPUS,
    Novel,
    gold_for_segments,
    load_corpus,
    norm,
    run_rules,
)

from audiobook.attribution import ranking  # noqa: E402

TYPES = ("explicit", "anaphoric", "implicit")


def aliases(novel: Novel) -> set[str]:
    """The cast's aliases, normalised, that are no canonical name themselves."""
    canonical = {norm(name) for name in novel.cast}
    return {norm(alias) for info in novel.cast.values()
            for alias in info["aliases"]} - canonical


def duplicates(novel: Novel, bare: str, gold: str) -> bool:
    """Whether the bare entry `bare` is a word of the entry `gold`'s names
    (`Bounderby` of `Mr. Bounderby`)."""
    info = novel.cast.get(gold)
    if info is None or bare == gold:
        return False
    return any(norm(bare) in norm(form).split() for form in [gold, *info["aliases"]])


def bare_entries(novel: Novel) -> set[str]:
    """Cast entries with no alias but their own name and no gender."""
    return {name for name, info in novel.cast.items()
            if not info.get("gender") and not [a for a in info["aliases"] if a != name]}


def out_of_reach(novel: Novel, folder: Path) -> tuple[Counter, Counter, Counter]:
    """(all, labelled with an alias, tagged with a bare duplicate) counts per type."""
    _, segments, _, evidence, _ = run_rules(novel, folder)
    tag_of = {id(seg): ranking.named_tag(ev) for ev in evidence for seg in ev.segments}
    other_names = aliases(novel)
    bare = bare_entries(novel)
    total, alias, duplicate = Counter(), Counter(), Counter()
    for q, seg in gold_for_segments(novel, segments):
        kind = q["type"] if q["type"] in TYPES else "implicit"
        total[kind] += 1
        gold = q["speaker"]
        tag = tag_of.get(id(seg)) if seg is not None else None
        if gold not in novel.cast and norm(gold) in other_names:
            alias[kind] += 1
        elif tag in bare and duplicates(novel, tag, gold):
            duplicate[kind] += 1
    return total, alias, duplicate


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    args = ap.parse_args()
    total, alias, duplicate = Counter(), Counter(), Counter()
    for novel in load_corpus(args.corpus):
        t, a, d = out_of_reach(novel, args.corpus)
        total.update(t)
        alias.update(a)
        duplicate.update(d)
        print(f"{novel.name}: labelled with an alias {sum(a.values())}, "
              f"tagged with a bare duplicate {sum(d.values())}")
    alias["all"], duplicate["all"] = sum(alias.values()), sum(duplicate.values())
    total["all"] = sum(total.values())
    print("type       quotes  alias label  bare duplicate  highest accuracy")
    for kind in (*TYPES, "all"):
        n, lost = total[kind], alias[kind] + duplicate[kind]
        print(f"{kind:<10} {n:>6}  {alias[kind]:>11}  {duplicate[kind]:>14}  "
              f"{(n - lost) / max(n, 1):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
