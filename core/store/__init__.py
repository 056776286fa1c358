"""Persistence: SQLAlchemy 2.x tables, database URLs, migrations and the queries the API makes."""
