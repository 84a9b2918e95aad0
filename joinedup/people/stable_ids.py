"""Keeping person ids stable when linkage is re-run.

Splink's cluster ids change on every run, but a person's id is in URLs, alerts, case notes and the audit
trail, so it must not. After each run every new cluster inherits the id of the earlier person who holds
most of its mentions (largest overlaps first, each earlier id used once). A cluster with no earlier
person gets a new id. An earlier person whose mentions all went to clusters that took other ids is
*merged*: it keeps a pointer to the person holding most of its former mentions, so old links still land.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field


@dataclass
class Assignment:
    """The outcome: a person id per cluster, which ids are new, and which old ids were merged into which."""

    person_for_cluster: dict[Hashable, uuid.UUID] = field(default_factory=dict)
    created: set[uuid.UUID] = field(default_factory=set)
    merged_into: dict[uuid.UUID, uuid.UUID] = field(default_factory=dict)


def assign_stable_ids(
    cluster_of: Mapping[Hashable, Hashable], previous_person_of: Mapping[Hashable, uuid.UUID]
) -> Assignment:
    """Give each cluster a person id, reusing earlier ids by largest overlap of members.

    `cluster_of` maps each member (a mention) to its new cluster; `previous_person_of` maps members that
    were linked before to their earlier person id. Deterministic: ties are broken by the ids' text.
    """
    overlap: Counter[tuple[Hashable, uuid.UUID]] = Counter()
    clusters: set[Hashable] = set()
    for member, cluster in cluster_of.items():
        clusters.add(cluster)
        previous = previous_person_of.get(member)
        if previous is not None:
            overlap[(cluster, previous)] += 1
    result = Assignment()
    used: set[uuid.UUID] = set()
    for (cluster, person), _count in sorted(overlap.items(), key=lambda item: (-item[1], str(item[0][0]), str(item[0][1]))):
        if cluster in result.person_for_cluster or person in used:
            continue
        result.person_for_cluster[cluster] = person
        used.add(person)
    for cluster in sorted(clusters, key=str):
        if cluster not in result.person_for_cluster:
            new_id = uuid.uuid4()
            result.person_for_cluster[cluster] = new_id
            result.created.add(new_id)
    # Earlier persons that lost every cluster: point them at where most of their mentions went.
    destinations: dict[uuid.UUID, Counter[uuid.UUID]] = defaultdict(Counter)
    for (cluster, person), count in overlap.items():
        if person not in used:
            destinations[person][result.person_for_cluster[cluster]] += count
    for person, counts in destinations.items():
        result.merged_into[person] = sorted(counts.items(), key=lambda item: (-item[1], str(item[0])))[0][0]
    return result
