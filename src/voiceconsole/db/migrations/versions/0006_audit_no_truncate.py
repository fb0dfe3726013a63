"""audit journal: TRUNCATE refused too (PostgreSQL)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 21:40:00

The journal's row triggers stop UPDATE and DELETE; TRUNCATE fires no row trigger, so a
statement trigger refuses it (also when another table's TRUNCATE ... CASCADE reaches it).
SQLite has no TRUNCATE: its `DELETE FROM` without WHERE meets the delete trigger.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JOURNAL = ("audit_entries", "audit_subjects")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in _JOURNAL:
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in _JOURNAL:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
