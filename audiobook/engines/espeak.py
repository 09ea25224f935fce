"""pyttsx3's espeak-ng driver, run synchronously, with no system install needed.

pyttsx3 2.99 loads `libespeak-ng.so.1` by name. The library and data bundled
in the `espeakng-loader` wheel are loaded first (by path, RTLD_LOCAL), so
pyttsx3's lookup finds the one in memory.

We use pyttsx3's espeak-ng bindings (`pyttsx3.drivers._espeak`) but not its
`save_to_file` + `runAndWait` loop. That loop starts espeak-ng in its
asynchronous mode, where the voice changes at once but rate and pitch travel
through a queue: measured here, 25 of 60 clips came out at a previous clip's
rate, on top of the known misplaced and repeated clips (design.md). In
synchronous mode every setting applies in order and `Synth` returns when the
clip is complete, its samples collected in memory by our callback. Every clip
is still verified (non-empty, plausible length for its text) and retried.

A clip's samples depend only on its text and settings: before each clip the
library's own variables are put back as they were after start-up
(espeak_state.py), its random generator seeded with a constant, and the voice
and its settings set again.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os

from audiobook.engines import VoiceInfo, VoiceSettings
from audiobook.engines.espeak_state import LibraryState
from audiobook.errors import BuildError

MAX_CHARS_PER_CALL = 10_000
"""Texts of about 22,000 characters crash the driver; callers split below this."""
ATTEMPTS = 3
"""Tries per clip before it is reported as failed."""
RECIPE = "sync-utf8-reset-2"
"""How clips are made (mode, flags): part of every cache key, bumped when it changes."""
BUFFER_MS = 1000
"""Length of the chunks espeak-ng hands to the callback."""
RANDOM_SEED = 1
"""espeak-ng seeds its random generator from the clock at start-up; clips use this instead."""
_GENDERS = {1: "male", 2: "female"}


def load_library() -> str:
    """Make libespeak-ng loadable by pyttsx3; return where it comes from.

    The library of the `espeakng-loader` wheel, unless AUDIOBOOK_SYSTEM_ESPEAK is set and
    the system has one: the wheel's keeps its symbol table, which the per-clip reset needs,
    and its version is part of every clip's cache key.
    """
    system = ctypes.util.find_library("espeak-ng")
    if system and os.environ.get("AUDIOBOOK_SYSTEM_ESPEAK"):
        return system
    import espeakng_loader

    os.environ.setdefault("ESPEAK_DATA_PATH", espeakng_loader.get_data_path())
    # Loaded by path, and privately: pyttsx3's lookup by name (`libespeak-ng.so.1`) finds it
    # in memory all the same, while its symbols stay out of the global namespace, where
    # Piper's own espeak-ng (inside piper-tts) would bind to them and crash (issue 21).
    ctypes.CDLL(espeakng_loader.get_library_path(), mode=ctypes.RTLD_LOCAL)
    return espeakng_loader.get_library_path()


def expected_seconds(text: str, rate: int) -> float:
    """Rough duration espeak-ng needs for a text at a rate in words per minute."""
    words = max(1, len(text.split()), len(text) // 6)
    return words * 60.0 / max(rate, 40)


def plausible(text: str, rate: int, seconds: float) -> bool:
    """Whether a clip's duration fits its text (catches empty and runaway clips)."""
    expected = expected_seconds(text, rate)
    return expected * 0.2 - 0.3 <= seconds <= expected * 5 + 2.0


