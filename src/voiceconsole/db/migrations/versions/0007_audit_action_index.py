"""audit journal: an index for the activity screen's action filter

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 03:05:00

The action filter read the whole journal (no index on `action`). With (action, id) each
action's newest entries are one index range (services/audit.py reads them action by action).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_audit_entries_action_id"), ["action", "id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_entries_action_id"))
