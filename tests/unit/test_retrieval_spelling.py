"""Query spelling correction against a collection vocabulary (retrieval.spelling)."""

from __future__ import annotations

from collections import Counter

import pytest

from retrieval.spelling import Speller, edit_distance, vocabulary

KB = [
    "Enable the GitHub plugin in the dynamic plugins config map.",
    "Install Developer Hub in a disconnected (air-gapped) environment with the Helm chart.",
    "With the Operator, restart the Backstage deployment to apply the config map.",
    "GitHub GitHub organization webhook",
]


@pytest.fixture
def speller() -> Speller:
    return Speller(vocabulary(KB), protected={"trying", "string"})


def test_edit_distance_counts_transpositions_as_one() -> None:
    assert edit_distance("enabel", "enable") == 1
    assert edit_distance("githb", "github") == 1
    assert edit_distance("kitten", "sitting") == 3
    assert edit_distance("", "abc") == 3


def test_vocabulary_is_document_frequency() -> None:
    df = vocabulary(KB)
    assert df["github"] == 2 and df["helm"] == 1 and "GitHub" not in df


def test_misspelt_words_are_corrected_to_kb_words(speller: Speller) -> None:
    assert speller.correct("how do i enabel the githb plugn?") == "how do i enable the github plugin?"
    assert (
        speller.correct("Disconected instal with the Helmm chrt")
        == "disconnected install with the helm chart"
    )


def test_real_words_numbers_short_words_and_contractions_are_left_alone(speller: Speller) -> None:
    text = "I'm trying, dont restart pod 1.7 of plugin v2 abc"
    assert speller.correct(text) == text  # 'trying' protected, 'dont' contraction, 'pod'/'abc' short
    assert speller.correct_word("wich") == "wich"  # nearest KB word is the stop word 'with'
    assert speller.correct_word("paypal") == "paypal"  # nothing within two edits
    assert speller.correct_word("github") == "github"


def test_nearest_then_most_frequent_candidate_wins() -> None:
    sp = Speller(Counter({"config": 5, "confirm": 1, "cloud": 1, "could": 9}))
    assert sp.correct_word("confg") == "config"  # distance 1 beats 'confirm' (2)
    assert sp.correct_word("clould") == "could"  # both at distance 1: the more frequent one


def test_common_english_words_come_from_the_embedders_wordpiece_vocabulary() -> None:
    from retrieval.spelling import common_words

    words = common_words()
    assert {"trying", "string", "payment", "the"} <= words
    assert "githb" not in words and "##ing" not in words and len(words) > 10_000
    sp = Speller(vocabulary(["string theory"]), words)
    assert sp.correct_word("trying") == "trying"  # a real word, even one edit from 'string'
