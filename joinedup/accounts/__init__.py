"""Agencies, teams and the people who use joinedup, with their roles."""
