"""A team on PostgreSQL: group roles per console role, and the journal's actor set by the
database

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 17:00:00

PostgreSQL only (nothing on SQLite, a file of one person). The groups `voiceconsole_viewer`,
`_engineer`, `_noc` and `_admin` are created if missing (cluster-wide: another installation
may have made them); their grants are applied at the end of every upgrade
(`db.pg_roles.apply_grants`), so that tables of later migrations are covered. A trigger
writes the session's own role name as the actor of each journal entry a person inserts.
"""

from collections.abc import Sequence

from alembic import op

from voiceconsole.db import pg_roles

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# The journal's actor, set by the database: a person's role cannot write another name. The
# table's owner (and a superuser) keeps the name the client gave: migrations, admin scripts
# and the test suite connect as the owner, who could disable any trigger anyway, so holding
# them to it would protect nothing and take `--actor` from scripts. A viewer, who changes
# nothing, journals only the refusals of what they tried (services/permissions.py).
_ACTOR_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_actor_is_session_user() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    writer oid;
BEGIN
    IF pg_has_role(session_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID),
                   'MEMBER') THEN
        RETURN NEW;
    END IF;
    NEW.actor := session_user;
    SELECT oid INTO writer FROM pg_roles WHERE rolname = 'voiceconsole_engineer';
    IF NEW.action <> 'refused'
       AND (writer IS NULL OR NOT pg_has_role(session_user, writer, 'MEMBER')) THEN
        RAISE EXCEPTION 'permission denied for table audit_entries: a viewer journals only refusals'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$
"""
_ACTOR_TRIGGER = (
    "CREATE TRIGGER audit_entries_actor BEFORE INSERT ON audit_entries "
    "FOR EACH ROW EXECUTE FUNCTION audit_actor_is_session_user()"
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    pg_roles.ensure_group_roles(op.get_bind())
    op.execute(_ACTOR_FUNCTION)
    op.execute("DROP TRIGGER IF EXISTS audit_entries_actor ON audit_entries")
    op.execute(_ACTOR_TRIGGER)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # The groups stay: other databases of the cluster may use them.
    op.execute("DROP TRIGGER IF EXISTS audit_entries_actor ON audit_entries")
    op.execute("DROP FUNCTION IF EXISTS audit_actor_is_session_user()")
