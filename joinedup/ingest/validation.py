"""Checking one agency record: the JSON Schema, then the rules a schema cannot state, in plain English.

Each problem is `{"field": <JSON path such as "mentions[0].dob">, "problem": <what is wrong>}`. Problems never
repeat the value that was sent (it may be personal data and refusals are printed and logged); they say
what was expected instead.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from joinedup.ingest.limits import MAX_VERSION, bound_problems, path_of, showable_name, value_problems
from joinedup.ingest.schema import fast_validator, load_schema

Problem = dict[str, str]

_TYPE_WORDS = {
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "object": "an object",
    "array": "a list",
    "boolean": "true or false",
    "null": "null",
}
_PATTERN_PROBLEMS = {
    "agency_id": "must be the agency's lower-case id, words joined by hyphens (e.g. northbrook-police)",
    "mention_id": "must be 1 to 20 letters, digits, '-' or '_' (e.g. m1)",
    "nhs_number": "must be 10 digits with no spaces",
    "upn": "must be a capital letter, 11 digits and a final digit or capital letter",
    "uprn": "must be 1 to 12 digits",
    "site_code": "must be a SNOMED CT concept id: 6 to 18 digits, not starting with 0",
    "former_upn": "must be a capital letter, 11 digits and a final digit or capital letter",
    "worker_id": "must be the social worker's Social Work England registration number: SW then digits (e.g. SW123456)",
    "placement_urn": "must be an Ofsted unique reference number: SC and 6 digits, 6 or 7 digits, or XXXXXXX",
    "previous_permanence_la": "must be a 3-digit local authority number, or WAL, SCO, NIR or NUK",
    "placement_la": "must be the local authority the child is placed in: an English authority's GSS code (E06, E08, "
                    "E09 or E10 and six digits, e.g. E09000027) or 3-digit LA number, or WAL, SCO, NIR, NUK or CON",
    "family_id": "must be the adoption agency's id for the household: 1 to 40 letters, digits, '-' or '_'",
    "adopters_family_id": "must be the adoption agency's id for the adoptive family (their adopter_journey "
                          "records' family_id): 1 to 40 letters, digits, '-' or '_'",
}
_DATE_PROBLEM = "must be a real date written YYYY-MM-DD"
_DATETIME_PROBLEM = "must be a real date and time written like 2023-04-02T09:30:00Z (Z or an offset from UTC)"
# An adopter's journey, in the order its steps come (Ofsted's Annex A list 11); each on or after the enquiry.
ADOPTER_STEPS = ("stage1_started_on", "stage1_ended_on", "stage2_started_on", "stage2_ended_on",
                 "application_submitted_on", "approved_on", "matched_on", "placed_on", "adoption_order_on")
_DATE_FIELDS = {"occurred_on", "ended_on", "dob", "expected_due_on", "uasc_ended_on", "first_child_born_on",
                "previous_permanence_on", "pathway_plan_reviewed_on", *ADOPTER_STEPS}
_DATETIME_FIELDS = {"occurred_at", "recorded_at", "amended_at"}
_CONTAINERS = {"mentions": "a mention", "address": "an address", "injury": "an injury", "injuries": "an injury",
               "other_names": "an entry of other_names"}
# Mention fields whose every problem (wrong type, out of range) is said one way.
_MENTION_PROBLEMS = {
    "age": "must be a whole number of years from 0 to 120",
    "dob_estimated": "must be true, false or null",
}


# A JSON path as the API names fields: ["mentions", 0, "dob"] → "mentions[0].dob" (one definition, in limits).
field_path = path_of


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _last_name(parts: Sequence[str | int]) -> str:
    for part in reversed(parts):
        if isinstance(part, str):
            return part
    return ""


def _mention_field(parts: Sequence[str | int]) -> str:
    """The mention field a path names directly (["mentions", 0, "age"] → "age"), else ""."""
    if len(parts) == 3 and parts[0] == "mentions" and isinstance(parts[1], int) and isinstance(parts[2], str):
        return parts[2]
    return ""


def _enum_values(schema_path: Sequence[str | int]) -> list[Any]:
    node: Any = load_schema()
    for step in schema_path:
        node = node[step]
    return list(node)


def _translate(error: Any, record: Any) -> list[Problem]:
    kind = type(error.kind).__name__
    parts = list(error.instance_path)
    path = field_path(parts)
    name = _last_name(parts)
    schema_path = list(error.schema_path)

    if kind in {"Type", "Minimum", "Maximum"} and _mention_field(parts) in _MENTION_PROBLEMS:
        return [{"field": path, "problem": _MENTION_PROBLEMS[_mention_field(parts)]}]
    if kind == "Type" and parts[-2:] == ["address", "protected"]:
        return [{"field": path, "problem": "must be true or false (in a CSV file's address_protected: true, yes, y or "
                 "1; false, no, n, 0 or empty): a value that cannot be read is never taken to mean not protected"}]
    if kind == "Required":
        prop = error.kind.property
        if schema_path[:2] == ["allOf", 0]:
            return [{"field": _join(path, prop), "problem": "is required when version is 2 or more"}]
        if schema_path[:1] == ["allOf"]:
            said = _allof_description(schema_path)
            if said:
                return [{"field": _join(path, prop), "problem": said}]
            what = record.get("kind") if isinstance(record, dict) else "this kind of"
            return [{"field": _join(path, prop), "problem": f"is required for a {what} record"}]
        return [{"field": _join(path, prop), "problem": "is required"}]
    if kind == "AdditionalProperties":
        container = _CONTAINERS.get(_last_name(parts), "a record" if not parts else "this object")
        return [
            {"field": _join(path, prop), "problem": f"is not a field of {container} in the agency record format"}
            if showable_name(prop) else
            {"field": path, "problem": f"has a field that is not part of {container} in the agency record format "
             "(its name is not shown: longer than 60 characters, or not only letters, digits, '_' and '-')"}
            for prop in error.kind.unexpected
        ]
    if kind == "AnyOf" and schema_path[:1] == ["allOf"] and _allof_description(schema_path):
        return [{"field": "detail.injury", "problem": _allof_description(schema_path)}]
    if kind == "AnyOf" and schema_path[-2:] == ["mention", "anyOf"]:
        return [{"field": path, "problem": "give at least one of given_name, family_name or relationship_label"}]
    if kind == "AnyOf" and schema_path[-2:] == ["other_name", "anyOf"]:
        instance = error.instance
        if isinstance(instance, dict) and any(instance.get(k) is not None for k in ("given_name", "family_name")):
            return []  # a name was given but is not text: its own problem names it
        return [{"field": path, "problem": "give at least one of given_name or family_name"}]
    if kind == "OneOfNotValid" and not parts:
        if isinstance(record, dict) and "occurred_at" in record and "occurred_on" in record:
            return [{"field": "occurred_on", "problem": "give occurred_at or occurred_on, not both"}]
        return [{"field": "occurred_at", "problem": "give occurred_at (a date and time) or occurred_on (a day)"}]
    if kind in {"OneOfNotValid", "AnyOf"}:
        # "X or null": report what is wrong with X rather than that neither branch fits.
        branches = [b for b in error.kind.context if not _is_null_branch(b)]
        if len(branches) == 1:
            return [p for inner in branches[0] for p in _translate(inner, record)]
    if kind == "Enum":
        values = [v for v in _enum_values(schema_path) if v is not None]
        if len(values) > 25:
            return [{"field": path, "problem": f"is not one of the {len(values)} values the format allows "
                     "(see docs/formats/README.md)"}]
        return [{"field": path, "problem": "must be one of " + ", ".join(str(v) for v in values)}]
    if kind == "Constant":
        return [{"field": path, "problem": f"must be {json.dumps(error.kind.expected_value)}"}]
    if kind == "Type":
        words = [_TYPE_WORDS.get(t, t) for t in error.kind.types]
        return [{"field": path, "problem": "must be " + " or ".join(words)}]
    if kind == "Pattern":
        if name in _DATE_FIELDS:
            return [{"field": path, "problem": _DATE_PROBLEM}]
        if name in _DATETIME_FIELDS:
            return [{"field": path, "problem": _DATETIME_PROBLEM}]
        return [{"field": path, "problem": _PATTERN_PROBLEMS.get(name, "is not written the way the format expects")}]
    if kind == "Format":
        if error.kind.format == "date":
            return [{"field": path, "problem": _DATE_PROBLEM}]
        return [{"field": path, "problem": _DATETIME_PROBLEM}]
    if kind == "MinLength":
        limit = error.kind.limit
        return [{"field": path, "problem": "must not be empty" if limit == 1 else f"must be at least {limit} characters"}]
    if kind == "MaxLength":
        return [{"field": path, "problem": f"must be at most {error.kind.limit} characters"}]
    if kind == "MinItems":
        if name == "mentions":
            return [{"field": path, "problem": "must name at least one person"}]
        return [{"field": path, "problem": f"must have at least {error.kind.limit} items"}]
    if kind == "MaxItems":
        return [{"field": path, "problem": f"must have at most {error.kind.limit} items"}]
    if kind == "Minimum":
        return [{"field": path, "problem": f"must be {error.kind.limit} or more"}]
    if kind == "Maximum" and parts == ["version"]:
        return [{"field": path, "problem": f"must be a whole number from 1 to {MAX_VERSION:,} (the largest version "
                 "joinedup stores)"}]
    if kind == "Maximum":
        return [{"field": path, "problem": f"must be {error.kind.limit} or less"}]
    if kind == "PropertyNames":
        key = getattr(error.kind.error, "instance", "")
        field = _join(path, key) if isinstance(key, str) and len(key) <= 60 else path
        return [{"field": field, "problem": "is not a snake_case key (lower-case letters, digits and _)"}]
    keyword = schema_path[-1] if schema_path else "schema"
    return [{"field": path, "problem": f"breaks the rule '{keyword}' of the agency record format"}]


def _allof_description(schema_path: Sequence[str | int]) -> str:
    """The problem a conditional rule of the schema states itself (its `description`), else ""."""
    if len(schema_path) < 2 or not isinstance(schema_path[1], int):
        return ""
    branches = load_schema().get("allOf", [])
    return branches[schema_path[1]].get("description", "") if schema_path[1] < len(branches) else ""


def _is_null_branch(errors: list[Any]) -> bool:
    return len(errors) == 1 and type(errors[0].kind).__name__ == "Type" and errors[0].kind.types == ["null"]


def schema_problems(record: Any) -> list[Problem]:
    """What breaks the agency record v1 JSON Schema, one problem per field (empty when valid)."""
    if not isinstance(record, dict):
        return [{"field": "", "problem": "a record must be a JSON object"}]
    validator = fast_validator()
    if validator.is_valid(record):
        return []
    problems: list[Problem] = []
    seen: set[tuple[str, str]] = set()
    for error in validator.iter_errors(record):
        for problem in _translate(error, record):
            key = (problem["field"], problem["problem"])
            if key not in seen:
                seen.add(key)
                problems.append(problem)
    return problems


def rule_problems(record: dict[str, Any]) -> list[Problem]:
    """The rules of the format that the JSON Schema cannot state (for a record that passed the schema)."""
    problems: list[Problem] = []
    first_use: dict[str, int] = {}
    for i, mention in enumerate(record["mentions"]):
        mid = mention["mention_id"]
        if mid in first_use:
            problems.append({"field": f"mentions[{i}].mention_id",
                             "problem": f"is also the id of mentions[{first_use[mid]}]; mention ids are unique in a record"})
        else:
            first_use[mid] = i
    detail = record["detail"]
    if "injury" in detail and "injuries" in detail:
        problems.append({"field": "detail.injuries",
                         "problem": "give detail.injury (one injury) or detail.injuries (a list), not both"})
    injuries = [("detail.injury", detail.get("injury"))]
    injuries += [(f"detail.injuries[{i}]", inj) for i, inj in enumerate(detail.get("injuries") or ())]
    for path, injury in injuries:
        if not isinstance(injury, dict):
            continue
        if injury.get("explained_by") and injury["explained_by"] not in first_use:
            problems.append({"field": f"{path}.explained_by", "problem": "must be the mention_id of a mention of this record"})
        status = injury.get("explanation_status")
        if status == "given" and not injury.get("explanation_given"):
            problems.append({"field": f"{path}.explanation_given",
                             "problem": "is required when explanation_status is given (the explanation, in their words)"})
        elif status in ("not_given", "not_asked") and injury.get("explanation_given"):
            problems.append({"field": f"{path}.explanation_given",
                             "problem": f"must be absent when explanation_status is {status}; "
                                        "send explanation_status given with the explanation"})
    disabilities = detail.get("disabilities")
    if isinstance(disabilities, list) and "NONE" in disabilities and len(disabilities) > 1:
        problems.append({"field": "detail.disabilities",
                         "problem": "NONE (no disability) cannot be given with other disability codes"})
    if record["kind"] == "early_help_assessment":
        problems += _early_help_problems(record)
    elif record["kind"] == "adopter_journey":
        problems += _adopter_problems(record)
    elif record["kind"] == "care_leaver_contact":
        problems += _care_leaver_problems(record)
    return problems


def _day(record: dict[str, Any]) -> str:
    """The record's day as written (YYYY-MM-DD): occurred_on, or occurred_at's date."""
    return str(record.get("occurred_on") or str(record.get("occurred_at") or "")[:10])


def _early_help_problems(record: dict[str, Any]) -> list[Problem]:
    ended = record.get("ended_on")
    if ended and ended < _day(record):
        return [{"field": "ended_on", "problem": "must not be before the day the assessment started (the record's "
                 "occurred_on): ended_on is the day the early help assessment was completed"}]
    return []


def _care_leaver_problems(record: dict[str, Any]) -> list[Problem]:
    reviewed = record["detail"].get("pathway_plan_reviewed_on")
    if reviewed and reviewed > _day(record):
        return [{"field": "detail.pathway_plan_reviewed_on", "problem": "must not be after the day of the contact "
                 "(the record's occurred_on): it is the latest pathway plan review known at the contact"}]
    return []


def _adopter_problems(record: dict[str, Any]) -> list[Problem]:
    """An adopter's journey: one adopter (the `applicant`, with the agency's id for them), each step on or after
    the enquiry, and a reason whenever the adopter left the process (and only then)."""
    problems: list[Problem] = []
    applicants = [i for i, m in enumerate(record["mentions"]) if m["role"] == "applicant"]
    if not applicants:
        problems.append({"field": "mentions", "problem": "must name the adopter, as a mention with role applicant "
                         "(an adopter_journey record is one adopter's journey)"})
    for i in applicants[1:]:
        problems.append({"field": f"mentions[{i}].role", "problem": "is a second applicant: send each adopter's "
                         "journey as a record of its own (a couple's records share detail.family_id)"})
    if applicants and not record["mentions"][applicants[0]].get("local_person_id"):
        problems.append({"field": f"mentions[{applicants[0]}].local_person_id",
                         "problem": "is required for the adopter of an adopter_journey record: the adoption agency's "
                         "id for them (Ofsted's individual adopter identifier)"})
    detail, enquiry = record["detail"], _day(record)
    for key in ADOPTER_STEPS:
        if detail.get(key) and detail[key] < enquiry:
            problems.append({"field": f"detail.{key}", "problem": "must not be before the enquiry (the record's "
                             "occurred_on is the day the enquiry was received)"})
    ended = record.get("ended_on")
    if ended and ended < enquiry:
        problems.append({"field": "ended_on", "problem": "must not be before the enquiry (the record's occurred_on); "
                         "ended_on is the day the adopter left the adoption process"})
    if ended and not detail.get("leaving_reason"):
        problems.append({"field": "detail.leaving_reason", "problem": "is required when ended_on is given (the "
                         "adopter left the process): withdrew, on_hold or refused"})
    if detail.get("leaving_reason") and not ended:
        problems.append({"field": "ended_on", "problem": "is required when detail.leaving_reason is given: the day "
                         "the adopter left the adoption process"})
    return problems


def record_problems(record: Any) -> list[Problem]:
    """Every problem with one record: what no record may hold (joinedup.ingest.limits), the schema, then the
    format's other rules and the bounds of its dates."""
    problems = value_problems(record) if isinstance(record, dict) else []
    if problems:
        return problems
    problems = schema_problems(record)
    if problems:
        return problems
    return bound_problems(record) + rule_problems(record)
