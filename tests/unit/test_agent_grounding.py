"""Sentence support with the real embedder: IDF weights stop a claim padded with common words."""

from __future__ import annotations

from agent.evidence import idf_weight
from agent.grounding import Grounder
from retrieval.embedder import get_embedder

PASSAGE = {
    "id": "fees-1",
    "text": "Acme Pay sends the monthly fee invoice to the account Owner's email address "
    "by the 3rd business day of each month.",
}
# "acme", "pay", "email", "address", "account" are everywhere in the KB; "ceo", "personal" nowhere
DOC_FREQ = ({"acme": 190, "pay": 185, "email": 60, "addres": 40, "account": 120, "invoice": 12}, 200)


def _grounder() -> Grounder:
    return Grounder(get_embedder().embed, min_cosine=0.55, min_lexical=0.5)


def test_padded_claim_passes_plain_overlap_but_not_idf_weighted_overlap() -> None:
    g = _grounder()
    claim = "The CEO of Acme Pay has a personal email address for the account [1]."
    plain = g.support(claim, PASSAGE)
    weighted = g.support(claim, PASSAGE, weight=idf_weight(DOC_FREQ))
    assert plain.lexical >= 0.5  # common words alone clear the unweighted bar
    assert weighted.weighted_lexical is not None and weighted.weighted_lexical < 0.5
    assert not weighted.supported


def test_faithful_sentence_stays_supported_with_weights() -> None:
    g = _grounder()
    faithful = "Acme Pay emails the monthly fee invoice to the account Owner by the 3rd business day [1]."
    s = g.support(faithful, PASSAGE, weight=idf_weight(DOC_FREQ))
    assert s.supported and s.weighted_lexical is not None and s.weighted_lexical >= 0.8
