"""Constraints that encode how families are recorded: the NHS-number typo rule and twins (issue 14).

Pure functions first (`linkage.family`), then the batch clustering and online matching on hand-made
identity rows (made by `prepare.identity_row` from mention dicts, as at ingest), which must agree.
"""

from __future__ import annotations

import pytest

from joinedup.people.linkage.clean import nhs_check_digit
from joinedup.people.linkage.cluster import REASON_NHS, REASON_TWINS, cluster, multiple_births
from joinedup.people.linkage.family import nhs_one_edit, nhs_typo, twins
from joinedup.people.linkage.online import match_person
from joinedup.people.linkage.prepare import identity_row

ACCEPT, REVIEW_LOW = 0.9, 0.5


def nhs(first9: str) -> str:
    """A valid NHS number: nine digits and their modulus-11 check digit (re-validated, as systems do)."""
    check = nhs_check_digit(first9)
    assert check is not None, first9
    return first9 + str(check)


AVA_NHS = nhs("943476592")
ONE_DIGIT = nhs("943476593")  # last of the nine digits substituted
ADJACENT_SWAP = nhs("943475692")  # 6 and 5 swapped (neighbours)
FAR_SWAP = nhs("943576492")  # 4 and 6 swapped three places apart
TWO_DIGITS = nhs("943476505")  # two digits substituted
OTHER = nhs("401023213")


def row(uid: str, given: str | None, family: str = "Thornfield", dob: str | None = "2016-05-09", *,
        nhs_number: str | None = None, postcode: str | None = "NB1 2AB", agency: str = "gp") -> dict:
    r = identity_row({"source_identity": f"{agency}:{uid}", "agency": agency, "given_name": given,
                      "family_name": family, "dob": dob, "nhs_number": nhs_number, "postcode": postcode})
    assert r is not None
    r["unique_id"] = uid
    return r


# --- pure functions -----------------------------------------------------------------------------------------


def test_one_edit_is_one_substitution_or_one_adjacent_swap_in_the_first_nine_digits():
    assert nhs_one_edit(AVA_NHS, ONE_DIGIT)
    assert nhs_one_edit(AVA_NHS, ADJACENT_SWAP)
    assert not nhs_one_edit(AVA_NHS, FAR_SWAP)
    assert not nhs_one_edit(AVA_NHS, TWO_DIGITS)
    assert not nhs_one_edit(AVA_NHS, AVA_NHS)
    assert not nhs_one_edit(AVA_NHS, OTHER)


def test_a_mistyped_nhs_number_is_forgiven_only_when_everything_else_agrees():
    ava = row("a", "Ava", nhs_number=AVA_NHS)
    assert nhs_typo(ava, row("b", "Ava", nhs_number=ONE_DIGIT))
    assert nhs_typo(ava, row("b", "Ava", nhs_number=ADJACENT_SWAP))
    assert nhs_typo(ava, row("b", "AVA", family="THORNFIELD", nhs_number=ONE_DIGIT, postcode=None))  # case, no postcode
    assert nhs_typo(ava, row("b", "Ava", nhs_number=AVA_NHS))  # the same number
    # nothing contradicts: a date of birth not recorded, a forename with a keying slip
    assert nhs_typo(ava, row("b", "Ava", dob=None, nhs_number=ONE_DIGIT))
    assert nhs_typo(ava, row("b", "Avaa", nhs_number=ONE_DIGIT))
    # another number altogether, two digits, a swap of digits that are not neighbours
    assert not nhs_typo(ava, row("b", "Ava", nhs_number=TWO_DIGITS))
    assert not nhs_typo(ava, row("b", "Ava", nhs_number=FAR_SWAP))
    assert not nhs_typo(ava, row("b", "Ava", nhs_number=OTHER))
    # one digit out, but something else differs or is missing: a sibling's (or someone else's) number
    assert not nhs_typo(ava, row("b", "Isla", nhs_number=ONE_DIGIT))
    assert not nhs_typo(ava, row("b", "Ava", family="Marsh", nhs_number=ONE_DIGIT))
    assert not nhs_typo(ava, row("b", "Ava", dob="2016-05-10", nhs_number=ONE_DIGIT))
    assert not nhs_typo(ava, row("b", "Eva", nhs_number=ONE_DIGIT))
    assert not nhs_typo(ava, row("b", None, nhs_number=ONE_DIGIT))  # "Baby Thornfield": which twin?
    assert not nhs_typo(ava, row("b", "Baby", nhs_number=ONE_DIGIT))
    assert not nhs_typo(ava, row("b", "Ava"))  # no number


