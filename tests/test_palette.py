"""The measured espeak-ng palette: the shipped table, its rule, and the auto-cast keeping to it."""

from __future__ import annotations

import json
import random
import re
from importlib import resources
from pathlib import Path

import pytest

from audiobook.cast import (
    DEFAULT_NARRATOR_VOICE,
    DEFAULT_PITCH,
    DEFAULT_RATE_WPM,
    PITCH_OFFSETS,
    RATE_OFFSETS_WPM,
    TOP_DISTINCT_SPEAKERS,
    Cast,
    Speaker,
    assign_voices,
    candidate_voices,
    parse_cast,
)
from audiobook.engines import get_engine
from audiobook.palette import TABLE, WER_CEILING, WER_MARGIN, load_palette, parse_palette

TIERS = 1 + len(PITCH_OFFSETS) + len(RATE_OFFSETS_WPM)
"""Sounds one voice gives: its own, higher and lower, faster and slower."""


@pytest.fixture(scope="module")
def infos():
    return {v.id: v for v in get_engine().voices()}


@pytest.fixture(scope="module")
def voice_ids(infos) -> set[str]:
    return set(infos)


def _row(voice: str, gender: str, wer: float) -> dict:
    return {"voice": voice, "gender": gender, "wer": wer, "words": 300}


def _sound(cast: Cast, name: str) -> tuple:
    s = cast.settings_for(name)
    return s.voice, s.pitch, s.rate


def _cast(people: list[tuple[str, str, int]]) -> Cast:
    cast = Cast()
    for name, gender, lines in people:
        cast.characters[name] = Speaker(name, gender=gender, lines=lines)
    return cast


# --- the shipped table ---------------------------------------------------------------


def test_shipped_table_is_well_formed_and_matches_the_engines_voices(infos, voice_ids):
    data = json.loads(resources.files("audiobook").joinpath(TABLE).read_text(encoding="utf-8"))
    assert (data["rate"], data["pitch"]) == (DEFAULT_RATE_WPM, DEFAULT_PITCH)
    # Exactly the voices the auto-cast can pick, each once, with the engine's gender.
    pickable = {v for g in ("male", "female")
                for v in candidate_voices(g, DEFAULT_NARRATOR_VOICE, voice_ids)}
    rows = data["voices"]
    assert len(rows) == len(pickable) == len({r["voice"] for r in rows})
    assert {r["voice"] for r in rows} == pickable
    assert all(r["gender"] == infos[r["voice"]].gender for r in rows)
    # The plain accents of those voices, measured for reference.
    assert {r["voice"] for r in data["narrators"]} == {v.split("+")[0] for v in pickable}
    # Ranked, every voice on the same words, WERs that a recognizer can give.
    wers = [r["wer"] for r in rows]
    assert wers == sorted(wers)
    assert all(0.0 <= w <= 2.0 for w in wers)
    assert len({r["words"] for r in rows + data["narrators"]}) == 1
    # Passages by reference only: a corpus file, offsets and a digest, no prose.
    words = 0
    for p in data["passages"]:
        assert set(p) == {"text", "start", "end", "sha256", "words"}
        assert re.fullmatch(r"[\w/.-]+\.txt", p["text"]) and 0 <= p["start"] < p["end"]
        assert re.fullmatch(r"[0-9a-f]{16}", p["sha256"])
        words += p["words"]
    assert abs(rows[0]["words"] - words) <= 0.05 * words  # the recognizer's own word split


def test_shipped_palette_leaves_voices_for_both_genders(voice_ids):
    palette = load_palette()
    for gender in ("male", "female"):
        allowed = palette.allowed(gender)
        assert allowed and allowed <= voice_ids
        best = palette.best(gender)
        assert all(best <= palette.voices[v].wer <= min(best + WER_MARGIN, WER_CEILING) + 1e-9
                   for v in allowed)


# --- the rule ------------------------------------------------------------------------


