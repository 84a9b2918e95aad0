"""Foundations every domain app shares: base models, request context, time helpers, system checks."""
