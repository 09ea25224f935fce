"""Speech text normalization: what the engine is given for numbers, money, times, dates..."""

import pytest

from audiobook.numbers import cardinal, ordinal, year
from audiobook.speech import heading_text, normalize, speakable


def test_the_issue_example_reads_naturally():
    assert normalize("Dr. Smith paid $3.50 at 10:30 on 4 July 1999.") == (
        "Doctor Smith paid three dollars fifty at ten thirty on the fourth of July, "
        "nineteen ninety-nine."
    )


@pytest.mark.parametrize("n, words", [
    (0, "zero"), (7, "seven"), (13, "thirteen"), (40, "forty"), (42, "forty-two"),
    (100, "one hundred"), (1250, "one thousand two hundred fifty"),
    (2_000_017, "two million seventeen"),
])
def test_cardinals(n, words):
    assert cardinal(n) == words


@pytest.mark.parametrize("n, words", [
    (1, "first"), (2, "second"), (3, "third"), (12, "twelfth"), (20, "twentieth"),
    (21, "twenty-first"), (100, "one hundredth"), (103, "one hundred third"),
])
def test_ordinals(n, words):
    assert ordinal(n) == words


@pytest.mark.parametrize("n, words", [
    (1999, "nineteen ninety-nine"), (1805, "eighteen oh five"), (1900, "nineteen hundred"),
    (2007, "two thousand seven"), (2024, "twenty twenty-four"), (2000, "two thousand"),
])
def test_years(n, words):
    assert year(n) == words


@pytest.mark.parametrize("text, spoken", [
    ("It cost $1.", "It cost one dollar."),
    ("It cost $0.75.", "It cost seventy-five cents."),
    ("It cost £20.", "It cost twenty pounds."),
    ("They paid $2 million.", "They paid two million dollars."),
    ("Meet at 10:05.", "Meet at ten oh five."),
    ("Meet at 9:00.", "Meet at nine o'clock."),
    ("Meet at 7:45 p.m. sharp.", "Meet at seven forty-five P M sharp."),
    ("Fifty-fifty is 50%.", "Fifty-fifty is fifty percent."),
    ("Rates rose 2.5 per cent.", "Rates rose two point five percent."),
    ("The 21st of them.", "The twenty-first of them."),
    ("On July 4th, 1776, they met.", "On July fourth, seventeen seventy-six, they met."),
    ("Born in 1852.", "Born in eighteen fifty-two."),
    ("In the 1960s.", "In the nineteen sixties."),
    ("From 1990\u20131995.", "From nineteen ninety to nineteen ninety-five."),
    ("Read pages 10-12.", "Read pages ten to twelve."),
    ("He owned 1,250 sheep.", "He owned one thousand two hundred fifty sheep."),
    ("Pi is 3.14.", "Pi is three point one four."),
])
def test_numbers_money_times_dates(text, spoken):
    assert normalize(text) == spoken


@pytest.mark.parametrize("text, spoken", [
    ("Mr. and Mrs. Hale met Ms. Ortiz.", "Mister and Missus Hale met Mizz Ortiz."),
    ("Prof. Lind lived on Elm St. with Capt. Roe.", "Professor Lind lived on Elm Street with "
     "Captain Roe."),
    ("St. Agnes was kind.", "Saint Agnes was kind."),
    ("Cats vs. dogs.", "Cats versus dogs."),
    ("Apples, pears, etc. Then more.", "Apples, pears, et cetera. Then more."),
    ("Fruit, e.g. plums.", "Fruit, for example, plums."),
])
def test_abbreviations(text, spoken):
    assert normalize(text) == spoken


def test_urls_and_email_addresses_are_spelled_as_spoken():
    assert normalize("Write to ada.k@mail.example.org today.") == (
        "Write to ada dot k at mail dot example dot org today."
    )
    assert normalize("See https://www.example.com/about.") == (
        "See example dot com slash about."
    )


def test_ellipses_and_dashes_become_pauses():
    assert normalize("Well... maybe.") == "Well, maybe."
    assert normalize("I waited\u2026 Nothing came.") == "I waited. Nothing came."
    assert normalize("It was\u2014no, it wasn't.") == "It was, no, it wasn't."
    assert normalize("Go -- now.") == "Go, now."
    assert "-" in normalize("a well-known fact")


def test_shouted_words_are_read_as_words_but_acronyms_stay():
    assert normalize("GET OUT of my house!") == "Get Out of my house!"
    assert normalize("It was ENORMOUS.") == "It was Enormous."
    assert normalize("Call 555-1234.") == "Call five five five, one two three four."
    assert normalize("She works for the BBC.") == "She works for the BBC."


def test_roman_numerals_in_chapter_titles():
    assert heading_text("CHAPTER IV.") == "Chapter Four."
    assert heading_text("Part XII\nThe 3 Storms") == "Part Twelve. The three Storms."
    # Not a well-formed numeral: left as written.
    assert heading_text("Chapter IIII") == "Chapter IIII."


def test_speakable_removes_quotes_and_emphasis_and_normalizes():
    assert speakable('"It is *only* $5," she said.') == "It is only five dollars, she said."
