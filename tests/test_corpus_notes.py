"""No paragraph of the shared corpus (56 novels and excerpts, none with author's notes) is
skipped as a note or disclaimer: the detector must not eat story text."""

import pytest

from tools.note_check import DEFAULT_CORPUS, check, corpus_texts

pytestmark = pytest.mark.skipif(not corpus_texts(DEFAULT_CORPUS),
                                reason="the shared corpus is not here")


def test_no_corpus_paragraph_is_skipped_as_a_note():
    result = check(DEFAULT_CORPUS)
    assert result.texts == 56
    assert result.skipped == []
