"""The schema marker: a row saying this database is voiceconsole's

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 21:00:00

A database is opened only when it is empty or voiceconsole's (db/ownership.py). From this
revision on, the marker row is part of what says so; older databases of ours are known by
their revision and our tables, and get the row here.
"""

import datetime as dt
import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    marker = op.create_table(
        "voiceconsole_installation",
        sa.Column("product", sa.String(length=32), nullable=False),
        sa.Column("installation_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("product", name=op.f("pk_voiceconsole_installation")),
    )
    op.bulk_insert(
        marker,
        [
            {
                "product": "voiceconsole",
                "installation_id": uuid.uuid4().hex,
                "created_at": dt.datetime.now(dt.UTC),
            }
        ],
    )


def downgrade() -> None:
    op.drop_table("voiceconsole_installation")
