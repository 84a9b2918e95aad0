"""Identity (issue 14, second part): a sibling's NHS number, estimated dates of birth and ages as ranges,
former surnames and aliases, a forename-less record of a multiple birth, and unborn twins.

Hand-made mention dicts through `prepare` (as at ingest and in the batch run), the clustering with hand-given
edges, and the whole batch pipeline with the model shipped with joinedup; online matching must agree.
"""

from __future__ import annotations

import json
from pathlib import Path

from joinedup.people.linkage.clean import nhs_check_digit
from joinedup.people.linkage.cluster import (
    REASON_ESTIMATE,
    REASON_MULTIPLE_BIRTH,
    REASON_NHS_KEYING,
    cluster,
)
from joinedup.people.linkage.context import link_by_context
from joinedup.people.linkage.family import nhs_keying_errors
from joinedup.people.linkage.online import match_person
from joinedup.people.linkage.pipeline import link_mentions
from joinedup.people.linkage.prepare import UNLINKABLE_UNBORN, estimated_range, identity_row, prepare
from joinedup_lab.simulate.identifiers import upn_check_letter

ACCEPT, REVIEW_LOW = 0.9, 0.5
MODEL = {k: v for k, v in json.loads((Path(__file__).parents[2] / "joinedup/people/linkage/default_model.json")
                                     .read_text()).items() if k != "_joinedup"}


def upn(body12: str) -> str:
    return upn_check_letter(body12) + body12


def nhs(first9: str) -> str:
    return first9 + str(nhs_check_digit(first9))


ROSIE_NHS = nhs("943476592")


def mention(local: str, given: str | None, family: str = "Thornfield", dob: str | None = "2016-05-09", *,
            agency: str = "gp", **extra) -> dict:
    return {"source_identity": f"{agency}:{local}", "agency": agency, "local_person_id": local, "given_name": given,
            "family_name": family, "dob": dob, "postcode": extra.pop("postcode", "NB1 2AB"), "sex": None,
            "role": "subject", "occurred_on": extra.pop("occurred_on", "2025-06-01"), **extra}


def row(uid: str, *args, **kwargs) -> dict:
    r = identity_row(mention(uid, *args, **kwargs))
    assert r is not None
    r["unique_id"] = uid
    return r


# --- a sibling's NHS number -------------------------------------------------------------------------------


def test_a_number_held_under_two_forenames_is_a_keying_error_on_the_less_recorded_name():
    rows = {
        "rosie-gp": row("rosie-gp", "Rosie", nhs_number=ROSIE_NHS) | {"mentions": 40},
        "rosie-aae": row("rosie-aae", "Rosie", nhs_number=ROSIE_NHS) | {"mentions": 3},
        "sophie-hv": row("sophie-hv", "Sophie", nhs_number=ROSIE_NHS) | {"mentions": 5},  # her twin's number
        "baby": row("baby", "Baby", nhs_number=ROSIE_NHS),  # no forename: no evidence either way
    }
    assert nhs_keying_errors(rows) == {"sophie-hv": "rosie-aae"}
    # a sibling two years older: a different date of birth and forename
    older = {"a": row("a", "Rosie", nhs_number=ROSIE_NHS) | {"mentions": 2},
             "b": row("b", "Jack", dob="2014-01-20", nhs_number=ROSIE_NHS) | {"mentions": 9}}
    assert nhs_keying_errors(older) == {"a": "b"}
    # one name spelt two ways on one date of birth (a transliteration), a nickname, an initial: one person
    for other in ("Aishah", "Ayeesha", "A"):
        same = {"a": row("a", "Aisha", nhs_number=ROSIE_NHS), "b": row("b", other, nhs_number=ROSIE_NHS)}
        assert nhs_keying_errors(same) == {}, other
    assert nhs_keying_errors({"a": row("a", "Rosie", nhs_number=ROSIE_NHS)}) == {}


