"""Synthesizing clips in worker processes through a content-addressed cache.

A clip's key is a hash of everything that changes its sound: the engine and
its version, the voice settings and the exact text spoken. A clip in the cache
is never made again, so a rebuild or a resumed build only synthesizes what is
new. Clips are written to a temporary name and renamed, so an interrupted
build never leaves a half-written clip behind.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import wave
from collections.abc import Iterable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path

from tqdm import tqdm

from audiobook.audio import atomic_target
from audiobook.engines import VoiceSettings, get_engine
from audiobook.errors import BuildError


@dataclass(frozen=True)
class ClipRequest:
    """One piece of text to be spoken in one voice."""

    text: str
    """Exactly what the engine is given."""
    settings: VoiceSettings
    """Voice, rate, pitch and volume."""


def engine_version(engine: str) -> str:
    """A version string for the cache key, found without starting the engine."""
    if engine == "pyttsx3":
        parts = []
        for dist in ("pyttsx3", "espeakng-loader"):
            try:
                parts.append(f"{dist}-{metadata.version(dist)}")
            except metadata.PackageNotFoundError:
                parts.append(f"{dist}-none")
        from audiobook.engines.espeak import load_library  # noqa: PLC0415 (cheap, no init)

        parts.append(Path(load_library()).name)
        return "/".join(parts)
    return f"{engine}-1"


def clip_key(request: ClipRequest, engine: str, version: str) -> str:
    payload = json.dumps([engine, version, asdict(request.settings), request.text],
                         sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "audiobook"


def clip_path(cache: Path, key: str) -> Path:
    return cache / "clips" / key[:2] / f"{key}.wav"


def write_wav(path: Path, pcm: bytes, sample_rate: int) -> None:
    """Write mono 16-bit PCM as WAV atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = atomic_target(path)
    with wave.open(str(tmp), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(sample_rate)
        wav.writeframes(pcm)
    os.replace(tmp, path)


# --- worker side ---------------------------------------------------------------------

_ENGINE = None


def _init_worker(engine_name: str) -> None:
    global _ENGINE
    _ENGINE = get_engine(engine_name)


def _synthesize(request: ClipRequest, path: str) -> str:
    pcm = _ENGINE.synthesize(request.text, request.settings)
    write_wav(Path(path), pcm, _ENGINE.sample_rate)
    return path


# --- main side -----------------------------------------------------------------------


def render_clips(
    requests: Iterable[ClipRequest],
    cache: Path,
    engine: str = "pyttsx3",
    jobs: int | None = None,
    progress: bool = True,
) -> dict[ClipRequest, Path]:
    """Make sure every request has a clip in the cache; return the clip paths."""
    version = engine_version(engine)
    paths: dict[ClipRequest, Path] = {}
    missing: dict[Path, ClipRequest] = {}
    for request in requests:
        if request in paths:
            continue
        path = clip_path(cache, clip_key(request, engine, version))
        paths[request] = path
        if not path.exists():
            missing[path] = request
    if not missing:
        return paths
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(missing)))
    # Longest texts first: the pool stays busy to the end.
    todo = sorted(missing.items(), key=lambda item: -len(item[1].text))
    context = multiprocessing.get_context("spawn")  # a fresh engine in each worker
    bar = tqdm(total=len(todo), desc="Speaking", unit="clip", disable=not progress)
    pool = ProcessPoolExecutor(jobs, mp_context=context, initializer=_init_worker,
                               initargs=(engine,))
    try:
        pending = {pool.submit(_synthesize, req, str(path)): req for path, req in todo}
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                request = pending.pop(future)
                try:
                    future.result()
                except BrokenProcessPool:
                    raise BuildError(
                        f"a speech worker died while speaking: {request.text[:200]!r}"
                    ) from None
                bar.update(1)
    finally:
        # On failure or Ctrl-C, drop queued clips instead of waiting for them.
        pool.shutdown(wait=True, cancel_futures=True)
        bar.close()
    return paths
