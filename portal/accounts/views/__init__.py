"""Accounts views, one module per page group: sign-in, API keys, acting as, team, audit."""
