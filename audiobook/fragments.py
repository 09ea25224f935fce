"""Chapter MP3s made of fragments encoded on their own, cached, and joined frame by frame.

A fragment ends at a paragraph pause once enough text precedes it. Boundaries
follow the text, not the sound, so re-voicing a character leaves them where
they were and only fragments holding that character's lines are encoded again;
fragments are encoded in worker processes (mp3.py: gain, room tone, limiter,
LAME) as soon as their chapter's clips exist, so the cores stay busy to the
end of a build.

Each fragment is a constant-bit-rate MPEG stream without an Info frame, which
joins cleanly to the next. LAME delays a fragment's start and pads its end:
k frames' worth of samples (k * 576 at 22.05 kHz) come back as k + 2 frames.
So each fragment is cut to a whole number of frames two short of its planned
length, taken from its trailing pause: pauses and the chapter's length stay as
planned, to within half a frame per fragment. The joined chapter is re-muxed
once by ffmpeg (no re-encoding) to get the Info frame that players read
the length from.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from audiobook.assembler import (
    BookInfo,
    ChapterPlan,
    Profile,
    _Encoder,
    _pcm,
    _tagged,
    item_samples,
    tag_mp3,
)
from audiobook.audio import SAMPLE_RATE_HZ, atomic_target
from audiobook.errors import BuildError
from audiobook.manifest import CODE_DIGEST
from audiobook.mp3 import RoomTone, leveled, write_mp3

FRAGMENT_CHARS = 400
"""A fragment ends at the first paragraph pause after this much text (about 25 s)."""
MIN_BOUNDARY_PAUSE_MS = 700
"""Only pauses this long (between paragraphs, after headings, scene breaks) end fragments."""


def frame_samples(sample_rate: int) -> int:
    """Samples per MP3 frame: 1152 for MPEG-1 rates, 576 for the lower MPEG-2 ones."""
    return 1152 if sample_rate >= 32000 else 576


@dataclass(frozen=True)
class Fragment:
    """A run of a chapter's items encoded on its own."""

    items: tuple[tuple[str, str] | int, ...]
    """(clip key, key of the voice's calibration clip) or a pause in milliseconds."""
    digest: str
    """Everything that makes its sound: items, profile, sample rate, the code."""


def fragment_bounds(texts: Sequence[str | int], min_chars: int = FRAGMENT_CHARS,
                    min_pause_ms: int = MIN_BOUNDARY_PAUSE_MS) -> list[int]:
    """Where fragments end (exclusive indices): after a long pause once `min_chars` of
    text (clip texts; ints are pauses in ms) have been spoken since the last end."""
    ends, chars = [], 0
    for i, item in enumerate(texts):
        if isinstance(item, int):
            if item >= min_pause_ms and chars >= min_chars and i + 1 < len(texts):
                ends.append(i + 1)
                chars = 0
        else:
            chars += len(item)
    ends.append(len(texts))
    return ends


def fragment_digest(items: Sequence[tuple[str, str] | int], profile: Profile,
                    sample_rate: int) -> str:
    payload = json.dumps({"code": CODE_DIGEST, "items": list(items),
                          "profile": asdict(profile), "rate": sample_rate}, sort_keys=True)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def split_fragments(texts: Sequence[str | int], keys: Sequence[tuple[str, str] | int],
                    profile: Profile, sample_rate: int = SAMPLE_RATE_HZ) -> list[Fragment]:
    """A chapter's items (clip texts and pauses; their keys) as fragments."""
    fragments, start = [], 0
    for end in fragment_bounds(texts):
        items = tuple(keys[start:end])
        fragments.append(Fragment(items, fragment_digest(items, profile, sample_rate)))
        start = end
    return fragments


def fragment_path(cache: Path, digest: str) -> Path:
    return cache / "fragments" / digest[:2] / f"{digest}.mp3"


