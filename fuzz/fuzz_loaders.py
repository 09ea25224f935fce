"""Fuzz the loaders (txt, md, html, epub) and the segmenter with hypothesis.

    make fuzz                      # 2,500 inputs per target, 12,500 in all
    FUZZ_EXAMPLES=200 make fuzz    # a quick run

Every input must load and segment, or be refused with InputError (a one-line
error for the user); any other exception is a bug and fails the run. Prints the
number of inputs and the time per target.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import traceback
from pathlib import Path

from hypothesis import HealthCheck, given, settings

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from audiobook.book import load_book, parse_book  # noqa: E402
from audiobook.cast import Cast  # noqa: E402
from audiobook.errors import InputError  # noqa: E402
from audiobook.pipeline import analyse, script  # noqa: E402
from audiobook.speech import split_for_engine  # noqa: E402
from tests.invariants import check_segments  # noqa: E402
from tests.strategies import epub_bytes, markup, stories, story_bytes  # noqa: E402

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "2500"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, database=None, print_blob=True,
                    suppress_health_check=list(HealthCheck))
counts: dict[str, int] = {}
loaded: dict[str, int] = {}


def read_and_segment(book) -> None:
    cast = Cast()
    segments = analyse(book, cast)
    check_segments(book, segments)
    for line in script(book, segments, cast):
        split_for_engine(line.say)


def load(name: str, path: Path) -> None:
    try:
        book = load_book(path)
    except InputError:
        return  # refused with a clear message: fine
    loaded[name] = loaded.get(name, 0) + 1
    read_and_segment(book)


def target(name: str, strategy, suffix: str | None):
    folder = Path(tempfile.mkdtemp(prefix="audiobook-fuzz-"))

    @SETTINGS
    @given(strategy)
    def run(data):
        counts[name] = counts.get(name, 0) + 1
        if suffix is None:
            read_and_segment(parse_book(data, Path("story.txt")))
            loaded[name] = loaded.get(name, 0) + 1
            return
        path = folder / f"story{suffix}"
        path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
        load(name, path)

    return run


TARGETS = [
    ("txt loader", story_bytes(), ".txt"),
    ("md loader", story_bytes(), ".md"),
    ("html loader", markup(), ".html"),
    ("epub loader", epub_bytes(), ".epub"),
    ("segmenter", stories, None),
]


def main() -> int:
    failed = []
    started = time.perf_counter()
    for name, strategy, suffix in TARGETS:
        t0 = time.perf_counter()
        try:
            target(name, strategy, suffix)()
            status = "ok"
        except Exception:  # noqa: BLE001 (report every target, then fail)
            traceback.print_exc()
            failed.append(name)
            status = "FAILED"
        print(f"{name:12} {counts.get(name, 0):6d} inputs  {time.perf_counter() - t0:7.1f} s  "
              f"{status}  ({loaded.get(name, 0)} read, the rest refused as bad input)",
              flush=True)
    total = sum(counts.values())
    print(f"{'total':12} {total:6d} inputs  {time.perf_counter() - started:7.1f} s  "
          f"{'FAILED: ' + ', '.join(failed) if failed else 'no uncaught exception'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