def test_rule_keeps_voices_near_the_best_of_their_gender_and_never_above_the_ceiling():
    palette = parse_palette({"voices": [
        _row("x/en+m1", "male", 0.10), _row("x/en+m2", "male", 0.15),
        _row("x/en+m3", "male", 0.1501), _row("x/en+m4", "male", 0.40),
        _row("x/en+f1", "female", 0.22), _row("x/en+f2", "female", 0.25),
        _row("x/en+f3", "female", 0.26),
    ]})
    assert palette.allowed("male") == {"x/en+m1", "x/en+m2"}
    assert palette.limit("female") == WER_CEILING  # 0.22 + 0.05 is above the ceiling
    assert palette.allowed("female") == {"x/en+f1", "x/en+f2"}
    assert palette.allowed("unknown") == {"x/en+m1", "x/en+m2", "x/en+f1", "x/en+f2"}
    # Accents the table never measured (another language) are left alone.
    ids = ["x/en+m4", "y/fr+m1", "x/en+m2", "x/en+f1"]
    assert palette.fit_for(ids, "male") == ["y/fr+m1", "x/en+m2"]


def test_a_malformed_table_is_refused():
    with pytest.raises(ValueError):
        parse_palette({"voices": [_row("x/en+m1", "male", 0.1), _row("x/en+m1", "male", 0.2)]})
    with pytest.raises(ValueError):
        parse_palette({"voices": [_row("x/en+m1", "male", -0.1)]})
    with pytest.raises(KeyError):
        parse_palette({"voices": [{"voice": "x/en+m1"}]})


# --- the auto-cast -------------------------------------------------------------------


def test_auto_cast_picks_only_fit_voices_and_keeps_characters_apart(voice_ids):
    palette = load_palette()
    rng = random.Random(7)
    people = [(f"Person {i}", rng.choice(["male", "female", "unknown"]), rng.randint(1, 90))
              for i in range(30)]
    cast = _cast(people)
    assign_voices(cast, voice_ids)
    for name, gender, _ in people:
        assert cast.characters[name].voice in palette.allowed(gender), name
    sounds = [_sound(cast, name) for name, _, _ in people]
    assert len(set(sounds)) == len(sounds)


def test_more_characters_than_fit_sounds_share_within_the_palette(voice_ids):
    palette = load_palette()
    fit = palette.fit_for(candidate_voices("female", DEFAULT_NARRATOR_VOICE, voice_ids), "female")
    sounds_available = len(fit) * TIERS
    extra = 12
    cast = _cast([(f"Woman {i:03d}", "female", 1000 - i)
                  for i in range(sounds_available + extra)])
    assign_voices(cast, voice_ids)
    ranked = sorted(cast.characters.values(), key=lambda s: -s.lines)
    sounds = [_sound(cast, s.name) for s in ranked]
    # Every fit sound is used once before anyone shares; the leading ten never share.
    assert len(set(sounds[:sounds_available])) == sounds_available
    assert len(set(sounds)) == sounds_available
    assert len(set(sounds[:TOP_DISTINCT_SPEAKERS])) == TOP_DISTINCT_SPEAKERS
    # Sharing never reaches outside the palette, nor to the other gender.
    assert all(s.voice in palette.allowed("female") for s in ranked)


def test_a_cast_file_may_name_any_voice_even_one_the_auto_cast_avoids(voice_ids):
    palette = load_palette()
    worst = max(palette.voices.values(), key=lambda v: v.wer)
    assert worst.voice not in palette.allowed(worst.gender)
    cast = parse_cast(f"characters:\n  Ada: {{gender: {worst.gender}, voice: '{worst.voice}'}}\n",
                      Path("c.yaml"), voice_ids)
    cast.characters["Ben"] = Speaker("Ben", gender=worst.gender, lines=3)
    assign_voices(cast, voice_ids)
    assert cast.characters["Ada"].voice == worst.voice
    assert cast.characters["Ben"].voice in palette.allowed(worst.gender)
