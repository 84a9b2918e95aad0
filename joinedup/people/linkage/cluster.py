"""Precision-first clustering of scored pairs into persons, with review decisions and a guard against chaining.

Plain connected components at a threshold chain false merges: one housing record "James Smith, NB1 2AB"
with no date of birth scores well against both James Smith senior and his son, and joins two people's
histories. So clusters are built greedily, strongest edge first (Kruskal order), and an edge at or above
`accept` joins two clusters only when

- no cannot-link pair (a person's "not the same" review decision) would end up inside one cluster,
- no two rows of the two clusters are twins or a multiple birth (`family.twins`: same surname, date of
  birth and postcode, different forenames, not the same NHS number) — a constraint like a cannot-link
  decision, checked between every row of one cluster and every row of the other, so no chain of edges
  can join them; such pairs are not put to review either, and
- the two clusters' identifiers do not conflict: no two NHS numbers that cannot be one person's (different
  numbers are one person's only when one digit is substituted or two adjacent digits swapped in the first
  nine — the simulator, like real systems, has re-validated mistyped numbers — and the rows holding them
  agree on forename, surname and date of birth: `family.nhs_typo`), no two different UPNs, no two dates
  of birth that cannot be one person's (equal, day and month swapped, a year out, or the same year with
  day or month different are compatible) — more precisely, one of the values in the merged cluster must
  be compatible with all the others (a plausible true value).

Must-link pairs (a person's "same" review decision, and rows of one agency-held identity) are applied
first and are not subject to the identifier guard, only to cannot-link decisions. Edges refused by the
guard, and edges with `review_low` ≤ probability < `accept` whose ends are in different clusters, come
back as review pairs for a person to decide (except between twins). See docs in `__init__` for the
thresholds and their figures.
"""

from __future__ import annotations

from array import array
from collections.abc import Hashable, Iterable, Iterator, Mapping
from types import MappingProxyType
from typing import Any, NamedTuple

from .family import PERSON_FIELDS, PersonKey, nhs_typo_keys, person_key, twins_keys
from .profiles import dob_compatible

_FAMILY_MP = PERSON_FIELDS.index("family_mp")

Node = Hashable
REASON_UNCERTAIN = "uncertain"
REASON_NHS = "conflicting NHS numbers"
REASON_UPN = "conflicting UPNs"
REASON_DOB = "conflicting dates of birth"
REASON_CANNOT = "cannot-link decision"
REASON_AMBIGUOUS = "matches more than one person"
REASON_TWINS = "twins or a multiple birth: same surname and date of birth, different forenames"
REASON_ESTIMATE = "an estimated date of birth or an age that does not fit"
REASON_MULTIPLE_BIRTH = "no forename, and could be any child of a multiple birth"
REASON_NHS_KEYING = "NHS number recorded for another person with a different name (keying error?)"
# The guard compares people, not only the pair: when the two rows' own identifiers agree (or one has none) and the
# conflict is between records already joined to each, the reason says so (a reviewer sees the pair's records).
REASON_NHS_LINKED = "conflicting NHS numbers on records already linked to each"
REASON_UPN_LINKED = "conflicting UPNs on records already linked to each"
REASON_DOB_LINKED = "conflicting dates of birth on records already linked to each"
_LINKED = {REASON_NHS: REASON_NHS_LINKED, REASON_UPN: REASON_UPN_LINKED, REASON_DOB: REASON_DOB_LINKED}


class ReviewPair(NamedTuple):
    """A pair a person should look at: the two nodes, the model's probability and why it is in the queue."""

    a: Node
    b: Node
    probability: float
    reason: str