class Pyttsx3Engine:
    """The process-wide espeak-ng engine, through pyttsx3's bindings."""

    name = "pyttsx3-espeak-ng"
    _instance: Pyttsx3Engine | None = None

    @classmethod
    def instance(cls) -> Pyttsx3Engine:
        """espeak-ng can be initialized once per process: one engine, kept for life."""
        if cls._instance is None:
            cls._instance = cls()
        return cls._instance

    def __init__(self) -> None:
        self.library = load_library()
        from pyttsx3.drivers import _espeak

        self._es = _espeak
        self.sample_rate = _espeak.Initialize(_espeak.AUDIO_OUTPUT_SYNCHRONOUS, BUFFER_MS)
        if self.sample_rate <= 0:
            raise BuildError(f"could not initialize espeak-ng from {self.library}")
        self._chunks: list[bytes] = []
        _espeak.SetSynthCallback(self._on_synth)  # pyttsx3 keeps the ctypes wrapper alive
        version = _espeak.Info(None) or b"?"
        self.version = f"espeak-ng-{version.decode(errors='replace')}"
        self._voices: list[VoiceInfo] | None = None
        library = ctypes.CDLL(self.library)  # the same, already loaded library
        if hasattr(library, "espeak_ng_SetRandSeed"):
            library.espeak_ng_SetRandSeed(ctypes.c_long(RANDOM_SEED))
        # Taken before any voice is set: what every clip starts from.
        self._state = LibraryState.load(self.library)
        if self._state is None:
            logging.getLogger("audiobook").warning(
                "%s has no symbol table: espeak-ng cannot be reset between clips, so a "
                "clip may sound slightly different depending on what was spoken before it",
                self.library)

    def _on_synth(self, wav, numsamples, events) -> int:
        if numsamples > 0:
            self._chunks.append(ctypes.string_at(wav, numsamples * 2))
        return 0  # 0: go on synthesizing

    def voices(self) -> list[VoiceInfo]:
        """Languages times variants (`gmw/en-us+f3`); plain languages first."""
        if self._voices is not None:
            return self._voices
        es = self._es
        languages = []
        for v in es.ListVoices(None):
            vid = v.identifier.decode("utf-8", errors="replace").lower()
            lang = v.languages[1:].decode("utf-8", errors="replace")
            languages.append((vid, v.name.decode("utf-8", errors="replace"), lang))
        spec = es.VOICE()
        spec.languages = b"variant"
        variants = []
        for v in es.ListVoices(ctypes.pointer(spec)):
            ident = v.identifier.decode("utf-8", errors="replace")
            variants.append((ident.split("/", 1)[-1], v.name.decode("utf-8", errors="replace"),
                             _GENDERS.get(v.gender, "unknown")))
        # espeak-ng calls every language voice male; without a variant it is.
        out = [VoiceInfo(vid, name, lang, "male") for vid, name, lang in languages]
        for vid, name, lang in languages:
            for var, vname, gender in variants:
                out.append(VoiceInfo(f"{vid}+{var}", f"{name} ({vname})", lang, gender))
        self._voices = out
        return out

    def _apply(self, settings: VoiceSettings) -> None:
        """Start from the state after start-up, then set the voice and its settings."""
        es = self._es
        if self._state is not None:
            self._state.restore(RANDOM_SEED)
        if es.SetVoiceByName(settings.voice.encode("utf-8")) != 0:
            raise BuildError(f"espeak-ng refused the voice {settings.voice!r}")
        es.SetParameter(es.RATE, int(settings.rate), 0)
        es.SetParameter(es.PITCH, int(settings.pitch), 0)
        es.SetParameter(es.VOLUME, int(round(settings.volume * 100)), 0)

    def synthesize(self, text: str, settings: VoiceSettings) -> bytes:
        """16-bit mono PCM at `sample_rate` for text, verified, retried on failure."""
        if len(text) > MAX_CHARS_PER_CALL:
            raise ValueError(f"text too long for one call ({len(text)} characters)")
        problem = ""
        for _ in range(ATTEMPTS):
            self._chunks = []
            try:
                self._apply(settings)
                status = self._es.Synth(text.encode("utf-8"), flags=self._es.CHARS_UTF8)
            except (ctypes.ArgumentError, OSError) as err:
                problem = f"engine error: {err}"
                continue
            pcm = b"".join(self._chunks)
            self._chunks = []
            seconds = len(pcm) / 2 / self.sample_rate
            if status == 0 and pcm and plausible(text, settings.rate, seconds):
                return pcm
            problem = f"status {status}, {seconds:.2f} s for {len(text.split())} words"
        raise BuildError(f"speech failed after {ATTEMPTS} tries ({problem}) for: {text[:200]!r}")
