"""Corrections in the cast file: format, matching, effect on attribution, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from audiobook.book import parse_book
from audiobook.cast import parse_cast
from audiobook.cli import main
from audiobook.corrections import Correction, apply_corrections, describe, normalize
from audiobook.errors import InputError
from audiobook.pipeline import analyse
from audiobook.segmenter import segment_book

FERRY = """\
The Ferry

By: Test Author


Chapter 1: The Crossing

The ferry left late, and the deck was wet with spray.

\u201cAre you coming inside?\u201d said Ada.

\u201cNot yet,\u201d said Ben.

\u201cWhy not?\u201d

\u201cBecause I like the rain.\u201d

\u201cSince when?\u201d

\u201cSince always.\u201d

She called it a \u201clucky boat\u201d and laughed. Wait for me, Ben thought aloud.


Chapter 2: Landing

"Yes."

"Yes."

"Well," said Ada, "here we are."
"""

CAST = """\
characters:
  Ada: {gender: female}
  Ben: {gender: male, aliases: [Benjamin]}
  Cora: {gender: female}
"""


def speakers(segments) -> list[tuple[str, str]]:
    return [(" ".join(s.text.split()), s.speaker) for s in segments if s.kind == "dialogue"]


def run(corrections: str, story: str = FERRY):
    book = parse_book(story)
    cast = parse_cast(CAST + corrections, Path("cast.yaml"))
    return analyse(book, cast)


def test_normalize_ignores_case_spacing_and_quote_style():
    assert normalize("\u201cYou  always\n SAY that.\u2019") == '"you always say that.\''
    assert normalize("  It\u2019s   ") == "it's"


def test_a_speaker_correction_is_fixed_and_later_untagged_lines_take_turns():
    before = dict(speakers(run("")))
    assert before["\u201cWhy not?\u201d"] == "Ada" and before["\u201cSince when?\u201d"] == "Ada"
    after = dict(speakers(run("corrections:\n  - {text: '\"WHY   not', speaker: Cora}\n")))
    assert after["\u201cWhy not?\u201d"] == "Cora"
    assert after["\u201cSince when?\u201d"] == "Cora"  # turn-taking now runs from Cora
    assert after["\u201cBecause I like the rain.\u201d"] == "Ben"
    assert after["\u201cAre you coming inside?\u201d"] == "Ada"  # lines before are untouched


def test_an_alias_and_the_narrator_may_be_named():
    cast = parse_cast(CAST + "corrections:\n  - {text: why not, speaker: benjamin}\n"
                      "  - {text: since when, speaker: Narrator}\n", Path("c.yaml"))
    assert [c.speaker for c in cast.corrections] == ["Ben", "narrator"]
    segments = analyse(parse_book(FERRY), cast)
    got = dict(speakers(segments))
    assert got["\u201cWhy not?\u201d"] == "Ben" and got["\u201cSince when?\u201d"] == "narrator"


def test_chapter_and_nth_pick_a_later_match():
    got = speakers(run("corrections:\n  - {text: yes., chapter: 2, nth: 2, speaker: Cora}\n"))
    assert [who for text, who in got if text == '"Yes."'][1] == "Cora"
    got = speakers(run("corrections:\n  - {text: yes., nth: 1, speaker: Cora}\n"))
    assert [who for text, who in got if text == '"Yes."'][0] == "Cora"


def test_kind_narration_and_kind_dialogue_change_the_segments():
    segments = run("corrections:\n  - {text: since always, kind: narration}\n"
                   "  - {text: wait for me, kind: dialogue, speaker: Cora}\n")
    texts = {" ".join(s.text.split()): s for s in segments}
    assert texts["\u201cSince always.\u201d"].kind == "narration"
    assert texts["\u201cSince always.\u201d"].speaker == "narrator"
    quote = texts["Wait for me"]
    assert (quote.kind, quote.speaker, quote.confidence) == ("dialogue", "Cora", 1.0)
    assert "laughed." in texts["She called it a \u201clucky boat\u201d and laughed."].text
    assert texts[", Ben thought aloud."].kind == "narration"
    # Every word is still read exactly once: the pieces tile the old narration.
    book = parse_book(FERRY)
    spans = sorted((s.start, s.end) for s in segments)
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))
    # Utterance ids stay in text order; the two pieces of Ada's last line share one.
    quotes = [s.quote for s in segments if s.kind == "dialogue"]
    assert quotes == sorted(quotes) and quotes[0] == 0
    assert len(set(quotes)) == len(quotes) - 1
    assert book.text[quote.start:quote.end] == "Wait for me"


def test_words_already_of_the_kind_asked_are_left_alone():
    segments = run("corrections:\n  - {text: lucky boat, kind: narration}\n"
                   "  - {text: since when, kind: dialogue, speaker: Cora}\n")
    assert dict(speakers(segments))["\u201cSince when?\u201d"] == "Cora"


@pytest.mark.parametrize("entry, message", [
    ("{text: nobody said this, speaker: Ada}", "cast.yaml:6:5: no quote contains"),
    ("{text: yes., chapter: 2, nth: 3, speaker: Ada}",
     "is in a quote in chapter 2 only 2 times, not nth: 3"),
    ("{text: yes., chapter: 9, speaker: Ada}", "chapter 9 is not in the book (it has 2)"),
    ("{text: the ferry left late, speaker: Ada}", "no quote contains"),
])
def test_a_correction_that_matches_nothing_is_an_error_with_its_line(entry, message):
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        run(f"corrections:\n  - {entry}\n")


@pytest.mark.parametrize("entry, message", [
    ("{text: why not, speaker: Dora}", r"cast.yaml:6:30: the correction's speaker 'Dora' is not "
                                       r"in the cast file \(did you mean 'Cora'\?\)"),
    ("{text: why not, who: Ada}", "cast.yaml:6:21: unknown key 'who' in a correction"),
    ("{text: why not}", "cast.yaml:6:5: a correction needs speaker"),
    ("{speaker: Ada}", "needs text"),
    ("{text: why not, kind: narration, speaker: Ada}", "kind narration has no speaker"),
    ("{text: why not, kind: aside}", "kind must be narration or dialogue"),
    ("{text: why not, speaker: Ada, nth: 0}", "nth must be 1 to"),
    ("just words", "must be a mapping"),
])
def test_bad_corrections_are_errors_with_file_and_line(entry, message):
    with pytest.raises(InputError, match=message):
        parse_cast(CAST + f"corrections:\n  - {entry}\n", Path("cast.yaml"))


def test_corrections_may_come_before_the_characters():
    cast = parse_cast("corrections:\n  - {text: why not, speaker: Cora}\n" + CAST, Path("c.yaml"))
    assert cast.corrections[0].speaker == "Cora"


def test_describe_finds_the_same_line_again():
    book = parse_book(FERRY)
    segments = segment_book(book)
    for target in [s for s in segments if s.kind == "dialogue"]:
        entry = describe(segments, target)
        fixed = apply_corrections(segment_book(book), [Correction(speaker="Cora", **entry)],
                                  book.text)
        assert fixed == {target.quote: "Cora"}, entry
    second_yes = [s for s in segments if s.text == '"Yes."'][1]
    assert describe(segments, second_yes) == {"text": "Yes.", "chapter": 2, "nth": 2}


def test_segment_honours_the_corrections_and_fails_with_exit_2(write, capsys):
    story = write("ferry.txt", FERRY)
    cast = write("ferry.yaml", CAST + "corrections:\n  - {text: why not, speaker: Cora}\n")
    assert main(["segment", str(story), "--voices", str(cast), "--format", "jsonl"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    why = next(r for r in rows if "Why not" in r["text"])
    assert (why["speaker"], why["confidence"]) == ("Cora", 1.0)
    cast.write_text(CAST + "corrections:\n  - {text: not in the book, speaker: Cora}\n")
    assert main(["segment", str(story), "--voices", str(cast)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"audiobook: error: {cast}:6:5: no quote contains")
    assert len(err.strip().splitlines()) == 1
