"""An occupier's life before and after: port-in orders, move-outs, pool forecast warnings

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 13:40:00

Numbers of an open port-in order are held in a new number state, `porting_in`; the orders
and scheduled move-outs get tables of their own; an occupancy gets its end date; a site its
default floor-port role (what a port goes back to when its occupier leaves) and the days
ahead its pool forecast warns.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STATES_BEFORE = ("available", "reserved", "active", "cooldown", "port_out")
_STATES_AFTER = (*_STATES_BEFORE, "porting_in")
_ROLES = ("voice", "data", "guest", "access_point", "printer", "disabled")


def _in(column: str, values: Sequence[str]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    op.create_table(
        "porting_orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("occupier_id", sa.Integer(), nullable=False),
        sa.Column("losing_carrier", sa.String(length=100), nullable=False),
        sa.Column("account_ref", sa.String(length=64), nullable=False),
        sa.Column("requested_on", sa.Date(), nullable=False),
        sa.Column("agreed_on", sa.Date(), nullable=True),
        sa.Column(
            "state",
            sa.Enum(
                "requested",
                "submitted",
                "agreed",
                "completed",
                "rejected",
                "cancelled",
                name="porting_state",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("numbers", sa.Text(), nullable=False),
        sa.Column("number_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["occupier_id"], ["occupiers.id"], name=op.f("fk_porting_orders_occupier_id_occupiers")
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_porting_orders_site_id_sites")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_porting_orders")),
    )
    with op.batch_alter_table("porting_orders", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_porting_orders_site_id_state"), ["site_id", "state"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_porting_orders_occupier_id_site_id"),
            ["occupier_id", "site_id"],
            unique=False,
        )

    op.create_table(
        "move_outs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("occupier_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "applied",
                "cancelled",
                name="move_out_status",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "ports_left",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["occupier_id"], ["occupiers.id"], name=op.f("fk_move_outs_occupier_id_occupiers")
        ),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name=op.f("fk_move_outs_site_id_sites")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_move_outs")),
    )
    with op.batch_alter_table("move_outs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_move_outs_status_effective_on"),
            ["status", "effective_on"],
            unique=False,
        )
        batch_op.create_index(
            "uq_move_outs_pending",
            ["occupier_id", "site_id"],
            unique=True,
            sqlite_where=sa.text("status = 'pending'"),
            postgresql_where=sa.text("status = 'pending'"),
        )

    with op.batch_alter_table("number_ranges", schema=None) as batch_op:
        batch_op.add_column(sa.Column("porting_order_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_number_ranges_porting_order_id"), ["porting_order_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_number_ranges_porting_order_id_porting_orders"),
            "porting_orders",
            ["porting_order_id"],
            ["id"],
        )

    with op.batch_alter_table("occupancies", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ended_on", sa.Date(), nullable=True))

    with op.batch_alter_table("operator_settings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("forecast_warning_days", sa.Integer(), server_default="30", nullable=False)
        )

    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "default_port_role",
                sa.Enum(
                    *_ROLES,
                    name="default_port_role",
                    native_enum=False,
                    create_constraint=True,
                    length=16,
                ),
                server_default="disabled",
                nullable=False,
            )
        )
        batch_op.add_column(sa.Column("forecast_warning_days", sa.Integer(), nullable=True))

    _number_states(_STATES_AFTER)


def _number_states(states: Sequence[str]) -> None:
    with op.batch_alter_table("phone_numbers", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_phone_numbers_number_state"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_phone_numbers_number_state"), _in("state", states)
        )


def downgrade() -> None:
    op.execute("DELETE FROM phone_numbers WHERE state = 'porting_in'")
    _number_states(_STATES_BEFORE)
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.drop_column("forecast_warning_days")
        batch_op.drop_column("default_port_role")
    with op.batch_alter_table("operator_settings", schema=None) as batch_op:
        batch_op.drop_column("forecast_warning_days")
    with op.batch_alter_table("occupancies", schema=None) as batch_op:
        batch_op.drop_column("ended_on")
    with op.batch_alter_table("number_ranges", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_number_ranges_porting_order_id_porting_orders"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_number_ranges_porting_order_id"))
        batch_op.drop_column("porting_order_id")
    op.drop_table("move_outs")
    op.drop_table("porting_orders")
