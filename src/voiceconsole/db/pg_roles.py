"""PostgreSQL group roles, one per console role, and what each may do to the tables.

A team shares one PostgreSQL database and each person connects as their own login role, a
member of exactly one group role below. The grants are the database's own guard: a person
with their own SQL client (psql) cannot write outside their console role's permissions.

The groups are cluster-wide (a cluster may hold several installations); the grants are per
database. Each group is a member of the one below (admin > noc > engineer > viewer), so it
inherits the lower groups' rights. `apply_grants` runs at the end of every upgrade: a table
added by a later migration gets its grants then, and a table moved to another group loses
the old grant (all are revoked, then granted again, in the upgrade's transaction).

The installation's owner (who runs the migrations) needs CREATEROLE to create the groups;
without it the groups are left out with a notice and the database works as before, for
its owner alone.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection

from voiceconsole.domain.roles import Role

GROUPS = {
    Role.VIEWER: "voiceconsole_viewer",
    Role.ENGINEER: "voiceconsole_engineer",
    Role.NOC: "voiceconsole_noc",
    Role.ADMIN: "voiceconsole_admin",
}
# Each group's parent: the group whose rights it inherits.
_PARENT = {
    Role.ENGINEER: Role.VIEWER,
    Role.NOC: Role.ENGINEER,
    Role.ADMIN: Role.NOC,
}

# The journal: every group that writes appends to it; nobody updates it (its triggers refuse).
JOURNAL = ("audit_entries", "audit_subjects")

# What a group may write beyond what it inherits (services/ shows which tables each action
# writes). Engineers: floor ports, handsets and their lines, switch work.
WRITES = {
    Role.ENGINEER: (
        "floor_ports",
        "switch_ports",
        "switch_changes",
        "handsets",
        "handset_lines",
        "line_credentials",
        "provisioning_fetches",
    ),
    # Numbers, services, porting and the occupiers they belong to.
    Role.NOC: (
        "phone_numbers",
        "number_ranges",
        "porting_orders",
        "service_assignments",
        "scheduled_changes",
        "occupiers",
        "occupancies",
        "move_outs",
    ),
}
# Columns of a table a group may update without owning the table's other columns: a switch
# work's preflight and a first connection's pinned host key are written by engineers; the
# switch's address and credentials are the admin's.
COLUMN_UPDATES = {
    # Reading a site's ports is for everyone (services/port_readings.py), and the reading is
    # kept: what the switch showed, and the switch's last preflight (observations).
    Role.VIEWER: {
        "switch_ports": ("live", "poe", "checked_at", "observed_role", "drift", "last_error"),
        "switches": ("preflight", "preflight_at"),
    },
    Role.ENGINEER: {
        "switches": ("host_key", "host_key_pinned_at"),
    },
    # A move-out frees the occupier's spaces (services/move_out_rows.py).
    Role.NOC: {
        "spaces": ("occupier_id",),
    },
}
# Tables a group locks rows of (SELECT ... FOR UPDATE) without writing them: an engineer's
# login locks the number against a colleague's release. PostgreSQL asks UPDATE on a column
# for such a lock, so the group gets UPDATE on `id` alone, and a trigger refuses any UPDATE
# by a role without the table's own UPDATE: the lock, nothing more.
LOCKS = {
    Role.ENGINEER: ("phone_numbers", "occupancies"),
}
# Rows an engineer writes only at the sites assigned to them (`user_sites` of the `users` row
# whose login is the session's role); everyone reads them all, NOC staff and admins write
# them everywhere. The console refuses first, with a reason: this is the database's guard.
SITE_SCOPED = ("floor_ports", "handsets")
_OWN_SITES = (
    "site_id IN (SELECT us.site_id FROM user_sites us JOIN users u ON u.id = us.user_id "
    "WHERE u.login = session_user AND NOT u.disabled)"
)
# Never written by a person's role: the schema's version is the owner's (migrations).
OWNER_ONLY = ("alembic_version",)

_CREATE_GROUP = """
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{name}') THEN
        CREATE ROLE {name} NOLOGIN;
    END IF;