def test_twins_are_same_surname_and_birth_with_different_forenames_wherever_they_live():
    ava = row("a", "Ava", nhs_number=AVA_NHS)
    isla = row("i", "Isla", nhs_number=ONE_DIGIT)
    assert twins(ava, isla) and twins(isla, ava)
    assert twins(row("a", "Ava"), row("i", "Isla"))  # no NHS numbers at all
    assert twins(row("a", "Ava"), row("e", "Eva"))  # short names one letter apart are two names
    # the same NHS number ties them: strong evidence that they are one person
    assert not twins(ava, row("i", "Isla", nhs_number=AVA_NHS))
    # the same name: nickname, initial, keying slip, sounds alike
    assert not twins(row("a", "Stephen"), row("s", "Steve"))
    assert not twins(ava, row("x", "A"))
    assert not twins(row("l", "Lucy"), row("x", "Luy"))
    assert not twins(ava, row("x", "Aa"))
    assert not twins(ava, row("x", "Vaa"))
    assert not twins(ava, row("x", "Ava"))
    assert not twins(ava, row("x", None))  # no forename: no evidence either way
    # not the same birth or surname
    assert not twins(ava, row("i", "Isla", dob="2017-05-09"))
    assert not twins(ava, row("i", "Isla", family="Marsh"))
    # the address does not matter: twins are recorded at different addresses as families move
    assert twins(ava, row("i", "Isla", postcode="NB7 3RL"))
    assert twins(ava, row("i", "Isla", postcode=None))


# --- batch clustering -----------------------------------------------------------------------------------------


def test_twins_are_never_merged_even_through_a_record_that_scores_high_against_both():
    rows = {
        "ava": row("ava", "Ava", nhs_number=AVA_NHS),
        "isla": row("isla", "Isla", nhs_number=ONE_DIGIT),  # twins' numbers are often allocated one apart
        "a-school": row("a-school", "A", agency="school"),  # an initial, the twins' birth and address
    }
    edges = [("ava", "a-school", 0.99), ("isla", "a-school", 0.98), ("ava", "isla", 0.97)]
    for order in (edges, list(reversed(edges))):
        result = cluster(rows, order, accept=ACCEPT, review_low=REVIEW_LOW, rows=rows)
        assert result["ava"] != result["isla"]
        assert result["a-school"] == result["ava"]  # the strongest edge wins
        assert result.review == []  # twins are different people: nothing to review
        assert result.twins_kept_apart == 2


def test_twins_without_nhs_numbers_are_kept_apart_and_not_queued_as_uncertain():
    # the records show two children: two UPNs (or two sexes, or two NHS numbers, or named in one record)
    rows = {"ava": row("ava", "Ava", agency="school") | {"upn": "A100000000001"},
            "isla": row("isla", "Isla", agency="school") | {"upn": "A100000000002"}}
    result = cluster(rows, [("ava", "isla", 0.95)], accept=ACCEPT, review_low=REVIEW_LOW, rows=rows)
    assert result["ava"] != result["isla"] and result.review == []
    result = cluster(rows, [("ava", "isla", 0.6)], accept=ACCEPT, review_low=REVIEW_LOW, rows=rows)
    assert result["ava"] != result["isla"] and result.review == []
    rows = {"ava": row("ava", "Ava", agency="school") | {"sex": "female"},
            "ivo": row("ivo", "Ivo", agency="school") | {"sex": "male"}}
    result = cluster(rows, [("ava", "ivo", 0.95)], accept=ACCEPT, review_low=REVIEW_LOW, rows=rows)
    assert result["ava"] != result["ivo"]


