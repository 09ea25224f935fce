"""Benchmark: a full build with Piper voices against Piper alone, and peak memory.

    python tools/bench_piper.py --voices-dir DIR [--voice piper:en_US-joe-medium]
                                [--hours 1] [--memory-hours 1,3]

Prints, for a book of at least `--hours` of audio (a corpus novel and the ones
after it, cut at a paragraph): Piper alone (every spoken text synthesized, no
files, one process per core, both cores busy) in audio seconds per wall second;
the full build (`audiobook build --jobs 2`, every speaker in the Piper voice,
empty cache: synthesis, levels, encoding, joins, files) the same way; their
ratio; and the peak memory (PSS of the whole process tree) of builds of the
given lengths. Long (tens of minutes); CI does not run it.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))

import bench  # noqa: E402
from bench import DEFAULT_TEXT, TreeMemory, audio_seconds, long_text  # noqa: E402

WORDS_PER_HOUR = 11_500
"""Piper's joe speaks about 190 words a minute (10,526 words made 3,337 s of audio)."""


def _speak(args: tuple[list[str], str, str]) -> tuple[float, float, float]:
    """One process: synthesize texts in one voice; (audio s, busy s, CPU s)."""
    texts, voice, folder = args
    from audiobook.engines import VoiceSettings, get_engine

    engine = get_engine("piper", Path(folder))
    settings = VoiceSettings(voice)
    engine.synthesize("Warm up.", settings)  # the model loads outside the timing
    started, cpu = time.perf_counter(), time.process_time()
    samples = sum(len(engine.synthesize(t, settings)) // 2 for t in texts)
    return (samples / engine.clip_rate(settings), time.perf_counter() - started,
            time.process_time() - cpu)


def piper_alone(texts: list[str], voice: str, folder: Path, processes: int = 2
                ) -> tuple[float, float, float]:
    """(audio s, wall s, CPU s) of Piper alone, texts dealt to `processes` processes."""
    from audiobook.speech import split_for_engine

    pieces = [p for t in texts for p in split_for_engine(t)]
    shares = [pieces[k::processes] for k in range(processes)]
    context = multiprocessing.get_context("spawn")
    with context.Pool(processes) as pool:
        started = time.perf_counter()
        results = pool.map(_speak, [(s, voice, str(folder)) for s in shares])
        wall = time.perf_counter() - started
    return sum(r[0] for r in results), wall, sum(r[2] for r in results)


def all_piper_cast(novel: Path, voice: str, folder: Path, out: Path) -> Path:
    """A cast file with every speaker the book has in one Piper voice."""
    import yaml

    proc = subprocess.run([sys.executable, "-m", "audiobook", "cast", str(novel)],
                          check=True, capture_output=True, text=True, cwd=ROOT)
    cast = yaml.safe_load(proc.stdout)
    cast["narrator"] = {"voice": voice}
    for spec in (cast.get("characters") or {}).values():
        spec["voice"] = voice
        for key in ("pitch", "rate"):
            spec.pop(key, None)
    out.write_text(yaml.safe_dump(cast, allow_unicode=True), encoding="utf-8")
    return out


def build(novel: Path, cast: Path, folder: Path, work: Path, name: str
          ) -> tuple[float, float, TreeMemory, float]:
    """(wall s, audio s, memory, CPU s of the whole tree) of a full build, empty cache."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall, memory, stdout = bench.build(novel, work / f"out-{name}", work / f"cache-{name}", 2,
                                       cast, extra=("--voices-dir", str(folder)))
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, audio_seconds(stdout), memory, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--text", type=Path, default=DEFAULT_TEXT)
    parser.add_argument("--voices-dir", type=Path, required=True)
    parser.add_argument("--voice", default="piper:en_US-joe-medium")
    parser.add_argument("--hours", type=float, default=1.0,
                        help="audio for the speed figures (default 1 hour)")
    parser.add_argument("--memory-hours", default="3",
                        help="more book lengths whose build's peak memory is printed")
    parser.add_argument("--keep", type=Path, help="work here and keep the files")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="audiobook-bench-piper-"))
    work.mkdir(parents=True, exist_ok=True)

    novel = work / "book-speed.txt"
    novel.write_text(long_text(args.text, int(args.hours * WORDS_PER_HOUR)), encoding="utf-8")
    cast = all_piper_cast(novel, args.voice, args.voices_dir, work / "cast.yaml")
    print(f"text: {args.text.parent.name} and on, {len(novel.read_text().split()):,} words; "
          f"every speaker {args.voice}; 2 workers")

    wall, audio, memory, cpu = build(novel, cast, args.voices_dir, work, "speed")
    script = next((work / "out-speed").iterdir()) / "script.jsonl"
    texts = [json.loads(line)["say"] for line in script.read_text("utf-8").splitlines()]
    alone_audio, alone_wall, alone_cpu = piper_alone(texts, args.voice, args.voices_dir)
    alone = alone_audio / alone_wall
    full = audio / wall
    print(f"Piper alone (synthesis only, 2 processes, one per core): {alone_audio:,.0f} s of "
          f"audio in {alone_wall:.1f} s = {alone:.2f} audio s per wall s; CPU {alone_cpu:.0f} s "
          f"= {alone_audio / alone_cpu:.2f} audio s per CPU s")
    print(f"full build (everything, empty cache, --jobs 2): {audio:,.0f} s of audio in "
          f"{wall:.1f} s = {full:.2f} audio s per wall s; CPU {cpu:.0f} s = "
          f"{audio / cpu:.2f} audio s per CPU s")
    per_cpu = (audio / cpu) / (alone_audio / alone_cpu)
    print(f"HEADLINE full build / Piper alone = {full / alone:.2f} (target >= 0.9); "
          f"per CPU second, where other load cancels out: {per_cpu:.2f}")
    print(f"peak memory, {audio / 3600:.1f} h book: {memory.peak_pss / 2**20:.0f} MB PSS "
          f"({memory.peak_rss / 2**20:.0f} MB summed RSS) (target <= 600 MB)")
    for hours in [float(h) for h in args.memory_hours.split(",") if h.strip()]:
        sized = work / f"book-{hours:g}h.txt"
        sized.write_text(long_text(args.text, int(hours * WORDS_PER_HOUR)), encoding="utf-8")
        cast_h = all_piper_cast(sized, args.voice, args.voices_dir, work / f"cast-{hours:g}.yaml")
        wall, audio, memory, _ = build(sized, cast_h, args.voices_dir, work, f"{hours:g}h")
        print(f"peak memory, {audio / 3600:.1f} h book ({wall:.0f} s, {audio / wall:.2f} audio "
              f"s per wall s): {memory.peak_pss / 2**20:.0f} MB PSS "
              f"({memory.peak_rss / 2**20:.0f} MB summed RSS) (target <= 600 MB)")


if __name__ == "__main__":
    main()
