"""Quote detection on short texts of our own."""

from audiobook.book import parse_book
from audiobook.segmenter import quote_style, segment_book


def dialogue(text: str) -> list[tuple[int, str]]:
    return [(s.quote, s.text) for s in segment_book(parse_book(text)) if s.kind == "dialogue"]


def test_straight_and_curly_double_quotes():
    found = dialogue('"Hello," said Ada.\n\n\u201cGoodbye,\u201d said Ben.')
    assert [t for _, t in found] == ['"Hello,"', "\u201cGoodbye,\u201d"]


def test_interrupted_quote_is_one_utterance():
    found = dialogue('"Well," she said, "maybe."')
    assert len(found) == 2 and found[0][0] == found[1][0]


def test_two_sentences_with_tag_between_are_two_utterances():
    found = dialogue('"Stop." Ada turned away. "Now go."')
    assert found[0][0] != found[1][0]


def test_multi_paragraph_quote_continues():
    found = dialogue('"The first part of a long story,\n\n"and its end."\n\n"Next."')
    assert found[0][0] == found[1][0] != found[2][0]


def test_unbalanced_mark_stays_in_its_paragraph():
    found = dialogue('"Never closed, said Ada.\n\nThe rain fell on the roof all night long.')
    assert len(found) == 1 and "rain" not in found[0][1]


def test_british_single_quotes_and_apostrophes():
    text = ("'I don't know,' said Mara, 'whether the boys' boat is ours.'\n\n"
            "'Tis nothing, he thought. Rock 'n' roll played on.\n\n"
            "'It's the lamp,' Tomas answered. 'He said \"never\" to me.'")
    assert quote_style(text) == "single"
    found = dialogue(text)
    assert [t for _, t in found] == [
        "'I don't know,'", "'whether the boys' boat is ours.'",
        "'It's the lamp,'", "'He said \"never\" to me.'"]
    assert found[0][0] == found[1][0]


def test_double_style_ignores_single_marks():
    text = '"She said \'no\' to me," Ben told us. It\'s the boys\' dog.'
    assert quote_style(text) == "double"
    assert dialogue(text) == [(0, '"She said \'no\' to me,"')]


def test_second_quote_with_its_own_tag_is_a_new_utterance():
    found = dialogue('"Ready," said Ada. "Not yet," said Ben.')
    assert found[0][0] != found[1][0]
    found = dialogue('"Ready," said Ada. "Not yet," Ben said.')
    assert found[0][0] != found[1][0]


def test_tag_closing_a_sentence_then_more_speech_stays_one_utterance():
    found = dialogue('"Ready," said Ada. "We leave at once."')
    assert found[0][0] == found[1][0]


def test_a_quoted_word_inside_narration_is_read_by_the_narrator():
    text = ('Mara called the storm "a nuisance" and went in.\n\n'
            'He said "Storm" once. "Go," said Mara, "now."\n\n'
            'She wrote, "wait" and slept.')
    said = [t for _, t in dialogue(text)]
    # Lower-case, short, inside a sentence, not introduced by a comma: narration.
    assert '"a nuisance"' not in said
    # A capital, a tag's own quote, or a comma before it: speech as before.
    assert said == ['"Storm"', '"Go,"', '"now."', '"wait"']
    segments = segment_book(parse_book(text))
    assert "".join(s.text for s in segments if s.paragraph == segments[0].paragraph) == (
        'Mara called the storm "a nuisance" and went in.')


def test_guillemets_either_way_round():
    text = ("Noor looked up.\n\n\u00ab Where is it? \u00bb asked Noor.\n\n"
            "\u00abGone,\u00bb said Tam.")
    assert quote_style(text) == "guillemets"
    assert [t for _, t in dialogue(text)] == ["\u00ab Where is it? \u00bb", "\u00abGone,\u00bb"]
    text = "Noor looked up.\n\n\u00bbWhere is it?\u00ab asked Noor.\n\n\u00bbGone\u00ab, said Tam."
    assert quote_style(text) == "guillemets-reversed"
    assert [t for _, t in dialogue(text)] == ["\u00bbWhere is it?\u00ab", "\u00bbGone\u00ab"]


DASHED = ("Tam came down the stairs.\n\n"
          "\u2014 Come up, Rin! Come up, you slow thing!\n\n"
          "\u2015 Back to the boat! he said. We leave at dawn.\n\n"
          "\u2013 Tell me, Tam, Rin said quietly.\n\n"
          "\u2014 Yes \u2014 said he \u2014 we go now.")


def test_dash_dialogue_runs_to_its_tag_and_on_after_it():
    found = dialogue(DASHED)
    assert [t for _, t in found] == [
        "\u2014 Come up, Rin! Come up, you slow thing!",
        "\u2015 Back to the boat!", "We leave at dawn.",
        "\u2013 Tell me, Tam,",
        "\u2014 Yes", "we go now."]
    assert found[4][0] == found[5][0]  # `Yes — said he — we go`: one utterance


def test_a_dash_or_two_in_plain_prose_is_no_dialogue():
    text = "Tam came down.\n\n\u2014 and then the rain began.\n\nRin waited by the door."
    assert dialogue(text) == []
