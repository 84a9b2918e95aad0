"""NHS numbers and UPNs: synthetic ranges and check characters."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from joinedup_lab.simulate.identifiers import mistype_nhs, new_nhs, new_upn, nhs_valid, upn_valid


def test_known_valid_and_invalid_nhs_numbers() -> None:
    assert nhs_valid("9434765919")  # the NHS Digital documentation example
    assert not nhs_valid("9434765918")
    assert not nhs_valid("943476591")
    assert not nhs_valid("94347659X9")


@given(st.integers(min_value=0, max_value=2**32))
def test_new_nhs_numbers_are_valid_and_in_the_test_range(seed: int) -> None:
    rng = random.Random(seed)
    n = new_nhs(rng)
    assert n.startswith("999") and nhs_valid(n)
    m = mistype_nhs(rng, n)
    assert m != n and nhs_valid(m)


@given(st.integers(min_value=0, max_value=2**32), st.integers(0, 8), st.integers(1, 9))
def test_any_single_digit_change_breaks_the_nhs_check(seed: int, pos: int, delta: int) -> None:
    n = new_nhs(random.Random(seed))
    changed = n[:pos] + str((int(n[pos]) + delta) % 10) + n[pos + 1 :]
    assert not nhs_valid(changed)


@given(st.integers(min_value=0, max_value=2**32), st.integers(1, 12), st.integers(1, 9))
def test_upns_have_check_letters_that_catch_single_digit_changes(seed: int, pos: int, delta: int) -> None:
    u = new_upn(random.Random(seed), 2101, 19)
    assert upn_valid(u) and u[1:4] == "318"
    changed = u[:pos] + str((int(u[pos]) + delta) % 10) + u[pos + 1 :]
    assert not upn_valid(changed)
