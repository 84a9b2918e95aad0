"""Conversions between the agency record model and its CSV layout and FHIR R4 bundles.

One copy for both directions: ingestion reads CSV files and FHIR bundles with these, and the simulator
(a higher layer) writes its CSV and FHIR feeds with them. See docs/formats/README.md.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable
from typing import Any

RECORD_COLUMNS = (
    "schema",
    "agency_id",
    "source_system",
    "source_record_id",
    "version",
    "amended_at",
    "kind",
    "occurred_at",
    "occurred_on",
    "ended_on",
    "recorded_at",
)
MENTION_COLUMNS = (
    "mention_id",
    "role",
    "local_person_id",
    "given_name",
    "family_name",
    "relationship_label",
    "relationship_to_subject",
    "dob",
    "expected_due_on",
    "sex",
    "nhs_number",
    "upn",
)
ADDRESS_LINES = 6
CSV_COLUMNS = (  # every file has these (the reader refuses a header without them)
    RECORD_COLUMNS
    + MENTION_COLUMNS
    + tuple(f"address_line_{i}" for i in range(1, ADDRESS_LINES + 1))
    + ("postcode", "uprn", "address_protected", "detail_json")
)
# Added to version 1 later: written after CSV_COLUMNS, optional when reading (files made before have none).
OPTIONAL_CSV_COLUMNS = ("dob_estimated", "age", "other_names")
CSV_HEADER = CSV_COLUMNS + OPTIONAL_CSV_COLUMNS
OTHER_NAME_KINDS = ("former", "alias")
EXT = "https://joinedup.example/fhir/StructureDefinition/"
NHS_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
UPN_SYSTEM = "https://joinedup.example/Id/upn"
UCUM = "http://unitsofmeasure.org"
SNOMED = "http://snomed.info/sct"
_NUMBERED_INJURY = re.compile(r"injury-[0-9]+")
# FHIR HumanName.use of a mention's other names: written as the first of each, read from any of them.
NAME_USES = {"former": ("old", "maiden"), "alias": ("nickname", "anonymous")}
_KIND_OF_USE = {use: kind for kind, uses in NAME_USES.items() for use in uses}


def record_to_csv_rows(record: dict[str, Any]) -> list[dict[str, str]]:
    """One CSV row per mention; record columns repeat on every row; detail travels as canonical JSON."""
    rows = []
    detail = json.dumps(record["detail"], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    for m in record["mentions"]:
        row = {c: _s(record.get(c)) for c in RECORD_COLUMNS}
        row.update({c: _s(m.get(c)) for c in MENTION_COLUMNS})
        addr = m.get("address") or {}
        lines = addr.get("lines", [])
        for i in range(ADDRESS_LINES):
            row[f"address_line_{i + 1}"] = lines[i] if i < len(lines) else ""
        row["postcode"] = _s(addr.get("postcode"))
        row["uprn"] = _s(addr.get("uprn"))
        row["address_protected"] = "true" if addr.get("protected") else ""
        row["detail_json"] = detail
        row["dob_estimated"] = "" if m.get("dob_estimated") is None else ("true" if m["dob_estimated"] else "false")
        row["age"] = _s(m.get("age"))
        row["other_names"] = other_names_to_cell(m.get("other_names"))
        rows.append(row)
    return rows


def _s(v: object) -> str:
    return "" if v is None else str(v)


def _escape(name: str | None) -> str:
    if not name:
        return ""
    return name.replace("\\", "\\\\").replace(";", "\\;").replace("|", "\\|")


def other_names_to_cell(other_names: list[dict[str, Any]] | None) -> str:
    """The `other_names` CSV cell: `kind:given|family` per name, joined by `;` (`\\` escapes `\\`, `;` and `|`)."""
    return ";".join(
        f"{o.get('kind') or ''}:{_escape(o.get('given_name'))}|{_escape(o.get('family_name'))}"
        for o in other_names or ()
    )


def _split(text: str, sep: str) -> list[str]:
    """Splits at unescaped `sep`, keeping escapes (for a second split), so `a\\;b;c` gives `a\\;b`, `c`."""
    parts, current, i = [], [], 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            current.append(text[i : i + 2])
            i += 2
            continue
        if ch == sep:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
        i += 1
    parts.append("".join(current))
    return parts


def _unescape(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            i += 1
        out.append(text[i])
        i += 1
    return "".join(out)


def other_names_from_cell(cell: str) -> list[dict[str, Any]]:
    """The names an `other_names` CSV cell holds; an empty part is an absent name. `former:Smith` (no `|`)
    is a family name alone. What cannot be read is passed on as it is, for the format check to name."""
    out: list[dict[str, Any]] = []
    for item in _split(cell, ";"):
        if not item.strip():
            continue
        kind, colon, rest = item.partition(":")
        if not colon:
            kind, rest = "", item
        names = _split(rest, "|")
        given, family = (names[0], "|".join(names[1:])) if len(names) > 1 else ("", names[0])
        o: dict[str, Any] = {}
        if given:
            o["given_name"] = _unescape(given)
        if family:
            o["family_name"] = _unescape(family)
        if kind:
            o["kind"] = kind.strip()
        out.append(o)
    return out


def csv_rows_to_records(rows: Iterable[dict[str, str]]) -> list[dict[str, Any]]:
    """Rebuilds records from CSV rows (consecutive rows with the same record id and version form one record)."""
    out: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    for row in rows:
        key = (row["source_record_id"], row["version"])
        if current is None or key != (current["source_record_id"], str(current["version"])):
            current = {c: row[c] for c in RECORD_COLUMNS if row.get(c)}
            current["version"] = int(row["version"])
            current["detail"] = json.loads(row["detail_json"])
            current["mentions"] = []
            out.append(current)
        current["mentions"].append(csv_row_to_mention(row))
    return out


CSV_TRUE = frozenset({"true", "yes", "y", "1", "t"})
CSV_FALSE = frozenset({"false", "no", "n", "0", "f", ""})


def csv_boolean(cell: str | None) -> bool | None:
    """A CSV cell as true or false, in any case: true, yes, y, 1 (or t); false, no, n, 0 (or f); None when empty.
    Anything else raises ValueError (csv_row_to_mention passes such a cell on, for the format check to refuse it)."""
    text = (cell or "").strip().lower()
    if not text:
        return None
    if text in CSV_TRUE:
        return True
    if text in CSV_FALSE:
        return False
    raise ValueError("not a true or false value")


def csv_row_to_mention(row: dict[str, str]) -> dict[str, Any]:
    """The mention one CSV row carries. A true-or-false cell that cannot be read is passed on as written, for the
    format check to refuse (`address_protected` then makes an address, so that it is never read as not protected)."""
    m: dict[str, Any] = {c: row[c] for c in MENTION_COLUMNS if row.get(c)}
    lines = [row[f"address_line_{i}"] for i in range(1, ADDRESS_LINES + 1) if row.get(f"address_line_{i}")]
    try:
        protected = csv_boolean(row.get("address_protected"))
    except ValueError:
        protected = row.get("address_protected")
    if lines or not isinstance(protected, bool | None):
        addr: dict[str, Any] = {"lines": lines, "postcode": row.get("postcode") or None}
        if row.get("uprn"):
            addr["uprn"] = row["uprn"]
        if protected is True or isinstance(protected, str):  # a text: refused by the format check, by field
            addr["protected"] = protected
        m["address"] = addr
    estimated = (row.get("dob_estimated") or "").strip()
    if estimated:
        try:
            m["dob_estimated"] = csv_boolean(estimated)
        except ValueError:
            m["dob_estimated"] = estimated
    age = (row.get("age") or "").strip()
    if age:
        m["age"] = int(age) if age.isascii() and age.lstrip("-").isdigit() and len(age) <= 6 else age
    if row.get("other_names"):
        m["other_names"] = other_names_from_cell(row["other_names"])
    return m


def read_csv_records(text: str) -> list[dict[str, Any]]:
    """All records in a CSV file's text."""
    return csv_rows_to_records(csv.DictReader(io.StringIO(text)))


