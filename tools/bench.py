"""Benchmark: a full build of a long text against the speech engine alone on the same text.

Prints, in one run: segmentation words per second; audio seconds per wall
second for the full build and for the engine alone (espeak-ng through its
library, one voice, one process, no cache, then one MP3 encode with the
build's own encoder, LAME through lameenc), and their ratio, with the same
encode through the ffmpeg command line for reference; the peak memory of the
build's whole process tree; the time of an unchanged rebuild; the time of a
rebuild after re-voicing one minor character; and, for books of the given
lengths in hours, each build's peak memory.

    python tools/bench.py [--text NOVEL.txt] [--words N] [--memory-hours 1,10]

The text must be at least 50,000 words; shorter ones are continued with the
other novels of the corpus (whole novels in a fixed order), then cut at a
paragraph break. Timings on a shared machine are noisy: run it on a quiet one.
The full build (each time with an empty cache) and the engine alone are each
run `--repeat` times (default 2), alternating, and the fastest of each is
reported, as timeit does: noise only ever adds time.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from audiobook.assembler import STANDARD  # noqa: E402
from audiobook.audio import ffmpeg_exe  # noqa: E402
from audiobook.book import load_book  # noqa: E402
from audiobook.cast import Cast, dump_cast, load_cast  # noqa: E402
from audiobook.engines import VoiceSettings, get_engine  # noqa: E402
from audiobook.mp3 import bitrate_kbps, lame_encoder  # noqa: E402
from audiobook.pipeline import analyse  # noqa: E402
from audiobook.segmenter import segment_book  # noqa: E402
from audiobook.speech import split_for_engine  # noqa: E402

# The shared folder sits beside the main checkout, or two levels up from a worktree.
CORPUS = next((base / "shared" / "corpus" / "pdnc" for base in (ROOT.parent, ROOT.parent.parent)
               if (base / "shared" / "corpus" / "pdnc").is_dir()), ROOT.parent / "shared")
DEFAULT_TEXT = CORPUS / "PrideAndPrejudice" / "novel_text.txt"
MIN_WORDS = 50_000
WORDS_PER_HOUR = 170 * 60
"""At the narrator's default rate."""


def long_text(first: Path, words: int) -> str:
    """`first`, continued with the corpus's other novels, cut near `words` words."""
    sources = [first] + sorted(p for p in CORPUS.glob("*/novel_text.txt") if p != first)
    paragraphs: list[str] = []
    count = 0
    for source in sources:
        for para in re.split(r"\n\s*\n", source.read_text(encoding="utf-8")):
            paragraphs.append(para)
            count += len(para.split())
            if count >= words:
                return "\n\n".join(paragraphs) + "\n"
    if count < words:
        raise SystemExit(f"the corpus has only {count} words")
    return "\n\n".join(paragraphs) + "\n"


class TreeMemory:
    """Peak memory of a process and all its descendants, sampled from /proc."""

    def __init__(self, pid: int, interval: float = 0.05):
        self.pid = pid
        self.interval = interval
        self.peak_pss = 0
        self.peak_rss = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _tree(self) -> list[int]:
        parents: dict[int, list[int]] = {}
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                with open(f"/proc/{entry.name}/stat", "rb") as f:
                    stat = f.read()
            except OSError:
                continue
            ppid = int(stat[stat.rindex(b")") + 2:].split()[1])
            parents.setdefault(ppid, []).append(int(entry.name))
        tree, todo = [], [self.pid]
        while todo:
            pid = todo.pop()
            tree.append(pid)
            todo += parents.get(pid, [])
        return tree

    def _run(self) -> None:
        while not self._stop.is_set():
            pss = rss = 0
            for pid in self._tree():
                try:
                    with open(f"/proc/{pid}/smaps_rollup") as f:
                        for line in f:
                            if line.startswith("Pss:"):
                                pss += int(line.split()[1]) * 1024
                            elif line.startswith("Rss:"):
                                rss += int(line.split()[1]) * 1024
                except OSError:
                    continue
            self.peak_pss = max(self.peak_pss, pss)
            self.peak_rss = max(self.peak_rss, rss)
            self._stop.wait(self.interval)


def build(text: Path, out: Path, cache: Path, jobs: int | None, voices: Path | None = None,
          no_cache: bool = False, extra: tuple[str, ...] = ()) -> tuple[float, TreeMemory, str]:
    cmd = [sys.executable, "-m", "audiobook", "build", str(text), "--out", str(out),
           "--cache", str(cache), "--quiet", *extra]
    if voices:
        cmd += ["--voices", str(voices)]
    if jobs:
        cmd += ["--jobs", str(jobs)]
    if no_cache:
        cmd.append("--no-cache")
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=ROOT)
    with TreeMemory(proc.pid) as memory:
        stdout, stderr = proc.communicate()
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"build failed ({proc.returncode}): {stderr.strip()[-2000:]}")
    return seconds, memory, stdout


