"""The versioned REST API under /api/v1 (OpenAPI 3 schema at /api/v1/schema/)."""
