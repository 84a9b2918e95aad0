"""The Splink 5 model: settings from a profile, deterministic training, and Splink's charts.

The trained model is Splink's own settings dictionary (JSON-serialisable, with every level's m and u
probabilities), plus a `"joinedup"` entry naming the profile. `train` is deterministic: u is estimated by
Splink's hash-based sampling with a fixed seed, the prior from deterministic rules, m by EM on the
profile's training rules (those the rows can teach; the rest of m from a fallback model, see `train`); m is floored at 1e-4 (no single disagreeing field may veto a match by more
than about 13 bits), u at 1e-7, and both are rounded to 12 significant figures so that floating-point
summation order inside DuckDB cannot make two runs differ.
"""

from __future__ import annotations

import copy
import logging
import math
import tempfile
from pathlib import Path
from typing import Any

import pyarrow as pa

from .profiles import PERSON, Profile

PROFILES: dict[str, Profile] = {"person": PERSON}
SIGNIFICANT = 12
M_FLOOR = 1e-4  # no single disagreeing field vetoes a match by more than about 13 bits
U_FLOOR = 1e-7  # a level random sampling never saw still gets a finite weight
DUCKDB_MEMORY_LIMIT = "1GB"  # DuckDB's own buffers while training and scoring; it spills to disk beyond this


def register_profile(profile: Profile) -> None:
    """Make a profile known by name (models name their profile; the lab's `febrl` profile registers itself when the
    development-only package `joinedup_lab` starts)."""
    PROFILES[profile.name] = profile


def profile_of(model: dict[str, Any]) -> Profile:
    """The profile a model was trained with."""
    name = model.get("joinedup", {}).get("profile", "person")
    if name not in PROFILES:
        raise ValueError(f"model profile {name!r} is not registered (the FEBRL profile is the lab's: joinedup_lab)")
    return PROFILES[name]


def settings_for(profile: Profile, *, retain: bool = False) -> dict[str, Any]:
    """An untrained Splink settings dictionary for a profile (dedupe across all sources)."""
    return {
        "link_type": "dedupe_only",
        "unique_id_column_name": "unique_id",
        "probability_two_random_records_match": 1e-4,
        "comparisons": [c.as_splink() for c in profile.comparisons],
        "blocking_rules_to_generate_predictions": [{"blocking_rule": r.sql()} for r in profile.blocking_rules],
        "retain_matching_columns": retain,
        "retain_intermediate_calculation_columns": retain,
        "additional_columns_to_retain": [],
        "em_convergence": 0.0001,
        "max_iterations": 25,
        "linker_uid": f"joinedup_{profile.name}",
        "joinedup": {"profile": profile.name},
    }


def splink_settings(model: dict[str, Any], *, retain: bool = False, matching_columns: bool = False) -> dict[str, Any]:
    """The Splink settings of a model; `retain` keeps what charts need, `matching_columns` the gamma columns."""
    settings = {k: v for k, v in copy.deepcopy(model).items() if k != "joinedup"}
    settings["retain_matching_columns"] = retain or matching_columns
    settings["retain_intermediate_calculation_columns"] = retain
    return settings


def duckdb_linker(
    table: pa.Table,
    model: dict[str, Any],
    *,
    retain: bool = False,
    matching_columns: bool = False,
    threads: int | None = None,
    connection: Any = None,
):
    """A Splink DuckDB linker over an Arrow table with a model's (or untrained) settings, on `connection` (a
    `duckdb_connection()`, which the caller closes when done) or a new one."""
    from splink import Linker
    from splink.backends.duckdb import DuckDBAPI

    con = connection if connection is not None else duckdb_connection(threads=threads)
    db_api = DuckDBAPI(connection=con)
    settings = splink_settings(model, retain=retain, matching_columns=matching_columns)
    return Linker(db_api.register(table), settings, log_level=None)


