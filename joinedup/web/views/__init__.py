"""Screens, one module per area."""