def audio_seconds(stdout: str) -> float:
    m = re.search(r"Wrote (\d+) min (\d+) s of audio", stdout)
    return int(m.group(1)) * 60 + int(m.group(2)) if m else float("nan")


def lame_alone(pcm_path: Path, sample_rate: int, mp3_path: Path) -> None:
    """The plainest MP3 encode of 16-bit samples with the build's encoder and settings
    (LAME through lameenc, same bit rate and quality; no gain, no limiter)."""
    encoder = lame_encoder(sample_rate, bitrate_kbps(STANDARD.mp3_bitrate))
    with open(pcm_path, "rb") as pcm, open(mp3_path, "wb") as mp3:
        while data := pcm.read(1 << 20):
            mp3.write(encoder.encode(data))
        mp3.write(encoder.flush())


def ffmpeg_alone(pcm_path: Path, sample_rate: int, mp3_path: Path) -> None:
    """The same encode through the ffmpeg command line (LAME at its default quality)."""
    subprocess.run([ffmpeg_exe(), "-v", "error", "-y", "-f", "s16le", "-ar", str(sample_rate),
                    "-ac", "1", "-i", str(pcm_path), "-codec:a", "libmp3lame",
                    "-b:a", STANDARD.mp3_bitrate, "-f", "mp3", str(mp3_path)], check=True)


def engine_alone(script: Path, voice: str, work: Path, with_ffmpeg: bool = False
                 ) -> tuple[float, float, float, float | None]:
    """Every spoken text in one voice, one process, no cache; then one MP3 encode.

    Returns (synthesis seconds, encode seconds, audio seconds, and the same encode
    through the ffmpeg command line if asked).
    """
    engine = get_engine("pyttsx3")
    settings = VoiceSettings(voice)
    pcm_path = work / "engine-alone.pcm"
    texts = [json.loads(line)["say"] for line in script.read_text(encoding="utf-8").splitlines()]
    samples = 0
    started = time.perf_counter()
    with open(pcm_path, "wb") as pcm:
        for text in texts:
            for piece in split_for_engine(text):
                data = engine.synthesize(piece, settings)
                samples += len(data) // 2
                pcm.write(data)
    synth = time.perf_counter() - started
    started = time.perf_counter()
    lame_alone(pcm_path, engine.sample_rate, work / "engine-alone.mp3")
    encode = time.perf_counter() - started
    via_ffmpeg = None
    if with_ffmpeg:
        started = time.perf_counter()
        ffmpeg_alone(pcm_path, engine.sample_rate, work / "engine-alone-ffmpeg.mp3")
        via_ffmpeg = time.perf_counter() - started
    pcm_path.unlink()
    return synth, encode, samples / engine.sample_rate, via_ffmpeg


