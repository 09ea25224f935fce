"""Which espeak-ng voices the auto-cast may give a character: the measured palette.

`voice_wer.json` (made by `tools/measure_voices.py`, shown in docs/voices.md)
holds, for every accent x variant the auto-cast could pick, the word error rate
(WER) of an offline recognizer listening to the same passages of period prose.
Characters are auto-cast only from voices within `WER_MARGIN` of the best voice
of their gender and never above `WER_CEILING`. A cast file may still name any
voice; accents the table does not measure (other languages) are not filtered.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

TABLE = "voice_wer.json"
"""The measured table, package data beside this module."""
WER_MARGIN = 0.05
"""A voice may be at most this much worse than the best voice of its gender."""
WER_CEILING = 0.25
"""No voice above this WER is auto-cast, however the others do."""
GENDERS = ("male", "female")
_EPSILON = 1e-9  # WERs are ratios of word counts: compare them without float noise


@dataclass(frozen=True)
class MeasuredVoice:
    """One row of the table."""

    voice: str
    """Engine voice id, `accent+variant`."""
    gender: str
    """`male` or `female`, as the engine reports the variant."""
    wer: float
    """Word error rate of the recognizer on the passages spoken in this voice."""
    words: int
    """Words in the passages (the same for every voice)."""


@dataclass(frozen=True)
class Palette:
    """The measured voices and the rule that picks the ones fit for characters."""

    voices: dict[str, MeasuredVoice] = field(default_factory=dict)
    """Measured character voices by id."""
    narrators: dict[str, MeasuredVoice] = field(default_factory=dict)
    """Plain accents (narrator voices), measured for reference; never auto-cast to characters."""
    margin: float = WER_MARGIN
    """How far behind the best voice of a gender a voice may be."""
    ceiling: float = WER_CEILING
    """The highest WER ever auto-cast."""

    def __post_init__(self) -> None:
        # The rule's answers, worked out once: the auto-cast asks for every character.
        accents = frozenset(v.split("+")[0] for v in self.voices)
        object.__setattr__(self, "_accents", accents)
        object.__setattr__(self, "_allowed", {})

    def best(self, gender: str) -> float | None:
        """The lowest WER among the measured voices of a gender."""
        wers = [v.wer for v in self.voices.values() if v.gender == gender]
        return min(wers) if wers else None

    def limit(self, gender: str) -> float | None:
        """The highest WER auto-cast for a gender (None: no voice of it was measured)."""
        best = self.best(gender)
        return None if best is None else min(best + self.margin, self.ceiling)

    def allowed(self, gender: str) -> frozenset[str]:
        """Voice ids fit for a character of a gender (`unknown`: either gender's)."""
        if gender not in self._allowed:
            if gender not in GENDERS:
                fit = frozenset().union(*(self.allowed(g) for g in GENDERS))
            else:
                limit = self.limit(gender)
                fit = frozenset(v.voice for v in self.voices.values() if limit is not None
                                and v.gender == gender and v.wer <= limit + _EPSILON)
            self._allowed[gender] = fit
        return self._allowed[gender]

    def covers(self, voice: str) -> bool:
        """Whether the table measured this voice's accent (so the rule applies to it)."""
        return voice.split("+")[0] in self._accents

    def fit_for(self, ids: list[str], gender: str) -> list[str]:
        """The ids the auto-cast may use for a gender, in the given order."""
        allowed = self.allowed(gender)
        return [v for v in ids if v in allowed or not self.covers(v)]


def parse_palette(data: dict) -> Palette:
    """A palette from the table's JSON form (ValueError if it is malformed)."""
    def rows(key: str) -> dict[str, MeasuredVoice]:
        out = {}
        for row in data.get(key, []):
            voice = MeasuredVoice(str(row["voice"]), str(row["gender"]), float(row["wer"]),
                                  int(row["words"]))
            if voice.voice in out:
                raise ValueError(f"{voice.voice!r} is measured twice")
            if not 0.0 <= voice.wer or voice.words <= 0:
                raise ValueError(f"{voice.voice!r}: impossible WER or word count")
            out[voice.voice] = voice
        return out

    return Palette(voices=rows("voices"), narrators=rows("narrators"))


@lru_cache(maxsize=1)
def load_palette() -> Palette:
    """The shipped table (read once per process)."""
    text = resources.files("audiobook").joinpath(TABLE).read_text(encoding="utf-8")
    return parse_palette(json.loads(text))
