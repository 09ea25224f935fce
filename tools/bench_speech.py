"""Benchmark: espeak-ng synthesis alone, every clip of a multi-voice book in book order.

Two steps, so that two versions of the engine can be timed on exactly the same clips:

    python tools/bench_speech.py clips --text NOVEL.txt --words 20000 -o clips.json
    python tools/bench_speech.py speak clips.json        # prints clips, audio s, x real time

`clips` runs the pipeline (characters, attribution, auto-cast) and writes every
clip request (text, voice, rate, pitch, volume) in the order a build speaks
them. `speak` synthesizes them in one process, one engine, no cache, no files,
and prints the audio seconds per wall second of the synthesis loop (start-up
not included; time the whole process from outside for that). Its only imports
are the engine's, so it runs against an older checkout too:
`PYTHONPATH=OLD_TREE python tools/bench_speech.py speak clips.json`.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def make_clips(text: Path, words: int, out: Path) -> None:
    sys.path.insert(0, str(ROOT))
    from audiobook.book import load_book
    from audiobook.cast import Cast, assign_voices
    from audiobook.pipeline import analyse, engine_voice_ids, plan_chapters, script

    kept, count = [], 0
    for paragraph in text.read_text(encoding="utf-8").split("\n\n"):
        kept.append(paragraph)
        count += len(paragraph.split())
        if count >= words:
            break
    part = out.with_suffix(".txt")
    part.write_text("\n\n".join(kept) + "\n", encoding="utf-8")
    book = load_book(part)
    cast = Cast()
    segments = analyse(book, cast)
    assign_voices(cast, engine_voice_ids())
    _, sequences = plan_chapters(book, script(book, segments, cast), cast)
    clips = [{"text": x.text, "voice": x.settings.voice, "rate": x.settings.rate,
              "pitch": x.settings.pitch, "volume": x.settings.volume}
             for seq in sequences for x in seq if not isinstance(x, int)]
    out.write_text(json.dumps(clips, ensure_ascii=False), encoding="utf-8")
    voices = {(c["voice"], c["rate"], c["pitch"]) for c in clips}
    print(f"{out}: {len(clips)} clips, {count:,} words, {len(voices)} voices")


def speak(clips_path: Path) -> None:
    from audiobook.engines import VoiceSettings, get_engine

    clips = json.loads(clips_path.read_text(encoding="utf-8"))
    engine = get_engine("pyttsx3")
    requests = [(c["text"], VoiceSettings(c["voice"], c["rate"], c["pitch"], c["volume"]))
                for c in clips]
    samples = 0
    started = time.perf_counter()
    for text, settings in requests:
        samples += len(engine.synthesize(text, settings)) // 2
    wall = time.perf_counter() - started
    audio = samples / engine.sample_rate
    print(f"{len(clips)} clips, {audio:,.0f} s of audio in {wall:.2f} s: "
          f"{audio / wall:,.0f} x real time ({1000 * wall / len(clips):.2f} ms a clip)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="step", required=True)
    p = sub.add_parser("clips", help="write a book's clip requests to a JSON file")
    p.add_argument("--text", type=Path, required=True)
    p.add_argument("--words", type=int, default=20_000)
    p.add_argument("-o", "--out", type=Path, required=True)
    p = sub.add_parser("speak", help="synthesize the clips of a JSON file, print the speed")
    p.add_argument("clips", type=Path)
    args = parser.parse_args()
    if args.step == "clips":
        make_clips(args.text, args.words, args.out)
    else:
        speak(args.clips)


if __name__ == "__main__":
    main()
