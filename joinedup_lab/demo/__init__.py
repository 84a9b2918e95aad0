"""The demo authority: agencies, teams and users a newcomer can sign in as (synthetic only)."""