def duckdb_connection(*, threads: int | None = None):
    """A DuckDB connection held to `DUCKDB_MEMORY_LIMIT`, spilling to a temporary directory beyond it."""
    import duckdb

    con = duckdb.connect()
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    # Bounded memory: past the limit DuckDB spills its joins and sorts to disk, so scoring millions of pairs does not
    # hold them all in memory beside the mentions the run already holds (a 70,000-child authority: issue 18).
    con.execute(f"SET memory_limit = '{DUCKDB_MEMORY_LIMIT}'")
    con.execute(f"SET temp_directory = '{Path(tempfile.gettempdir()) / 'joinedup-duckdb'}'")
    return con


def _round(x: float) -> float:
    if x == 0 or not math.isfinite(x):
        return x
    return float(f"{x:.{SIGNIFICANT}g}")


def _finished(settings: dict[str, Any]) -> dict[str, Any]:
    """Floors m at M_FLOOR and u at U_FLOOR (a level EM or sampling never saw, or saw almost never, would
    otherwise get no weight or a weight of ±100 bits that no single field deserves), then rounds them."""
    settings["probability_two_random_records_match"] = _round(settings["probability_two_random_records_match"])
    for comparison in settings["comparisons"]:
        for level in comparison["comparison_levels"]:
            if level.get("is_null_level"):
                level.pop("m_probability", None)
                level.pop("u_probability", None)
                continue
            for key, floor in (("m_probability", M_FLOOR), ("u_probability", U_FLOOR)):
                value = level.get(key)
                level[key] = _round(max(floor, value if value is not None else 0.0))
    return settings


class NotTrainable(Exception):
    """The rows teach nothing: no training rule can be learnt from, or no deterministic rule finds a pair (the
    message says which)."""


def _untrained(settings: dict[str, Any]) -> list[str]:
    """The comparisons no training rule estimated: none of their levels has an m probability."""
    return [c["output_column_name"] for c in settings["comparisons"]
            if not any(level.get("m_probability") is not None for level in c["comparison_levels"]
                       if not level.get("is_null_level"))]


def _from_fallback(settings: dict[str, Any], fallback: dict[str, Any] | None, names: list[str]) -> list[str]:
    """Give the named comparisons the m probabilities of the same comparison in `fallback` (a model of the same
    profile: the same levels, in the same order), and its u probabilities too where the rows gave none (no pair of
    rows both had the field); returns the names given them (a comparison whose levels differ from the fallback's is
    left as it is)."""
    if fallback is None:
        return []
    theirs = {c["output_column_name"]: c for c in fallback.get("comparisons", [])}
    given = []
    for comparison in settings["comparisons"]:
        other = theirs.get(comparison["output_column_name"])
        if comparison["output_column_name"] not in names or other is None:
            continue
        levels, other_levels = comparison["comparison_levels"], other["comparison_levels"]
        if [lv["sql_condition"] for lv in levels] != [lv["sql_condition"] for lv in other_levels]:
            continue
        never_seen = all(lv.get("u_probability") is None for lv in levels if not lv.get("is_null_level"))
        for level, other_level in zip(levels, other_levels, strict=True):
            if level.get("is_null_level"):
                continue
            level["m_probability"] = other_level.get("m_probability")
            if never_seen:
                level["u_probability"] = other_level.get("u_probability")
        given.append(comparison["output_column_name"])
    return given


def _finds_pairs(connection: Any, table: pa.Table, rule: str) -> bool:
    """Whether a blocking rule (Splink SQL over `l` and `r`) pairs at least two rows of the table."""
    connection.register("joinedup_rule_rows", table)
    try:
        rows = connection.execute(
            f"SELECT EXISTS (SELECT 1 FROM joinedup_rule_rows AS l JOIN joinedup_rule_rows AS r "  # noqa: S608
            f"ON l.unique_id < r.unique_id AND {rule})"  # the profile's own rule, not input
        ).fetchall()  # all of it: DuckDB refuses the next statement while a result is unread
        return bool(rows[0][0])
    finally:
        connection.unregister("joinedup_rule_rows")


NO_PAIR = "no two records of different sources agree on its fields"


def _none_learnt(why: dict[str, str]) -> str:
    reasons = "; ".join(f"{name}: {reason}" for name, reason in why.items())
    return f"no training rule can be learnt from ({reasons})"


