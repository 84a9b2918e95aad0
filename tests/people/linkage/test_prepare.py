"""Cleaning rules and linkage rows: placeholders, nicknames, check digits, postcodes, unlinkable mentions."""

from __future__ import annotations

from datetime import date

from joinedup.people.linkage.clean import (
    clean_dob,
    clean_family,
    clean_given,
    clean_nhs,
    clean_postcode,
    clean_upn,
    fold,
    given_canonical,
    phonetic,
)
from joinedup.people.linkage.prepare import (
    UNLINKABLE_RELATIONSHIP_ONLY,
    UNLINKABLE_TOO_LITTLE,
    UNLINKABLE_UNBORN,
    identity_row,
    prepare,
    unlinkable_reason,
)


def mention(**fields):
    """A GP mention of Stephen Smith, with fields overridden."""
    base = {
        "source_identity": "gp:1",
        "agency": "gp",
        "role": "patient",
        "given_name": "Stephen",
        "family_name": "Smith",
        "dob": "2015-03-04",
        "sex": "male",
        "nhs_number": "9990000018",
        "postcode": "nb1 2ab",
    }
    base.update(fields)
    return base


def test_baby_unborn_infant_are_placeholders_not_names():
    for written in ("Baby", "BABY", "Unborn", "Infant", "Baby Boy", "Baby of Smith", "Twin 1", "baby-girl"):
        assert clean_given(written) == (None, True), written
    assert clean_given("Babette") == ("babette", False)
    assert clean_given("  Zoë-Anne ") == ("zoe", False)
    row = identity_row(mention(given_name="Baby"))
    assert row is not None and row["given"] is None and row["given_placeholder"] is True


def test_folding_and_double_barrelled_family_names():
    assert fold("  O'Brien-Smyth ") == "obrien smyth"
    assert clean_family("Smith-Jones") == ("smithjones", "smith", "jones")
    assert clean_family("Unknown") == (None, None, None)
    assert phonetic("davies") == phonetic("davis")


def test_nicknames_and_spelling_variants_share_a_canonical_form():
    def shares(a: str, b: str) -> bool:
        return bool(set(given_canonical(a)) - {None} & set(given_canonical(b)) - {None})

    assert shares("steve", "stephen") and shares("steve", "steven") and shares("stephen", "steven")
    assert shares("ted", "edward") and shares("ted", "theodore")
    assert shares("liz", "elizabeth") and shares("mohammed", "muhammad") and shares("jamie", "james")
    assert not shares("edward", "theodore")  # only through Ted, never directly
    assert not shares("william", "liam") and not shares("oliver", "olivia")


def test_nhs_numbers_with_an_invalid_check_digit_are_dropped():
    assert clean_nhs("9990000018") == "9990000018"
    assert clean_nhs("999 000 0018") == "9990000018"
    assert clean_nhs("9990000017") is None  # wrong check digit
    assert clean_nhs("999000001") is None and clean_nhs("0000000000") is None and clean_nhs(None) is None
    row = identity_row(mention(nhs_number="9990000017"))
    assert row is not None and row["nhs"] is None


def test_upn_check_letter_postcodes_and_dates():
    body = "999354425742"
    letter = "ABCDEFGHJKLMNPQRTUVWXYZ"[sum(int(c) * w for c, w in zip(body, range(2, 14), strict=True)) % 23]
    assert clean_upn(letter.lower() + body) == letter + body
    wrong = "Z" if letter != "Z" else "A"
    assert clean_upn(wrong + body) is None
    assert clean_postcode("nb12ab") == ("NB1 2AB", "NB1 2", "NB1")
    assert clean_postcode("NB1") == (None, None, "NB1")
    assert clean_postcode("not a postcode") == (None, None, None)
    assert clean_dob("2015-03-04") == date(2015, 3, 4) == clean_dob(date(2015, 3, 4))
    assert clean_dob("2015-03-04T10:00:00Z") == date(2015, 3, 4)
    assert clean_dob("31/02/2015") is None


def test_unlinkable_mentions_and_why():
    assert unlinkable_reason({"role": "partner", "relationship_label": "Mum's boyfriend"}) == UNLINKABLE_RELATIONSHIP_ONLY
    assert unlinkable_reason({"role": "unborn", "family_name": "Smith"}) == UNLINKABLE_UNBORN
    assert unlinkable_reason({"given_name": "Amy", "family_name": "Saunders"}) == UNLINKABLE_TOO_LITTLE
    # with a postcode, a date of birth, or an agency-held identity it can be linked
    assert unlinkable_reason({"given_name": "Amy", "family_name": "Saunders", "postcode": "NB8 3SR"}) is None
    assert unlinkable_reason({"family_name": "Saunders", "dob": "1991-04-10"}) is None
    assert unlinkable_reason({"given_name": "Amy", "family_name": "Saunders", "source_identity": "h:1"}) is None


def test_prepare_links_distinct_identities_not_every_mention():
    mentions = [
        mention(),
        mention(),  # the same again: same row
        mention(postcode="NB1 2AB"),  # the same postcode written differently: same row
        mention(postcode="NB9 9ZZ"),  # moved: another row of the same identity
        mention(source_identity="police:7", agency="police", given_name="Steve", nhs_number=None),
        {"role": "accompanying_adult", "relationship_label": "accompanying_adult", "relationship_to_subject": "mother"},
    ]
    prepared = prepare(mentions)
    assert prepared.table.num_rows == 3
    ids = prepared.row_of_mention
    assert ids[0] == ids[1] == ids[2] and ids[3] not in (ids[0], None) and ids[5] is None
    assert prepared.unlinkable == {5: UNLINKABLE_RELATIONSHIP_ONLY}
    rows = prepared.rows()
    assert rows[ids[0]]["mentions"] == 3 and rows[ids[0]]["src_key"] == "gp:1"
    assert rows[ids[4]]["given_c1"] == "steven" and rows[ids[4]]["nhs"] is None
    assert prepare(list(reversed(mentions))).table.equals(prepared.table)  # ids are content hashes
    assert identity_row(mentions[0])["unique_id"] == ids[0]
