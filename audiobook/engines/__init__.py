"""Speech engines behind one small interface: `voices()` and `synthesize(text, voice)`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class VoiceInfo:
    """One voice an engine offers."""

    id: str
    """The id a cast file names (`gmw/en-us+f3`)."""
    name: str
    """Human-readable name."""
    language: str
    """Language tag such as `en-us`."""
    gender: str
    """`male`, `female` or `unknown`."""
    quality: str = ""
    """Piper's quality tier (`low`, `medium`, `high`); empty for espeak-ng."""
    speakers: int = 1
    """Speakers of the model the voice belongs to (Piper's multi-speaker models)."""


@dataclass(frozen=True)
class VoiceSettings:
    """Everything about a voice that changes how a clip sounds."""

    voice: str
    """Engine voice id."""
    rate: int = 170
    """Speaking rate in words per minute."""
    pitch: int = 50
    """Base pitch, 0 to 100 (50 is the voice's own)."""
    volume: float = 1.0
    """Volume, 0.0 to 1.0."""


class Engine(Protocol):
    """What the renderer needs from a speech engine."""

    name: str
    version: str
    sample_rate: int

    def voices(self) -> list[VoiceInfo]: ...

    def synthesize(self, text: str, settings: VoiceSettings) -> bytes:
        """16-bit signed little-endian mono PCM at `sample_rate`."""
        ...


def package_versions(*names: str) -> list[str]:
    """`name-version` of installed distributions (`name-none` if absent), for cache keys."""
    from importlib import metadata

    parts = []
    for name in names:
        try:
            parts.append(f"{name}-{metadata.version(name)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{name}-none")
    return parts


def engine_for_voice(voice: str, default: str) -> str:
    """The engine that speaks a voice id: `piper:...` is Piper's, the rest `default`'s."""
    return "piper" if voice.startswith("piper:") else default


_PIPER: dict = {}


def get_engine(name: str = "pyttsx3", voices_dir=None) -> Engine:
    """Create the engine for this process (one per process: espeak-ng is a singleton).

    `voices_dir` is Piper's voices folder (None: the default one).
    """
    if name == "pyttsx3":
        from audiobook.engines.espeak import Pyttsx3Engine

        return Pyttsx3Engine.instance()
    if name == "piper":
        from audiobook.engines.piper import PiperEngine

        if voices_dir not in _PIPER:  # models stay loaded for the process's life
            _PIPER[voices_dir] = PiperEngine(voices_dir)
        return _PIPER[voices_dir]
    if name == "fake":
        from audiobook.engines.fake import FakeEngine

        return FakeEngine()
    raise ValueError(f"unknown engine {name!r}")