class _RuleFailed(Exception):
    """Splink's EM failed on a training rule (`rule`, its name; `reason`, what Splink said)."""

    def __init__(self, rule: str, reason: str):
        super().__init__(rule, reason)
        self.rule, self.reason = rule, reason


def _trained_on(table: pa.Table, base: dict[str, Any], rules: list, *, seed: int, max_pairs: float, recall: float,
                deterministic_rules: tuple[str, ...]) -> dict[str, Any]:
    """Splink's model trained on the rows: the prior from the deterministic rules, u by sampling, m by EM on each of
    `rules` in turn. `_RuleFailed` when Splink's EM fails on a rule: on few pairs a level's m can come out below
    1e-300, which Splink 5 refuses (ValueError) rather than flooring."""
    # One DuckDB thread: parallel sums of floating-point numbers come out in a different order from run to run, and
    # EM can carry that difference into the model; on one thread the same rows give the same model (at 2,000
    # simulated children training took as long either way).
    connection = duckdb_connection(threads=1)
    linker = None
    try:
        linker = duckdb_linker(table, base, connection=connection)
        linker.training.estimate_probability_two_random_records_match(list(deterministic_rules), recall=recall)
        linker.training.estimate_u_using_random_sampling(max_pairs=max_pairs, seed=seed)
        for rule in rules:
            try:
                linker.training.estimate_parameters_using_expectation_maximisation(
                    rule.sql(), fix_probability_two_random_records_match=True
                )
            except ValueError as exc:
                raise _RuleFailed(rule.name, f"Splink's EM failed ({str(exc).split('. ')[0]})") from exc
        return linker.misc.save_model_to_json()
    finally:
        del linker
        connection.close()  # DuckDB's buffers go now, not when the collector finds the linker


