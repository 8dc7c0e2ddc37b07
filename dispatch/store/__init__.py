"""Persistence: the engine and session scope, one models module per aggregate, locks, migrations."""
