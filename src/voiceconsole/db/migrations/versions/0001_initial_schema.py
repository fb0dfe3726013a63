"""Initial schema: sites, occupiers, services, numbers, switches, floor ports, audit

Revision ID: 0001
Revises:
Create Date: 2026-11-25 23:22:29.840855
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column(
            "before",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "after",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entries")),
    )
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_audit_entries_actor_id"), ["actor", "id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_audit_entries_at"), ["at"], unique=False)

    op.create_table(
        "audit_subjects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("audit_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column("occupier_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["audit_id"],
            ["audit_entries.id"],
            name=op.f("fk_audit_subjects_audit_id_audit_entries"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_subjects")),
    )
    with op.batch_alter_table("audit_subjects", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_subjects_audit_id"), ["audit_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_audit_subjects_occupier_id_audit_id"),
            ["occupier_id", "audit_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_audit_subjects_site_id_audit_id"), ["site_id", "audit_id"], unique=False
        )

    op.create_table(
        "occupiers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_occupiers")),
        sa.UniqueConstraint("code", name=op.f("uq_occupiers_code")),
    )
    with op.batch_alter_table("occupiers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_occupiers_name"), ["name"], unique=False)

    op.create_table(
        "operator_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("default_cooldown_days", sa.Integer(), nullable=False),
        sa.Column("low_stock_threshold", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operator_settings")),
    )
    op.create_table(
        "products",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "category",
            sa.Enum(
                "voice",
                name="product_category",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("description", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_products")),
        sa.UniqueConstraint("code", name=op.f("uq_products_code")),
    )
    op.create_table(
        "sites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column(
            "main_number_policy",
            sa.Enum(
                "auto",
                "manual",
                name="main_number_policy",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("cooldown_days", sa.Integer(), nullable=False),
        sa.Column("low_stock_threshold", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sites")),
        sa.UniqueConstraint("code", name=op.f("uq_sites_code")),
    )
    op.create_table(
        "floors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_floors_site_id_sites"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_floors")),
        sa.UniqueConstraint("site_id", "name", name=op.f("uq_floors_site_id_name")),
    )
    op.create_table(
        "number_ranges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("first_e164", sa.String(length=16), nullable=False),
        sa.Column("last_e164", sa.String(length=16), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column(
            "origin",
            sa.Enum(
                "pool",
                "ported",
                "custom",
                name="number_origin",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("occupier_id", sa.Integer(), nullable=True),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["occupier_id"], ["occupiers.id"], name=op.f("fk_number_ranges_occupier_id_occupiers")
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_number_ranges_site_id_sites")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_number_ranges")),
    )
    with op.batch_alter_table("number_ranges", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_number_ranges_site_id"), ["site_id"], unique=False)

    op.create_table(
        "occupancies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("occupier_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("since", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["occupier_id"],
            ["occupiers.id"],
            name=op.f("fk_occupancies_occupier_id_occupiers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_occupancies_site_id_sites"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_occupancies")),
        sa.UniqueConstraint(
            "occupier_id", "site_id", name=op.f("uq_occupancies_occupier_id_site_id")
        ),
    )
    with op.batch_alter_table("occupancies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_occupancies_site_id"), ["site_id"], unique=False)

    op.create_table(
        "service_assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("occupier_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "quantity >= 0", name=op.f("ck_service_assignments_quantity_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["occupier_id"],
            ["occupiers.id"],
            name=op.f("fk_service_assignments_occupier_id_occupiers"),
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_service_assignments_product_id_products")
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_service_assignments_site_id_sites")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_assignments")),
        sa.UniqueConstraint(
            "occupier_id",
            "site_id",
            "product_id",
            name=op.f("uq_service_assignments_occupier_id_site_id_product_id"),
        ),
    )
    with op.batch_alter_table("service_assignments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_service_assignments_site_id"), ["site_id"], unique=False
        )

    op.create_table(
        "switches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("hostname", sa.String(length=128), nullable=False),
        sa.Column("mgmt_address", sa.String(length=128), nullable=False),
        sa.Column("mgmt_port", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("model", sa.String(length=64), nullable=False),
        sa.Column("credentials_ref", sa.String(length=64), nullable=False),
        sa.Column("simulated", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name=op.f("fk_switches_site_id_sites")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_switches")),
        sa.UniqueConstraint("hostname", name=op.f("uq_switches_hostname")),
    )
    with op.batch_alter_table("switches", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_switches_site_id"), ["site_id"], unique=False)

    op.create_table(
        "phone_numbers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("e164", sa.String(length=16), nullable=False),
        sa.Column("e164_value", sa.BigInteger(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("range_id", sa.Integer(), nullable=True),
        sa.Column(
            "origin",
            sa.Enum(
                "pool",
                "ported",
                "custom",
                name="number_origin",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column(
            "state",
            sa.Enum(
                "available",
                "reserved",
                "active",
                "cooldown",
                "port_out",
                name="number_state",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("occupier_id", sa.Integer(), nullable=True),
        sa.Column("is_main", sa.Boolean(), nullable=False),
        sa.Column("main_candidate", sa.Boolean(), nullable=False),
        sa.Column("cooldown_until", sa.Date(), nullable=True),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("caller_id_override", sa.String(length=16), nullable=True),
        sa.Column("forward_always", sa.String(length=16), nullable=True),
        sa.Column("forward_busy", sa.String(length=16), nullable=True),
        sa.Column("forward_no_answer", sa.String(length=16), nullable=True),
        sa.Column("voicemail", sa.Boolean(), nullable=False),
        sa.Column("voicemail_email", sa.String(length=254), nullable=True),
        sa.Column("dnd", sa.Boolean(), nullable=False),
        sa.Column("pin_hash", sa.String(length=128), nullable=True),
        sa.CheckConstraint(
            "state NOT IN ('available', 'cooldown') OR (occupier_id IS NULL AND NOT is_main)",
            name=op.f("ck_phone_numbers_free_numbers_have_no_holder"),
        ),
        sa.CheckConstraint(
            "NOT is_main OR occupier_id IS NOT NULL",
            name=op.f("ck_phone_numbers_main_number_has_holder"),
        ),
        sa.ForeignKeyConstraint(
            ["occupier_id"], ["occupiers.id"], name=op.f("fk_phone_numbers_occupier_id_occupiers")
        ),
        sa.ForeignKeyConstraint(
            ["range_id"], ["number_ranges.id"], name=op.f("fk_phone_numbers_range_id_number_ranges")
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_phone_numbers_site_id_sites")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_phone_numbers")),
        sa.UniqueConstraint("e164", name=op.f("uq_phone_numbers_e164")),
    )
    with op.batch_alter_table("phone_numbers", schema=None) as batch_op:
        batch_op.create_index(
            "ix_phone_numbers_holder", ["occupier_id", "site_id", "state"], unique=False
        )
        batch_op.create_index(
            "ix_phone_numbers_pool",
            ["site_id", "state", "origin", "main_candidate", "e164_value"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_phone_numbers_range_id"), ["range_id"], unique=False)
        batch_op.create_index(
            "ix_phone_numbers_site_value", ["site_id", "e164_value"], unique=False
        )
        batch_op.create_index(
            "uq_phone_numbers_main",
            ["occupier_id", "site_id"],
            unique=True,
            sqlite_where=sa.text("is_main = 1"),
            postgresql_where=sa.text("is_main"),
        )

    op.create_table(
        "scheduled_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assignment_id", sa.Integer(), nullable=False),
        sa.Column("new_quantity", sa.Integer(), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "applied",
                "cancelled",
                name="change_status",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "new_quantity >= 0", name=op.f("ck_scheduled_changes_new_quantity_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["assignment_id"],
            ["service_assignments.id"],
            name=op.f("fk_scheduled_changes_assignment_id_service_assignments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scheduled_changes")),
    )
    with op.batch_alter_table("scheduled_changes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_scheduled_changes_assignment_id"), ["assignment_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_scheduled_changes_status_effective_on"),
            ["status", "effective_on"],
            unique=False,
        )

    op.create_table(
        "spaces",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("floor_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("occupier_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["floor_id"], ["floors.id"], name=op.f("fk_spaces_floor_id_floors"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["occupier_id"], ["occupiers.id"], name=op.f("fk_spaces_occupier_id_occupiers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_spaces")),
        sa.UniqueConstraint("floor_id", "code", name=op.f("uq_spaces_floor_id_code")),
    )
    with op.batch_alter_table("spaces", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_spaces_occupier_id"), ["occupier_id"], unique=False)

    op.create_table(
        "switch_ports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("switch_id", sa.Integer(), nullable=False),
        sa.Column("interface", sa.String(length=64), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "voice",
                "data",
                "guest",
                "access_point",
                "printer",
                "disabled",
                name="role",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=True,
        ),
        sa.Column(
            "observed_role",
            sa.Enum(
                "voice",
                "data",
                "guest",
                "access_point",
                "printer",
                "disabled",
                name="observed_role",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=True,
        ),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("drift", sa.Boolean(), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["switch_id"],
            ["switches.id"],
            name=op.f("fk_switch_ports_switch_id_switches"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_switch_ports")),
        sa.UniqueConstraint(
            "switch_id", "interface", name=op.f("uq_switch_ports_switch_id_interface")
        ),
    )
    op.create_table(
        "floor_ports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("floor_id", sa.Integer(), nullable=True),
        sa.Column("space_id", sa.Integer(), nullable=True),
        sa.Column("label", sa.String(length=32), nullable=False),
        sa.Column("switch_port_id", sa.Integer(), nullable=True),
        sa.Column("occupier_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["floor_id"], ["floors.id"], name=op.f("fk_floor_ports_floor_id_floors")
        ),
        sa.ForeignKeyConstraint(
            ["occupier_id"], ["occupiers.id"], name=op.f("fk_floor_ports_occupier_id_occupiers")
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_floor_ports_site_id_sites")
        ),
        sa.ForeignKeyConstraint(
            ["space_id"], ["spaces.id"], name=op.f("fk_floor_ports_space_id_spaces")
        ),
        sa.ForeignKeyConstraint(
            ["switch_port_id"],
            ["switch_ports.id"],
            name=op.f("fk_floor_ports_switch_port_id_switch_ports"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_floor_ports")),
        sa.UniqueConstraint("site_id", "label", name=op.f("uq_floor_ports_site_id_label")),
        sa.UniqueConstraint("switch_port_id", name=op.f("uq_floor_ports_switch_port_id")),
    )
    with op.batch_alter_table("floor_ports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_floor_ports_floor_id"), ["floor_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_floor_ports_occupier_id"), ["occupier_id"], unique=False
        )

    op.create_table(
        "handsets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("occupier_id", sa.Integer(), nullable=True),
        sa.Column("model", sa.String(length=64), nullable=False),
        sa.Column("mac", sa.String(length=17), nullable=False),
        sa.Column("floor_port_id", sa.Integer(), nullable=True),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["floor_port_id"],
            ["floor_ports.id"],
            name=op.f("fk_handsets_floor_port_id_floor_ports"),
        ),
        sa.ForeignKeyConstraint(
            ["occupier_id"], ["occupiers.id"], name=op.f("fk_handsets_occupier_id_occupiers")
        ),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name=op.f("fk_handsets_site_id_sites")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handsets")),
        sa.UniqueConstraint("mac", name=op.f("uq_handsets_mac")),
    )
    with op.batch_alter_table("handsets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_handsets_occupier_id"), ["occupier_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_handsets_site_id"), ["site_id"], unique=False)

    _make_audit_append_only()


_APPEND_ONLY = "the audit journal is append-only"
_JOURNAL = ("audit_entries", "audit_subjects")


def _make_audit_append_only() -> None:
    """Refuse UPDATE and DELETE of the journal in the database itself."""
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        op.execute(
            "CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN RAISE EXCEPTION '{_APPEND_ONLY}'; END $$"
        )
    for table in _JOURNAL:
        if postgresql:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION audit_append_only()"
            )
            continue
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{_APPEND_ONLY}'); END"
            )


def _drop_append_only_audit() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table in _JOURNAL:
        if postgresql:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
    if postgresql:
        op.execute("DROP FUNCTION IF EXISTS audit_append_only()")


def downgrade() -> None:
    _drop_append_only_audit()
    with op.batch_alter_table("handsets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_handsets_site_id"))
        batch_op.drop_index(batch_op.f("ix_handsets_occupier_id"))

    op.drop_table("handsets")
    with op.batch_alter_table("floor_ports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_floor_ports_occupier_id"))
        batch_op.drop_index(batch_op.f("ix_floor_ports_floor_id"))

    op.drop_table("floor_ports")
    op.drop_table("switch_ports")
    with op.batch_alter_table("spaces", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_spaces_occupier_id"))

    op.drop_table("spaces")
    with op.batch_alter_table("scheduled_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scheduled_changes_status_effective_on"))
        batch_op.drop_index(batch_op.f("ix_scheduled_changes_assignment_id"))

    op.drop_table("scheduled_changes")
    with op.batch_alter_table("phone_numbers", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_phone_numbers_main",
            sqlite_where=sa.text("is_main = 1"),
            postgresql_where=sa.text("is_main"),
        )
        batch_op.drop_index("ix_phone_numbers_site_value")
        batch_op.drop_index(batch_op.f("ix_phone_numbers_range_id"))
        batch_op.drop_index("ix_phone_numbers_pool")
        batch_op.drop_index("ix_phone_numbers_holder")

    op.drop_table("phone_numbers")
    with op.batch_alter_table("switches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_switches_site_id"))

    op.drop_table("switches")
    with op.batch_alter_table("service_assignments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_assignments_site_id"))

    op.drop_table("service_assignments")
    with op.batch_alter_table("occupancies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_occupancies_site_id"))

    op.drop_table("occupancies")
    with op.batch_alter_table("number_ranges", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_number_ranges_site_id"))

    op.drop_table("number_ranges")
    op.drop_table("floors")
    op.drop_table("sites")
    op.drop_table("products")
    op.drop_table("operator_settings")
    with op.batch_alter_table("occupiers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_occupiers_name"))

    op.drop_table("occupiers")
    op.drop_table("audit_subjects")
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_entries_at"))
        batch_op.drop_index(batch_op.f("ix_audit_entries_actor_id"))

    op.drop_table("audit_entries")
