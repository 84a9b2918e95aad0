"""Tests of the linkage engine (joinedup.people.linkage): pure Python and DataFrames, no database."""
