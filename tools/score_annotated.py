"""Attribution accuracy on a story with hand-annotated speakers, matched by quote text.

    python tools/score_annotated.py tests/fixtures/ao3/the-lamplighters-debt.html
    python tools/score_annotated.py STORY --annotations SPEAKERS.json [--voices CAST.yaml]

The annotations (default: the story's name with `.speakers.json`) list every quoted
span in text order as [words, speaker], and under `people` the names each speaker
may be printed as. An HTML or EPUB story's offsets point into the text extracted
from its markup, so quotes are matched by their words, not by offsets: each
annotated span is the next dialogue segment (in text order) that contains its words.
Prints the accuracy, the spans matched and every error.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from audiobook.book import load_book  # noqa: E402
from audiobook.pipeline import analyse, read_cast  # noqa: E402


def words(text: str) -> str:
    """Text compared without quote marks, case or spacing."""
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    return " ".join(re.sub(r"[\"\u201c\u201d]", " ", text).lower().split())


def score(story: Path, annotations: dict, voices: Path | None = None,
          tags: bool = True) -> dict:
    """Match the annotated spans to the dialogue of `audiobook segment` and count."""
    book = load_book(story)
    if not tags:
        book.work.characters = []
    cast = read_cast(voices)
    segments = analyse(book, cast)
    dialogue = [s for s in segments if s.kind == "dialogue"]
    people = {name: {n.lower() for n in [name, *aliases]}
              for name, aliases in annotations.get("people", {}).items()}
    results = []
    at = 0
    for quote, speaker in annotations["quotes"]:
        want = words(quote)
        found = next((i for i in range(at, len(dialogue)) if want in words(dialogue[i].text)),
                     None)
        if found is None:
            results.append((quote, speaker, None))
            continue
        at = found + 1
        results.append((quote, speaker, dialogue[found].speaker))
    correct = sum(1 for _, speaker, got in results
                  if got is not None and got.lower() in people.get(speaker, {speaker.lower()}))
    return {"quotes": len(results), "matched": sum(1 for r in results if r[2] is not None),
            "correct": correct, "results": results, "people": people}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("story", type=Path)
    parser.add_argument("--annotations", type=Path)
    parser.add_argument("--voices", type=Path, help="a cast file (default: none)")
    parser.add_argument("--no-tags", action="store_true",
                        help="ignore the work's Characters tag (to see what the tags add)")
    args = parser.parse_args(argv)
    path = args.annotations or args.story.with_suffix(".speakers.json")
    annotations = json.loads(path.read_text(encoding="utf-8"))
    out = score(args.story, annotations, args.voices, tags=not args.no_tags)
    for quote, speaker, got in out["results"]:
        if got is None:
            print(f"  not found: {quote!r} ({speaker})")
        elif got.lower() not in out["people"].get(speaker, {speaker.lower()}):
            print(f"  {speaker} -> {got}: {quote!r}")
    n = out["quotes"]
    print(f"{args.story.name}: {out['correct']}/{n} quotes to the right speaker = "
          f"{out['correct'] / n:.3f} ({out['matched']}/{n} matched to dialogue segments)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
