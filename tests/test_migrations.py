"""The Alembic migrations build exactly the schema the models declare, on both databases."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from qcredit.core.store.migrate import alembic_config, current_revision
from qcredit.core.store.search import include_name
from qcredit.core.store.tables import Base


async def test_migrations_match_the_models(app: Any) -> None:
    engine = app.state.db_engine  # migrated to head by the app fixture

    def diff(sync_connection: Any) -> list[Any]:
        # The name-search structures (FTS5 table, trigram index) are built by migration 0011
        # and cannot be declared on the models; tests/test_name_search.py checks them.
        context = MigrationContext.configure(sync_connection, opts={"include_name": include_name})
        return compare_metadata(context, Base.metadata)

    async with engine.connect() as conn:
        differences = await conn.run_sync(diff)
    assert differences == [], differences
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    assert len(heads) == 1, f"migrations must form one line, found heads {heads}"
    assert await current_revision(engine) == heads[0]
