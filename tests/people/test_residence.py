"""Residence episodes from sightings: per address, split at long gaps; co-residence by overlap."""

import datetime as dt

from joinedup.people.residence import GAP_DAYS, Sighting, build_episodes, canonical_address_keys

D = dt.date


def test_sightings_at_one_address_form_one_episode_with_every_agency():
    eps = build_episodes([
        Sighting("p", "k1", D(2024, 1, 1), "gp"),
        Sighting("p", "k1", D(2024, 6, 1), "police"),
        Sighting("p", "", D(2024, 7, 1), "school"),  # no address: not a sighting
    ])
    assert len(eps) == 1
    assert (eps[0].first_seen_on, eps[0].last_seen_on, eps[0].agency_codes) == (D(2024, 1, 1), D(2024, 6, 1), {"gp", "police"})


def test_a_long_gap_starts_a_new_episode_and_other_addresses_overlap_freely():
    later = D(2024, 1, 1) + dt.timedelta(days=GAP_DAYS + 1)
    eps = build_episodes([
        Sighting("p", "k1", D(2024, 1, 1), "gp"),
        Sighting("p", "k1", later, "gp"),
        Sighting("p", "k2", D(2024, 3, 1), "housing"),
    ])
    assert [(e.address_key, e.first_seen_on) for e in eps] == [("k1", D(2024, 1, 1)), ("k2", D(2024, 3, 1)), ("k1", later)]


def test_overlap_uses_a_margin():
    a, b = build_episodes([Sighting("a", "k", D(2024, 1, 1), "x"), Sighting("b", "k", D(2024, 1, 20), "y")])
    assert a.overlaps(b)
    eps = build_episodes([
        Sighting("a", "k", D(2024, 1, 1), "x"),
        Sighting("a", "elsewhere", D(2024, 2, 1), "x"),  # a moved on in February
        Sighting("b", "k", D(2024, 6, 1), "y"),
    ])
    c = next(e for e in eps if e.person_id == "a" and e.address_key == "k")
    d = next(e for e in eps if e.person_id == "b")
    assert not c.overlaps(d)
    lone = build_episodes([Sighting("a", "k", D(2024, 1, 1), "x"), Sighting("b", "k", D(2024, 6, 1), "y")])
    assert lone[0].overlaps(lone[1])  # nobody saw a leave: presumed still there in June


def test_presumed_until_runs_to_the_next_address_seen():
    eps = build_episodes([
        Sighting("p", "k1", D(2024, 1, 1), "gp"),
        Sighting("p", "k2", D(2024, 9, 1), "school"),
    ])
    assert eps[0].presumed_until == D(2024, 9, 1)
    assert eps[1].presumed_until == D(2024, 9, 1) + dt.timedelta(days=GAP_DAYS)


def test_mistyped_postcodes_and_streets_fold_into_the_most_used_key_but_different_homes_do_not():
    counts = {
        "NB5 9QQ|45|30|hazel crescent": 40,
        "NB5 9QN|45|30|hazel crescent": 1,   # postcode slip, same district
        "NB5 9QQ|45|30|hazel ccescent": 2,   # street slip
        "NB5 9QQ|47|30|hazel crescent": 9,   # next door: different house number
        "NB6 9QQ|45|30|hazel crescent": 3,   # another district: not folded
        "uprn:999000000001": 5,
    }
    canonical = canonical_address_keys(counts)
    assert canonical["NB5 9QN|45|30|hazel crescent"] == "NB5 9QQ|45|30|hazel crescent"
    assert canonical["NB5 9QQ|45|30|hazel ccescent"] == "NB5 9QQ|45|30|hazel crescent"
    assert canonical["NB5 9QQ|47|30|hazel crescent"] == "NB5 9QQ|47|30|hazel crescent"
    assert canonical["NB6 9QQ|45|30|hazel crescent"] == "NB6 9QQ|45|30|hazel crescent"
    assert canonical["uprn:999000000001"] == "uprn:999000000001"


def test_a_uprn_key_joins_the_address_written_beside_it():
    counts = {"uprn:999000000001": 4, "NB1 6HQ|64||yarrow gardens": 7}
    canonical = canonical_address_keys(counts, same=[("uprn:999000000001", "NB1 6HQ|64||yarrow gardens")])
    assert canonical["uprn:999000000001"] == canonical["NB1 6HQ|64||yarrow gardens"] == "NB1 6HQ|64||yarrow gardens"
