"""Unit tests for segmenting, attribution, casting and speech text, on short texts."""

from pathlib import Path

import pytest

from audiobook.attribution import Character, Roster, attribute
from audiobook.book import parse_book
from audiobook.cast import FEMALE_VARIANTS, MALE_VARIANTS, Cast, Speaker, assign_voices, parse_cast
from audiobook.errors import InputError
from audiobook.segmenter import segment_book
from audiobook.speech import apply_pronunciations, speakable, split_for_engine


def segments_of(text: str, characters=()):
    book = parse_book(text, Path("t.txt"))
    segments = segment_book(book)
    attribute(segments, Roster(list(characters)))
    return book, segments


ADA = Character("Ada", [], "female")
BEN = Character("Ben", [], "male")


def test_segments_cover_the_text_in_order_with_quote_marks_in_dialogue():
    text = 'Rain fell.\n\n"Come in," said Ada. "It is wet."\n\n\u201cThank you,\u201d Ben said.'
    book, segments = segments_of(text, [ADA, BEN])
    kinds = [s.kind for s in segments]
    assert kinds == ["narration", "dialogue", "narration", "dialogue", "dialogue", "narration"]
    for seg in segments:
        assert text[seg.start : seg.end] == seg.text
    assert [s.start for s in segments] == sorted(s.start for s in segments)
    assert all(s.text[0] in '"\u201c' for s in segments if s.kind == "dialogue")


def test_speech_tags_either_side_name_the_speaker():
    text = '"Come in," said Ada.\n\nBen replied, "Gladly."\n\n"Sit," Ada said.'
    _, segments = segments_of(text, [ADA, BEN])
    assert [s.speaker for s in segments if s.kind == "dialogue"] == ["Ada", "Ben", "Ada"]


def test_interrupted_quote_is_one_speaker():
    _, segments = segments_of('"Well," Ben said, "maybe."', [ADA, BEN])
    dialogue = [s for s in segments if s.kind == "dialogue"]
    assert [s.speaker for s in dialogue] == ["Ben", "Ben"]
    assert dialogue[0].quote == dialogue[1].quote


def test_pronoun_resolves_by_gender():
    text = 'Ada and Ben stood at the door.\n\n"After you," he said.\n\n"Thank you," she said.'
    _, segments = segments_of(text, [ADA, BEN])
    assert [s.speaker for s in segments if s.kind == "dialogue"] == ["Ben", "Ada"]


def test_untagged_lines_alternate_between_two_speakers():
    text = ('"Ready?" Ada asked.\n\n"Almost," said Ben.\n\n"Hurry."\n\n"I am hurrying."'
            '\n\n"Not fast enough."')
    _, segments = segments_of(text, [ADA, BEN])
    speakers = [s.speaker for s in segments if s.kind == "dialogue"]
    assert speakers == ["Ada", "Ben", "Ada", "Ben", "Ada"]


def test_unclosed_quote_ends_with_its_paragraph():
    text = '"This quote never closes, Ada said.\n\nThe rain went on all night.'
    _, segments = segments_of(text, [ADA])
    assert segments[-1].kind == "narration"
    assert segments[-1].text == "The rain went on all night."


def test_cast_file_overrides_and_assigns_distinct_gendered_voices(tmp_path):
    cast = parse_cast("narrator: {voice: gmw/en-us}\ncharacters:\n  Ada: {voice: gmw/en+f2}\n",
                      tmp_path / "c.yaml")
    cast.characters["Ben"] = Speaker("Ben", gender="male", lines=5)
    cast.characters["Cy"] = Speaker("Cy", gender="female", lines=3)
    cast.characters["Di"] = Speaker("Di", gender="female", lines=2)
    assign_voices(cast)
    voices = {name: s.voice for name, s in cast.characters.items()}
    assert voices["Ada"] == "gmw/en+f2"
    assert len(set(voices.values())) == 4
    assert cast.narrator.voice not in voices.values()
    assert voices["Ben"].split("+")[1] in MALE_VARIANTS
    assert voices["Cy"].split("+")[1] in FEMALE_VARIANTS


def test_voice_assignment_is_deterministic():
    def cast():
        c = Cast()
        for i, name in enumerate(["Ann", "Bob", "Cat", "Dan"]):
            c.characters[name] = Speaker(name, gender="female" if i % 2 == 0 else "male",
                                         lines=10 - i)
        assign_voices(c)
        return {n: s.voice for n, s in c.characters.items()}

    assert cast() == cast()


@pytest.mark.parametrize("yaml_text, message", [
    ("narrator: [oops", "not valid YAML"),
    ("- a\n- b\n", "must be a mapping"),
    ("charactors: {}\n", "did you mean 'characters'"),
    ("characters:\n  Ada: {rate: fast}\n", "must be a whole number"),
    ("characters:\n  Ada: {aliases: [Bo]}\n  Bo: {}\n", "claimed by both"),
    ("title: !!python/object/apply:os.system ['echo hi']\n", "not valid YAML"),
])
def test_broken_cast_files_name_the_file_and_line(tmp_path, yaml_text, message):
    path = tmp_path / "cast.yaml"
    with pytest.raises(InputError, match=message) as err:
        parse_cast(yaml_text, path)
    assert str(err.value).startswith(f"{path}:")


def test_unknown_voice_is_refused_with_a_suggestion(tmp_path):
    with pytest.raises(InputError, match="did you mean 'gmw/en-us\\+f3'"):
        parse_cast("narrator: {voice: gmw/en-us+f33}\n", tmp_path / "c.yaml",
                   voices={"gmw/en-us", "gmw/en-us+f3"})


def test_speakable_text_drops_marks_and_applies_pronunciations():
    say = speakable('"Tomas\u2019s boat," she said, *really* _slowly_.', {"Tomas": "TOH-mahs"})
    assert say == "TOH-mahs\u2019s boat, she said, really slowly."
    assert apply_pronunciations("tomas and Tomasz", {"Tomas": "X"}) == "X and Tomasz"


def test_long_text_is_split_for_the_engine_without_losing_words():
    text = " ".join(f"Sentence number {i} is here." for i in range(400))
    pieces = split_for_engine(text, limit=500)
    assert all(len(p) <= 500 for p in pieces)
    assert " ".join(pieces).split() == text.split()
    no_punctuation = "word " * 3000
    pieces = split_for_engine(no_punctuation.strip(), limit=500)
    assert all(len(p) <= 500 for p in pieces)
    assert sum(len(p.split()) for p in pieces) == 3000