def test_the_batch_run_links_the_keyed_record_to_its_own_child_and_queues_the_conflict():
    rosie = [mention(f"r{i}", "Rosie", nhs_number=ROSIE_NHS, agency="gp", sex="female") for i in range(3)]
    sophie = [mention("s1", "Sophie", agency="school", upn=upn("381201300002")), mention("s2", "Sophie", agency="housing"),
              mention("s-hv", "Sophie", nhs_number=ROSIE_NHS, agency="hv")]  # keyed with her twin's number
    rosie[0]["upn"] = upn("381201300001")  # the twins' two pupil numbers show there are two children
    result = link_mentions(rosie + sophie, model=MODEL)
    person = result.person_of_mention
    assert len({person[i] for i in range(3)}) == 1
    assert person[5] == person[3] == person[4]  # the keyed record stays Sophie's
    assert person[5] != person[0]
    reasons = [r.reason for r in result.review]
    assert reasons.count(REASON_NHS_KEYING) == 1


def test_online_matches_a_keyed_record_without_the_number_and_puts_the_owner_to_review():
    rosie = [row("rosie", "Rosie", nhs_number=ROSIE_NHS)]
    sophie = [row("sophie", "Sophie", agency="school")]
    new = row("sophie-hv", "Sophie", nhs_number=ROSIE_NHS, agency="hv")

    class Scores:
        def score(self, a, b):
            same = (a.get("given") == b.get("given"))
            return (0.99 if same else 0.95 if a.get("nhs") and a.get("nhs") == b.get("nhs") else 0.1), 0.0, {}

    online = match_person(new, {"R": rosie, "S": sophie}, Scores(), accept=ACCEPT, review_low=REVIEW_LOW)
    assert online.person == "S"
    assert ("R", 0.5, REASON_NHS_KEYING) in online.review
    # later, Rosie's own record with her number: Sophie now holds a row keyed with it, but Rosie's name owns it
    sophie_keyed = [*sophie, new]
    rosie_again = row("rosie-aae", "Rosie", nhs_number=ROSIE_NHS, agency="aae")
    online = match_person(rosie_again, {"R": rosie, "S": sophie_keyed}, Scores(), accept=ACCEPT, review_low=REVIEW_LOW)
    assert online.person == "R" and all(reason != REASON_NHS_KEYING for _p, _pr, reason in online.review)


# --- estimated dates of birth and ages --------------------------------------------------------------------


def test_estimates_are_ranges_of_years_not_keys():
    from datetime import date

    assert estimated_range(date(1988, 1, 1), False, None) == (1987, 1989)
    assert estimated_range(date(1988, 7, 1), False, None) == (1987, 1989)
    held = identity_row(mention("h", "Ann", "Cole", "1988-07-01", agency="hospital", nhs_number=ROSIE_NHS))
    assert held["dob"] is None and (held["dob_lo"], held["dob_hi"]) == (1987, 1989)  # an NHS number changes nothing
    assert estimated_range(date(1988, 3, 15), True, None) == (1987, 1989)  # flagged
    assert estimated_range(date(1988, 3, 15), False, None) is None  # a date like any other
    assert estimated_range(None, False, 1995) == (1992, 1997)  # "about 30" in 2025
    r = identity_row(mention("p", "Rebecca", "Harrison", "1988-01-01", agency="police"))
    assert r["dob"] is None and (r["dob_lo"], r["dob_hi"], r["dob_y"]) == (1987, 1989, 1988)
    r = identity_row(mention("p", "Steven", "Cole", None, agency="police", age=30, occurred_on="2025-06-01"))
    assert r["dob"] is None and (r["dob_lo"], r["dob_hi"]) == (1992, 1997)
    r = identity_row(mention("p", "Rebecca", "Harrison", "1988-03-15", agency="police", dob_estimated=True))
    assert r["dob"] is None and (r["dob_lo"], r["dob_hi"]) == (1987, 1989)
    assert identity_row(mention("p", "Rebecca", "Harrison", "1988-03-15"))["dob_lo"] is None


