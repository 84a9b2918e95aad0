"""Linking by context: mentions with no identity of their own, resolved through the record they are in.

Two kinds of mention carry no name or identifier but are still someone definite:

- **"Accompanied by: mother"** — an adult recorded only by relationship, whose `relationship_to_subject`
  is `mother`. The record's subject (a child) has been linked by identity; if that child's person has
  exactly one mother across all records that name her (named mentions whose relationship to the child is
  `mother`), this mention is her. Other relationships — "partner", "Mum's boyfriend", "stepdad", "male
  friend" — are never resolved this way: partners change, and a man recorded only as "partner" may be
  precisely the unknown adult nobody has identified; guessing him would hide that.
- **Unborn children** — first, an unborn child the agency gave its own person id (a case opened before
  birth) is the child that agency later recorded under that id, when that child was born within 60 days of
  the due date (or within 300 days after the record). Otherwise "unborn child" with the mother alongside in
  the same record (named as the mother, or — a maternity record — the patient herself, not recorded as
  male); a mother's children are those whose records name her as mother, or whom her own records name as
  her son or daughter. The mother's person
  is found (by identity, or by the rule above); if exactly one child of hers (a person whose unique mother
  she is) was born within 30 days of the expected due date (or, without a due date, within 300 days
  after the record), the unborn mention is that child. Otherwise the unborn mentions of one mother whose
  due dates are within 60 days of each other (or recorded within 280 days of each other) are one new
  person — the expected baby — not linked to any born child. When one record names two or more unborn
  children of the pregnancy (twins expected), which later mention is which child cannot be known, so each
  unborn mention of that pregnancy stays a person of its own rather than one person standing for both.

Needs these optional mention keys: `record_key` (any value naming the record; the mentions of one record
share it), `relationship_to_subject`, `expected_due_on`, plus `role` and `occurred_on`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from .clean import clean_dob
from .prepare import UNLINKABLE_RELATIONSHIP_ONLY, UNLINKABLE_UNBORN
from .rows import groups_of

SUBJECT_ROLES = frozenset({"subject", "patient", "pupil", "unborn"})
DUE_WINDOW = timedelta(days=30)
NO_DUE_WINDOW = (timedelta(days=-7), timedelta(days=300))
SAME_PREGNANCY_DUE = timedelta(days=60)
SAME_PREGNANCY_SEEN = timedelta(days=280)
LINKED_MOTHER = "context: mother of the record's subject"
LINKED_UNBORN_BORN = "context: unborn child later born to the same mother"
LINKED_UNBORN_GROUP = "context: unborn child of the same mother and pregnancy"
LINKED_UNBORN_SAME_ID = "context: unborn child the agency later recorded, born, under the same person id"
UNLINKED_MULTIPLE_PREGNANCY = "multiple pregnancy"  # twins before birth: which unborn mention is which child is unknowable


OFFSPRING = frozenset({"son", "daughter", "child", "baby"})


def _may_be_mother(m: Mapping[str, Any]) -> bool:
    return (m.get("sex") or "").strip().lower() not in ("male", "m")


def _relationship(m: Mapping[str, Any]) -> str:
    return (m.get("relationship_to_subject") or "").strip().lower()


def link_by_context(
    mentions: Sequence[Mapping[str, Any]],
    cluster_of_mention: Mapping[int, int],
    unlinkable: Mapping[int, str],
    dobs_of_cluster: Mapping[int, set[str]],
    next_cluster: int,
) -> tuple[dict[int, int], dict[int, str]]:
    """Clusters for unlinkable mentions that context resolves: (mention index → cluster, → how).

    `cluster_of_mention` holds the identity-linked mentions' clusters; `dobs_of_cluster` the dates of
    birth (ISO) in each cluster; new clusters (unborn children not yet matched) are numbered from
    `next_cluster` on.
    """
    def records() -> Iterator[list[int]]:  # each record's mentions, made a record at a time (millions of records)
        return (idxs for _key, idxs in groups_of(mentions, "record_key"))

    def subjects(idxs: list[int]) -> list[int]:
        chosen = [i for i in idxs if mentions[i].get("role") in SUBJECT_ROLES]
        return chosen or idxs[:1]

    # Who is each child's mother, according to the records that name her? ("mother" of the subject, or the
    # subject herself when the record names her son or daughter, as maternity and postnatal records do)
    mothers: dict[int, set[int]] = defaultdict(set)
    for idxs in records():
        for s in subjects(idxs):
            if s not in cluster_of_mention or not _may_be_mother(mentions[s]):
                continue
            for j in idxs:
                if j != s and j in cluster_of_mention and _relationship(mentions[j]) in OFFSPRING \
                        and cluster_of_mention[j] != cluster_of_mention[s]:
                    mothers[cluster_of_mention[j]].add(cluster_of_mention[s])
    for idxs in records():
        named_mothers = [i for i in idxs if i in cluster_of_mention and _relationship(mentions[i]) == "mother"]
        if not named_mothers:
            continue
        for s in subjects(idxs):
            if s in cluster_of_mention:
                for mo in named_mothers:
                    if mo != s and cluster_of_mention[mo] != cluster_of_mention[s]:
                        mothers[cluster_of_mention[s]].add(cluster_of_mention[mo])

    assigned: dict[int, int] = {}
    how: dict[int, str] = {}

    def resolved(i: int) -> int | None:
        if i in cluster_of_mention:
            return cluster_of_mention[i]
        return assigned.get(i)

    # Relationship-only mothers of an identified subject.
    for idxs in records():
        for i in idxs:
            if unlinkable.get(i) != UNLINKABLE_RELATIONSHIP_ONLY or _relationship(mentions[i]) != "mother":
                continue
            candidates: set[int] = set()
            for s in subjects(idxs):
                if s != i and s in cluster_of_mention:
                    candidates |= mothers.get(cluster_of_mention[s], set()) or {-1}
            if len(candidates) == 1 and -1 not in candidates:
                assigned[i] = next(iter(candidates))
                how[i] = LINKED_MOTHER

    children: dict[int, list[int]] = defaultdict(list)  # mother's cluster → clusters she is the only mother of
    for child, ms in mothers.items():
        if len(ms) == 1:
            children[next(iter(ms))].append(child)

    # Unborn children the agency later recorded, born, under the same person id (a case opened pre-birth).
    cluster_of_identity: dict[str, int] = {}
    for i, c in cluster_of_mention.items():
        source = mentions[i].get("source_identity")
        if source:
            cluster_of_identity.setdefault(source, c)
    for idxs in records():
        for i in idxs:
            source = mentions[i].get("source_identity")
            if unlinkable.get(i) != UNLINKABLE_UNBORN or not source or source not in cluster_of_identity:
                continue
            child = cluster_of_identity[source]
            others = {cluster_of_mention.get(j) for j in idxs if j != i}
            due = clean_dob(mentions[i].get("expected_due_on"))
            seen = clean_dob(mentions[i].get("occurred_on"))
            if child in others:
                continue  # the id is someone else's in this very record (the mother's)
            for iso in dobs_of_cluster.get(child, ()):
                born = date.fromisoformat(iso)
                if (abs(born - due) <= SAME_PREGNANCY_DUE) if due is not None else (
                        seen is not None and NO_DUE_WINDOW[0] <= born - seen <= NO_DUE_WINDOW[1]):
                    assigned[i] = child
                    how[i] = LINKED_UNBORN_SAME_ID
                    break

    # Unborn children.
    pending: dict[int, list[tuple[date | None, date | None, int]]] = defaultdict(list)  # mother → (due, seen, i)
    for idxs in records():
        for i in idxs:
            if unlinkable.get(i) != UNLINKABLE_UNBORN or i in assigned:
                continue
            mother_idx = [j for j in idxs if j != i and _relationship(mentions[j]) == "mother"] or [
                j for j in idxs  # a maternity record: the mother is the patient, the unborn child hers
                if j != i and mentions[j].get("role") in SUBJECT_ROLES - {"unborn"} and _may_be_mother(mentions[j])
            ]
            mother_clusters = {c for j in mother_idx if (c := resolved(j)) is not None}
            if len(mother_clusters) != 1:
                continue
            mother = next(iter(mother_clusters))
            due = clean_dob(mentions[i].get("expected_due_on"))
            seen = clean_dob(mentions[i].get("occurred_on"))
            matches = []
            for child in children.get(mother, ()):
                for iso in dobs_of_cluster.get(child, ()):
                    born = date.fromisoformat(iso)
                    if due is not None:
                        ok = abs(born - due) <= DUE_WINDOW
                    else:
                        ok = seen is not None and NO_DUE_WINDOW[0] <= born - seen <= NO_DUE_WINDOW[1]
                    if ok:
                        matches.append(child)
                        break
            twins_expected = sum(1 for j in idxs if unlinkable.get(j) == UNLINKABLE_UNBORN) > 1
            if len(matches) == 1 and not twins_expected:  # of two unborn children, which is this one?
                assigned[i] = matches[0]
                how[i] = LINKED_UNBORN_BORN
            else:
                pending[mother].append((due, seen, i))
    for mother in sorted(pending):
        items = sorted(pending[mother], key=lambda t: (t[0] or t[1] or date.min, t[2]))
        groups: list[list[int]] = []
        group_start: tuple[date | None, date | None] | None = None
        for due, seen, i in items:
            if group_start is None or not _same_pregnancy(group_start, (due, seen)):
                group_start = (due, seen)
                groups.append([])
            groups[-1].append(i)
        for group in groups:
            records = [mentions[i].get("record_key") for i in group]
            if len(set(records)) < len(records):  # one record names two unborn children: a multiple pregnancy
                for i in group:
                    how[i] = UNLINKED_MULTIPLE_PREGNANCY
                continue
            for i in group:
                assigned[i] = next_cluster
                how[i] = LINKED_UNBORN_GROUP
            next_cluster += 1
    for i, reason in how.items():
        if reason == UNLINKED_MULTIPLE_PREGNANCY:
            assigned.pop(i, None)
    return assigned, {i: h for i, h in how.items() if i in assigned}


def _same_pregnancy(a: tuple[date | None, date | None], b: tuple[date | None, date | None]) -> bool:
    if a[0] is not None and b[0] is not None:
        return abs(a[0] - b[0]) <= SAME_PREGNANCY_DUE
    if a[1] is not None and b[1] is not None:
        return abs(a[1] - b[1]) <= SAME_PREGNANCY_SEEN
    return False


LINKED_HOUSEHOLD = "context: named in a record beside a member of their household"
PARENT_ROLES = frozenset({"parent", "carer"})
PARENT_RELATIONSHIPS = frozenset({"mother", "father", "parent", "stepfather", "stepmother", "step-father",
                                  "step-mother", "carer", "guardian"})
PARENT_GAP_YEARS = 12  # a parent is born at least this many years before the child


def link_by_household(
    mentions: Sequence[Mapping[str, Any]],
    row_of_mention: Sequence[str | None],
    cluster_of_row: Mapping[str, int],
    keys_of_row: Mapping[str, tuple],
    strong_rows: set[str],
    ranges_of_row: Mapping[str, tuple[int, int]] | None = None,
    cannot: Sequence[tuple[str, str]] = (),
) -> dict[int, tuple[int, str]]:
    """Clusters with no identifier of their own (a name, perhaps a postcode) that the household places.

    An adult recorded without a date of birth, NHS number or UPN — a tenant's partner, a mother at A&E, a
    next of kin — is linked by identity only when exactly one person matches them. When that fails, the
    record they are in may still say who they are: it names others (the child, the tenant) who are linked
    to persons with identifiers, and those persons' households — everyone named beside them in any other
    record, and everyone recorded at one of their postcodes — may hold exactly one person with the same name (forename the same name, as nickname, variant,
    initial or slip; surname the same or sharing a part; an age or estimated date of birth that fits; and,
    when the record names them as the subject's parent or carer, born at least 12 years before the subject).
    Then the cluster joins that person. Two candidates (a father and son of one name) join neither.

    `keys_of_row` holds `family.person_key` tuples; `strong_rows` the rows with an NHS number, UPN or date
    of birth; `cannot` pairs of rows a person decided are different people (never joined). Returns weak
    cluster → (the cluster it joins, how).
    """
    from .family import _initial_of, _one_slip, _same_family, _same_given

    strong_clusters = {cluster_of_row[u] for u in strong_rows if u in cluster_of_row}
    rows_of_cluster: dict[int, list[str]] = defaultdict(list)
    for uid, c in cluster_of_row.items():
        rows_of_cluster[c].append(uid)
    # A record at a time (millions of them): the strong clusters named together make households; of the records
    # naming a weak cluster, what the matching below reads is kept.
    weak_in_record: dict[Any, set[int]] = {}
    anchors_of_record: dict[Any, set[int]] = {}  # the record's strong clusters
    subjects_of_record: dict[Any, set[int]] = {}  # strong clusters of the record's subject
    parental: set[tuple[Any, int]] = set()  # (record, weak cluster) recorded as a parent or carer of the subject
    household: dict[int, set[int]] = defaultdict(set)
    for key, idxs in groups_of(mentions, "record_key"):
        clusters: set[int] = set()
        weak: set[int] = set()
        subjects: set[int] = set()
        for i in idxs:
            uid = row_of_mention[i]
            if uid is None:
                continue
            m = mentions[i]
            c = cluster_of_row[uid]
            clusters.add(c)
            if c not in strong_clusters:
                weak.add(c)
                if m.get("role") in PARENT_ROLES or _relationship(m) in PARENT_RELATIONSHIPS:
                    parental.add((key, c))
            elif m.get("role") in SUBJECT_ROLES:
                subjects.add(c)
        strong = clusters & strong_clusters
        if len(strong) > 1:
            for c in strong:
                household[c] |= strong - {c}
        if weak:
            weak_in_record[key] = weak
            anchors_of_record[key] = strong
            if subjects:
                subjects_of_record[key] = subjects
    if not weak_in_record:
        return {}
    at_postcode: dict[str, set[int]] = defaultdict(set)  # co-residents: persons recorded at one full postcode
    postcodes_of: dict[int, set[str]] = defaultdict(set)
    for uid, c in cluster_of_row.items():
        key = keys_of_row.get(uid)
        if c in strong_clusters and key and key[8]:
            at_postcode[key[8]].add(c)
            postcodes_of[c].add(key[8])
    ranges = ranges_of_row or {}

    def same_name(w: tuple, h: tuple) -> bool:
        return (_same_given(w, h) or _initial_of(w, h) or _one_slip(w, h)) and _same_family(w, h)

    def birth_years(c: int) -> set[int]:
        return {int(keys_of_row[u][7][:4]) for u in rows_of_cluster[c] if keys_of_row.get(u) and keys_of_row[u][7]}

    def fits(weak: int, candidate: int) -> bool:
        spans = [ranges[u] for u in rows_of_cluster[weak] if u in ranges]
        if not spans:
            return True
        years = {int(keys_of_row[u][7][:4]) for u in rows_of_cluster[candidate] if keys_of_row.get(u) and keys_of_row[u][7]}
        return not years or any(all(lo <= y <= hi for lo, hi in spans) for y in years)

    out: dict[int, tuple[int, str]] = {}
    options: dict[int, set[int]] = defaultdict(set)
    for key, weak_clusters in weak_in_record.items():
        anchors = anchors_of_record[key]
        if not anchors:
            continue
        near = set().union(
            *(household.get(a, set()) for a in anchors),
            *(at_postcode[pc] for a in anchors for pc in postcodes_of.get(a, ())),
        ) - anchors
        for w in weak_clusters:
            names = [keys_of_row[u] for u in rows_of_cluster[w] if keys_of_row.get(u) and keys_of_row[u][0]]
            if not names:
                continue
            youngest_subject = max((y for c in subjects_of_record.get(key, ()) for y in birth_years(c)), default=None)
            for h in near:
                theirs = [keys_of_row[u] for u in rows_of_cluster[h] if keys_of_row.get(u)]
                if not (any(same_name(n, t) for n in names for t in theirs) and fits(w, h)):
                    continue
                if (key, w) in parental and youngest_subject is not None and any(
                        y > youngest_subject - PARENT_GAP_YEARS for y in birth_years(h)):
                    continue  # the subject's parent cannot be born after them, nor at 11: a brother of one name
                options[w].add(h)
    refused = {(cluster_of_row.get(a), cluster_of_row.get(b)) for a, b in cannot}
    for w, found in options.items():
        if len(found) == 1:
            h = next(iter(found))
            if (w, h) not in refused and (h, w) not in refused:
                out[w] = (h, LINKED_HOUSEHOLD)
    return out