EXCEPTION
    -- Another installation of the cluster created it a moment ago.
    WHEN duplicate_object OR unique_violation THEN NULL;
    WHEN insufficient_privilege THEN
        RAISE NOTICE 'voiceconsole: no CREATEROLE, group role {name} left out';
END $$
"""

_JOIN_PARENT = """
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{child}')
       AND EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{parent}')
       AND NOT EXISTS (
           SELECT 1 FROM pg_auth_members m
           JOIN pg_roles c ON c.oid = m.member JOIN pg_roles p ON p.oid = m.roleid
           WHERE c.rolname = '{child}' AND p.rolname = '{parent}') THEN
        GRANT {parent} TO {child};
    END IF;
EXCEPTION
    WHEN duplicate_object OR unique_violation THEN NULL;
    WHEN insufficient_privilege THEN
        RAISE NOTICE 'voiceconsole: cannot make {child} a member of {parent}';
END $$
"""


def ensure_group_roles(connection: Connection) -> None:
    """Create the groups missing from the cluster (idempotent, safe against a concurrent
    upgrade of another database of the same cluster)."""
    for name in GROUPS.values():
        connection.exec_driver_sql(_CREATE_GROUP.format(name=name))
    for child, parent in _PARENT.items():
        connection.exec_driver_sql(_JOIN_PARENT.format(child=GROUPS[child], parent=GROUPS[parent]))


def _existing_groups(connection: Connection) -> set[str]:
    found = connection.execute(
        text("SELECT rolname FROM pg_roles WHERE rolname = ANY(:names)"),
        {"names": list(GROUPS.values())},
    )
    return set(found.scalars())


def _tables(connection: Connection) -> list[str]:
    found = connection.execute(
        text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
    )
    return sorted(found.scalars())


def _sequences(connection: Connection, tables: list[str]) -> list[str]:
    """The sequences behind the tables' serial or identity columns."""
    found = connection.execute(
        text(
            "SELECT DISTINCT s.relname FROM pg_class s "
            "JOIN pg_depend d ON d.objid = s.oid AND d.deptype IN ('a', 'i') "
            "JOIN pg_class t ON t.oid = d.refobjid "
            "WHERE s.relkind = 'S' AND t.relname = ANY(:tables) "
            "AND t.relnamespace = current_schema()::regnamespace"
        ),
        {"tables": tables},
    )
    return sorted(found.scalars())


_LOCK_ONLY = """
CREATE OR REPLACE FUNCTION voiceconsole_lock_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT has_table_privilege(current_user, TG_RELID, 'UPDATE') THEN
        RAISE EXCEPTION 'permission denied for table %', TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$
"""