def test_an_estimated_date_joins_its_person_and_an_impossible_one_does_not():
    gp = [mention("gp1", "Rebecca", "Harrison", "1988-10-08", nhs_number=ROSIE_NHS, agency="gp"),
          mention("gp1", "Rebecca", "Harrison", "1988-10-08", nhs_number=ROSIE_NHS, agency="gp")]
    police = mention("c1", "Rebecca", "Harrison", "1988-01-01", agency="police", nhs_number=ROSIE_NHS)
    result = link_mentions([*gp, police], model=MODEL)
    assert result.person_of_mention[2] == result.person_of_mention[0]
    # clustering: a range that cannot hold the person's date of birth is a conflict, put to a person
    rows = {"a": row("a", "Rebecca", "Harrison", "1988-10-08"),
            "b": row("b", "Rebecca", "Harrison", None, age=20, occurred_on="2025-06-01", agency="police"),
            "c": row("c", "Rebecca", "Harrison", "1988-10-08", agency="school")}
    result = cluster(rows, [("a", "b", 0.99), ("a", "c", 0.99)], accept=ACCEPT, review_low=REVIEW_LOW, rows=rows)
    assert result["a"] == result["c"] != result["b"]
    assert [r.reason for r in result.review] == [REASON_ESTIMATE]


# --- former surnames and aliases --------------------------------------------------------------------------


def test_a_former_surname_links_through_the_shared_date_of_birth():
    old = [mention("h1", "Daniel", "Okafor", "1990-02-11", agency="housing", postcode="NB4 1AA")]
    new = mention("p1", "Daniel", "Whitlow", "1990-02-11", agency="police", postcode="NB7 7ZZ",
                  other_names=[{"family_name": "Okafor", "kind": "former"}])
    prepared = prepare([*old, new])
    assert len(prepared.alias_links) == 1 and prepared.table.num_rows == 3
    result = link_mentions([*old, new], model=MODEL)
    assert result.person_of_mention[0] == result.person_of_mention[1]
    # without the former surname recorded they stay apart
    plain = dict(new, other_names=[])
    result = link_mentions([*old, plain], model=MODEL)
    assert result.person_of_mention[0] != result.person_of_mention[1]


# --- a forename-less record of a multiple birth -----------------------------------------------------------


def test_a_baby_record_of_twins_is_put_to_review_not_given_to_one_twin():
    rows = {"lily": row("lily", "Lily", nhs_number=nhs("943476606")), "ella": row("ella", "Ella", nhs_number=ROSIE_NHS),
            "baby": row("baby", "Baby")}
    result = cluster(rows, [("baby", "lily", 0.97), ("baby", "ella", 0.95)], accept=ACCEPT, review_low=REVIEW_LOW,
                     rows=rows)
    assert len(set(result.values())) == 3
    assert {r.reason for r in result.review} == {REASON_MULTIPLE_BIRTH}
    # a single birth: the baby record is that child's
    rows = {"lily": row("lily", "Lily"), "baby": row("baby", "Baby")}
    result = cluster(rows, [("baby", "lily", 0.97)], accept=ACCEPT, review_low=REVIEW_LOW, rows=rows)
    assert result["baby"] == result["lily"]


# --- unborn twins -----------------------------------------------------------------------------------------


def test_one_record_naming_two_unborn_children_keeps_each_a_person_of_their_own():
    mum = {"given_name": "Kara", "family_name": "Ali", "relationship_to_subject": "mother", "role": "parent"}
    mentions = []
    for rec in ("r1", "r2"):
        mentions.append({**mum, "record_key": rec})
        for _twin in range(2):
            mentions.append({"family_name": "Ali", "role": "unborn", "relationship_label": "unborn child",
                             "record_key": rec, "expected_due_on": "2026-03-30", "occurred_on": "2025-10-01"})
    unlinkable = {i: UNLINKABLE_UNBORN for i, m in enumerate(mentions) if m["role"] == "unborn"}
    mother = {i: 0 for i, m in enumerate(mentions) if m["role"] == "parent"}
    assigned, how = link_by_context(mentions, mother, unlinkable, {}, 1)
    assert assigned == {} and how == {}
    # even when only one of the twins is known as her child yet: which unborn mention is which is unknowable
    named = [*mentions, {"record_key": "gp", "given_name": "Connor", "family_name": "Ali", "role": "patient"},
             {**mum, "record_key": "gp"}]
    n = len(mentions)
    assigned, _ = link_by_context(named, {**mother, n: 1, n + 1: 0}, unlinkable, {1: {"2026-03-29"}}, 2)
    assert assigned == {}
    # a single pregnancy across two records is one expected baby
    single = [m for i, m in enumerate(mentions) if i not in (2, 5)]
    unlinkable = {i: UNLINKABLE_UNBORN for i, m in enumerate(single) if m["role"] == "unborn"}
    mother = {i: 0 for i, m in enumerate(single) if m["role"] == "parent"}
    assigned, _ = link_by_context(single, mother, unlinkable, {}, 1)
    assert len(assigned) == 2 and len(set(assigned.values())) == 1


