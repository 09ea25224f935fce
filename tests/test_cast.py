"""The cast file: validation, voice assignment, writing it back, and the `cast` command."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
import yaml

from audiobook.cast import (
    DEFAULT_NARRATOR_VOICE,
    FEMALE_VARIANTS,
    MALE_VARIANTS,
    TOP_DISTINCT_SPEAKERS,
    Cast,
    Speaker,
    assign_voices,
    dump_cast,
    load_cast,
    parse_cast,
    suggest_voice,
)
from audiobook.cli import main
from audiobook.engines import get_engine
from audiobook.errors import InputError
from audiobook.speech import apply_pronunciations, speakable

STORY = """The Night Ferry

Chapter One

The ferry left the harbour after dark. "We will be late again," said Ivo. He checked his watch.

"We are never late," Petra replied. She leaned on the cold rail.

"The captain will not wait for us," said Ivo.

"Then the captain can swim," said Petra. "Ask Dov if you doubt me."

Dov looked up from his coil of rope. "Leave me out of it," said Dov.
"""


@pytest.fixture(scope="module")
def voice_ids() -> set[str]:
    return {v.id for v in get_engine().voices()}


@pytest.fixture
def story(tmp_path: Path) -> Path:
    path = tmp_path / "ferry.txt"
    path.write_text(STORY, encoding="utf-8")
    return path


def _error(text: str, voices: set[str] | None = None) -> str:
    with pytest.raises(InputError) as info:
        parse_cast(text, Path("cast.yaml"), voices)
    message = str(info.value)
    assert "\n" not in message
    return message


# --- validation ----------------------------------------------------------------------


def test_valid_file_is_read_field_by_field(voice_ids):
    cast = parse_cast(
        "title: Night Ferry\n"
        "narrator: {voice: gmw/en-gb-x-rp, rate: 150, character: Petra}\n"
        "characters:\n"
        "  Petra: {aliases: [Pet, the mate], gender: female, voice: gmw/en-us+f3, pitch: 60}\n"
        "  Ivo: {gender: male, rate: 190, volume: 0.8}\n"
        "pronunciations: {Ivo: EE-voh}\n",
        Path("c.yaml"), voice_ids)
    assert cast.title == "Night Ferry"
    assert cast.narrator.voice == "gmw/en-gb-x-rp" and cast.narrator.rate == 150
    assert cast.narrator_character == "Petra"
    petra = cast.characters["Petra"]
    assert petra.aliases == ["Pet", "the mate"] and petra.voice == "gmw/en-us+f3"
    assert petra.pitch == 60 and petra.gender == "female"
    ivo = cast.characters["Ivo"]
    assert (ivo.rate, ivo.volume, ivo.voice) == (190, 0.8, None)
    assert cast.pronunciations == {"Ivo": "EE-voh"}
    # Characters follow the narrator's pace unless they set their own.
    assert cast.settings_for("Petra").rate == 150
    assert cast.settings_for("Ivo").rate == 190


@pytest.mark.parametrize(("text", "where", "words"), [
    ("narrator: {voice: [unclosed\n", "cast.yaml:2:1", ["not valid YAML"]),
    ("- just\n- a list\n", "cast.yaml:1:1", ["must be a mapping"]),
    ("narator:\n  voice: gmw/en-us\n", "cast.yaml:1:1", ["unknown key 'narator'", "'narrator'"]),
    ("characters:\n  Ivo:\n    voise: gmw/en-us+m3\n", "cast.yaml:3:5",
     ["unknown key 'voise'", "did you mean 'voice'"]),
    ("narrator:\n  rate: fast\n", "cast.yaml:2:9", ["narrator.rate must be a whole number"]),
    ("narrator:\n  rate: yes\n", "cast.yaml:2:9", ["narrator.rate must be a whole number"]),
    ("characters:\n  Ivo: {pitch: 140}\n", "cast.yaml:2:16", ["pitch must be 0 to 100"]),
    ("characters:\n  Ivo: {gender: robot}\n", "cast.yaml:2:17", ["male, female or unknown"]),
    ("characters:\n  Ivo: {aliases: Ivan}\n", "cast.yaml:2:18", ["aliases must be a list"]),
    ("characters:\n  Ivo: male\n", "cast.yaml:2:8", ["must be a mapping"]),
    ("characters:\n  Ivo: {aliases: [the mate]}\n  Petra: {aliases: [The Mate]}\n",
     "cast.yaml:3:3", ["'The Mate'", "both 'Ivo' and 'Petra'"]),
    ("characters:\n  Ivo: {}\n  Petra: {aliases: [ivo]}\n", "cast.yaml:3:3", ["claimed by both"]),
    ("characters:\n  Ivo: {rate: 150}\n  Ivo: {rate: 190}\n", "cast.yaml:3:3",
     ["appears twice", "line 2"]),
    ("characters:\n  narrator: {gender: male}\n", "cast.yaml:2:3", ["cannot be a character"]),
    ("pronunciations:\n  Ivo: ''\n", "cast.yaml:2:8", ["must not be empty"]),
])
def test_errors_name_file_line_and_column(text, where, words):
    message = _error(text)
    assert message.startswith(where + ":"), message
    for word in words:
        assert word in message, message


@pytest.mark.parametrize(("wrong", "right"), [
    ("gmw/en-us+F3", "gmw/en-us+f3"),        # case
    ("en-us+f3", "gmw/en-us+f3"),            # family prefix left out
    ("gmw/en-gb-x-rp+fem3", "gmw/en-gb-x-rp+f3"),
    ("gmw/en-uss", "gmw/en-us"),
])
def test_unknown_voice_is_refused_with_the_closest_suggestion(wrong, right, voice_ids):
    assert wrong not in voice_ids and right in voice_ids
    message = _error(f"characters:\n  Ivo:\n    voice: {wrong}\n", voice_ids)
    assert message.startswith("cast.yaml:3:12: unknown voice"), message
    assert f"did you mean {right!r}" in message
    assert suggest_voice(wrong, voice_ids) == right


def test_python_tags_are_refused_not_run(tmp_path):
    marker = tmp_path / "ran"
    text = f"title: !!python/object/apply:os.system ['touch {marker}']\n"
    message = _error(text)
    assert message.startswith("cast.yaml:1:8: not valid YAML"), message
    assert "python/object" in message
    assert not marker.exists()


def test_load_cast_reports_missing_and_non_utf8_files(tmp_path):
    with pytest.raises(InputError, match="no such cast file"):
        load_cast(tmp_path / "absent.yaml")
    bad = tmp_path / "latin1.yaml"
    bad.write_bytes("title: Caf\xe9\n".encode("latin-1"))
    with pytest.raises(InputError, match="UTF-8"):
        load_cast(bad)


def test_first_person_narrator_may_name_an_alias():
    cast = parse_cast("narrator: {character: Pet}\ncharacters:\n  Petra: {aliases: [Pet]}\n",
                      Path("c.yaml"))
    assert cast.narrator_character == "Petra"
    cast = parse_cast("narrator: {character: Ivo}\n", Path("c.yaml"))
    assert "Ivo" in cast.characters  # cast even though the file lists no characters


# --- voice assignment ----------------------------------------------------------------


def _cast(people: list[tuple[str, str, int]]) -> Cast:
    cast = Cast()
    for name, gender, lines in people:
        cast.characters[name] = Speaker(name, gender=gender, lines=lines)
    return cast


def _people(n: int, seed: int) -> list[tuple[str, str, int]]:
    rng = random.Random(seed)
    return [(f"Person {i}", rng.choice(["male", "female", "unknown"]), rng.randint(1, 80))
            for i in range(n)]


def _sound(cast: Cast, name: str) -> tuple:
    s = cast.settings_for(name)
    return s.voice, s.pitch, s.rate


def test_assignment_is_deterministic_gender_matched_and_spares_the_narrator(voice_ids):
    people = _people(40, seed=3)
    first, second = _cast(people), _cast(list(reversed(people)))
    assign_voices(first, voice_ids)
    assign_voices(second, voice_ids)
    for name, gender, _ in people:
        voice = first.characters[name].voice
        assert voice == second.characters[name].voice
        assert voice in voice_ids and voice != DEFAULT_NARRATOR_VOICE
        variant = voice.split("+")[1]
        if gender == "female":
            assert variant in FEMALE_VARIANTS
        elif gender == "male":
            assert variant in MALE_VARIANTS
    sounds = [_sound(first, name) for name, _, _ in people]
    assert len(set(sounds)) == len(sounds)  # 40 characters, 40 different voices


def test_ten_most_frequent_never_share_even_with_a_tiny_inventory():
    # The fake engine has one accent and three variants per gender.
    fake = {v.id for v in get_engine("fake").voices()}
    cast = _cast([(f"Man {i}", "male", 100 - i) for i in range(30)])
    cast.narrator.voice = "fake/en+m1"
    assign_voices(cast, fake)
    ranked = sorted(cast.characters.values(), key=lambda s: -s.lines)
    top = [_sound(cast, s.name) for s in ranked[:TOP_DISTINCT_SPEAKERS]]
    assert len(set(top)) == TOP_DISTINCT_SPEAKERS
    assert all(s.voice != "fake/en+m1" for s in cast.characters.values())
    assert all(s.voice in fake for s in cast.characters.values())


def test_a_new_character_does_not_move_the_others(voice_ids):
    people = _people(20, seed=11)
    before = _cast(people)
    assign_voices(before, voice_ids)
    # A minor newcomer is served after everyone else: nobody can move.
    minor = _cast(people + [("Newcomer", "female", 0)])
    assign_voices(minor, voice_ids)
    for name, _, _ in people:
        assert _sound(minor, name) == _sound(before, name)
    # Leading newcomers: only a clash on a slot moves someone (who may then move another).
    # The auto-cast keeps to the intelligible palette, only 10 female voices before the
    # pitch and rate tiers (docs/voices.md), so clashes are common there: 59 moves over
    # these 50 additions, at most 4 in one (2 in all with the unfiltered 288 voices).
    moves = []
    for i in range(50):
        grown = _cast(people + [(f"Lead {i}", random.Random(i).choice(["male", "female"]), 99)])
        assign_voices(grown, voice_ids)
        moves.append(sum(_sound(grown, n) != _sound(before, n) for n, _, _ in people))
    assert max(moves) <= 5 and sum(moves) <= len(people) * 50 // 10, moves
    # Whoever speaks more than a newcomer never moves, whatever the palette.
    for i in range(30):
        lines = random.Random(100 + i).randint(1, 80)
        gender = random.Random(200 + i).choice(["male", "female"])
        grown = _cast(people + [(f"Middle {i}", gender, lines)])
        assign_voices(grown, voice_ids)
        for name, _, spoken in people:
            if spoken > lines:
                assert _sound(grown, name) == _sound(before, name), (i, name)


def test_voices_from_the_file_are_kept_and_avoided(voice_ids):
    cast = _cast(_people(15, seed=5))
    cast.narrator.voice = "gmw/en-gb-x-rp+m3"
    cast.characters["Person 0"].voice = "gmw/en-us+f2"
    cast.characters["Person 1"].voice = "gmw/en-gb-x-rp+m3"  # a user may reuse the narrator's
    assign_voices(cast, voice_ids)
    assert cast.characters["Person 0"].voice == "gmw/en-us+f2"
    assert cast.characters["Person 1"].voice == "gmw/en-gb-x-rp+m3"
    others = [s for s in cast.characters.values() if s.name not in ("Person 0", "Person 1")]
    assert all(_sound(cast, s.name) != _sound(cast, "Person 0") for s in others)
    assert all(s.voice != "gmw/en-gb-x-rp+m3" for s in others)


# --- writing and re-reading ----------------------------------------------------------


def test_dump_reads_back_to_the_same_cast(voice_ids):
    cast = _cast(_people(6, seed=2) + [("O'Brien: the elder", "male", 3)])
    cast.title, cast.author = "Night: A Ferry", "Someone"
    cast.narrator.rate, cast.narrator_character = 150, "Person 1"
    cast.characters["Person 1"].aliases = ["P1", "yes"]
    cast.characters["Person 2"].volume = 0.5
    cast.pronunciations = {"Ivo": "EE-voh", "no": "nope"}
    assign_voices(cast, voice_ids)
    text = dump_cast(cast)
    again = parse_cast(text, Path("c.yaml"), voice_ids)
    assert again == cast
    names = [k for k in yaml.safe_load(text)["characters"]]
    lines = [cast.characters[n].lines for n in names]
    assert lines == sorted(lines, reverse=True)
    assert "# " in text and "pronunciations" in text


def test_cast_command_writes_file_and_keeps_user_edits(story, tmp_path, capsys):
    first = tmp_path / "cast.yaml"
    assert main(["cast", str(story), "-o", str(first)]) == 0
    data = yaml.safe_load(first.read_text())
    assert set(data["characters"]) >= {"Ivo", "Petra", "Dov"}
    for name in ("Ivo", "Petra", "Dov"):
        entry = data["characters"][name]
        assert entry["lines"] >= 1 and entry["words"] >= 1 and entry["voice"]
    counts = [e["lines"] for e in data["characters"].values()]
    assert counts == sorted(counts, reverse=True)

    # The user edits: a new voice and rate for Petra, an alias, removes Dov entirely.
    edited = tmp_path / "edited.yaml"
    data["characters"]["Petra"].update(voice="gmw/en-gb-scotland+f4", rate=140)
    data["characters"]["Ivo"]["aliases"] = ["the young man"]
    data["narrator"]["voice"] = "gmw/en-gb-x-rp"
    data["pronunciations"] = {"Petra": "PEH-tra"}
    dov_voice = data["characters"].pop("Dov")["voice"]
    edited.write_text(yaml.safe_dump(data))
    second = tmp_path / "second.yaml"
    assert main(["cast", str(story), "--voices", str(edited), "-o", str(second)]) == 0
    assert "new: Dov" in capsys.readouterr().err
    again = yaml.safe_load(second.read_text())
    petra = again["characters"]["Petra"]
    assert (petra["voice"], petra["rate"]) == ("gmw/en-gb-scotland+f4", 140)
    assert again["characters"]["Ivo"]["aliases"] == ["the young man"]
    assert again["characters"]["Ivo"]["voice"] == data["characters"]["Ivo"]["voice"]
    assert again["narrator"]["voice"] == "gmw/en-gb-x-rp"
    assert again["pronunciations"] == {"Petra": "PEH-tra"}
    # Dov is found again and cast the same way: his voice depends on nobody else.
    assert again["characters"]["Dov"]["voice"] == dov_voice
    # A third run changes nothing.
    third = tmp_path / "third.yaml"
    assert main(["cast", str(story), "--voices", str(second), "-o", str(third)]) == 0
    assert third.read_text() == second.read_text()


@pytest.mark.parametrize("command", ["build", "segment", "cast", "preview"])
def test_every_command_validates_the_cast_file_first(command, story, tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("characters:\n  Ivo:\n    voice: gmw/en-us+f33\n")
    out = tmp_path / "out"
    args = {"build": ["build", str(story), "--voices", str(bad), "--out", str(out)],
            "segment": ["segment", str(story), "--voices", str(bad)],
            "cast": ["cast", str(story), "--voices", str(bad), "-o", str(out / "c.yaml")],
            "preview": ["preview", str(story), "--voices", str(bad), "--out", str(out)]}
    assert main(args[command]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"audiobook: error: {bad}:3:12: unknown voice 'gmw/en-us+f33'"), err
    assert "did you mean" in err and len(err.splitlines()) == 1
    assert not out.exists()  # stopped before any audio work or output


# --- pronunciations and what is said -------------------------------------------------


def test_pronunciations_replace_whole_words_any_case_with_possessives():
    table = {"Petra": "PEH-tra", "the captain": "the CAP-tin", "Ivo": "EE-voh"}
    said = apply_pronunciations(
        "PETRA's rope, petra, Petrarch, the  Captain's hat; Ivo’s map. Ivory.", table)
    assert said == "PEH-tra's rope, PEH-tra, Petrarch, the CAP-tin's hat; EE-voh’s map. Ivory."
    # Replacements are not replaced again, and an empty table changes nothing.
    assert apply_pronunciations("Ivo", {"Ivo": "Petra", "Petra": "x"}) == "Petra"
    assert speakable('"Ask Ivo," she said.', {}) == "Ask Ivo, she said."


def test_segment_jsonl_says_what_the_engine_will_get(story, tmp_path, capsys):
    cast = tmp_path / "cast.yaml"
    cast.write_text("pronunciations:\n  Petra: PEH-tra\n  ferry: FEH-ree\n")
    assert main(["segment", str(story), "--format", "jsonl", "--voices", str(cast)]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    text = story.read_text()
    spoken = [r for r in rows if r["kind"] in ("narration", "dialogue")]
    assert spoken and all("say" in r for r in rows)
    for r in spoken:
        assert text[r["start"]:r["end"]] == r["text"]
        assert "Petra" not in r["say"] and "ferry" not in r["say"].lower()
        assert '"' not in r["say"]
    assert any("PEH-tra" in r["say"] for r in spoken)
    assert any(r["speaker"] == "Petra" and r["kind"] == "dialogue" for r in rows)


def test_build_writes_script_with_voices(story, tmp_path):
    from audiobook.pipeline import build

    voices = tmp_path / "cast.yaml"
    voices.write_text("characters:\n  Petra: {voice: fake/en+f2}\n  Ivo: {voice: fake/en+m3}\n"
                      "narrator: {voice: fake/en}\npronunciations: {Dov: DOHV}\n")
    result = build(story, voices, tmp_path / "out", jobs=1, cache=tmp_path / "cache",
                   engine="fake", progress=False)
    rows = [json.loads(x) for x in (result.folder / "script.jsonl").read_text().splitlines()]
    assert rows
    for r in rows:
        assert {"chapter", "kind", "speaker", "voice", "say"} <= set(r)
        if r["kind"] == "dialogue" and r["speaker"] in ("Petra", "Ivo"):
            assert r["voice"] == {"Petra": "fake/en+f2", "Ivo": "fake/en+m3"}[r["speaker"]]
        elif r["kind"] != "dialogue":
            assert r["voice"] == "fake/en"
        assert "Dov" not in r["say"]
    assert {r["speaker"] for r in rows} >= {"Petra", "Ivo", "narrator"}
    written = load_cast(result.cast_file)
    assert written.characters["Petra"].voice == "fake/en+f2"
