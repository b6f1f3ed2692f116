"""The auto-matching rules on their own: signals, confidence, and what is never proposed."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest

from mappings.matching import (
    CostSide,
    NameIndex,
    Proposal,
    StripeSide,
    name_confidence,
    name_ratio,
    normalize_name,
    propose_matches,
    trigrams,
    trigrams_needed,
)


def _one(stripe, candidates, **kwargs) -> list[tuple[str, str, Decimal, str]]:
    outcome = propose_matches(stripe_customers=stripe, candidates=candidates, **kwargs)
    return [(p.stripe_customer_id, p.tag_value, p.confidence, p.signal) for p in outcome.proposals]


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("Acme, Inc.", "acme"),
        ("ACME GmbH", "acme"),
        ("acme-corp", "acme"),
        ("Globex Co., Ltd.", "globex"),
        ("Société Générale S.A.", "societe generale"),
        ("O'Brien & Sons LLC", "obrien sons"),
        ("Inc", "inc"),  # a name that is only a legal form keeps it
        ("  ", ""),
    ],
)
def test_names_are_normalized_without_case_accents_punctuation_or_legal_suffixes(raw, normalized):
    assert normalize_name(raw) == normalized


def test_metadata_naming_the_tag_value_matches_with_confidence_one():
    stripe = [StripeSide("cus_1", name="Something Else", metadata={"margint_customer": "acme"})]
    assert _one(stripe, [CostSide("acme")]) == [("cus_1", "acme", Decimal("1.000"), "metadata")]


def test_metadata_under_the_tag_key_itself_also_matches():
    stripe = [StripeSide("cus_1", metadata={"customer": " acme "})]
    assert _one(stripe, [CostSide("acme")]) == [("cus_1", "acme", Decimal("1.000"), "metadata")]


def test_metadata_naming_a_tag_not_seen_recently_matches_nothing():
    stripe = [StripeSide("cus_1", metadata={"margint_customer": "gone"})]
    assert _one(stripe, [CostSide("acme")]) == []


def test_costs_tagged_with_the_stripe_id_match_at_point_nine():
    assert _one([StripeSide("cus_7")], [CostSide("cus_7")]) == [
        ("cus_7", "cus_7", Decimal("0.900"), "stripe_id")
    ]


def test_same_email_matches_at_point_eight_ignoring_case_and_spaces():
    stripe = [StripeSide("cus_1", email=" Billing@Beta.co ")]
    candidates = [CostSide("beta", email="billing@beta.CO")]
    assert _one(stripe, candidates) == [("cus_1", "beta", Decimal("0.800"), "email")]


def test_identical_normalized_names_score_point_seven():
    stripe = [StripeSide("cus_1", name="Acme Corporation")]
    assert _one(stripe, [CostSide("acme-inc")]) == [("cus_1", "acme-inc", Decimal("0.700"), "name")]


def test_similar_names_score_point_seven_times_the_ratio():
    # "globex industries" vs "globex industry": 2·14 / 32 = 0.875 → 0.7 × 0.875 = 0.6125 → 0.613 (half up)
    assert name_ratio("globex industries", "globex industry") == Decimal("0.875")
    stripe = [StripeSide("cus_1", name="Globex Industries")]
    candidates = [CostSide("gx-42", name="Globex Industry Ltd")]
    assert _one(stripe, candidates) == [("cus_1", "gx-42", Decimal("0.613"), "name")]


def test_a_ratio_just_below_the_threshold_does_not_match():
    below_a, below_b = "abcdefghijklmnopxxxx", "abcdefghijklmnopyyyy"  # 2·16 / 40 = 0.8
    assert name_ratio(below_a, below_b) == Decimal("0.8")
    assert _one([StripeSide("cus_1", name=below_a)], [CostSide("t", name=below_b)]) == []


def test_names_below_the_ratio_threshold_do_not_match():
    # "initech" vs "initrode": 2·5 / 15 = 0.667 < 0.85
    assert name_ratio("initech", "initrode") < Decimal("0.85")
    assert _one([StripeSide("cus_1", name="Initech")], [CostSide("initrode")]) == []


def test_a_ratio_exactly_at_the_threshold_matches():
    exact_a, exact_b = "abcdefghijklmnopqxxx", "abcdefghijklmnopqyyy"  # 2·17 / 40 = 0.85
    assert name_ratio(exact_a, exact_b) == Decimal("0.85")
    outcome = _one([StripeSide("cus_1", name=exact_a)], [CostSide("t", name=exact_b)])
    assert outcome == [("cus_1", "t", name_confidence(Decimal("0.85")), "name")]
    assert name_confidence(Decimal("0.85")) == Decimal("0.595")


def test_the_strongest_signal_decides():
    stripe = [
        StripeSide("cus_1", name="Acme", email="ops@acme.io", metadata={"margint_customer": "acme-prod"})
    ]
    candidates = [CostSide("acme"), CostSide("acme-ops", email="ops@acme.io"), CostSide("acme-prod")]
    assert _one(stripe, candidates) == [("cus_1", "acme-prod", Decimal("1.000"), "metadata")]


def test_email_shared_by_two_cost_customers_is_left_for_a_person():
    stripe = [StripeSide("cus_1", email="ops@acme.io")]
    candidates = [CostSide("acme-a", email="ops@acme.io"), CostSide("acme-b", email="ops@acme.io")]
    outcome = propose_matches(stripe_customers=stripe, candidates=candidates)
    assert (outcome.proposals, outcome.ambiguous) == ((), 1)


def test_two_equally_alike_names_are_left_for_a_person():
    outcome = propose_matches(
        stripe_customers=[StripeSide("cus_1", name="Acme")],
        candidates=[CostSide("acme-inc"), CostSide("acme-llc")],
    )
    assert (outcome.proposals, outcome.ambiguous) == ((), 1)


def test_deleted_and_already_mapped_stripe_customers_are_never_matched():
    stripe = [
        StripeSide("cus_gone", metadata={"margint_customer": "acme"}, deleted=True),
        StripeSide("cus_mapped", metadata={"margint_customer": "beta"}),
    ]
    assert (
        _one(stripe, [CostSide("acme"), CostSide("beta")], mapped_stripe_ids=frozenset({"cus_mapped"})) == []
    )


def test_a_tag_value_already_used_by_a_mapping_is_never_proposed_again():
    stripe = [StripeSide("cus_2", metadata={"margint_customer": "acme"})]
    outcome = propose_matches(
        stripe_customers=stripe, candidates=[CostSide("acme")], taken_tag_values=frozenset({"acme"})
    )
    assert (outcome.proposals, outcome.taken) == ((), 1)


def test_a_rejected_pair_is_skipped_and_the_next_signal_may_still_match():
    stripe = [StripeSide("cus_1", email="a@acme.io", metadata={"margint_customer": "acme"})]
    candidates = [CostSide("acme"), CostSide("acme-eu", email="a@acme.io")]
    outcome = propose_matches(
        stripe_customers=stripe, candidates=candidates, rejected=frozenset({("cus_1", "acme")})
    )
    assert outcome.proposals == (Proposal("cus_1", "acme-eu", Decimal("0.800"), "email"),)
    assert outcome.rejected == 1


def test_two_stripe_customers_tied_for_one_tag_value_are_both_left_for_review():
    stripe = [StripeSide("cus_1", email="x@acme.io"), StripeSide("cus_2", email="x@acme.io")]
    outcome = propose_matches(stripe_customers=stripe, candidates=[CostSide("acme", email="x@acme.io")])
    assert (outcome.proposals, outcome.contested) == ((), 2)


def test_of_two_stripe_customers_wanting_one_tag_value_the_more_confident_wins():
    stripe = [
        StripeSide("cus_1", name="Acme Inc"),
        StripeSide("cus_2", metadata={"margint_customer": "acme"}),
    ]
    outcome = propose_matches(stripe_customers=stripe, candidates=[CostSide("acme")])
    assert [(p.stripe_customer_id, p.confidence) for p in outcome.proposals] == [("cus_2", Decimal("1.000"))]
    assert outcome.contested == 1


def test_a_cost_customer_without_a_name_is_compared_by_its_tag_value():
    stripe = [StripeSide("cus_1", name="Umbrella Holdings")]
    assert _one(stripe, [CostSide("umbrella_holdings")]) == [
        ("cus_1", "umbrella_holdings", Decimal("0.700"), "name")
    ]


def _brute_force(name: str, candidates: list[CostSide]) -> dict[str, Decimal]:
    found: dict[str, Decimal] = {}
    for c in candidates:
        for text in (c.name, c.tag_value):
            other = normalize_name(text)
            if other and (ratio := name_ratio(other, name)) >= Decimal("0.85"):
                found[c.tag_value] = max(ratio, found.get(c.tag_value, Decimal(0)))
    return found


def test_the_trigram_bound_holds_for_every_pair_reaching_the_threshold():
    rng = random.Random(5)
    checked = 0
    for _ in range(10_000):
        a = "".join(rng.choice("abc ") for _ in range(rng.randint(3, 24)))
        b = list(a)
        for _ in range(rng.randint(0, 4)):  # a few edits keep many pairs near the threshold
            b[rng.randrange(len(b))] = rng.choice("abcd")
        b = "".join(b)
        if name_ratio(a, b) >= Decimal("0.85"):
            checked += 1
            shared = sum((trigrams(a) & trigrams(b)).values())
            assert shared >= trigrams_needed(len(a) + len(b)), (a, b)
    assert checked > 2_500


def test_the_indexed_name_lookup_finds_exactly_what_comparing_every_pair_finds():
    rng = random.Random(11)
    words = ["acme", "acne", "globex", "globe", "inite", "initech", "hooli", "holi", "umbra", "zen"]
    candidates = [
        CostSide(f"t{n}", name=" ".join(rng.choice(words) for _ in range(rng.randint(1, 3))))
        for n in range(150)
    ]
    index = NameIndex(candidates)
    matched = 0
    for _ in range(100):
        name = normalize_name(" ".join(rng.choice(words) for _ in range(rng.randint(1, 3))))
        expected = _brute_force(name, candidates)
        assert index.alike(name) == expected
        matched += len(expected)
    assert matched == 314  # a fixed seed: enough pairs above the threshold for the check to bite


def test_when_the_identical_name_is_taken_the_next_most_alike_one_is_proposed():
    # "acme" vs "acmes": 2·4 / 9 = 0.889 → 0.7 × 0.889 = 0.622
    outcome = propose_matches(
        stripe_customers=[StripeSide("cus_1", name="ACME Inc")],
        candidates=[CostSide("acme"), CostSide("acmes")],
        taken_tag_values=frozenset({"acme"}),
    )
    assert outcome.proposals == (Proposal("cus_1", "acmes", Decimal("0.622"), "name"),)
    assert outcome.taken == 1
