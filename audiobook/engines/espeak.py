"""pyttsx3 driving espeak-ng, with no system install needed.

pyttsx3 2.99 loads `libespeak-ng.so.1` by name. When the system has no
espeak-ng, the library and data bundled in the `espeakng-loader` wheel are
loaded first (RTLD_GLOBAL), so pyttsx3's lookup finds the one in memory.

pyttsx3's `save_to_file` + `runAndWait` is unreliable (see design.md): the
first call in a process may return before synthesis, an empty `runAndWait`
repeats the last text, and the driver prints to stdout. So: one engine per
process kept for its life, one warm-up, one `save_to_file` + `runAndWait` per
clip into a fresh file, stdout swallowed, and every clip verified.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import io
import os
import tempfile
import wave
from pathlib import Path

from audiobook.engines import VoiceInfo, VoiceSettings
from audiobook.errors import BuildError

MAX_CHARS_PER_CALL = 10_000
"""Texts of about 22,000 characters crash the driver; callers split below this."""
ATTEMPTS = 3
"""Tries per clip before it is reported as failed."""
_GENDERS = {1: "male", 2: "female"}


def load_library() -> str:
    """Make libespeak-ng loadable by pyttsx3; return where it came from."""
    system = ctypes.util.find_library("espeak-ng")
    if system and not os.environ.get("AUDIOBOOK_BUNDLED_ESPEAK"):
        return system
    import espeakng_loader

    os.environ.setdefault("ESPEAK_DATA_PATH", espeakng_loader.get_data_path())
    ctypes.CDLL(espeakng_loader.get_library_path(), mode=ctypes.RTLD_GLOBAL)
    return espeakng_loader.get_library_path()


def expected_seconds(text: str, rate: int) -> float:
    """Rough duration espeak-ng needs for a text at a rate in words per minute."""
    words = max(1, len(text.split()), len(text) // 6)
    return words * 60.0 / max(rate, 40)


def plausible(text: str, rate: int, seconds: float) -> bool:
    """Whether a clip's duration fits its text (catches empty and misplaced clips)."""
    expected = expected_seconds(text, rate)
    return expected * 0.2 - 0.3 <= seconds <= expected * 5 + 2.0


class Pyttsx3Engine:
    """The process-wide pyttsx3 engine on espeak-ng."""

    name = "pyttsx3-espeak-ng"
    sample_rate = 22050
    _instance: Pyttsx3Engine | None = None

    @classmethod
    def instance(cls) -> Pyttsx3Engine:
        if cls._instance is None:
            cls._instance = cls()
        return cls._instance

    def __init__(self) -> None:
        self.library = load_library()
        import pyttsx3
        from pyttsx3.drivers import _espeak

        self._espeak = _espeak
        with contextlib.redirect_stdout(io.StringIO()):
            self._engine = pyttsx3.init("espeak")
            self._engine.runAndWait()  # warm-up: the first call misbehaves
        info = ctypes.c_char_p()
        version = _espeak.Info(ctypes.byref(info)) if hasattr(_espeak, "Info") else None
        self.version = f"pyttsx3-2.99/espeak-ng-{(version or b'?').decode(errors='replace')}"
        self._tmp = Path(tempfile.mkdtemp(prefix="audiobook-engine-",
                                          dir="/dev/shm" if os.path.isdir("/dev/shm") else None))
        self._voices: list[VoiceInfo] | None = None
        self._count = 0

    def voices(self) -> list[VoiceInfo]:
        """Languages times variants; plain languages first."""
        if self._voices is not None:
            return self._voices
        es = self._espeak
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
        out = [VoiceInfo(vid, name, lang, "male") for vid, name, lang in languages]
        for vid, name, lang in languages:
            for var, vname, gender in variants:
                out.append(VoiceInfo(f"{vid}+{var}", f"{name} ({vname})", lang, gender))
        self._voices = out
        return out

    def synthesize(self, text: str, settings: VoiceSettings) -> bytes:
        """16-bit mono PCM at `sample_rate` for text, verified, retried on failure."""
        if len(text) > MAX_CHARS_PER_CALL:
            raise ValueError(f"text too long for one call ({len(text)} characters)")
        problem = ""
        for _ in range(ATTEMPTS):
            self._count += 1
            path = self._tmp / f"clip{self._count}.wav"
            try:
                with contextlib.redirect_stdout(io.StringIO()):
                    self._engine.setProperty("voice", settings.voice)
                    self._engine.setProperty("rate", int(settings.rate))
                    self._engine.setProperty("pitch", int(settings.pitch))
                    self._engine.setProperty("volume", float(settings.volume))
                    self._engine.save_to_file(text, str(path))
                    self._engine.runAndWait()
                with wave.open(str(path), "rb") as wav:
                    rate, frames = wav.getframerate(), wav.readframes(wav.getnframes())
            except (OSError, EOFError, wave.Error, RuntimeError, ValueError) as err:
                problem = f"engine error: {err}"
                continue
            finally:
                with contextlib.suppress(OSError):
                    path.unlink()
            seconds = len(frames) / 2 / rate
            if rate == self.sample_rate and frames and plausible(text, settings.rate, seconds):
                return frames
            problem = f"implausible clip: {seconds:.2f} s for {len(text.split())} words"
        raise BuildError(f"speech failed after {ATTEMPTS} tries ({problem}) for: {text[:200]!r}")
