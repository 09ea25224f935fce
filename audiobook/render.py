"""Synthesizing clips in worker processes through a content-addressed cache.

A clip's key is a hash of everything that changes its sound: the engine and
its version, the voice settings and the exact text spoken. A clip in the cache
is never made again, so a rebuild or a resumed build only synthesizes what is
new. Clips are written to a temporary name and renamed, so an interrupted
build never leaves a half-written clip behind.

The workers are our own small pool rather than a ProcessPoolExecutor, because
faults must be handled per clip: each worker owns one engine and one pipe, is
sent batches of clips (a message per batch, not per clip, keeps the overhead
small on books of thousands of clips) and reports every clip it finishes. A
clip that fails, hangs past its timeout or takes its worker down with it is
retried once in a fresh worker, then reported with its chapter and text. A
chapter is announced as soon as all of its clips exist, so encoding can start
while later chapters are still being spoken.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import signal
import time
import traceback
import wave
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from multiprocessing.connection import Connection
from multiprocessing.connection import wait as wait_any
from pathlib import Path

from tqdm import tqdm

from audiobook.audio import atomic_target
from audiobook.engines import VoiceSettings, engine_for_voice, get_engine, package_versions
from audiobook.errors import BuildError

CLIP_TIMEOUT_S = 120.0
"""A clip not finished this long after its worker's last report counts as hung."""
START_TIMEOUT_S = 120.0
"""How long a fresh worker may take to import and start its engine."""
ATTEMPTS = 2
"""Workers a clip is tried in (the second is always a fresh one) before the build fails."""
BATCH_CLIPS = 24
"""Most clips sent to a worker in one message."""
BATCH_CHARS = 6000
"""Most characters of text sent to a worker in one message (weighted by `_cost`)."""
SLOW_ENGINE_WEIGHT = 10
"""Piper spends about a hundred times espeak-ng's time on a character: its clips weigh this
much more in a batch, so a worker's queue holds seconds of work, not minutes, and the
workers finish together instead of one speaking on alone at the end of a book."""



@dataclass(frozen=True)
class ClipRequest:
    """One piece of text to be spoken in one voice."""

    text: str
    """Exactly what the engine is given."""
    settings: VoiceSettings
    """Voice, rate, pitch and volume."""


@lru_cache(maxsize=8)
def engine_version(engine: str) -> str:
    """A version string for the cache key, found without starting the engine."""
    if engine == "pyttsx3":
        from audiobook.engines.espeak import RECIPE, load_library

        return "/".join([*package_versions("pyttsx3", "espeakng-loader"),
                         Path(load_library()).name, RECIPE])
    return f"{engine}-1"


