"""Search ignores accents and case, reads apostrophes any way they are typed, and finds names in other scripts as
written — on SQLite as on PostgreSQL. The names come from the simulated authority (its families whose names every
agency writes with accents, apostrophes or in their own script), linked as records arrive."""

from __future__ import annotations

import csv
import datetime as dt
import importlib
import unicodedata
from dataclasses import dataclass

import pytest
from anyascii import anyascii
from django.apps import apps as django_apps

from joinedup.accounts.models import Role
from joinedup.casework.lookup import children_matching
from joinedup.ingest.services import records_ingest
from joinedup.people.models import MentionLink, Person
from joinedup.people.search import fold, search_terms
from joinedup.people.selectors import person_search
from joinedup.people.services import linkage_run
from tests.people.conftest import SYSTEM, authority, authority_records, model_only, trained_model  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.both_databases]


def test_folding_is_the_same_for_what_is_stored_and_what_is_typed():
    assert fold("Dáisy") == fold("Daisy") == fold("DAISY")
    assert fold("O'Brien") == fold("O’Brien") == fold("OBrien") == fold("o‘brien")
    assert fold("Łukasz Woźniak") == fold("Lukasz Wozniak")
    assert fold("Strauß") == fold("STRAUSS")
    assert fold("مُحَمَّد") == fold("محمد")  # vowel marks are optional in Arabic
    assert fold("أحمد") == fold("احمد")  # and the hamza on the alef
    assert fold("ЮЛІЯ") == fold("Юлія")
    assert fold("王伟") == "王伟" and fold("Иванова") == "иванова"  # other scripts stay in their script
    assert search_terms("  Seán   O’Donnell ") == ["sean", "odonnell"]
    assert search_terms("'") == []


def _rows(out) -> list[dict]:
    with (out / "truth" / "persons.csv").open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _script(name: str) -> str:
    """The script of a name's first letter ("LATIN", "ARABIC", "CJK", "CYRILLIC")."""
    return unicodedata.name(name[0]).split()[0]


@dataclass(frozen=True)
class Named:
    """One of the special simulated people as joinedup holds them: their person, and their names as one agency
    wrote them (the agency's version may carry the simulator's noise; search must find what was written)."""

    person_id: object
    given: str
    family: str
    dob: str
    role: str


@pytest.fixture
def families(model_only, authority, authority_records) -> dict[str, list[Named]]:  # noqa: F811
    """The records of the simulated families whose names have accents, apostrophes or another script, ingested and
    linked; each such person by what is special about their family name."""
    kinds = {
        "accents": lambda f: not f.replace("'", "").isascii() and _script(f) == "LATIN",
        "apostrophe": lambda f: "'" in f,
        "arabic": lambda f: _script(f) == "ARABIC",
        "chinese": lambda f: _script(f) == "CJK",
        "cyrillic": lambda f: _script(f) == "CYRILLIC",
    }
    truth = {r["person_id"]: r for r in _rows(authority) if r["born"] == "true" and r["family_name"]}
    wanted = {pid for pid, r in truth.items() if any(test(r["family_name"]) for test in kinds.values())}
    with (authority / "truth" / "mentions.csv").open(encoding="utf-8") as f:
        whose = {(m["agency_id"], m["source_record_id"], m["mention_id"]): m["person_id"] for m in csv.DictReader(f)
                 if m["person_id"] in wanted}
    chosen = [rec for rec in authority_records if any((rec["agency_id"], rec["source_record_id"], m["mention_id"])
                                                      in whose for m in rec["mentions"])]
    result = records_ingest(actor=SYSTEM, records=chosen, via="file")
    assert not [o for o in result.outcomes if o.status == "refused"]
    linkage_run(actor=SYSTEM, progress=lambda _line: None)
    special: dict[str, list[Named]] = {kind: [] for kind in kinds}
    seen = set()
    for link in MentionLink.objects.filter(person__isnull=False).select_related("mention__record", "mention__agency"):
        m = link.mention
        pid = whose.get((m.agency.code, m.record.source_record_id, m.mention_id))
        if pid is None or not m.given_name or not m.family_name or (pid, m.given_name, m.family_name) in seen:
            continue
        seen.add((pid, m.given_name, m.family_name))
        for kind, test in kinds.items():
            if test(m.family_name):
                special[kind].append(Named(link.person_id, m.given_name, m.family_name, truth[pid]["dob"],
                                           truth[pid]["role"]))
    assert all(special.values()), {k: len(v) for k, v in special.items()}  # the simulator writes every kind
    return special