def minor_character(script: Path) -> tuple[str, float, int, int]:
    """A minor speaker (the largest share of words under 3%): name, share, chapters, of."""
    words: Counter[str] = Counter()
    chapters: dict[str, set[int]] = {}
    all_chapters: set[int] = set()
    total = 0
    for line in script.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        n = len(record["say"].split())
        total += n
        all_chapters.add(record["chapter"])
        if record["kind"] == "dialogue" and record["speaker"] not in ("narrator", "unknown"):
            words[record["speaker"]] += n
            chapters.setdefault(record["speaker"], set()).add(record["chapter"])
    minor = [(n, name) for name, n in words.items() if n / total < 0.03]
    if not minor:
        raise SystemExit("no minor character found")
    n, name = max(minor)
    return name, n / total, len(chapters[name]), len(all_chapters)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--text", type=Path, default=DEFAULT_TEXT)
    parser.add_argument("--words", type=int, default=MIN_WORDS,
                        help="at least this many words (default 50,000; fewer for a quick try)")
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--memory-hours", default="1,10",
                        help="book lengths (hours) whose peak memory is measured; '' for none")
    parser.add_argument("--keep", type=Path, help="work here and keep the files")
    parser.add_argument("--repeat", type=int, default=2,
                        help="full builds and engine-alone runs, fastest reported (default 2)")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="audiobook-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    if not args.text.exists():
        raise SystemExit(f"{args.text}: no such file (pass --text)")
    if args.words < MIN_WORDS:
        print(f"note: {args.words:,} words is below the {MIN_WORDS:,} a real run needs")
    text = long_text(args.text, args.words)
    novel = work / "bench.txt"
    novel.write_text(text, encoding="utf-8")
    print(f"text: {args.text.parent.name} and on, {len(text.split()):,} words "
          f"({len(text):,} characters); jobs {args.jobs or os.cpu_count()}")

    book = load_book(novel)
    started = time.perf_counter()
    segment_book(book)
    seg = time.perf_counter() - started
    started = time.perf_counter()
    analyse(book, Cast())
    ana = time.perf_counter() - started
    words = len(book.text.split())
    print(f"segmentation: {words / seg:,.0f} words/s; segmentation + characters + "
          f"attribution: {words / ana:,.0f} words/s ({len(book.chapters)} chapters)")

    cast0 = work / "cast0.yaml"
    subprocess.run([sys.executable, "-m", "audiobook", "cast", str(novel), "-o", str(cast0)],
                   check=True, cwd=ROOT, capture_output=True)
    cache, out = work / "cache", work / "out"
    narrator = load_cast(cast0).narrator.voice or "gmw/en-us"
    builds, alones = [], []
    for k in range(args.repeat):
        # The first build's cache and folder are kept for the rebuilds below.
        where = (cache, out) if k == 0 else (work / f"cache{k}", work / f"out{k}")
        builds.append(build(novel, where[1], where[0], args.jobs, cast0))
        if k == 0:
            folder = next(p for p in out.iterdir() if p.is_dir())
            script = folder / "script.jsonl"
        alones.append(engine_alone(script, narrator, work, with_ffmpeg=k == 0))
    first, memory, stdout = min(builds, key=lambda b: b[0])
    audio = audio_seconds(stdout)
    runs = f" (fastest of {args.repeat})" if args.repeat > 1 else ""
    print(f"full build{runs}: {first:.1f} s for {audio:,.0f} s of audio = "
          f"{audio / first:,.0f} audio s per wall s; all runs "
          + ", ".join(f"{b[0]:.1f} s" for b in builds))
    peak = max(builds, key=lambda b: b[1].peak_pss)[1]
    print(f"peak memory of the build (whole process tree): {peak.peak_pss / 2**20:.0f} MB "
          f"PSS ({peak.peak_rss / 2**20:.0f} MB summed RSS)")
    synth, encode, speech, _ = min(alones, key=lambda a: a[0] + a[1])
    alone = synth + encode
    print(f"engine alone{runs} ({narrator}, one process, no cache): synthesis {synth:.1f} s + "
          f"one MP3 encode {encode:.1f} s = {alone:.1f} s for {speech:,.0f} s of speech = "
          f"{speech / alone:,.0f} audio s per wall s; all runs "
          + ", ".join(f"{a[0] + a[1]:.1f} s" for a in alones))
    print(f"  (the encode is LAME through lameenc, as the build uses it; through the ffmpeg "
          f"command line the same encode took {alones[0][3]:.1f} s)")
    print(f"HEADLINE full build / engine alone = {first / alone:.2f} (target <= 0.75)")

    again, _, _ = build(novel, out, cache, args.jobs, cast0)
    print(f"unchanged rebuild: {again:.2f} s = {100 * again / first:.1f}% of the first build "
          f"(target <= 3%)")

    name, share, in_chapters, chapters = minor_character(script)
    cast = load_cast(cast0)
    used = {cast.narrator.voice} | {s.voice for s in cast.characters.values()}
    voices = subprocess.run([sys.executable, "-m", "audiobook", "voices", "--lang", "en"],
                            check=True, cwd=ROOT, capture_output=True, text=True).stdout
    new_voice = next(line.split("\t")[0] for line in voices.splitlines()
                     if line.split("\t")[0] not in used)
    cast.characters[name].voice = new_voice
    cast1 = work / "cast1.yaml"
    cast1.write_text(dump_cast(cast), encoding="utf-8")
    revoice, _, _ = build(novel, out, cache, args.jobs, cast1)
    print(f"re-voice rebuild ({name}: {100 * share:.1f}% of the words, in {in_chapters} of "
          f"{chapters} chapters, now {new_voice}): {revoice:.1f} s = "
          f"{100 * revoice / first:.1f}% of the first build (target <= {100 * share + 10:.1f}%)")

    for hours in [float(h) for h in args.memory_hours.split(",") if h.strip()]:
        sized = work / f"book-{hours:g}h.txt"
        sized.write_text(long_text(args.text, int(hours * WORDS_PER_HOUR)), encoding="utf-8")
        seconds, memory, stdout = build(sized, work / f"out-{hours:g}h", work / "unused",
                                        args.jobs, no_cache=True)
        print(f"{hours:g}-hour book ({audio_seconds(stdout) / 3600:.1f} h of audio, no cache): "
              f"{seconds:.0f} s, peak memory {memory.peak_pss / 2**20:.0f} MB PSS "
              f"({memory.peak_rss / 2**20:.0f} MB summed RSS)")


if __name__ == "__main__":
    main()
