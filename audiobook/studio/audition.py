"""Hearing a line on demand: the build's engine and clip cache, one warm speech worker."""

from __future__ import annotations

import io
import threading
import wave
from pathlib import Path

from audiobook.render import (
    Clip,
    ClipRequest,
    SpeechPool,
    clip_path,
    default_cache_dir,
    key_for,
)

GAP_MS = 200
"""Silence between the pieces of a long line."""


class Auditioner:
    """Speaks clips into the clip cache through one speech worker kept for the session.

    The worker is the build's own (`render.SpeechPool`): it starts the engine
    once, so a line that is not cached yet costs only its synthesis, and a
    crash of the engine takes down the worker, not the studio. Piper voices
    (`piper:...`) are spoken by Piper from `voices_dir`, under the same cache
    keys as a build's.
    """

    def __init__(self, engine: str = "pyttsx3", cache: Path | None = None,
                 voices_dir: Path | None = None) -> None:
        self.engine = engine
        self.cache = cache or default_cache_dir()
        self.voices_dir = voices_dir
        self.pool = SpeechPool(engine, 1, voices_dir=voices_dir)
        self.lock = threading.Lock()

    def _clip(self, request: ClipRequest) -> Clip:
        key = key_for(request, self.engine, self.voices_dir)
        return Clip(key, request, clip_path(self.cache, key))

    def warm_up(self, requests: list[ClipRequest]) -> None:
        """Start the worker and its engine now, so the first line asked for plays at once:
        speak the first of `requests` (the opening lines) that the cache lacks, if any."""
        with self.lock:
            for request in requests:
                clip = self._clip(request)
                if not clip.path.exists():
                    for _ in self.pool.speak([clip], lambda _: "warm-up"):
                        pass
                    return

    def wav(self, requests: list[ClipRequest]) -> bytes:
        """One WAV file of the requests' clips in order, made where the cache lacks them."""
        clips = [self._clip(request) for request in requests]
        with self.lock:
            missing = [c for c in {c.key: c for c in clips}.values() if not c.path.exists()]
            for _ in self.pool.speak(missing, lambda _: "the line"):
                pass
        out = io.BytesIO()
        with wave.open(out, "wb") as joined:
            for i, clip in enumerate(clips):
                with wave.open(str(clip.path), "rb") as part:
                    if i == 0:
                        joined.setparams(part.getparams())
                        gap = b"\0" * (part.getsampwidth() * part.getframerate() * GAP_MS // 1000)
                    else:
                        joined.writeframes(gap)
                    joined.writeframes(part.readframes(part.getnframes()))
        return out.getvalue()

    def close(self) -> None:
        self.pool.close(kill=True)