def planned_frames(items: Sequence[Path | int], sample_rate: int) -> tuple[int, int]:
    """(frames the encoded fragment will have, samples to feed the encoder for them)."""
    frame = frame_samples(sample_rate)
    lengths = [item_samples(item, sample_rate) for item in items]
    total = sum(lengths)
    tail = lengths[-1] if lengths and isinstance(items[-1], int) else 0
    if tail >= 2 * frame + frame // 2:
        frames = max(3, round(total / frame))  # the trailing pause gives up two frames
    else:
        frames = -(-total // frame) + 2  # nothing to trim: pad with room tone instead
    return frames, (frames - 2) * frame


def fragment_samples(items: Sequence[tuple[Path, float] | int], wanted: int,
                     sample_rate: int = SAMPLE_RATE_HZ, tone: RoomTone | None = None
                     ) -> Iterator[np.ndarray]:
    """Exactly `wanted` float samples of (clip, gain dB) and pause items: cut short within
    the trailing pause, or made up with room tone when there is none."""
    tone = tone or RoomTone(0)
    pieces = (item if isinstance(item, int) else (_pcm(item[0], sample_rate), item[1])
              for item in items)
    left = wanted
    for block in leveled(pieces, sample_rate, tone):
        block = block[:left]
        left -= len(block)
        yield block
        if not left:
            return
    yield tone.take(left)


def encode_fragment(items: Sequence[tuple[Path, float] | int], path: Path, profile: Profile,
                    sample_rate: int = SAMPLE_RATE_HZ, digest: str = "0") -> int:
    """Encode (clip, gain dB) and pause items to a headerless CBR MP3 at `path`
    (written under a temporary name, then renamed); return its number of frames.

    The room tone is seeded by `digest` (the fragment's), so it is the fragment's own:
    the same fragment always gives the same bytes, whatever else the chapter holds.
    """
    frames, wanted = planned_frames([i if isinstance(i, int) else i[0] for i in items],
                                    sample_rate)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = atomic_target(path)
    try:
        write_mp3(tmp, fragment_samples(items, wanted, sample_rate,
                                        RoomTone.for_digest(digest)),
                  sample_rate, profile.mp3_bitrate, profile.ceiling_db)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return frames


def _worker_start(parent: int) -> None:
    # Ctrl-C reaches the whole process group: the main process decides what stops.
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def orphaned() -> None:  # the main process was killed (-9): nobody wants our work
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=orphaned, daemon=True).start()


class EncoderPool:
    """Worker processes encoding fragments (LAME holds the interpreter lock while it
    works, so threads would take turns on one core)."""

    def __init__(self, jobs: int):
        self.pool = ProcessPoolExecutor(jobs, multiprocessing.get_context("spawn"),
                                        initializer=_worker_start, initargs=(os.getpid(),))

    def encode(self, items: Sequence[tuple[Path, float] | int], path: Path, profile: Profile,
               sample_rate: int = SAMPLE_RATE_HZ, digest: str = "0") -> int:
        """`encode_fragment` in a worker; waits for it (call from several threads)."""
        # A worker started now inherits this mask: a Ctrl-C cannot hit it while importing.
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            future = self.pool.submit(encode_fragment, items, path, profile, sample_rate,
                                      digest)
        except BrokenProcessPool as err:
            raise BuildError(f"{path.name}: an encoder process died ({err})") from err
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        try:
            return future.result()
        except BrokenProcessPool as err:
            raise BuildError(f"an encoder process died (out of memory or killed?): {err}"
                             ) from err

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


def join_fragments(paths: Iterable[Path], path: Path, plan: ChapterPlan, book: BookInfo) -> None:
    """Join fragment files into a tagged chapter MP3 at `path` (temporary name, then rename).

    ffmpeg copies the frames as they are and adds the Info frame with the total length.
    """
    joiner = _Encoder(path, ["-c", "copy", "-write_xing", "1", "-id3v2_version", "0",
                             "-f", "mp3"], 0, input_format=["-f", "mp3"])
    try:
        for fragment in paths:
            joiner.write(fragment.read_bytes())
        tmp = joiner.finish()
        _tagged(tag_mp3, tmp, path, plan, book)
        os.replace(tmp, path)
    finally:
        joiner.abort()
