"""The agency record v1 JSON Schema, loaded from the copy shipped inside the package.

`joinedup/ingest/formats/agency-record-v1.schema.json` is byte-identical to the published
`docs/formats/agency-record-v1.schema.json` (a test checks this).
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

SCHEMA_FILE = "agency-record-v1.schema.json"


@lru_cache(maxsize=1)
def _text() -> str:
    return resources.files("joinedup.ingest").joinpath("formats", SCHEMA_FILE).read_text(encoding="utf-8")


def load_schema() -> dict[str, Any]:
    """The JSON Schema every agency record (JSON lines, CSV or FHIR after conversion) must satisfy."""
    return json.loads(_text())


def validator() -> Any:
    """A jsonschema validator for agency records, with format checking on (thorough, slower)."""
    import jsonschema

    schema = load_schema()
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


@lru_cache(maxsize=1)
def fast_validator() -> Any:
    """A jsonschema_rs validator for agency records, with format checking on (what ingestion uses)."""
    import jsonschema_rs

    return jsonschema_rs.validator_for(load_schema(), validate_formats=True)
