"""The Splink 5 model: settings from a profile, deterministic training, and Splink's charts.

The trained model is Splink's own settings dictionary (JSON-serialisable, with every level's m and u
probabilities), plus a `"joinedup"` entry naming the profile. `train` is deterministic: u is estimated by
Splink's hash-based sampling with a fixed seed, the prior from deterministic rules, m by EM on the
profile's training rules; m is floored at 1e-4 (no single disagreeing field may veto a match by more
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


def train(
    table: pa.Table,
    *,
    profile: Profile = PERSON,
    seed: int = 1,
    max_pairs: float = 5e6,
    deterministic_recall: float | None = None,
    charts_dir: Path | str | None = None,
) -> dict[str, Any]:
    """Train a model on linkage rows; returns the JSON-serialisable model (Splink settings with m and u).

    With `charts_dir`, Splink's charts for the trained model are written there too (`write_charts`).
    """
    base = settings_for(profile)
    # One DuckDB thread: parallel sums of floating-point numbers come out in a different order from run to run, and
    # EM can carry that difference into the model; on one thread the same rows give the same model (at 2,000
    # simulated children training took as long either way).
    connection = duckdb_connection(threads=1)
    linker = duckdb_linker(table, base, connection=connection)
    quiet = logging.getLogger("splink")
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        linker.training.estimate_probability_two_random_records_match(
            list(profile.deterministic_rules),
            recall=deterministic_recall or profile.deterministic_recall,
        )
        linker.training.estimate_u_using_random_sampling(max_pairs=max_pairs, seed=seed)
        for rule in profile.training_rules:
            linker.training.estimate_parameters_using_expectation_maximisation(
                rule.sql(), fix_probability_two_random_records_match=True
            )
        trained = linker.misc.save_model_to_json()
    finally:
        quiet.setLevel(level)
        del linker
        connection.close()  # DuckDB's buffers go now, not when the collector finds the linker
    trained = _finished(trained)
    trained["blocking_rules_to_generate_predictions"] = base["blocking_rules_to_generate_predictions"]
    trained["joinedup"] = {"profile": profile.name, "seed": seed, "max_pairs": max_pairs}
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
