"""The real pyttsx3/espeak-ng engine: voices, verified synthesis."""

import math
import struct

import pytest

from audiobook.engines import VoiceSettings, get_engine
from audiobook.engines.espeak import plausible


def rms(pcm: bytes) -> float:
    samples = struct.unpack(f"<{len(pcm) // 2}h", pcm)
    return math.sqrt(sum(s * s for s in samples) / max(1, len(samples)))


@pytest.fixture(scope="module")
def engine():
    return get_engine("pyttsx3")


def test_voice_list_has_english_variants_with_genders(engine):
    voices = {v.id: v for v in engine.voices()}
    assert "gmw/en-us" in voices
    assert voices["gmw/en-us+f3"].gender == "female"
    assert voices["gmw/en-us+m3"].gender == "male"
    assert sum(1 for v in voices.values() if v.language.startswith("en")) > 100


def test_synthesis_gives_speech_of_plausible_length(engine):
    text = "The keeper climbed the stairs and lit the lamp before the storm arrived."
    pcm = engine.synthesize(text, VoiceSettings("gmw/en-us", rate=170))
    seconds = len(pcm) / 2 / engine.sample_rate
    assert 2.0 < seconds < 10.0
    assert rms(pcm) > 300  # speech, not silence


def test_rate_and_voice_settings_change_the_sound(engine):
    text = "Every voice should sound like somebody different."
    slow = engine.synthesize(text, VoiceSettings("gmw/en-us", rate=120))
    fast = engine.synthesize(text, VoiceSettings("gmw/en-us", rate=260))
    assert len(slow) > 1.5 * len(fast)
    # A female variant has a clearly higher pitch: more zero crossings per second.
    def crossings(pcm):
        s = struct.unpack(f"<{len(pcm) // 2}h", pcm)
        return sum(1 for a, b in zip(s, s[1:]) if (a < 0) != (b < 0)) / len(s)

    male = engine.synthesize(text, VoiceSettings("gmw/en-us+m3"))
    female = engine.synthesize(text, VoiceSettings("gmw/en-us+f3"))
    assert crossings(female) > crossings(male)


def test_plausibility_check_rejects_empty_and_misplaced_clips():
    text = "A sentence of about ten words that takes a few seconds."
    assert plausible(text, 170, 3.5)
    assert not plausible(text, 170, 0.0)
    assert not plausible(text, 170, 60.0)