def test_two_forenames_on_one_birth_with_no_evidence_of_two_children_are_left_to_the_model():
    # Wiktoria at the GP and Vicky at school, one date of birth and surname, nothing saying there are two
    rows = {"w": row("w", "Wiktoria", nhs_number=AVA_NHS), "v": row("v", "Vicky", agency="school")}
    assert multiple_births(rows.values()) == set()
    result = cluster(rows, [("w", "v", 0.99)], accept=ACCEPT, review_low=REVIEW_LOW, rows=rows)
    assert result["w"] == result["v"]
    # named side by side in one record: two children
    together = [(rows["w"], rows["v"])]
    births = multiple_births(rows.values(), together)
    assert births == {(rows["w"]["dob"], rows["w"]["family_mp"])}
    result = cluster(rows, [("w", "v", 0.99)], accept=ACCEPT, review_low=REVIEW_LOW, rows=rows, births=births)
    assert result["w"] != result["v"] and result.review == []


def test_twins_tied_by_one_nhs_number_are_left_to_the_model_and_the_guard():
    rows = {"ava": row("ava", "Ava", nhs_number=AVA_NHS), "isla": row("isla", "Isla", nhs_number=AVA_NHS)}
    assert cluster(rows, [("ava", "isla", 0.95)], accept=ACCEPT, rows=rows)["ava"] == 0 == cluster(
        rows, [("ava", "isla", 0.95)], accept=ACCEPT, rows=rows)["isla"]
    result = cluster(rows, [("ava", "isla", 0.7)], accept=ACCEPT, review_low=REVIEW_LOW, rows=rows)
    assert result["ava"] != result["isla"] and len(result.review) == 1


def test_a_person_can_still_join_twins_and_a_true_nhs_typo_still_merges():
    rows = {
        "ava": row("ava", "Ava", nhs_number=AVA_NHS),
        "ava-typo": row("ava-typo", "Ava", nhs_number=ONE_DIGIT, agency="hospital"),
        "ava-swap": row("ava-swap", "Ava", nhs_number=ADJACENT_SWAP, agency="ambulance"),
        "ava-school": row("ava-school", "Ava", agency="school"),
        "isla": row("isla", "Isla", nhs_number=OTHER),
    }
    edges = [("ava", "ava-typo", 0.99), ("ava", "ava-swap", 0.99), ("ava-school", "ava-typo", 0.98),
             ("ava-school", "isla", 0.95)]
    result = cluster(rows, edges, accept=ACCEPT, review_low=REVIEW_LOW, rows=rows)
    assert result["ava"] == result["ava-typo"] == result["ava-swap"] == result["ava-school"] != result["isla"]
    assert result.review == []
    # a person's decision is a must-link: it is not second-guessed by the twins constraint
    assert cluster(rows, [], accept=ACCEPT, must_link=[("ava", "isla")], rows=rows)["ava"] == cluster(
        rows, [], accept=ACCEPT, must_link=[("ava", "isla")], rows=rows)["isla"]


@pytest.mark.parametrize(
    ("other", "merged"),
    [
        (row("b", "Ava", nhs_number=ONE_DIGIT, postcode="NB9 9ZZ"), True),
        (row("b", "Ava", nhs_number=ADJACENT_SWAP, postcode="NB9 9ZZ"), True),
        (row("b", "Ava", nhs_number=TWO_DIGITS, postcode="NB9 9ZZ"), False),
        (row("b", "Ava", nhs_number=FAR_SWAP, postcode="NB9 9ZZ"), False),
        (row("b", "Ava", dob="2016-09-05", nhs_number=ONE_DIGIT, postcode="NB9 9ZZ"), False),
        (row("b", "Ada", nhs_number=ONE_DIGIT, postcode="NB9 9ZZ"), False),
    ],
)
def test_the_nhs_guard_in_clustering(other, merged):
    rows = {"a": row("a", "Ava", nhs_number=AVA_NHS), "b": other}
    result = cluster(rows, [("a", "b", 0.999)], accept=ACCEPT, review_low=REVIEW_LOW, rows=rows)
    assert (result["a"] == result["b"]) is merged
    twins_pair = twins(rows["a"], other)  # Ava and Ada, one birth: kept apart and not queued
    assert [r.reason for r in result.review] == ([] if merged or twins_pair else [REASON_NHS])