class Clusters(dict):
    """node → cluster index (0, 1, … in order of each cluster's smallest node), with the review queue.

    `review` lists uncertain and guard-refused pairs (one per pair of final clusters, highest probability
    first); `conflicts` lists must-link decisions that could not be applied because of a cannot-link one.
    """

    review: list[ReviewPair]
    conflicts: list[tuple[Node, Node]]
    twins_kept_apart: int  # edges at or above accept refused because they would join twins

    @property
    def cluster_of(self) -> dict[Node, int]:
        """The mapping itself (node → cluster index), for callers that prefer a name."""
        return self

    @property
    def review_pairs(self) -> list[ReviewPair]:
        """Alias of `review`."""
        return self.review

    def members(self) -> dict[int, list[Node]]:
        """cluster index → its nodes (sorted)."""
        out: dict[int, list[Node]] = {}
        for node, index in self.items():
            out.setdefault(index, []).append(node)
        for nodes in out.values():
            nodes.sort(key=str)
        return out


# A group starts with these shared empties and gets a set or dict of its own only when it has something to keep: a
# batch run holds a group for each of a million identity rows, most of which hold only a date of birth and a name.
_NO_SET: frozenset = frozenset()
_NO_MAP: Mapping = MappingProxyType({})


class _Group:
    """The identifiers and constraints of a group of identity rows being clustered (one person, when done)."""

    __slots__ = ("births", "cannot", "dobs", "named", "nameless_births", "nhs", "nhs_who", "ranges", "size", "upn")

    def __init__(self) -> None:
        self.nhs: set[str] = _NO_SET
        self.upn: set[str] = _NO_SET
        self.dobs: set[tuple[int, int, int]] = _NO_SET
        self.cannot: dict[int, int] = _NO_MAP  # constraint index → sides present (bit 1 = a, 2 = b)
        self.size = 1
        self.ranges: set[tuple[int, int]] = _NO_SET  # estimated dates of birth and ages: (first, last year)
        self.named = False  # a row with a forename
        self.nameless_births: set[tuple[str, str]] = _NO_SET  # (dob, surname sound) of forename-less rows
        self.nhs_who: dict[str, set[PersonKey]] = _NO_MAP  # NHS number → the rows holding it
        self.births: dict[str, set[PersonKey]] = _NO_MAP  # date of birth → rows with a forename

    def own_set(self, name: str) -> set:
        """The group's own set `name` (made now if it had none), to add to."""
        value = getattr(self, name)
        if value is _NO_SET:
            value = set()
            setattr(self, name, value)
        return value

    def own_map(self, name: str) -> dict:
        """The group's own dict `name` (made now if it had none), to add to."""
        value = getattr(self, name)
        if value is _NO_MAP:
            value = {}
            setattr(self, name, value)
        return value

    def add(self, row: Mapping[str, Any]) -> None:
        """Take in one identity row's identifiers (NHS number, UPN, date of birth) and family constraints."""
        nhs, dob = row.get("nhs"), row.get("dob")
        if nhs:
            self.own_set("nhs").add(nhs)
        if row.get("upn"):
            self.own_set("upn").add(row["upn"])
        if dob:
            self.own_set("dobs").add((int(dob[0:4]), int(dob[5:7]), int(dob[8:10])))
        if row.get("dob_lo") is not None:
            self.own_set("ranges").add((row["dob_lo"], row["dob_hi"]))
        if row.get("given"):
            self.named = True
        elif dob and row.get("family_mp"):
            self.own_set("nameless_births").add((dob, row["family_mp"]))
        if nhs or (dob and row.get("given")):
            key = person_key(row)
            if nhs:
                self.own_map("nhs_who").setdefault(nhs, set()).add(key)
            if dob and row.get("given"):
                self.own_map("births").setdefault(dob, set()).add(key)

    def absorb(self, other: _Group) -> None:
        """Take in another group's identifiers and constraints (not its cannot-link decisions or size)."""
        for name in ("nhs", "upn", "dobs", "ranges", "nameless_births"):
            theirs = getattr(other, name)
            if theirs:
                self.own_set(name).update(theirs)
        self.named = self.named or other.named
        for name in ("nhs_who", "births"):
            theirs = getattr(other, name)
            if theirs:
                mine = self.own_map(name)
                for key, rows in theirs.items():
                    mine.setdefault(key, set()).update(rows)