def train(
    table: pa.Table,
    *,
    profile: Profile = PERSON,
    seed: int = 1,
    max_pairs: float = 5e6,
    deterministic_recall: float | None = None,
    charts_dir: Path | str | None = None,
    fallback: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Train a model on linkage rows; returns the JSON-serialisable model (Splink settings with m and u).

    Rows that cannot teach part of the model do not stop it (an authority whose agencies record no NHS number: no two
    rows share one). A training rule that finds no pair of rows is skipped, and the comparisons no other rule could
    estimate take their m probabilities (and their u, where no two rows both had the field) from `fallback` (the
    default model, trained on a simulated authority), or without one carry no weight (m = u). A rule on which Splink's
    EM fails (on few pairs) is treated the same way, the model trained again from the start without it.
    `model["joinedup"]` names what was not learnt ("untrained_rules", "why_untrained", "from_fallback", "no_weight");
    a model learnt whole has none of these keys. `NotTrainable` when no training rule can be learnt from, or no
    deterministic rule finds a pair (then the prior, probability_two_random_records_match, cannot be estimated).

    With `charts_dir`, Splink's charts for the trained model are written there too (`write_charts`).
    """
    base = settings_for(profile)
    recall = deterministic_recall or profile.deterministic_recall
    quiet = logging.getLogger("splink")
    log_level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        # Rules that find no pair are found first: Splink divides by zero on them (the prior), or refuses them only
        # after changing the model's prior (EM), which the next rule would then learn from.
        connection = duckdb_connection(threads=1)
        try:
            why = {rule.name: NO_PAIR for rule in profile.training_rules
                   if not _finds_pairs(connection, table, rule.sql())}
            prior_found = any(_finds_pairs(connection, table, rule) for rule in profile.deterministic_rules)
        finally:
            connection.close()
        if len(why) == len(profile.training_rules):
            raise NotTrainable(_none_learnt(why))
        if not prior_found:
            # Tried with the fallback's prior instead: on a held-out simulated authority it linked no better than
            # the fallback itself (docs/linkage.md, "Records that cannot teach the whole model").
            raise NotTrainable("no deterministic rule finds two records that are surely the same person, so the "
                               "chance that two records match cannot be estimated")
        while True:
            rules = [rule for rule in profile.training_rules if rule.name not in why]
            if not rules:
                raise NotTrainable(_none_learnt(why))
            try:
                trained = _trained_on(table, base, rules, seed=seed, max_pairs=max_pairs, recall=recall,
                                      deterministic_rules=profile.deterministic_rules)
                break
            except _RuleFailed as failed:  # then all again without it: EM may have left the model half-changed
                why[failed.rule] = failed.reason
    finally:
        quiet.setLevel(log_level)
    skipped = [rule.name for rule in profile.training_rules if rule.name in why]
    untrained = _untrained(trained)
    given = _from_fallback(trained, fallback, untrained) if untrained else []
    neutral = [name for name in untrained if name not in given]
    trained = _finished(trained)
    for comparison in trained["comparisons"]:
        if comparison["output_column_name"] in neutral:  # nothing to go on: the field carries no weight (m = u)
            for each in comparison["comparison_levels"]:
                if not each.get("is_null_level"):
                    each["m_probability"] = each["u_probability"]
    trained["blocking_rules_to_generate_predictions"] = base["blocking_rules_to_generate_predictions"]
    trained["joinedup"] = {"profile": profile.name, "seed": seed, "max_pairs": max_pairs}
    if skipped or untrained:  # only then: a model learnt whole is the same model, key for key
        trained["joinedup"].update({"untrained_rules": skipped, "why_untrained": {name: why[name] for name in skipped},
                                    "from_fallback": given, "no_weight": neutral})
    for key in ("retain_matching_columns", "retain_intermediate_calculation_columns", "linker_uid"):
        trained[key] = base[key]
    if charts_dir is not None:
        write_charts(table, trained, charts_dir)
    return trained


def match_weights(model: dict[str, Any]) -> list[list[float]]:
    """log2(m/u) per comparison and level (null levels 0), in the model's level order."""
    out = []
    for comparison in model["comparisons"]:
        weights = []
        for level in comparison["comparison_levels"]:
            if level.get("is_null_level"):
                weights.append(0.0)
            else:
                weights.append(math.log2(level["m_probability"] / level["u_probability"]))
        out.append(weights)
    return out


def save_charts(linker, directory: Path | str, *, pairs: list[dict[str, Any]] | None = None) -> list[Path]:
    """Write Splink's charts as self-contained HTML (inline assets, viewable offline); returns the files.

    Match weights and m/u parameters always; with `pairs` (records of a prediction made by a linker with
    `retain=True`) a waterfall chart explaining them. `linker` must hold a trained model.
    """
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    charts = {
        "match_weights.html": linker.visualisations.match_weights_chart(),
        "m_u_parameters.html": linker.visualisations.m_u_parameters_chart(),
    }
    if pairs:
        charts["waterfall.html"] = linker.visualisations.waterfall_chart(pairs, filter_nulls=False)
    for name, chart in charts.items():
        path = out / name
        chart.save(str(path), inline=True)
        written.append(path)
    return written


def write_charts(table: pa.Table, model: dict[str, Any], directory: Path | str, *, sample_rows: int = 5000) -> list[Path]:
    """All charts for a model: match weights, m/u, a waterfall of example pairs and the comparison viewer.

    Examples come from scoring the first `sample_rows` rows (ids are hashes, so that is an arbitrary
    sample): the strongest, weakest and middle pairs, ten in all.
    """
    sample = table.slice(0, sample_rows)
    linker = duckdb_linker(sample, model, retain=True)
    splink_logger = logging.getLogger("splink")
    level = splink_logger.level
    splink_logger.setLevel(logging.ERROR)
    try:
        predictions = linker.inference.predict(warning_mode="never")
        records = sorted(predictions.as_record_list(), key=lambda r: (-r["match_probability"], r["unique_id_l"], r["unique_id_r"]))
        examples = records[:4] + records[len(records) // 2 : len(records) // 2 + 3] + records[-3:] if records else []
        written = save_charts(linker, directory, pairs=examples or None)
        viewer = Path(directory) / "comparison_viewer.html"
        linker.visualisations.comparison_viewer_dashboard(predictions, str(viewer), overwrite=True, num_example_rows=2)
        written.append(viewer)
    finally:
        splink_logger.setLevel(level)
    return written
