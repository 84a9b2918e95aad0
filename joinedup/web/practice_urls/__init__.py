"""Practice screens, one module of routes each (visits, supervision, meetings, concerns, dashboards)."""
