"""`audiobook check`: measure audio files and judge them against a profile's rules.

Files are decoded by ffmpeg and streamed: ebur128 gives integrated loudness
and true peak on the way, while our own arithmetic on the 16-bit samples
gives RMS, sample peak, the noise floor and the head and tail silence.
"""

from __future__ import annotations

import math
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import mutagen

from audiobook.audio import audioop, ebur128_summary, ffmpeg_exe
from audiobook.errors import InputError

WINDOW_S = 0.05
"""Window for silence detection."""
FLOOR_WINDOW_S = 0.5
"""Window for the noise floor: the quietest half second."""
SILENCE_DB = -50.0
"""A window quieter than this is silence (room tone), louder is sound."""


@dataclass
class Measurement:
    """What `check` measured on one file."""

    path: Path
    seconds: float = 0.0
    sample_rate: int = 0
    bitrate_kbps: int = 0
    bitrate_mode: str = "?"
    """`CBR`, `VBR`, `ABR` or `?`."""
    rms_db: float = float("-inf")
    peak_db: float = float("-inf")
    """Sample peak of the decoded audio, dBFS."""
    true_peak_db: float = float("-inf")
    lufs: float = float("-inf")
    noise_floor_db: float = float("-inf")
    """RMS of the quietest half second."""
    head_s: float = 0.0
    """Silence before the first sound."""
    tail_s: float = 0.0
    """Silence after the last sound."""
    failures: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Rule:
    """One pass/fail rule: a measured field between bounds."""

    name: str
    field: str
    low: float = -math.inf
    high: float = math.inf
    mp3_only: bool = False
    """ACX takes MP3 files: encoding rules do not apply to an M4B."""


RULES: dict[str, list[Rule]] = {
    "standard": [
        Rule("loudness -20..-16 LUFS", "lufs", -20.0, -16.0),
        Rule("true peak <= -1.5 dBTP", "true_peak_db", high=-1.5),
        Rule("sample peak < 0 dBFS (no clipping)", "peak_db", high=-0.1),
    ],
    "acx": [
        Rule("sample rate 44.1 kHz", "sample_rate", 44100, 44100),
        Rule("bit rate >= 192 kb/s", "bitrate_kbps", 192, mp3_only=True),
        Rule("RMS -23..-18 dB", "rms_db", -23.0, -18.0),
        Rule("peak <= -3 dB", "peak_db", high=-3.0),
        Rule("noise floor <= -60 dB", "noise_floor_db", high=-60.0),
        Rule("head room tone 0.5..1 s", "head_s", 0.5, 1.0),
        Rule("tail room tone 1..5 s", "tail_s", 1.0, 5.0),
        Rule("length <= 120 min", "seconds", high=120 * 60.0),
    ],
}


def _db(value: float) -> float:
    return 20 * math.log10(value) if value > 0 else float("-inf")


