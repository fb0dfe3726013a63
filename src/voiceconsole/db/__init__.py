"""Persistence: typed models, the async engine, migrations and queries."""