# --- adults with no identifier of their own, placed by their household ----------------------------------


def _household_case(extra_dean: bool = False):
    from joinedup.people.linkage.family import person_key

    rows = {
        "mum": row("mum", "Freya", "Hill", "1990-08-05"),
        "kid": row("kid", "Ollie", "Hill", "2019-02-01"),
        "dean": row("dean", "Dean", "Hill", "1988-03-03", agency="police"),
        "dean-housing": row("dean-housing", "Dean", "Hill", None, agency="housing", postcode=None),
    }
    if extra_dean:
        rows["dean-jr"] = row("dean-jr", "Dean", "Hill", "2015-06-06", agency="school")
    cluster_of_row = {uid: i for i, uid in enumerate(rows)}
    mentions, row_of_mention = [], []
    records = [("gp/1", ["mum", "kid"]), ("police/1", ["dean", "mum", "kid"]), ("housing/1", ["mum", "dean-housing"])]
    if extra_dean:
        records.append(("school/1", ["dean-jr", "mum"]))
    for key, uids in records:
        for uid in uids:
            mentions.append({"record_key": key})
            row_of_mention.append(uid)
    keys = {uid: person_key(r) for uid, r in rows.items()}
    strong = {uid for uid, r in rows.items() if r["dob"]}
    return mentions, row_of_mention, cluster_of_row, keys, strong


def test_an_adult_without_identifiers_joins_the_one_household_member_of_that_name():
    from joinedup.people.linkage.context import LINKED_HOUSEHOLD, link_by_household

    mentions, row_of_mention, cluster_of_row, keys, strong = _household_case()
    moves = link_by_household(mentions, row_of_mention, cluster_of_row, keys, strong)
    assert moves == {cluster_of_row["dean-housing"]: (cluster_of_row["dean"], LINKED_HOUSEHOLD)}
    # a person's "different people" decision is never overridden
    assert link_by_household(mentions, row_of_mention, cluster_of_row, keys, strong,
                             cannot=[("dean-housing", "dean")]) == {}
    # an age that cannot be his: not joined
    ranges = {"dean-housing": (2000, 2004)}
    assert link_by_household(mentions, row_of_mention, cluster_of_row, keys, strong, ranges) == {}
    # a father and son of one name in the household: which one is unknowable, so neither
    mentions, row_of_mention, cluster_of_row, keys, strong = _household_case(extra_dean=True)
    assert link_by_household(mentions, row_of_mention, cluster_of_row, keys, strong) == {}


def test_a_maternity_record_names_the_mother_as_the_patient_and_her_baby_as_her_son():
    mentions = [
        {"record_key": "anc", "role": "patient", "given_name": "Kara", "family_name": "Ali", "sex": "female"},
        {"record_key": "anc", "role": "unborn", "relationship_label": "unborn child", "expected_due_on": "2026-03-30",
         "occurred_on": "2025-10-01"},
        {"record_key": "pn", "role": "patient", "given_name": "Kara", "family_name": "Ali", "sex": "female"},
        {"record_key": "pn", "role": "other", "given_name": "Baby", "family_name": "Ali",
         "relationship_to_subject": "son"},
    ]
    assigned, how = link_by_context(mentions, {0: 0, 2: 0, 3: 1}, {1: UNLINKABLE_UNBORN}, {1: {"2026-03-26"}}, 2)
    assert assigned == {1: 1} and how[1].startswith("context: unborn child later born")
    # a man as the record's patient is not taken for the mother
    mentions[0]["sex"] = "male"
    assert link_by_context(mentions, {0: 0, 2: 0, 3: 1}, {1: UNLINKABLE_UNBORN}, {1: {"2026-03-26"}}, 2)[0] == {}


