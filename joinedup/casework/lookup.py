"""Finding a child for a partner's look-up: exact identifiers only, because a wrong match would disclose."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from joinedup.people.models import Person
from joinedup.people.search import search_terms

ADULT_YEARS = 18


def children_matching(*, nhs_number: str = "", given_name: str = "", family_name: str = "",
                      dob: dt.date | None = None, today: dt.date) -> list[Person]:
    """Children any agency recorded with this NHS number, or with exactly this name and date of birth."""
    people = Person.objects.filter(merged_into__isnull=True)
    if nhs_number:
        people = people.filter(search_text__contains=f" {nhs_number} ")
    else:
        if not (given_name.strip() and family_name.strip() and dob):
            return []
        people = people.filter(search_text__contains=f" {dob.isoformat()} ")
        for word in (*search_terms(given_name), *search_terms(family_name)):  # whole words, folded as stored
            people = people.filter(search_text__contains=f" {word} ")
    cutoff = today.replace(year=today.year - ADULT_YEARS) if not (today.month == 2 and today.day == 29) else \
        today.replace(year=today.year - ADULT_YEARS, day=28)
    return list(people.filter(Q(dob__isnull=True) | Q(dob__gt=cutoff)).order_by("family_name", "given_name")[:5])