def clip_key(request: ClipRequest, engine: str, version: str) -> str:
    payload = json.dumps([engine, version, asdict(request.settings), request.text],
                         sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def key_for(request: ClipRequest, engine: str, voices_dir: Path | None = None) -> str:
    """A clip's cache key under its own engine: a Piper voice id (`piper:...`) is spoken by
    Piper, whose version includes the model file's hash; every other voice by `engine`."""
    name = engine_for_voice(request.settings.voice, engine)
    if name == "piper":
        from audiobook.engines import piper

        version = piper.engine_version(request.settings.voice, piper.voices_dir(voices_dir))
    else:
        version = engine_version(name)
    return clip_key(request, name, version)


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "audiobook"


def clip_path(cache: Path, key: str) -> Path:
    return cache / "clips" / key[:2] / f"{key}.wav"


def clean_cache(cache: Path) -> tuple[int, int, int]:
    """Delete every clip, encoded fragment and loudness note (and leftover temporary
    file) in a cache; return (clips, fragments, bytes).

    Only the cache's own `clips` and `fragments` folders are touched, whatever folder is named.
    """
    counts = {".wav": 0, ".mp3": 0}
    size = 0
    for folder, suffix in ((cache / "clips", ".wav"), (cache / "fragments", ".mp3")):
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*/*"), reverse=True):
            if path.is_file() and (path.suffix in (suffix, ".lufs")
                                   or path.name.endswith(".part")):
                size += path.stat().st_size
                counts[suffix] += path.suffix == suffix
                path.unlink()
        for sub in folder.iterdir():
            if sub.is_dir() and not any(sub.iterdir()):
                sub.rmdir()
        if not any(folder.iterdir()):
            folder.rmdir()
    return counts[".wav"], counts[".mp3"], size


def default_jobs() -> int:
    """All the cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


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


@dataclass
class Clip:
    """A clip the cache lacks: what to say, where it goes, which chapters need it."""

    key: str
    request: ClipRequest
    path: Path
    chapters: list[int] = field(default_factory=list)
    """Indexes (into the caller's chapter list) of the chapters that use it."""
    attempts: int = 0
    """Workers it has been tried in so far."""
    problem: str = ""
    """What went wrong on the last try."""


def _cost(clip: Clip) -> int:
    """A clip's weight in a batch: its characters, more for the slow engine."""
    weight = SLOW_ENGINE_WEIGHT if clip.request.settings.voice.startswith("piper:") else 1
    return len(clip.request.text) * weight


# --- worker side ---------------------------------------------------------------------


def _worker_main(conn: Connection, engine_name: str, voices_dir: Path | None = None) -> None:
    """Speak batches of clips into the cache, reporting each; stop at the first failure.

    Each clip is spoken by its voice's engine (`engine_name`, or Piper for `piper:` ids),
    each engine started once, when first needed; espeak-ng and Piper's own espeak-ng
    live side by side (espeak.py loads its library privately)."""
    # Ctrl-C reaches the whole process group: the main process decides what stops.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    engines = {}
    try:
        engines[engine_name] = get_engine(engine_name, voices_dir)
    except Exception as err:  # noqa: BLE001 (reported to the main process)
        conn.send(("failed", None, f"the engine did not start: {err}"))
        return
    conn.send(("ready", None, ""))
    while True:
        try:
            batch = conn.recv()
        except (EOFError, OSError):
            return
        if batch is None:
            return
        for key, text, settings, path in batch:
            try:
                name = engine_for_voice(settings.voice, engine_name)
                if name not in engines:
                    engines[name] = get_engine(name, voices_dir)
                engine = engines[name]
                pcm = engine.synthesize(text, settings)
                rate = engine.clip_rate(settings) if hasattr(engine, "clip_rate") else \
                    engine.sample_rate
                write_wav(Path(path), pcm, rate)
            except Exception as err:  # noqa: BLE001 (reported with the clip, then retried)
                detail = str(err) or traceback.format_exc(limit=1).strip()
                conn.send(("failed", key, f"{type(err).__name__}: {detail}"))
                return  # a fresh worker takes over: the engine may be in a bad state
            conn.send(("done", key, ""))


# --- main side -----------------------------------------------------------------------


class _Worker:
    """One worker process, its pipe and the clips sent to it but not yet reported."""

    def __init__(self, context, engine: str, voices_dir: Path | None = None):
        parent, child = context.Pipe()
        self.conn = parent
        self.process = context.Process(target=_worker_main, args=(child, engine, voices_dir),
                                       daemon=True)
        # Started with Ctrl-C blocked (the mask is inherited), so a Ctrl-C that reaches the
        # whole process group cannot interrupt a worker still importing; the main process
        # gets it as soon as the start is done.
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            self.process.start()
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        child.close()
        self.outstanding: deque[Clip] = deque()
        self.load = 0
        """Characters of text sent and not yet reported."""
        self.ready = False
        self.fresh = True
        """No clip reported yet: a retried clip is sent to such a worker."""
        self.since = time.monotonic()
        """When it last reported (or started)."""

    def send(self, clips: list[Clip]) -> None:
        self.conn.send([(c.key, c.request.text, c.request.settings, str(c.path))
                        for c in clips])
        if not self.outstanding:
            self.since = time.monotonic()
        self.outstanding.extend(clips)
        self.load += sum(_cost(c) for c in clips)

    def stop(self, kill: bool = False) -> None:
        if self.process.is_alive():
            if kill:
                self.process.kill()
            else:
                try:
                    self.conn.send(None)
                except OSError:
                    self.process.kill()
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()


class SpeechPool:
    """Worker processes (spawned: one fresh engine each) speaking clips into the cache."""

    def __init__(self, engine: str, jobs: int, clip_timeout: float = CLIP_TIMEOUT_S,
                 voices_dir: Path | None = None):
        self.engine = engine
        self.voices_dir = voices_dir
        self.jobs = max(1, jobs)
        self.clip_timeout = clip_timeout
        self.context = multiprocessing.get_context("spawn")
        self.workers: list[_Worker] = []

    def __enter__(self) -> SpeechPool:
        return self

    def __exit__(self, *exc) -> None:
        self.close(kill=exc[0] is not None)

    def close(self, kill: bool = False) -> None:
        """Stop every worker (at once when the build is failing or interrupted)."""
        workers, self.workers = self.workers, []
        for worker in workers:
            if kill and worker.process.is_alive():
                worker.process.kill()
        for worker in workers:
            worker.stop(kill=kill)

    def _spawn(self) -> _Worker:
        worker = _Worker(self.context, self.engine, self.voices_dir)
        self.workers.append(worker)
        return worker

    def _retire(self, worker: _Worker) -> list[Clip]:
        """Kill a worker; return the clips it had not finished."""
        self.workers.remove(worker)
        worker.stop(kill=True)
        return list(worker.outstanding)

    def speak(self, clips: Sequence[Clip], label=str) -> Iterator[Clip]:
        """Speak every clip, in order as far as the workers allow; yield each when written.

        `label(chapter_index)` names a chapter in error messages.
        """
        queue: deque[Clip] = deque(clips)
        retry: deque[Clip] = deque()
        remaining = len(clips)
        while remaining:
            self._fill(queue, retry)
            deadline = self._next_deadline()
            ready = wait_any([w.conn for w in self.workers] + [w.process.sentinel
                                                                for w in self.workers],
                             timeout=max(0.0, deadline - time.monotonic()))
            now = time.monotonic()
            for worker in list(self.workers):
                if worker not in self.workers:
                    continue
                if worker.conn in ready or worker.process.sentinel in ready:
                    for done in self._read(worker, queue, retry, label):
                        remaining -= 1
                        yield done
                elif (worker.outstanding or not worker.ready) \
                        and now - worker.since > self._timeout(worker):
                    what = (f"no answer within {self._timeout(worker):.0f} s" if worker.ready
                            else "the engine did not start in time")
                    self._failed(worker, what, queue, retry, label)

    def _timeout(self, worker: _Worker) -> float:
        return self.clip_timeout if worker.ready else max(START_TIMEOUT_S, self.clip_timeout)

    def _next_deadline(self) -> float:
        busy = [w.since + self._timeout(w) for w in self.workers if w.outstanding or not w.ready]
        return min(busy, default=time.monotonic() + 1.0)

    def _fill(self, queue: deque[Clip], retry: deque[Clip]) -> None:
        """Keep `jobs` workers alive, a retried clip alone in a fresh one, the rest batched."""
        while len(self.workers) < self.jobs and (queue or retry or not self.workers):
            self._spawn()
        while retry:
            fresh = [w for w in self.workers if w.fresh and not w.outstanding]
            if not fresh:
                if len(self.workers) >= self.jobs + 1:
                    break  # wait for one to become free
                fresh = [self._spawn()]
            try:
                fresh[0].send([retry[0]])
            except OSError:  # died at once: its sentinel tells, the clip waits
                break
            retry.popleft()
        for worker in self.workers:
            # A batch queued behind the current one, so the worker never waits on us.
            while queue and worker.load < BATCH_CHARS:
                batch, chars = [], 0
                while queue and len(batch) < BATCH_CLIPS and (
                        not batch or chars + _cost(queue[0]) <= BATCH_CHARS):
                    clip = queue.popleft()
                    chars += _cost(clip)
                    batch.append(clip)
                try:
                    worker.send(batch)
                except OSError:  # it died: its sentinel tells, the batch waits for another
                    queue.extendleft(reversed(batch))
                    break

    def _read(self, worker: _Worker, queue: deque[Clip], retry: deque[Clip],
              label) -> Iterator[Clip]:
        """Handle what a worker reported; a dead worker's clip counts as failed."""
        while True:
            try:
                if not worker.conn.poll():
                    break
                kind, key, detail = worker.conn.recv()
            except (EOFError, OSError):
                break
            worker.since = time.monotonic()
            if kind == "ready":
                worker.ready = True
            elif kind == "done":
                clip = worker.outstanding.popleft()
                if clip.key != key:  # cannot happen unless the protocol is broken
                    raise BuildError(f"speech worker out of step ({key} != {clip.key})")
                worker.fresh = False
                worker.load -= _cost(clip)
                yield clip
            else:
                self._failed(worker, detail, queue, retry, label)
                return
        if not worker.process.is_alive():
            code = worker.process.exitcode
            self._failed(worker, f"the speech worker died (exit code {code})",
                         queue, retry, label)

    def _failed(self, worker: _Worker, problem: str, queue: deque[Clip], retry: deque[Clip],
                label) -> None:
        """Retire the worker; its current clip is retried (or reported), the rest requeued."""
        unfinished = self._retire(worker)
        if not unfinished:
            return  # an idle worker: another is started when there is work
        culprit, rest = unfinished[0], unfinished[1:]
        culprit.attempts += 1
        culprit.problem = problem
        queue.extendleft(reversed(rest))
        if culprit.attempts >= ATTEMPTS:
            where = label(culprit.chapters[0]) if culprit.chapters else "a clip"
            raise BuildError(f"{where}: speech failed {culprit.attempts} times ({problem}) "
                             f"for: {culprit.request.text[:200]!r}")
        retry.append(culprit)


def render_chapters(
    chapters: Sequence[Sequence[ClipRequest]],
    cache: Path,
    engine: str = "pyttsx3",
    jobs: int | None = None,
    progress: bool = True,
    order: Iterable[int] | None = None,
    names: Sequence[str] | None = None,
    clip_timeout: float = CLIP_TIMEOUT_S,
    voices_dir: Path | None = None,
) -> Iterator[int]:
    """Make sure every chapter's clips are in the cache; yield each chapter's index
    as soon as all of its clips are there (chapters already complete come first).

    `order` is the order in which chapters are spoken (default: as given).
    Close the generator (or let an exception pass through it) to stop the workers.
    """
    order = list(range(len(chapters))) if order is None else list(order)
    missing: dict[str, Clip] = {}
    waiting: list[set[str]] = [set() for _ in chapters]
    for index in order:
        for request in chapters[index]:
            key = key_for(request, engine, voices_dir)
            if key in waiting[index]:
                continue
            clip = missing.get(key)
            if clip is None:
                path = clip_path(cache, key)
                if path.exists():
                    continue
                clip = missing[key] = Clip(key, request, path)
            clip.chapters.append(index)
            waiting[index].add(key)
    for index in order:
        if not waiting[index]:
            yield index
    if not missing:
        return
    jobs = max(1, min(jobs or default_jobs(), len(missing)))
    names = names or [f"chapter {i + 1}" for i in range(len(chapters))]

    def label(index: int) -> str:
        return names[index]

    with SpeechPool(engine, jobs, clip_timeout, voices_dir) as pool, \
            tqdm(total=len(missing), desc="Speaking", unit="clip",
                 disable=not progress) as bar:
        for clip in pool.speak(list(missing.values()), label):
            bar.update(1)
            for index in clip.chapters:
                waiting[index].discard(clip.key)
                if not waiting[index]:
                    yield index


def render_clips(
    requests: Iterable[ClipRequest],
    cache: Path,
    engine: str = "pyttsx3",
    jobs: int | None = None,
    progress: bool = True,
    clip_timeout: float = CLIP_TIMEOUT_S,
    voices_dir: Path | None = None,
) -> dict[ClipRequest, Path]:
    """Make sure every request has a clip in the cache; return the clip paths."""
    requests = list(dict.fromkeys(requests))
    # Longest texts first: the pool stays busy to the end.
    ordered = sorted(requests, key=lambda r: -len(r.text))
    for _ in render_chapters([ordered], cache, engine, jobs, progress,
                             clip_timeout=clip_timeout, voices_dir=voices_dir):
        pass
    return {r: clip_path(cache, key_for(r, engine, voices_dir)) for r in requests}