@pytest.fixture
def searcher(make_user):
    return make_user(role=Role.FRONT_DOOR)


def _finds(viewer, typed: str, who: Named) -> bool:
    return person_search(viewer=viewer, name=typed, everyone=True).filter(pk=who.person_id).exists()


def _ascii(text: str) -> str:
    """A name as typed on an English keyboard: "Łukasz Woźniak" as "Lukasz Wozniak"."""
    text = text.translate(str.maketrans("ŁłØøĐđ", "LlOoDd"))
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def test_accents_case_and_apostrophes_do_not_matter(families, searcher):
    for who in families["accents"] + families["apostrophe"]:
        assert _finds(searcher, f"{who.given} {who.family}", who), who  # as written
        plain = f"{_ascii(who.given)} {_ascii(who.family)}".replace("'", "")
        assert plain.isascii() and _finds(searcher, plain.upper(), who), (plain, who)  # Wozniak, OBRIEN
    for who in families["apostrophe"]:
        for typed in (who.family.replace("'", "’"), who.family.replace("'", ""), who.family.replace("'", " "),
                      who.family.lower()):
            assert _finds(searcher, typed, who), (typed, who)


def test_a_name_stored_without_accents_is_found_typed_with_them(families, searcher):
    plain = Person.objects.filter(family_name__regex=r"^[A-Za-z]{3,}$", given_name__regex=r"^[A-Za-z]{3,}$").first()
    assert plain is not None  # the families live among people with plain names
    accented = "".join({"a": "á", "e": "é", "i": "í", "o": "ó", "u": "ú"}.get(ch, ch) for ch in plain.given_name)
    assert accented != plain.given_name or not set("aeiou") & set(plain.given_name)
    found = person_search(viewer=searcher, name=f"{accented} {plain.family_name.upper()}", everyone=True)
    assert found.filter(pk=plain.pk).exists()


def test_names_in_other_scripts_are_found_as_written(families, searcher):
    for kind in ("arabic", "chinese", "cyrillic"):
        for who in families[kind]:
            assert _finds(searcher, f"{who.given} {who.family}", who), (kind, who)
            assert _finds(searcher, who.family, who) and _finds(searcher, who.family.upper(), who), (kind, who)
    for who in families["cyrillic"] + families["chinese"]:  # romanised, as typed on an English keyboard
        assert _finds(searcher, f"{anyascii(who.given)} {anyascii(who.family)}", who), (anyascii(who.family), who)
    for who in families["chinese"]:  # written family name first, without a space
        assert _finds(searcher, who.family + who.given, who), who
    for who in families["arabic"]:  # with a vowel mark a family may write
        assert _finds(searcher, who.given[0] + "\u064e" + who.given[1:], who), who
    assert not person_search(viewer=searcher, name="Иванова-Нет", everyone=True).exists()  # and only those


def test_only_apostrophes_find_nobody(families, searcher):
    assert person_search(viewer=searcher, name="'", everyone=True).count() == 0
    assert person_search(viewer=searcher, name="", everyone=True).count() > 0  # the filter is what changed


def test_a_partners_look_up_folds_the_name_too(families):
    child = next(w for w in families["accents"] + families["apostrophe"] if w.role == "child")
    born = dt.date.fromisoformat(child.dob)
    found = children_matching(given_name=_ascii(child.given).lower(), family_name=_ascii(child.family).upper(),
                              dob=born, today=born + dt.timedelta(days=365 * 5))
    assert child.person_id in [p.pk for p in found]


def test_the_migration_recomputes_search_text_as_persons_refresh_writes_it(families):
    migration = importlib.import_module("joinedup.people.migrations.0005_person_search_text_folded")
    written = dict(Person.objects.filter(mention_count__gt=0).values_list("pk", "search_text"))
    assert any(not text.isascii() for text in written.values())
    migration.as_before(django_apps, None)  # back: words as written, lower-cased
    before = dict(Person.objects.filter(mention_count__gt=0).values_list("pk", "search_text"))
    assert any("'" in text for text in before.values()) and before != written
    migration.folded(django_apps, None)
    assert dict(Person.objects.filter(mention_count__gt=0).values_list("pk", "search_text")) == written
