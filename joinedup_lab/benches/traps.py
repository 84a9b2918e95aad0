"""Per-trap and per-noise scoring for `bench linkage --dataset simulated` (issue 14).

Every mention carries the traps of truth/traps.csv that touched it: the population traps of its true person
(twin, multiple_birth, father_son_name, with the group of persons they make) and the record traps and noise
of the agency-held identity it was written under (agency_id, local_person_id). For each trap:

- `mentions`, `persons`: mentions carrying it and their true persons;
- `true_pairs`: true pairs (two mentions of one person) with at least one mention carrying it;
- `wrongly_merged`: predicted pairs with at least one mention carrying it whose persons differ (false
  positives touching it); `missed`: true pairs touching it that were not put together (false negatives);
- population traps also: `groups` (twin sets, father-and-son pairs… with mentions of at least two of their
  persons), `groups_merged` (of those, how many had two of their persons put into one) and
  `within_group_merged` (pairs of mentions of two different persons of one group put together).
"""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Sequence
from pathlib import Path
from typing import Any

Label = tuple[str, str | None]  # (trap, group id for population traps, else None)


def load_labels(directory: Path, mentions: Sequence[dict[str, Any]], persons: Sequence[str]) -> list[list[Label]]:
    """The traps of each mention (same order as `mentions`), read from the authority's truth/traps.csv."""
    by_person: dict[str, list[Label]] = defaultdict(list)
    by_held: dict[tuple[str, str], list[Label]] = defaultdict(list)
    path = Path(directory) / "truth" / "traps.csv"
    if not path.exists():
        return [[] for _ in mentions]
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            if row["agency_id"]:
                by_held[(row["agency_id"], row["local_person_id"])].append((row["trap"], None))
            else:
                by_person[row["person_id"]].append((row["trap"], row["detail"]))
    labels = []
    for m, pid in zip(mentions, persons, strict=True):
        own = list(by_person.get(pid, ()))
        if m.get("local_person_id"):
            own.extend(dict.fromkeys(by_held.get((m["agency"], m["local_person_id"]), ())))
        labels.append(own)
    return labels


def _touching(keys: Sequence[Hashable], total: Counter, marked: Iterable[int]) -> int:
    """Pairs within groups of equal keys (`total`: the size of each group) with at least one marked member."""
    inside = Counter(keys[i] for i in marked)
    return sum(total[k] * (total[k] - 1) // 2 - (total[k] - n) * (total[k] - n - 1) // 2 for k, n in inside.items())


def trap_scores(
    truth: Sequence[Hashable], predicted: Sequence[Hashable], labels: Sequence[Iterable[Label]]
) -> dict[str, dict[str, int]]:
    """Per trap: mentions, persons, true pairs, pairs wrongly merged and true pairs missed (see the module)."""
    marked: dict[str, list[int]] = defaultdict(list)
    groups: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for i, labs in enumerate(labels):
        for trap in dict.fromkeys(t for t, _ in labs):
            marked[trap].append(i)
        for trap, group in labs:
            if group is not None:
                groups[trap][group].append(i)
    both = list(zip(truth, predicted, strict=True))
    totals = [(keys, Counter(keys)) for keys in (truth, predicted, both)]
    out: dict[str, dict[str, int]] = {}
    for trap in sorted(marked):
        idx = marked[trap]
        true_pairs, found, correct = (_touching(keys, total, idx) for keys, total in totals)
        row = {
            "mentions": len(idx),
            "persons": len({truth[i] for i in idx}),
            "true_pairs": true_pairs,
            "wrongly_merged": found - correct,
            "missed": true_pairs - correct,
        }
        if trap in groups:
            n_groups = merged_groups = within = 0
            for members in groups[trap].values():
                if len({truth[i] for i in members}) < 2:
                    continue
                n_groups += 1
                cells = Counter((predicted[i], truth[i]) for i in members)
                clusters = Counter(predicted[i] for i in members)
                pairs = sum(n * (n - 1) // 2 for n in clusters.values()) - sum(n * (n - 1) // 2 for n in cells.values())
                within += pairs
                merged_groups += pairs > 0
            row.update(groups=n_groups, groups_merged=merged_groups, within_group_merged=within)
        out[trap] = row
    return out


def format_table(by_trap: dict[str, dict[str, int]]) -> str:
    """A plain-text table of the per-trap figures (one line per trap)."""
    head = f"{'trap':<22}{'mentions':>9}{'persons':>8}{'true pairs':>11}{'merged':>8}{'missed':>8}  groups merged"
    lines = [head]
    for trap, r in by_trap.items():
        miss = f"{r['missed'] / r['true_pairs']:.1%}" if r["true_pairs"] else "-"
        groups = f"  {r['groups_merged']} of {r['groups']}" if "groups" in r else ""
        lines.append(
            f"{trap:<22}{r['mentions']:>9,}{r['persons']:>8,}{r['true_pairs']:>11,}{r['wrongly_merged']:>8,}"
            f"{r['missed']:>8,} ({miss}){groups}"
        )
    return "\n".join(lines) + "\n"