def group_of(rows: Iterable[Mapping[str, Any]]) -> _Group:
    """The identifiers and family constraints of a set of identity rows (one person, or one new row)."""
    g = _Group()
    for r in rows:
        g.add(r)
    return g


def _dob_dict(d: tuple[int, int, int]) -> dict[str, Any]:
    return {"dob": d, "dob_y": d[0], "dob_m": d[1], "dob_d": d[2]}


def _has_centre(values: set[Any], compatible) -> bool:
    """Whether one of the values is compatible with all the others (could be the true one they all came from)."""
    if len(values) <= 1:
        return True
    return any(all(compatible(c, v) for v in values) for c in values)


def _dob_ok(x: tuple[int, int, int], y: tuple[int, int, int]) -> bool:
    return x == y or dob_compatible(_dob_dict(x), _dob_dict(y))


def twins_conflict(a: _Group, b: _Group, births: set[tuple[str, str]] | None = None) -> bool:
    """Whether a row of one group and a row of the other are twins (`family.twins`): never one person.

    With `births` (`multiple_births`), only rows of an evidenced multiple birth count as twins."""
    small, large = (a, b) if len(a.births) <= len(b.births) else (b, a)
    for birth, keys in small.births.items():
        others = large.births.get(birth)
        if others and any(
            twins_keys(p, q) and (births is None or (birth, p[_FAMILY_MP]) in births or (birth, q[_FAMILY_MP]) in births)
            for p in keys for q in others
        ):
            return True
    return False


def identifier_conflict(a: _Group, b: _Group) -> str | None:
    """Why two clusters' identifiers say they are different people, or None.

    Noise means one person's records hold a few versions of an identifier, so the test is whether one of
    the versions in the union could be the true one the others are mistakes of: all NHS numbers a typo of
    it (`family.nhs_typo`: one digit or one adjacent swap, on rows whose forename, surname and date of birth
    agree), all dates of birth compatible with it; UPNs (not mistyped in practice) must be equal.
    """
    if a.upn and b.upn and a.upn != b.upn:
        return REASON_UPN
    if a.nhs and b.nhs and a.nhs != b.nhs:

        def typo(x: str, y: str) -> bool:
            if x == y:
                return True
            xs = a.nhs_who.get(x, set()) | b.nhs_who.get(x, set())
            ys = a.nhs_who.get(y, set()) | b.nhs_who.get(y, set())
            return any(nhs_typo_keys(p, q) for p in xs for q in ys)

        if not _has_centre(a.nhs | b.nhs, typo):
            return REASON_NHS
    if a.dobs and b.dobs and a.dobs != b.dobs and not _has_centre(a.dobs | b.dobs, _dob_ok):
        return REASON_DOB
    if a.ranges or b.ranges:
        ranges = a.ranges | b.ranges
        first, last = max(r[0] for r in ranges), min(r[1] for r in ranges)
        years = {d[0] for d in a.dobs | b.dobs}
        if first > last or (years and not any(first <= y <= last for y in years)):
            return REASON_ESTIMATE
    return None


def pair_conflict_reason(reason: str, row_a: Mapping[str, Any] | None, row_b: Mapping[str, Any] | None) -> str:
    """The guard's reason for refusing an edge, as the pair shows it: an identifier conflict stays as it is only when
    the two rows themselves conflict on that identifier; otherwise the conflict is on records already linked to
    each (neither row need hold a UPN for "conflicting UPNs on records already linked to each")."""
    if reason not in _LINKED:
        return reason
    own = identifier_conflict(group_of([row_a or {}]), group_of([row_b or {}]))
    return reason if own == reason else _LINKED[reason]


