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


async def test_migration_0013_gives_graded_products_their_category(
    database_url: str, tmp_path: Any
) -> None:
    """A database graded before 0013 keeps its standing grades; each product's gains the
    product's category (the regional tallies count by it), an enterprise's stays empty."""
    import uuid
    from datetime import UTC, date, datetime

    from qcredit.core.store.db import create_engine
    from qcredit.core.store.migrate import upgrade
    from qcredit.core.store.tables import EnterpriseRow, ProductRow
    from sqlalchemy import insert, text
    from sqlalchemy.engine import make_url

    from .conftest import pg_admin as admin

    name = None
    if database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'before-0013.db'}"
    else:
        name = f"qcredit_m13_{uuid.uuid4().hex[:8]}"
        await admin(f'CREATE DATABASE "{name}"')
        url = make_url(database_url).set(database=name).render_as_string(hide_password=False)
    engine = create_engine(url)
    try:
        await upgrade(engine, "0012")
        now = datetime(2026, 1, 5, tzinfo=UTC)
        async with engine.begin() as conn:
            await conn.execute(
                insert(EnterpriseRow.__table__),
                [{"id": 1, "code": "91330402MA2B3C4D5E", "name": "甲厂", "region_code": "330402",
                  "roles": "PRODUCER", "created_at": now}],
            )  # fmt: skip
            await conn.execute(
                insert(ProductRow.__table__),
                [{"id": 7, "enterprise_id": 1, "trademark": "甲", "nice_class": 9,
                  "category": "电线电缆", "created_at": now}],
            )  # fmt: skip
            for subject_type, subject_id in (("ENTERPRISE", 1), ("PRODUCT", 7)):
                await conn.execute(
                    text(
                        "INSERT INTO standing_grades (policy_id, subject_type, subject_id, "
                        "enterprise_id, region_code, level, as_of, graded_at, open_to, review_to) "
                        "VALUES ('jiaxing', :t, :i, 1, '330402', 'B', :d, :g, '', '')"
                    ),
                    {"t": subject_type, "i": subject_id, "d": date(2026, 1, 5), "g": now},
                )
        await upgrade(engine)
        async with engine.connect() as conn:
            rows = (
                await conn.execute(
                    text("SELECT subject_type, category, level FROM standing_grades ORDER BY 1")
                )
            ).all()
        assert [tuple(r) for r in rows] == [("ENTERPRISE", None, "B"), ("PRODUCT", "电线电缆", "B")]
    finally:
        await engine.dispose()
        if name is not None:
            await admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