def test_an_unborn_child_is_the_child_the_agency_later_recorded_under_the_same_id():
    from joinedup.people.linkage.context import LINKED_UNBORN_SAME_ID

    mentions = [
        {"record_key": "c1", "role": "unborn", "source_identity": "csc:9", "family_name": "Walker",
         "expected_due_on": "2022-08-16", "occurred_on": "2022-06-09"},
        {"record_key": "c1", "role": "parent", "source_identity": "csc:5", "given_name": "Monique",
         "relationship_to_subject": "mother"},
        {"record_key": "c2", "role": "subject", "source_identity": "csc:9", "given_name": "Jay", "family_name": "Walker"},
    ]
    assigned, how = link_by_context(mentions, {1: 0, 2: 1}, {0: UNLINKABLE_UNBORN}, {1: {"2022-08-20"}}, 2)
    assert assigned == {0: 1} and how[0] == LINKED_UNBORN_SAME_ID
    # born a year later: not that pregnancy (the unborn child stays an expected baby of its own)
    assigned, how = link_by_context(mentions, {1: 0, 2: 1}, {0: UNLINKABLE_UNBORN}, {1: {"2023-09-20"}}, 2)
    assert assigned[0] != 1 and how[0] != LINKED_UNBORN_SAME_ID


def test_an_adult_at_the_same_postcode_is_household_too():
    from joinedup.people.linkage.context import LINKED_HOUSEHOLD, link_by_household
    from joinedup.people.linkage.family import person_key

    rows = {
        "mum": row("mum", "Freya", "Hill", "1990-08-05", postcode="NB4 2XY"),
        "dean": row("dean", "Dean", "Hill", "1988-03-03", agency="gp", postcode="NB4 2XY"),
        "dean-school": row("dean-school", "Dean", "Hill", None, agency="school", postcode=None),
    }
    cluster_of_row = {uid: i for i, uid in enumerate(rows)}
    mentions = [{"record_key": "school/1"}, {"record_key": "school/1"}]
    moves = link_by_household(mentions, ["mum", "dean-school"], cluster_of_row,
                              {u: person_key(r) for u, r in rows.items()}, {"mum", "dean"})
    assert moves == {2: (1, LINKED_HOUSEHOLD)}


def test_a_parent_is_not_placed_onto_a_brother_of_the_same_name():
    from joinedup.people.linkage.context import link_by_household
    from joinedup.people.linkage.family import person_key

    rows = {
        "mum": row("mum", "Freya", "Hill", "1990-08-05"),
        "ollie": row("ollie", "Ollie", "Hill", "2016-02-01"),
        "dean-jr": row("dean-jr", "Dean", "Hill", "2008-06-06", agency="school"),  # Ollie's big brother
        "dean-dad": row("dean-dad", "Dean", "Hill", None, agency="school", postcode=None),  # known by name only
    }
    cluster_of_row = {uid: i for i, uid in enumerate(rows)}
    keys = {u: person_key(r) for u, r in rows.items()}
    strong = {"mum", "ollie", "dean-jr"}
    records = [("gp/1", [("mum", "parent", "mother"), ("dean-jr", "subject", ""), ("ollie", "subject", "")]),
               ("school/9", [("ollie", "pupil", ""), ("dean-dad", "carer", "father")])]
    mentions, row_of_mention = [], []
    for key, people in records:
        for uid, role, relationship in people:
            mentions.append({"record_key": key, "role": role, "relationship_to_subject": relationship})
            row_of_mention.append(uid)
    assert link_by_household(mentions, row_of_mention, cluster_of_row, keys, strong) == {}
    # the same name recorded as Ollie's brother (no parental role): the brother it is
    mentions[-1] = {"record_key": "school/9", "role": "household_member", "relationship_to_subject": "brother"}
    assert set(link_by_household(mentions, row_of_mention, cluster_of_row, keys, strong)) == {3}


def test_review_pairs_name_the_rows_of_mentions_not_of_former_names():
    from joinedup.people.linkage.cluster import ReviewPair
    from joinedup.people.linkage.pipeline import on_mentioned_rows

    review = [ReviewPair("alias", "other", 0.7, "uncertain"), ReviewPair("main", "other", 0.6, "uncertain"),
              ReviewPair("alias", "main", 0.95, "uncertain"), ReviewPair("x", "y", 0.6, "uncertain")]
    assert on_mentioned_rows(review, [("main", "alias")]) == [ReviewPair("main", "other", 0.7, "uncertain"),
                                                              ReviewPair("x", "y", 0.6, "uncertain")]
