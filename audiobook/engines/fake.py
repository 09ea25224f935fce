"""A deterministic stand-in engine for fast unit tests: tones, not speech."""

from __future__ import annotations

import hashlib
import math
import os
import signal
import struct
import time
from pathlib import Path

from audiobook.engines import VoiceInfo, VoiceSettings

FAULTS_ENV = "AUDIOBOOK_FAKE_FAULTS"
"""Tests set this to a folder to turn on fault markers in the text (see `_fault`)."""

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
        _fault(text)
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


def _fault(text: str) -> None:
    """Misbehave as a text asks, for the fault tests only (needs FAULTS_ENV set).

    `[[fail]]` raises, `[[hang]]` never returns, `[[exit]]` ends the process at
    once and `[[kill]]` kills it with SIGKILL; with `-once` (`[[hang-once]]`)
    it happens the first time only, remembered in the FAULTS_ENV folder.
    `[[slow]]` takes half a second, so tests can interrupt a build.
    """
    folder = os.environ.get(FAULTS_ENV)
    if not folder or "[[" not in text:
        return
    if "[[slow]]" in text:
        time.sleep(0.5)
    for fault in ("fail", "hang", "exit", "kill"):
        if f"[[{fault}-once]]" in text:
            mark = Path(folder) / hashlib.sha256(text.encode()).hexdigest()
            if mark.exists():
                continue
            mark.touch()
        elif f"[[{fault}]]" not in text:
            continue
        if fault == "fail":
            raise RuntimeError("fake engine failure")
        if fault == "hang":
            time.sleep(3600)
        if fault == "exit":
            os._exit(3)
        os.kill(os.getpid(), signal.SIGKILL)