def multiple_births(
    rows: Iterable[Mapping[str, Any]], together: Iterable[tuple[Mapping[str, Any], Mapping[str, Any]]] = ()
) -> set[tuple[str, str]]:
    """(date of birth, surname sound) of every multiple birth the records *show*: two rows with that date of
    birth and surname whose forenames are different names (`family.twins`) and that are evidently two people
    — two different valid NHS numbers (not one mistyped: `family.nhs_typo`), two different UPNs, two sexes
    recorded, or named side by side in one record (`together`: pairs of rows of mentions of one record).

    Without such evidence, one child recorded under two forenames (Wiktoria at the GP, Vicky at school; a
    nickname no table lists) is far likelier than twins nobody recorded as two, so those rows are left to the
    model and the other guards. Every real multiple birth in the simulator and in the held-back data is
    evidenced (the twins have their own NHS numbers or UPNs).
    """
    buckets: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
    for r in rows:
        if r.get("dob") and r.get("given") and r.get("family_mp"):
            buckets.setdefault((r["dob"], r["family_mp"]), []).append(r)
    out = set()

    def evidently_two(p: Mapping[str, Any], q: Mapping[str, Any]) -> bool:
        if p.get("nhs") and q.get("nhs") and p["nhs"] != q["nhs"] and not nhs_typo_keys(person_key(p), person_key(q)):
            return True
        if p.get("upn") and q.get("upn") and p["upn"] != q["upn"]:
            return True
        return bool(p.get("sex") and q.get("sex") and p["sex"] != q["sex"])

    for key, members in buckets.items():
        if len(members) < 2:
            continue
        distinct: dict[tuple, Mapping[str, Any]] = {}
        for r in members:
            distinct.setdefault((person_key(r), r.get("upn"), r.get("sex")), r)
        people = sorted(distinct.values(), key=lambda r: repr(person_key(r)))
        if any(
            twins_keys(person_key(p), person_key(q)) and evidently_two(p, q)
            for i, p in enumerate(people) for q in people[i + 1 :]
        ):
            out.add(key)
    for p, q in together:
        if p.get("dob") and p["dob"] == q.get("dob") and p.get("family_mp") and twins_keys(person_key(p), person_key(q)):
            out.add((p["dob"], p["family_mp"]))
    return out


def unnamed_in_multiple_birth(g: _Group, births: set[tuple[str, str]]) -> bool:
    """A group with no forename, NHS number or UPN ("Baby Price") whose date of birth and surname are those of a
    multiple birth: it could be any of the children, so no edge may join it to one without a person deciding."""
    return not g.named and not g.nhs and not g.upn and bool(g.nameless_births & births)


def _ranked(
    edges: Iterable[tuple[Node, Node, float]], index: Mapping[Node, int], nodes: list[Node], low: float
) -> Iterator[tuple[float, Node, Node]]:
    """The edges at or above `low` between known nodes as (probability, a, b), strongest first, ties in node order
    (nodes are sorted), so the result does not depend on input order. Held as arrays while sorted: a batch run
    has millions of edges, which as tuples would cost gigabytes."""
    import pyarrow as pa
    import pyarrow.compute as pc

    probabilities, lefts, rights = array("d"), array("q"), array("q")
    for a, b, p in edges:
        p = float(p)
        if p >= low:
            ia, ib = index.get(a), index.get(b)
            if ia is not None and ib is not None:
                probabilities.append(p)
                lefts.append(ia)
                rights.append(ib)
    n = len(probabilities)
    table = pa.table({
        "p": pa.Array.from_buffers(pa.float64(), n, [None, pa.py_buffer(probabilities)]),
        "a": pa.Array.from_buffers(pa.int64(), n, [None, pa.py_buffer(lefts)]),
        "b": pa.Array.from_buffers(pa.int64(), n, [None, pa.py_buffer(rights)]),
    })
    order = pc.sort_indices(table, sort_keys=[("p", "descending"), ("a", "ascending"), ("b", "ascending")])
    table = table.take(order)
    del probabilities, lefts, rights, order
    for batch in table.to_batches(max_chunksize=100_000):
        ps, as_, bs = (column.to_pylist() for column in batch.columns)
        for p, ia, ib in zip(ps, as_, bs, strict=True):
            yield p, nodes[ia], nodes[ib]