def _site_policies(connection: Connection, table: str) -> None:
    """Row-level security of a site-scoped table (the owner is not held to it)."""
    policies = {
        "voiceconsole_read": f"FOR SELECT TO {GROUPS[Role.VIEWER]} USING (true)",
        "voiceconsole_every_site": f"FOR ALL TO {GROUPS[Role.NOC]} USING (true) WITH CHECK (true)",
        "voiceconsole_own_sites": (
            f"FOR ALL TO {GROUPS[Role.ENGINEER]} USING ({_OWN_SITES}) WITH CHECK ({_OWN_SITES})"
        ),
    }
    connection.exec_driver_sql(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    for name, rule in policies.items():
        connection.exec_driver_sql(f"DROP POLICY IF EXISTS {name} ON {table}")
        connection.exec_driver_sql(f"CREATE POLICY {name} ON {table} {rule}")


def _presence_policies(connection: Connection) -> None:
    """Everyone sees who is where; a person writes their own heartbeat only."""
    policies = {
        "voiceconsole_read": f"FOR SELECT TO {GROUPS[Role.VIEWER]} USING (true)",
        "voiceconsole_own_heartbeat": (
            f"FOR ALL TO {GROUPS[Role.VIEWER]} "
            "USING (login = session_user) WITH CHECK (login = session_user)"
        ),
    }
    connection.exec_driver_sql("ALTER TABLE presence ENABLE ROW LEVEL SECURITY")
    for name, rule in policies.items():
        connection.exec_driver_sql(f"DROP POLICY IF EXISTS {name} ON presence")
        connection.exec_driver_sql(f"CREATE POLICY {name} ON presence {rule}")


def apply_grants(connection: Connection) -> None:
    """Grant each group what its console role may do to this database's tables (idempotent)."""
    ensure_group_roles(connection)
    connection.exec_driver_sql(_LOCK_ONLY)
    groups = _existing_groups(connection)
    if len(groups) != len(GROUPS):
        return  # no CREATEROLE: a database for its owner alone (see the notice)
    quote = connection.dialect.identifier_preparer.quote
    tables = _tables(connection)
    present = set(tables)
    schema = quote(connection.execute(text("SELECT current_schema()")).scalar_one())
    everyone = ", ".join(GROUPS.values())
    connection.exec_driver_sql(f"GRANT USAGE ON SCHEMA {schema} TO {everyone}")
    connection.exec_driver_sql(f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {everyone}")
    connection.exec_driver_sql(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema} FROM {everyone}")
    connection.exec_driver_sql(
        f"GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO {GROUPS[Role.VIEWER]}"
    )

    def grant(role: Role, names: list[str], privileges: str) -> None:
        names = [n for n in names if n in present]
        if names:
            listed = ", ".join(quote(n) for n in names)
            connection.exec_driver_sql(f"GRANT {privileges} ON {listed} TO {GROUPS[role]}")
        for sequence in _sequences(connection, names) if "INSERT" in privileges else ():
            connection.exec_driver_sql(
                f"GRANT USAGE ON SEQUENCE {quote(sequence)} TO {GROUPS[role]}"
            )

    # A viewer journals the refusals of what they tried (the journal's trigger allows them
    # nothing else), and keeps their own heartbeat in `presence` (row-level security below).
    grant(Role.VIEWER, ["audit_entries", "presence"], "INSERT")
    grant(Role.VIEWER, ["presence"], "UPDATE, DELETE")
    grant(Role.ENGINEER, list(JOURNAL), "INSERT")
    for role, names in WRITES.items():
        grant(role, list(names), "INSERT, UPDATE, DELETE")
    for role, columns_by_table in COLUMN_UPDATES.items():
        for table, columns in columns_by_table.items():
            if table in present:
                listed = ", ".join(quote(c) for c in columns)
                connection.exec_driver_sql(
                    f"GRANT UPDATE ({listed}) ON {quote(table)} TO {GROUPS[role]}"
                )
    for role, names in LOCKS.items():
        for table in (t for t in names if t in present):
            connection.exec_driver_sql(f"GRANT UPDATE (id) ON {quote(table)} TO {GROUPS[role]}")
            connection.exec_driver_sql(
                f"DROP TRIGGER IF EXISTS {table}_lock_only ON {quote(table)}"
            )
            connection.exec_driver_sql(
                f"CREATE TRIGGER {table}_lock_only BEFORE UPDATE ON {quote(table)} "
                "FOR EACH ROW EXECUTE FUNCTION voiceconsole_lock_only()"
            )
    if "presence" in present:
        _presence_policies(connection)
    if "users" in present and "user_sites" in present:
        for table in (t for t in SITE_SCOPED if t in present):
            _site_policies(connection, quote(table))
    # Admins: everything else, but the journal stays append-only and the schema's version
    # the owner's.
    rest = [t for t in tables if t not in JOURNAL and t not in OWNER_ONLY]
    grant(Role.ADMIN, rest, "INSERT, UPDATE, DELETE")
