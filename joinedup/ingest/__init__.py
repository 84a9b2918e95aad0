"""Ingestion: agencies' records (agency record format v1, as JSON, CSV or FHIR) kept as immutable versions.

The people each record mentions are derived from its current version (`Mention`). No identity linkage
happens here: the `people` app, a layer above, links mentions to persons.
"""
