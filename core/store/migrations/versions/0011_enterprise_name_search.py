"""enterprise name search through an index: SQLite FTS5 (trigram), PostgreSQL pg_trgm

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02

See qcredit.core.store.search.  SQLite: an external-content FTS5 table over enterprises.name
with the trigram tokenizer, filled from the rows already there and kept in step by triggers.
PostgreSQL: a GIN trigram index; where the pg_trgm extension is neither installed nor
installable (a managed server that forbids it), a b-tree on lower(name) instead, which answers
searches by the beginning of a name.
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import text

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

FTS = "enterprise_names"
TRIGGERS = {
    "enterprise_names_ai": f"""
        CREATE TRIGGER enterprise_names_ai AFTER INSERT ON enterprises BEGIN
            INSERT INTO {FTS}(rowid, name) VALUES (new.id, new.name);
        END""",
    "enterprise_names_ad": f"""
        CREATE TRIGGER enterprise_names_ad AFTER DELETE ON enterprises BEGIN
            INSERT INTO {FTS}({FTS}, rowid, name) VALUES ('delete', old.id, old.name);
        END""",
    "enterprise_names_au": f"""
        CREATE TRIGGER enterprise_names_au AFTER UPDATE OF name ON enterprises BEGIN
            INSERT INTO {FTS}({FTS}, rowid, name) VALUES ('delete', old.id, old.name);
            INSERT INTO {FTS}(rowid, name) VALUES (new.id, new.name);
        END""",
}


def _trgm_available() -> bool:
    bind = op.get_bind()
    row = bind.execute(
        text(
            "SELECT installed_version IS NOT NULL FROM pg_available_extensions "
            "WHERE name = 'pg_trgm'"
        )
    ).first()
    if row is None:
        return False
    if row[0]:
        return True
    try:
        with bind.begin_nested():  # a refused CREATE EXTENSION must not abort the migration
            bind.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except Exception:
        return False
    return True


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute(
            f"CREATE VIRTUAL TABLE {FTS} USING fts5(name, content='enterprises', "
            "content_rowid='id', tokenize='trigram')"
        )
        op.execute(f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')")
        for sql in TRIGGERS.values():
            op.execute(sql)
    elif dialect == "postgresql":
        if _trgm_available():
            op.execute(
                "CREATE INDEX ix_enterprises_name_trgm ON enterprises USING gin (name gin_trgm_ops)"
            )
        else:
            op.execute(
                "CREATE INDEX ix_enterprises_name_lower ON enterprises "
                "(lower(name) text_pattern_ops)"
            )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute(f"DROP TABLE IF EXISTS {FTS}")
    elif dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_enterprises_name_trgm")
        op.execute("DROP INDEX IF EXISTS ix_enterprises_name_lower")