def test_the_nhs_guard_holds_through_a_chain():
    # a school row (no NHS number) scores high against Ava and against another child whose number is one
    # digit from Ava's: the second edge would put two numbers that are not one person's into one cluster
    rows = {
        "ava": row("ava", "Ava", nhs_number=AVA_NHS, postcode="NB9 9ZZ"),
        "bridge": row("bridge", "Ava", agency="school", postcode="NB9 9ZZ"),
        "ada": row("ada", "Ada", dob="2016-05-19", nhs_number=ONE_DIGIT, postcode="NB9 9ZZ"),
    }
    result = cluster(rows, [("ava", "bridge", 0.99), ("bridge", "ada", 0.95)], accept=ACCEPT, rows=rows)
    assert result["ava"] == result["bridge"] != result["ada"]


# --- online matching agrees -----------------------------------------------------------------------------------


class StubScorer:
    """Scores from a table (pairs of unique ids), in place of a trained model."""

    def __init__(self, scores: dict[frozenset[str], float]) -> None:
        self.scores = scores

    def score(self, a, b):
        return self.scores.get(frozenset((a["unique_id"], b["unique_id"])), 0.0), 0.0, {}


def _both(new: dict, people: dict[str, list[dict]], scores: dict[tuple[str, str], float]):
    """The online decision for `new`, and the batch clustering of the same rows and edges."""
    stub = StubScorer({frozenset(k): v for k, v in scores.items()})
    online = match_person(new, people, stub, accept=ACCEPT, review_low=REVIEW_LOW)
    rows = {r["unique_id"]: r for rs in people.values() for r in rs} | {new["unique_id"]: new}
    must = [(rs[0]["unique_id"], r["unique_id"]) for rs in people.values() for r in rs[1:]]
    batch = cluster(rows, [(a, b, p) for (a, b), p in scores.items()], accept=ACCEPT, review_low=REVIEW_LOW,
                    must_link=must, rows=rows)
    joined = [person for person, rs in people.items() if batch[rs[0]["unique_id"]] == batch[new["unique_id"]]]
    return online, joined, batch


def test_online_never_joins_a_twin_and_agrees_with_batch():
    ava, isla = row("ava", "Ava", nhs_number=AVA_NHS), row("isla", "Isla", nhs_number=OTHER)
    # Isla's school record (no NHS number) scores high against both twins: it joins Isla only
    new = row("isla-school", "Isla", agency="school")
    online, joined, _ = _both(new, {"P-ava": [ava], "P-isla": [isla]}, {("isla-school", "ava"): 0.99,
                                                                       ("isla-school", "isla"): 0.98})
    assert online.person == "P-isla" and joined == ["P-isla"] and online.review == []


def test_online_does_not_join_a_record_carrying_a_twins_number_one_digit_out():
    ava = row("ava", "Ava", nhs_number=AVA_NHS)
    new = row("isla-gp", "Isla", nhs_number=ONE_DIGIT, agency="gp2")
    online, joined, batch = _both(new, {"P-ava": [ava]}, {("isla-gp", "ava"): 0.97})
    assert online.person is None and joined == []
    assert online.review == [] and batch.review == []
    assert online.reason == REASON_TWINS


def test_online_joins_a_true_typo_and_refuses_a_sibling_number_as_batch_does():
    ava = row("ava", "Ava", nhs_number=AVA_NHS, postcode="NB9 9ZZ")
    typo = row("typo", "Ava", nhs_number=ADJACENT_SWAP, agency="hospital", postcode="NB9 9ZZ")
    online, joined, _ = _both(typo, {"P-ava": [ava]}, {("typo", "ava"): 0.999})
    assert online.person == "P-ava" and joined == ["P-ava"]
    sibling = row("sib", "Ada", dob="2016-05-19", nhs_number=ONE_DIGIT, agency="hospital", postcode="NB9 9ZZ")
    online, joined, batch = _both(sibling, {"P-ava": [ava]}, {("sib", "ava"): 0.95})
    assert online.person is None and joined == []
    assert [r[2] for r in online.review] == [REASON_NHS] == [r.reason for r in batch.review]
