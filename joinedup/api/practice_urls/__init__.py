"""Practice API routes, one module each (visits, supervision, meetings, concerns, dashboards)."""
