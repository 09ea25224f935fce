"""A deterministic stand-in engine for fast unit tests: tones, not speech."""

from __future__ import annotations

import hashlib
import math
import struct

from audiobook.engines import VoiceInfo, VoiceSettings

_VARIANTS = [("m1", "male"), ("m2", "male"), ("m3", "male"), ("f1", "female"),
             ("f2", "female"), ("f3", "female")]


class FakeEngine:
    """Produces a tone whose pitch depends on the voice and length on the words."""

    name = "fake"
    version = "1"
    sample_rate = 22050

    def voices(self) -> list[VoiceInfo]:
        out = [VoiceInfo("fake/en", "Fake English", "en", "male")]
        out += [VoiceInfo(f"fake/en+{v}", f"Fake {v}", "en", g) for v, g in _VARIANTS]
        return out

    def synthesize(self, text: str, settings: VoiceSettings) -> bytes:
        words = max(1, len(text.split()))
        seconds = words * 60.0 / max(settings.rate, 40)
        digest = hashlib.sha256(settings.voice.encode()).digest()
        freq = 110 + digest[0] + settings.pitch
        n = int(seconds * self.sample_rate)
        amp = 8000 * settings.volume
        return b"".join(
            struct.pack("<h", int(amp * math.sin(2 * math.pi * freq * i / self.sample_rate)))
            for i in range(n)
        )