def write_csv(records: Iterable[dict[str, Any]]) -> str:
    """CSV text (header plus one row per mention) for records, with fixed column order and LF line ends."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=CSV_HEADER, lineterminator="\n")
    w.writeheader()
    for rec in records:
        w.writerows(record_to_csv_rows(rec))
    return buf.getvalue()


# --- FHIR R4 -------------------------------------------------------------------------------------------


def _ext(name: str, value: object) -> dict[str, Any]:
    key = {bool: "valueBoolean", int: "valueInteger"}.get(type(value), "valueString")
    return {"url": EXT + name, key: value}


def _ext_get(resource: dict[str, Any], name: str) -> Any:
    for e in resource.get("extension", []):
        if e["url"] == EXT + name:
            return e.get("valueString", e.get("valueBoolean", e.get("valueInteger")))
    return None


def _person_resource(record: dict[str, Any], m: dict[str, Any], patient_ref: str | None) -> dict[str, Any]:
    rtype = "Patient" if patient_ref is None else "RelatedPerson"
    res: dict[str, Any] = {"resourceType": rtype, "id": m["mention_id"]}
    ext = [_ext("mention-id", m["mention_id"]), _ext("mention-role", m["role"])]
    for k in ("relationship_label", "relationship_to_subject", "expected_due_on"):
        if m.get(k):
            ext.append(_ext(k.replace("_", "-"), m[k]))
    res["extension"] = ext
    ids = []
    if m.get("nhs_number"):
        ids.append({"system": NHS_SYSTEM, "value": m["nhs_number"]})
    if m.get("local_person_id"):
        ids.append(
            {"system": f"urn:joinedup:agency:{record['agency_id']}:person", "value": m["local_person_id"]}
        )
    if m.get("upn"):
        ids.append({"system": UPN_SYSTEM, "value": m["upn"]})
    if ids:
        res["identifier"] = ids
    names = []
    if m.get("given_name") or m.get("family_name"):
        names.append(_human_name(m.get("given_name"), m.get("family_name")))
    for other in m.get("other_names") or ():
        name = {"use": NAME_USES[other["kind"]][0]}
        names.append(name | _human_name(other.get("given_name"), other.get("family_name")))
    if names:
        res["name"] = names
    if m.get("sex"):
        res["gender"] = m["sex"]
    if m.get("dob"):
        res["birthDate"] = m["dob"]
    if m.get("dob_estimated") is not None:  # an extension on the date itself (FHIR's primitive extension)
        res["_birthDate"] = {"extension": [_ext("dob-estimated", m["dob_estimated"])]}
    if m.get("age") is not None:
        ext.append({"url": EXT + "recorded-age",
                    "valueAge": {"value": m["age"], "unit": "years", "system": UCUM, "code": "a"}})
    if m.get("address"):
        a = m["address"]
        fa: dict[str, Any] = {"line": a["lines"]}
        if a.get("postcode"):
            fa["postalCode"] = a["postcode"]
        aext = []
        if a.get("uprn"):
            aext.append(_ext("uprn", a["uprn"]))
        if a.get("protected"):
            aext.append(_ext("address-protected", True))
        if aext:
            fa["extension"] = aext
        res["address"] = [fa]
    if patient_ref is not None:
        res["patient"] = {"reference": patient_ref}
    return res


def _human_name(given: str | None, family: str | None) -> dict[str, Any]:
    name: dict[str, Any] = {}
    if family:
        name["family"] = family
    if given:
        name["given"] = [given]
    return name


def _condition(cid: str, injury: dict[str, Any], record: dict[str, Any], patient_ref: str | None) -> dict[str, Any]:
    """One injury as a FHIR Condition: the site as `bodySite` (SNOMED CT coding when sent, text as recorded)."""
    site: dict[str, Any] = {"text": injury["site"]}
    if injury.get("site_code"):
        site["coding"] = [{"system": SNOMED, "code": injury["site_code"]}]
    cond: dict[str, Any] = {
        "resourceType": "Condition",
        "id": cid,
        "code": {"text": injury["description"]},
        "bodySite": [site],
        "subject": {"reference": patient_ref},
        "encounter": {"reference": "Encounter/encounter"},
        "recordedDate": record["recorded_at"],
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/condition-category",
                        "code": "encounter-diagnosis",
                    }
                ]
            }
        ],
    }
    if injury.get("explanation_given"):
        cond["note"] = [{"text": injury["explanation_given"]}]
    if injury.get("severity"):
        cond["severity"] = {"text": injury["severity"]}
    cext = [
        _ext(f"injury-{k.replace('_', '-')}", injury[k])
        for k in ("explained_by", "pattern", "explanation_status")
        if injury.get(k)
    ]
    if cext:
        cond["extension"] = cext
    return cond


def _injury_from(res: dict[str, Any]) -> dict[str, Any]:
    """An injury from a FHIR Condition: `bodySite[0]` text (else the SNOMED CT display) and its SNOMED CT code."""
    body = (res.get("bodySite") or [{}])[0]
    snomed = [c for c in body.get("coding") or () if c.get("system") == SNOMED and c.get("code")]
    inj: dict[str, Any] = {
        "site": body.get("text") or (snomed[0].get("display") if snomed else None),
        "description": (res.get("code") or {}).get("text"),
    }
    if snomed:
        inj["site_code"] = snomed[0]["code"]
    if res.get("note"):
        inj["explanation_given"] = res["note"][0]["text"]
    if res.get("severity"):
        inj["severity"] = res["severity"]["text"]
    for k in ("explained_by", "pattern", "explanation_status"):
        v = _ext_get(res, f"injury-{k.replace('_', '-')}")
        if v is not None:
            inj[k] = v
    return {k: v for k, v in inj.items() if v is not None}


def record_to_fhir_bundle(record: dict[str, Any]) -> dict[str, Any]:
    """A FHIR R4 collection Bundle: Patient (+RelatedPerson), Encounter, Condition for an injury, Observations."""
    srid, agency = record["source_record_id"], record["agency_id"]
    entries: list[dict[str, Any]] = []
    patient_ref: str | None = None
    for m in record["mentions"]:
        res = _person_resource(record, m, patient_ref)
        if patient_ref is None:
            patient_ref = f"Patient/{m['mention_id']}"
        entries.append(
            {"fullUrl": f"urn:joinedup:{agency}:{srid}:{res['resourceType']}/{res['id']}", "resource": res}
        )
    cls = {"ed_attendance": "EMER", "admission": "IMP"}.get(record["kind"], "AMB")
    enc: dict[str, Any] = {
        "resourceType": "Encounter",
        "id": "encounter",
        "status": "finished",
        "identifier": [{"system": f"urn:joinedup:agency:{agency}:record", "value": srid}],
        "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": cls},
        "type": [{"text": record["kind"]}],
        "subject": {"reference": patient_ref},
        "extension": [_ext("record-kind", record["kind"]), _ext("source-system", record["source_system"])],
    }
    period: dict[str, str] = {}
    if record.get("occurred_at"):
        period["start"] = record["occurred_at"]
    else:
        enc["extension"].append(_ext("occurred-on", record["occurred_on"]))
    if record.get("ended_on"):
        enc["extension"].append(_ext("ended-on", record["ended_on"]))
    if period:
        enc["period"] = period
    entries.append({"fullUrl": f"urn:joinedup:{agency}:{srid}:Encounter/encounter", "resource": enc})
    detail = dict(record["detail"])
    injury = detail.pop("injury", None)
    injuries = detail.pop("injuries", None)
    conditions = [("injury", injury)] if injury is not None else []
    conditions += [(f"injury-{i + 1}", inj) for i, inj in enumerate(injuries or ())]
    for cid, inj in conditions:
        cond = _condition(cid, inj, record, patient_ref)
        entries.append({"fullUrl": f"urn:joinedup:{agency}:{srid}:Condition/{cid}", "resource": cond})
    for i, key in enumerate(sorted(detail)):
        obs: dict[str, Any] = {
            "resourceType": "Observation",
            "id": f"detail-{i + 1}",
            "status": "final",
            "code": {"text": key},
            "subject": {"reference": patient_ref},
            "encounter": {"reference": "Encounter/encounter"},
        }
        v = detail[key]
        if isinstance(v, bool):
            obs["valueBoolean"] = v
        elif isinstance(v, int):
            obs["valueInteger"] = v
        elif v is None:
            obs["dataAbsentReason"] = {"text": "not recorded"}
        elif isinstance(v, str):
            obs["valueString"] = v
        else:
            obs["valueString"] = json.dumps(v, sort_keys=True, separators=(",", ":"))
            obs["extension"] = [_ext("json-value", True)]
        entries.append({"fullUrl": f"urn:joinedup:{agency}:{srid}:Observation/{obs['id']}", "resource": obs})
    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "id": f"{srid}-v{record['version']}",
        "type": "collection",
        "identifier": {"system": f"urn:joinedup:agency:{agency}:record", "value": srid},
        "meta": {
            "versionId": str(record["version"]),
            "lastUpdated": record.get("amended_at") or record["recorded_at"],
        },
        "timestamp": record["recorded_at"],
        "entry": entries,
    }
    return bundle


def fhir_bundle_to_records(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    """The agency records a FHIR R4 Bundle from a health feed carries (one per Encounter)."""
    agency = bundle["identifier"]["system"].split(":")[3]
    version = int(bundle["meta"]["versionId"])
    resources = [e["resource"] for e in bundle["entry"]]
    mentions, detail = [], {}
    conditions: list[tuple[str, dict[str, Any]]] = []
    enc: dict[str, Any] = {}
    for res in resources:
        rt = res["resourceType"]
        if rt in ("Patient", "RelatedPerson"):
            mentions.append(_mention_from(res))
        elif rt == "Encounter":
            enc = res
        elif rt == "Condition":
            conditions.append((str(res.get("id") or ""), _injury_from(res)))
        elif rt == "Observation":
            key = res["code"]["text"]
            if "valueBoolean" in res:
                detail[key] = res["valueBoolean"]
            elif "valueInteger" in res:
                detail[key] = res["valueInteger"]
            elif "dataAbsentReason" in res:
                detail[key] = None
            elif _ext_get(res, "json-value"):
                detail[key] = json.loads(res["valueString"])
            else:
                detail[key] = res["valueString"]
    if len(conditions) == 1 and not _NUMBERED_INJURY.fullmatch(conditions[0][0]):
        detail["injury"] = conditions[0][1]  # one Condition: detail.injury (joinedup writes its id "injury")
    elif conditions:
        detail["injuries"] = [inj for _cid, inj in conditions]  # several, or joinedup's "injury-1", "injury-2"…
    rec: dict[str, Any] = {
        "schema": "joinedup.agency-record/1",
        "agency_id": agency,
        "source_system": _ext_get(enc, "source-system"),
        "source_record_id": bundle["identifier"]["value"],
        "version": version,
        "kind": _ext_get(enc, "record-kind"),
        "recorded_at": bundle["timestamp"],
        "mentions": mentions,
        "detail": detail,
    }
    if version > 1:
        rec["amended_at"] = bundle["meta"]["lastUpdated"]
    if enc.get("period", {}).get("start"):
        rec["occurred_at"] = enc["period"]["start"]
    else:
        rec["occurred_on"] = _ext_get(enc, "occurred-on")
    if _ext_get(enc, "ended-on"):
        rec["ended_on"] = _ext_get(enc, "ended-on")
    return [rec]


def _mention_from(res: dict[str, Any]) -> dict[str, Any]:
    m: dict[str, Any] = {"mention_id": _ext_get(res, "mention-id"), "role": _ext_get(res, "mention-role")}
    for k in ("relationship_label", "relationship_to_subject", "expected_due_on"):
        v = _ext_get(res, k.replace("_", "-"))
        if v is not None:
            m[k] = v
    for ident in res.get("identifier", []):
        if ident["system"] == NHS_SYSTEM:
            m["nhs_number"] = ident["value"]
        elif ident["system"] == UPN_SYSTEM:
            m["upn"] = ident["value"]
        elif ident["system"].endswith(":person"):
            m["local_person_id"] = ident["value"]
    primary = True
    for n in res.get("name", []):
        kind = _KIND_OF_USE.get(n.get("use", ""))
        if kind is None and primary:  # the mention's own name: the first that is not a former name or alias
            primary = False
            if n.get("family"):
                m["family_name"] = n["family"]
            if n.get("given"):
                m["given_name"] = n["given"][0]
        elif kind is not None:
            other: dict[str, Any] = {}
            if n.get("given"):
                other["given_name"] = n["given"][0]
            if n.get("family"):
                other["family_name"] = n["family"]
            m.setdefault("other_names", []).append(other | {"kind": kind})
    if res.get("gender"):
        m["sex"] = res["gender"]
    if res.get("birthDate"):
        m["dob"] = res["birthDate"]
    estimated = _ext_get(res.get("_birthDate") or {}, "dob-estimated")
    if estimated is not None:
        m["dob_estimated"] = estimated
    for e in res.get("extension", []):
        if e["url"] == EXT + "recorded-age":
            m["age"] = e["valueAge"]["value"]
    if res.get("address"):
        fa = res["address"][0]
        addr: dict[str, Any] = {"lines": fa["line"], "postcode": fa.get("postalCode")}
        if _ext_get(fa, "uprn"):
            addr["uprn"] = _ext_get(fa, "uprn")
        if _ext_get(fa, "address-protected"):
            addr["protected"] = True
        m["address"] = addr
    return m


# --- Checking a FHIR Bundle before it is converted ----------------------------------------------------------------

_VERSION_ID = re.compile(r"[0-9]{1,10}")


def fhir_bundle_problems(bundle: dict[str, Any]) -> list[dict[str, str]]:
    """What stops `fhir_bundle_to_records` reading a Bundle, each named by its FHIR path (`entry[2].resource.name[0]
    .given`) in plain words; empty when the mapping can read it. What it reads is then checked as an agency record
    (its problems named by the record's fields). Values are never repeated."""
    problems: list[dict[str, str]] = []

    def need(ok: bool, path: str, problem: str) -> bool:
        if not ok:
            problems.append({"field": path, "problem": problem})
        return ok

    identifier = bundle.get("identifier")
    if need(isinstance(identifier, dict), "identifier", "is required: an object with the record's system and value"):
        system = identifier.get("system")
        need(isinstance(system, str) and len(system.split(":")) >= 4 and bool(system.split(":")[3]),
             "identifier.system", "must be urn:joinedup:agency:<agency id>:record")
        need("value" in identifier, "identifier.value", "is required: the record's id in the agency's system")
    meta = bundle.get("meta")
    version: int | None = None
    if need(isinstance(meta, dict), "meta", "is required: an object with versionId (and lastUpdated for a "
            "version above 1)"):
        raw = meta.get("versionId")
        if isinstance(raw, int) and not isinstance(raw, bool):
            version = raw
        elif isinstance(raw, str) and _VERSION_ID.fullmatch(raw):
            version = int(raw)
        need(version is not None, "meta.versionId", "must be the record's version, a whole number (e.g. \"1\")")
        if version is not None and version > 1:
            need("lastUpdated" in meta, "meta.lastUpdated", "is required for a version above 1: when it was amended")
    need("timestamp" in bundle, "timestamp", "is required: when the agency recorded it")
    entries = bundle.get("entry")
    if not need(isinstance(entries, list), "entry", "is required: a list of entries, each with a resource"):
        return problems
    for i, entry in enumerate(entries):
        res = entry.get("resource") if isinstance(entry, dict) else None
        if not need(isinstance(res, dict) and isinstance(res.get("resourceType"), str), f"entry[{i}].resource",
                    "must be a FHIR resource: an object with a resourceType"):
            continue
        _resource_problems(res, f"entry[{i}].resource", need)
    return problems


def _resource_problems(res: dict[str, Any], path: str, need: Any) -> None:
    rt = res["resourceType"]
    _extensions_ok(res, path, need)
    if rt in ("Patient", "RelatedPerson"):
        for j, ident in enumerate(_list(res, "identifier", path, need)):
            if need(isinstance(ident, dict), f"{path}.identifier[{j}]", "must be an object with system and value"):
                need(isinstance(ident.get("system"), str), f"{path}.identifier[{j}].system", "is required: the "
                     "identifier's system, as text")
                need("value" in ident, f"{path}.identifier[{j}].value", "is required")
        for j, name in enumerate(_list(res, "name", path, need)):
            if not need(isinstance(name, dict), f"{path}.name[{j}]", "must be a HumanName (an object)"):
                continue
            need(isinstance(name.get("use"), str | None), f"{path}.name[{j}].use", "must be text (official, old, "
                 "maiden, nickname, anonymous…)")
            given = name.get("given")
            need(not given or (isinstance(given, list) and all(isinstance(g, str) for g in given)),
                 f"{path}.name[{j}].given", "must be a list of given names, as text")
        if res.get("_birthDate") and need(isinstance(res["_birthDate"], dict), f"{path}._birthDate",
                                          "must be an object (the birthDate element's extensions)"):
            _extensions_ok(res["_birthDate"], f"{path}._birthDate", need)
        for j, ext in enumerate(res.get("extension") if isinstance(res.get("extension"), list) else ()):
            if isinstance(ext, dict) and ext.get("url") == EXT + "recorded-age":
                age = ext.get("valueAge")
                need(isinstance(age, dict) and "value" in age, f"{path}.extension[{j}].valueAge",
                     "is required: an Age with a value in years")
        addresses = _list(res, "address", path, need, falsy_is_none=True)
        if addresses and need(isinstance(addresses[0], dict), f"{path}.address[0]", "must be an Address (an object)"):
            need(isinstance(addresses[0].get("line"), list), f"{path}.address[0].line",
                 "is required: the address lines, as a list")
            _extensions_ok(addresses[0], f"{path}.address[0]", need)
    elif rt == "Encounter":
        need(isinstance(res.get("period", {}), dict), f"{path}.period", "must be a Period (an object with start)")
    elif rt == "Condition":
        sites = _list(res, "bodySite", path, need, falsy_is_none=True)
        if sites and need(isinstance(sites[0], dict), f"{path}.bodySite[0]", "must be a CodeableConcept (an object)"):
            for k, coding in enumerate(_list(sites[0], "coding", f"{path}.bodySite[0]", need, falsy_is_none=True)):
                need(isinstance(coding, dict), f"{path}.bodySite[0].coding[{k}]", "must be a Coding (an object)")
        need(isinstance(res.get("code") or {}, dict), f"{path}.code", "must be a CodeableConcept (an object)")
        notes = _list(res, "note", path, need, falsy_is_none=True)
        if notes:
            need(isinstance(notes[0], dict) and "text" in notes[0], f"{path}.note[0].text",
                 "is required: the explanation given, as text")
        if res.get("severity"):
            need(isinstance(res["severity"], dict) and "text" in res["severity"], f"{path}.severity.text",
                 "is required: the severity, as text")
    elif rt == "Observation":
        code = res.get("code")
        need(isinstance(code, dict) and isinstance(code.get("text"), str), f"{path}.code.text",
             "is required: the detail key, as text")
        if not any(k in res for k in ("valueBoolean", "valueInteger", "dataAbsentReason")):
            value = res.get("valueString")
            if not need("valueString" in res, f"{path}.valueString", "is required: an Observation holds "
                        "valueString, valueBoolean, valueInteger or dataAbsentReason"):
                return
            if _has_extension(res, "json-value"):
                need(_json_text_ok(value), f"{path}.valueString",
                     "must be JSON text (the extension json-value says it holds a list or object as JSON)")


def _list(obj: dict[str, Any], key: str, path: str, need: Any, *, falsy_is_none: bool = False) -> list[Any]:
    """obj[key] when it is a list; [] when absent (or, where the mapping reads it so, any false value); otherwise
    a problem."""
    if key not in obj or (falsy_is_none and not obj[key]):
        return []
    value = obj[key]
    return value if need(isinstance(value, list), f"{path}.{key}", "must be a list") else []


def _extensions_ok(obj: dict[str, Any], path: str, need: Any) -> None:
    for j, ext in enumerate(_list(obj, "extension", path, need)):
        need(isinstance(ext, dict) and isinstance(ext.get("url"), str), f"{path}.extension[{j}]",
             "must be an Extension: an object with a url")


def _has_extension(res: dict[str, Any], name: str) -> bool:
    """Whether a resource (its extensions checked or not) carries extension `name` with a true value."""
    extensions = res.get("extension")
    if not isinstance(extensions, list):
        return False
    for e in extensions:
        if isinstance(e, dict) and e.get("url") == EXT + name:
            return bool(e.get("valueString", e.get("valueBoolean", e.get("valueInteger"))))
    return False


def _json_text_ok(text: Any) -> bool:
    if not isinstance(text, str):
        return False
    try:
        json.loads(text)
    except (ValueError, RecursionError):
        return False
    return True