def cluster(
    node_ids: Iterable[Node],
    edges: Iterable[tuple[Node, Node, float]],
    *,
    accept: float,
    review_low: float | None = None,
    must_link: Iterable[tuple[Node, Node]] = (),
    cannot_link: Iterable[tuple[Node, Node]] = (),
    rows: Mapping[Node, Mapping[str, Any]] | None = None,
    births: set[tuple[str, str]] | None = None,
) -> Clusters:
    """Cluster nodes: must-links, then edges ≥ accept strongest first, refusing cannot-link and conflicts.

    `rows[node]` (an identity row, or any mapping) may hold `nhs`, `upn` and `dob` ("YYYY-MM-DD") for the
    identifier guard; without `rows` there is no guard and no special treatment of rows lacking all three. Returns `Clusters` (a dict node → cluster index) with `.review` holding the
    pairs to review: edges in [review_low, accept) between different clusters and edges the guard refused.
    """
    nodes = sorted(set(node_ids), key=str)
    index = {n: i for i, n in enumerate(nodes)}
    parent = list(range(len(nodes)))
    # A root's group is made when first needed (most rows are joined to others before they are ever compared, and
    # a group per identity row would be held at once otherwise); an absorbed group is let go.
    groups: list[_Group | None] = [None] * len(nodes)
    attributes = rows or {}

    def group(root: int) -> _Group:
        g = groups[root]
        if g is None:
            g = groups[root] = _Group()
            attr = attributes.get(nodes[root])
            if attr:
                g.add(attr)
        return g

    def find(i: int) -> int:
        root = i
        while parent[root] != root:
            root = parent[root]
        while parent[i] != root:
            parent[i], i = root, parent[i]
        return root

    for k, (x, y) in enumerate(cannot_link):
        if x in index and y in index:
            for node, side in ((x, 1), (y, 2)):
                g = group(find(index[node]))
                g.own_map("cannot")[k] = g.cannot.get(k, 0) | side

    def blocked_by_decision(ga: _Group, gb: _Group) -> bool:
        small, large = (ga, gb) if len(ga.cannot) <= len(gb.cannot) else (gb, ga)
        return any((sides | large.cannot.get(k, 0)) == 3 for k, sides in small.cannot.items() if k in large.cannot)

    def union(ra: int, rb: int) -> None:
        ga, gb = group(ra), group(rb)
        if ga.size < gb.size:
            ra, rb, ga, gb = rb, ra, gb, ga
        parent[rb] = ra
        ga.absorb(gb)
        if gb.cannot:
            mine = ga.own_map("cannot")
            for k, sides in gb.cannot.items():
                mine[k] = mine.get(k, 0) | sides
        ga.size += gb.size
        groups[rb] = None

    conflicts: list[tuple[Node, Node]] = []
    for x, y in must_link:
        if x not in index or y not in index:
            continue
        ra, rb = find(index[x]), find(index[y])
        if ra == rb:
            continue
        ga, gb = group(ra), group(rb)
        if blocked_by_decision(ga, gb):
            conflicts.append((x, y))
            continue
        union(ra, rb)

    low = accept if review_low is None else review_low
    candidates = _ranked(edges, index, nodes, low)

    def weak(root: int) -> bool:
        g = groups[root]
        if g is None:  # a row on its own, its group not made yet
            attr = attributes.get(nodes[root])
            return guarded and not (attr and (attr.get("nhs") or attr.get("upn") or attr.get("dob")))
        return guarded and not (g.nhs or g.upn or g.dobs)

    guarded = rows is not None
    if births is None:
        births = multiple_births(attributes.values())
    twins_kept_apart = 0
    refused: list[ReviewPair] = []
    uncertain: list[tuple[float, Node, Node]] = []
    deferred: list[tuple[float, Node, Node]] = []
    # Phase 1: edges between clusters that hold an identifier (NHS number, UPN or date of birth).
    for p, a, b in candidates:
        if p < accept:
            uncertain.append((p, a, b))
            continue
        ra, rb = find(index[a]), find(index[b])
        if ra == rb:
            continue
        if weak(ra) or weak(rb):
            deferred.append((p, a, b))
            continue
        ga, gb = group(ra), group(rb)
        if blocked_by_decision(ga, gb):
            continue
        if twins_conflict(ga, gb, births):
            twins_kept_apart += 1
            continue
        if unnamed_in_multiple_birth(ga, births) or unnamed_in_multiple_birth(gb, births):
            refused.append(ReviewPair(a, b, p, REASON_MULTIPLE_BIRTH))
            continue
        reason = identifier_conflict(ga, gb)
        if reason is not None:
            refused.append(ReviewPair(a, b, p, pair_conflict_reason(reason, attributes.get(a), attributes.get(b))))
            continue
        union(ra, rb)
    # Phase 2: clusters with no identifier (a name and a postcode) join a cluster only when exactly one
    # cluster with identifiers matches them: they must never bridge two people.
    strong_root = {i: find(i) for i in range(len(nodes)) if not weak(find(i))}
    options: dict[int, dict[int, tuple[float, Node, Node]]] = {}
    weak_edges: list[tuple[float, Node, Node]] = []
    for p, a, b in deferred:
        ia, ib = index[a], index[b]
        if ia in strong_root or ib in strong_root:
            w, s_root = (find(ib), strong_root[ia]) if ia in strong_root else (find(ia), strong_root[ib])
            best = options.setdefault(w, {})
            if s_root not in best:
                best[s_root] = (p, a, b)
        else:
            weak_edges.append((p, a, b))
    for w in sorted(options, key=lambda r: str(nodes[r])):
        choices = {}
        for s_root, e in options[w].items():
            gw, gs = group(w), group(find(s_root))
            if blocked_by_decision(gw, gs) or twins_conflict(gw, gs, births):
                continue
            reason = identifier_conflict(gw, gs)
            if reason is None:
                choices[s_root] = e
            else:  # an estimated date of birth or an age that cannot be the person's
                refused.append(ReviewPair(e[1], e[2], e[0],
                                          pair_conflict_reason(reason, attributes.get(e[1]), attributes.get(e[2]))))
        if len(choices) == 1:
            union(find(w), find(next(iter(choices))))
        elif len(choices) > 1:
            for p, a, b in choices.values():
                refused.append(ReviewPair(a, b, p, REASON_AMBIGUOUS))
    for _p, a, b in weak_edges:
        ra, rb = find(index[a]), find(index[b])
        if ra == rb or ra in options or rb in options or not weak(ra) or not weak(rb):
            continue
        ga, gb = group(ra), group(rb)
        if not blocked_by_decision(ga, gb) and identifier_conflict(ga, gb) is None:
            union(ra, rb)

    result = Clusters()
    roots: dict[int, int] = {}
    for i, n in enumerate(nodes):
        root = find(i)
        if root not in roots:
            roots[root] = len(roots)
        result[n] = roots[root]
    review: list[ReviewPair] = []
    seen: set[tuple[int, int]] = set()
    for pair in sorted(
        [*refused, *(ReviewPair(a, b, p, REASON_UNCERTAIN) for p, a, b in uncertain)],
        key=lambda r: (-r.probability, str(r.a), str(r.b)),
    ):
        ca, cb = result[pair.a], result[pair.b]
        key = (min(ca, cb), max(ca, cb))
        if ca == cb or key in seen:
            continue
        seen.add(key)
        ga, gb = group(find(index[pair.a])), group(find(index[pair.b]))
        if twins_conflict(ga, gb, births):
            continue  # twins are different people: nothing for a person to decide
        review.append(pair)
    result.review = review
    result.conflicts = conflicts
    result.twins_kept_apart = twins_kept_apart
    return result
