"""`audiobook voices` and its filters."""

from __future__ import annotations

from audiobook.cast import select_voices
from audiobook.cli import main
from audiobook.engines import VoiceInfo, get_engine


def _listed(capsys, *args: str) -> list[list[str]]:
    assert main(["voices", *args]) == 0
    return [line.split("\t") for line in capsys.readouterr().out.splitlines()]


def test_unfiltered_list_is_the_whole_inventory_id_first(capsys):
    rows = _listed(capsys)
    inventory = get_engine().voices()
    assert [r[0] for r in rows] == [v.id for v in inventory]
    assert any(r[0] == "gmw/en-us+f3" and r[3] == "female" for r in rows)


def test_lang_takes_the_language_and_its_accents_only(capsys):
    rows = _listed(capsys, "--lang", "en-gb")
    assert rows
    assert all(r[2] == "en-gb" or r[2].startswith("en-gb-") for r in rows)
    languages = {r[2] for r in rows}
    assert {"en-gb", "en-gb-scotland", "en-gb-x-rp"} <= languages
    english = _listed(capsys, "--lang", "EN")
    assert {"en-us", "en-029"} <= {r[2] for r in english} and len(english) > len(rows)


def test_gender_filter_combines_with_lang(capsys):
    rows = _listed(capsys, "--lang", "en", "--gender", "female")
    assert rows and all(r[3] == "female" and r[2].startswith("en") for r in rows)
    assert "gmw/en-us+f3" in {r[0] for r in rows}
    assert "gmw/en-us+m3" not in {r[0] for r in rows}


def test_no_match_is_a_one_line_error(capsys):
    assert main(["voices", "--lang", "xx-nowhere"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("audiobook: error: no voice matches --lang xx-nowhere")
    assert len(err.strip().splitlines()) == 1


def test_select_voices_matches_whole_language_subtags():
    voices = [VoiceInfo("a/en", "E", "en-gb", "male"), VoiceInfo("a/enm", "Middle", "enm", "male"),
              VoiceInfo("a/en+f1", "E f", "en-gb", "female"), VoiceInfo("b/eo", "Eo", "eo", "male")]
    assert [v.id for v in select_voices(voices, "en")] == ["a/en", "a/en+f1"]
    assert [v.id for v in select_voices(voices, None, "female")] == ["a/en+f1"]
    assert select_voices(voices) == voices
