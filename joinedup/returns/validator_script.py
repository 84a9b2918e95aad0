"""Run the Data to Insight validators on returns joinedup produced, and print their findings as JSON.

This file is run by the validators' own Python (var/returns-venv: csc-validator-be-cin 0.1.13 and
csc-validator-be-903 0.1.17 need pandas<2 and numpy<1.25), never imported by joinedup: it imports nothing of
joinedup's. Input (stdin): {"jobs": [{"id", "kind": "cin", "path", "year"} | {"id", "kind": "903", "dir", "year",
"la", "prev_dir"?}]}. Output (stdout, one JSON object): {"results": [{"id", "rules", "ran", "skipped",
"crashed", "issues": [{"child", "rule", "type", "tables", "columns", "row", "value", "message", "level"}]}]}.
Several returns in one run: importing pandas and the rule suites is most of the cost.
"""

from __future__ import annotations

import contextlib
import glob
import io
import json
import logging
import os
import sys
import warnings

os.environ.setdefault("QLACREF_PC_INSECURE", "True")
warnings.filterwarnings("ignore")
logging.disable(logging.CRITICAL)


def _text(value) -> str:
    if value is None:
        return ""
    try:
        import pandas as pd

        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    if isinstance(value, (list, tuple, set)):
        return ",".join(_text(v) for v in value)
    return str(value)


def run_cin(job: dict) -> dict:
    import xml.etree.ElementTree as ET

    from cin_validator import cin_validator
    from cin_validator.rules.ruleset_utils import get_year_ruleset

    root = ET.parse(job["path"]).getroot()  # noqa: S314 - the file joinedup itself just wrote
    registry = get_year_ruleset(str(job["year"]))
    with contextlib.redirect_stdout(io.StringIO()):
        data = cin_validator.process_data(cin_validator.convert_data(root))
        v = cin_validator.CinValidator(data, registry, None)
    kinds = {str(code): rule.rule_type.name for code, rule in registry.items()}
    issues = []
    rep = v.user_report
    for row in rep.to_dict("records") if len(rep) else []:
        code = _text(row.get("rule_code"))
        issues.append({"child": _text(row.get("LAchildID")), "rule": code, "type": kinds.get(code, "ERROR"),
                       "tables": _text(row.get("tables_affected")), "columns": _text(row.get("columns_affected")),
                       "row": _text(row.get("ROW_ID")), "value": _text(row.get("value_flagged")),
                       "message": _text(row.get("rule_description")), "level": "child"})
    la = v.multichild_issues
    if len(la):
        for row in la.drop_duplicates().to_dict("records"):
            code = _text(row.get("rule_code"))
            issues.append({"child": "", "rule": code, "type": kinds.get(code, "ERROR"), "tables": "",
                           "columns": _text(row.get("columns_affected")), "row": "", "value": "",
                           "message": _text(row.get("rule_description")), "level": "return"})
    return {"rules": len(registry), "ran": len(registry), "skipped": [], "crashed": [], "issues": issues}


def run_903(job: dict) -> dict:
    import pandas as pd
    from lac_validator import lac_validator
    from lac_validator.report import Report
    from lac_validator.rules.ruleset_utils import get_year_ruleset
    from lac_validator.utils import process_uploaded_files

    files = {"This year": sorted(glob.glob(os.path.join(job["dir"], "*.csv")))}
    if job.get("prev_dir"):
        files["Prev year"] = sorted(glob.glob(os.path.join(job["prev_dir"], "*.csv")))
    registry = get_year_ruleset(str(job["year"]))
    with contextlib.redirect_stdout(io.StringIO()):
        v = lac_validator.LacValidator(metadata={"collectionYear": str(job["year"]), "localAuthority": job["la"]},
                                       files=process_uploaded_files(files), registry=registry, selected_rules=None)
        r = Report(v.ds_results, registry)
        try:
            found = lac_validator.create_issue_df(r.report, r.error_report)
        except ValueError:  # nothing failed: an empty concat
            found = pd.DataFrame()
    issues = []
    if len(found):
        found = found.drop_duplicates(["child_id", "tables_affected", "row_id", "rule_code"])
        for row in found.to_dict("records"):
            issues.append({"child": _text(row.get("child_id")), "rule": _text(row.get("rule_code")), "type": "ERROR",
                           "tables": _text(row.get("tables_affected")), "columns": _text(row.get("columns_affected")),
                           "row": _text(row.get("row_id")), "value": "",
                           "message": _text(row.get("rule_description")), "level": "child"})
    return {"rules": len(registry), "ran": len(v.dones), "skipped": [str(s) for s in v.skips],
            "crashed": [str(c) for c in v.fails], "issues": issues}


def main() -> int:
    jobs = json.load(sys.stdin)["jobs"]
    results = []
    for job in jobs:
        try:
            out = run_cin(job) if job["kind"] == "cin" else run_903(job)
        except Exception as exc:  # the validator could not read the file at all: say so, per job
            out = {"error": f"{type(exc).__name__}: {exc}"}
        results.append({"id": job.get("id", ""), **out})
    sys.stdout.write(json.dumps({"results": results}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