def measure_file(path: Path) -> Measurement:
    """Measure one audio file (any format ffmpeg reads)."""
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    m = Measurement(path)
    try:
        info = mutagen.File(str(path))
    except mutagen.MutagenError:
        info = None
    if info is not None and info.info is not None:
        m.sample_rate = int(getattr(info.info, "sample_rate", 0) or 0)
        m.bitrate_kbps = round((getattr(info.info, "bitrate", 0) or 0) / 1000)
        mode = getattr(info.info, "bitrate_mode", None)
        m.bitrate_mode = str(mode).rsplit(".", 1)[-1] if mode is not None else "?"
        if m.bitrate_mode == "UNKNOWN":
            m.bitrate_mode = "?"
    rate = m.sample_rate or 44100
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostats", "-v", "info", "-i", str(path),
           "-af", "ebur128=peak=true:framelog=verbose", "-f", "s16le", "-ac", "1",
           "-ar", str(rate), "pipe:1"]
    window = max(1, int(rate * WINDOW_S)) * 2
    per_floor = max(1, round(FLOOR_WINDOW_S / WINDOW_S))
    squares, samples, peak = 0.0, 0, 0
    levels: list[float] = []  # RMS of each 50 ms window (linear), for floor and silences
    carry = b""
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err)
        while True:
            chunk = proc.stdout.read(1 << 16)
            if not chunk:
                break
            data = carry + chunk
            usable = len(data) - len(data) % window
            data, carry = data[:usable], data[usable:]
            for i in range(0, len(data), window):
                piece = data[i : i + window]
                rms = audioop.rms(piece, 2)
                levels.append(rms)
                squares += rms * rms * (len(piece) // 2)
            samples += len(data) // 2
            if data:
                peak = max(peak, audioop.max(data, 2))
        if carry:
            samples += len(carry) // 2
            squares += audioop.rms(carry, 2) ** 2 * (len(carry) // 2)
            peak = max(peak, audioop.max(carry, 2))
        proc.wait()
        err.seek(0)
        stderr = err.read().decode(errors="replace")
    if proc.returncode != 0 or not samples:
        raise InputError(f"{path}: not an audio file ffmpeg can read")
    summary = ebur128_summary(stderr)
    m.seconds = samples / rate
    m.rms_db = _db(math.sqrt(squares / samples) / 32768)
    m.peak_db = _db(peak / 32768)
    m.lufs = summary.get("lufs", float("-inf"))
    m.true_peak_db = summary.get("true_peak", m.peak_db)
    floors = [
        math.sqrt(sum(v * v for v in levels[i : i + per_floor]) / per_floor)
        for i in range(0, max(1, len(levels) - per_floor + 1), per_floor // 2 or 1)
    ]
    m.noise_floor_db = _db(min(floors) / 32768) if floors else float("-inf")
    loud = [i for i, v in enumerate(levels) if _db(v / 32768) > SILENCE_DB]
    if loud:
        m.head_s = loud[0] * WINDOW_S
        m.tail_s = (len(levels) - 1 - loud[-1]) * WINDOW_S
    else:
        m.head_s = m.tail_s = m.seconds
    return m


def judge(m: Measurement, profile: str = "standard") -> Measurement:
    """Fill `m.failures` with the rules of `profile` it breaks."""
    m.failures = []
    mp3 = m.path.suffix.lower() == ".mp3"
    for rule in RULES[profile]:
        if rule.mp3_only and not mp3:
            continue
        value = getattr(m, rule.field)
        if not rule.low <= value <= rule.high:
            m.failures.append(rule.name)
    if profile == "acx" and mp3 and m.bitrate_mode != "CBR":
        m.failures.append("constant bit rate")
    return m


def _fmt(value: float, digits: int = 1) -> str:
    return f"{value:.{digits}f}" if math.isfinite(value) else "-inf"


def table(results: list[Measurement]) -> str:
    """A plain-text pass/fail table, one row per file, reasons below failing rows."""
    head = ("file", "length", "rate", "kb/s", "mode", "LUFS", "RMS", "peak", "TP", "floor",
            "head", "tail", "result")
    rows = []
    for m in results:
        minutes, seconds = divmod(m.seconds, 60)
        rows.append((m.path.name, f"{int(minutes)}:{seconds:04.1f}", str(m.sample_rate),
                     str(m.bitrate_kbps), m.bitrate_mode, _fmt(m.lufs), _fmt(m.rms_db),
                     _fmt(m.peak_db), _fmt(m.true_peak_db), _fmt(m.noise_floor_db),
                     _fmt(m.head_s, 2), _fmt(m.tail_s, 2), "FAIL" if m.failures else "pass"))
    widths = [max(len(str(r[i])) for r in [head, *rows]) for i in range(len(head))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(head, widths, strict=True))]
    for m, row in zip(results, rows, strict=True):
        lines.append("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)))
        lines += [f"    fails: {reason}" for reason in m.failures]
    return "\n".join(line.rstrip() for line in lines)


def check(paths: list[Path], profile: str = "standard") -> list[Measurement]:
    """Measure and judge each file (folders: their .mp3 and .m4b files)."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.iterdir() if p.suffix.lower() in (".mp3", ".m4b"))
        else:
            files.append(path)
    if not files:
        raise InputError("no audio files to check")
    return [judge(measure_file(path), profile) for path in files]
