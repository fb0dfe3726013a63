"""`voiceconsole ports ...`: floor ports and their switch port roles, from a script."""

from __future__ import annotations

import argparse

from voiceconsole.cli.context import CommandTree, Context, not_all_done, say
from voiceconsole.cli.output import table
from voiceconsole.domain.errors import RuleViolation
from voiceconsole.domain.port_checks import MISMATCH_TEXT
from voiceconsole.domain.port_roles import SwitchPortRole
from voiceconsole.domain.words import counted
from voiceconsole.services import floor_ports, port_readings, switch_ports, switch_work, vlans


def register(cli: CommandTree) -> None:
    group = cli.group("ports", "floor ports and their switch port roles")

    listing = group.command("list", "floor ports with role, link, PoE and device", ports_list)
    listing.add_argument("--site", required=True)
    listing.add_argument("--floor")
    listing.add_argument("--problems", action="store_true", help="only ports with a mismatch")

    refresh = group.command(
        "refresh", "read the live state of a site's ports from its switches", ports_refresh
    )
    refresh.add_argument("--site", required=True)
    refresh.add_argument("--floor")

    role = group.command(
        "set-role", "give floor ports a switch port role (diff, commit, verify)", ports_set_role
    )
    _ports(role)
    role.add_argument("--role", required=True, choices=[r.value for r in SwitchPortRole])
    role.add_argument(
        "--dry-run", action="store_true", help="show each switch's diff, commit nothing"
    )

    allocate = group.command("allocate", "allocate floor ports", ports_allocate)
    _ports(allocate)
    holder = allocate.add_mutually_exclusive_group(required=True)
    holder.add_argument("--occupier")
    holder.add_argument("--operator", action="store_true", help="to the operator itself")
    holder.add_argument("--nobody", action="store_true", help="back to unallocated")

    patch = group.command("patch", "record a floor port's new switch interface", ports_patch)
    patch.add_argument("port", help="floor port label")
    patch.add_argument("--site", required=True)
    patch.add_argument("--switch", required=True, help="switch hostname")
    patch.add_argument("--interface", required=True, help="e.g. GigabitEthernet1/0/7")

    cycle = group.command(
        "power-cycle", "turn a port's PoE off and on (restarts its phone)", ports_power_cycle
    )
    cycle.add_argument("port", help="floor port label")
    cycle.add_argument("--site", required=True)

    plan = group.command(
        "vlans", "show or change a site's VLAN plan (the VLANs the roles use)", ports_vlans
    )
    plan.add_argument("--site", required=True)
    for name in vlans.PLAN_FIELDS:
        plan.add_argument(f"--{name.replace('_', '-')}", type=int, metavar="VLAN")

    own = group.command(
        "occupier-vlan", "give an occupier its own data VLAN at a site", ports_occupier_vlan
    )
    own.add_argument("--occupier", required=True)
    own.add_argument("--site", required=True)
    choice = own.add_mutually_exclusive_group(required=True)
    choice.add_argument("--vlan", type=int)
    choice.add_argument("--site-default", action="store_true", help="use the site's data VLAN")


def _ports(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("ports", nargs="+", help="floor port labels, e.g. 1F-001 1F-002")
    parser.add_argument("--site", required=True)


def _gateway(ctx: Context) -> switch_work.Gateway:
    return switch_work.gateway_for(ctx.db.url)


async def ports_list(args: argparse.Namespace, ctx: Context) -> None:
    found = await floor_ports.list_floor_ports(ctx.db, site=args.site, floor=args.floor)
    if args.problems:
        found = [p for p in found if p.mismatches]

    def text() -> None:
        table(
            [
                "PORT",
                "OCCUPIER",
                "ROLE",
                "SEEN",
                "LINK",
                "POE",
                "DEVICE",
                "VLANS",
                "SWITCH",
                "INTERFACE",
            ],
            [
                [
                    p.label,
                    p.occupier or ("operator" if p.operator_use else "-"),
                    p.role or "-",
                    p.observed_role or "-",
                    p.link or "?",
                    p.poe or "-",
                    p.device or "-",
                    p.mac_vlans or "-",
                    p.switch or "-",
                    p.interface or "-",
                ]
                for p in found
            ],
        )
        for p in found:
            for problem in p.mismatches:
                print(f"{p.label}: {MISMATCH_TEXT[problem]}")

    ctx.emit(found, text)


async def ports_refresh(args: argparse.Namespace, ctx: Context) -> None:
    readings = await port_readings.refresh_live_state(
        ctx.db, _gateway(ctx), site=args.site, floor=args.floor, actor=ctx.actor
    )

    def text() -> None:
        for reading in readings:
            said = f"{counted(reading.ports, 'port')} read" if not reading.error else reading.error
            print(f"{reading.hostname}: {said}")

    ctx.emit(readings, text)
    if any(reading.error for reading in readings):
        not_all_done()


async def ports_set_role(args: argparse.Namespace, ctx: Context) -> None:
    ids = await floor_ports.floor_port_ids(ctx.db, site=args.site, labels=args.ports)
    gateway = _gateway(ctx)
    plan = await switch_ports.plan_role_change(ctx.db, gateway, ids, args.role, actor=ctx.actor)
    for label, reason in plan.refused:
        say(f"{label}: not changed: {reason}")
    if args.dry_run or not plan.ready:
        ctx.emit(plan, lambda: _print_plan(plan))
        if not plan.ready:
            raise RuleViolation("no switch in this change is ready; nothing was changed")
        return
    outcome = await switch_ports.apply_role_change(ctx.db, gateway, ctx.actor, plan)

    def text() -> None:
        _print_plan(plan)
        for port in outcome.ports:
            said = "done" if port.done else f"not changed: {port.reason}"
            print(f"{port.label} ({port.hostname} {port.interface}): {said}")

    ctx.emit(outcome, text)
    if outcome.failed or plan.refused:
        not_all_done()


def _print_plan(plan: switch_ports.RolePlan) -> None:
    for switch in plan.switches:
        print(f"--- {switch.target.hostname} ({counted(len(switch.ports), 'port')})")
        print(switch.error or switch.diff or "(no change: the ports already have this role)")


async def ports_allocate(args: argparse.Namespace, ctx: Context) -> None:
    ids = await floor_ports.floor_port_ids(ctx.db, site=args.site, labels=args.ports)
    count = await floor_ports.allocate_floor_ports(
        ctx.db, ctx.actor, ids, occupier=args.occupier, operator=args.operator
    )
    who = args.occupier or ("the operator" if args.operator else "nobody")
    ctx.emit(
        {"allocated": count, "to": who}, lambda: print(f"{counted(count, 'floor port')} to {who}")
    )


async def ports_patch(args: argparse.Namespace, ctx: Context) -> None:
    (port_id,) = await floor_ports.floor_port_ids(ctx.db, site=args.site, labels=[args.port])
    await floor_ports.patch_floor_port(
        ctx.db, ctx.actor, port_id, switch=args.switch, interface=args.interface
    )
    ctx.emit(
        {"port": args.port, "switch": args.switch, "interface": args.interface},
        lambda: print(f"{args.port} is patched to {args.switch} {args.interface}"),
    )


async def ports_power_cycle(args: argparse.Namespace, ctx: Context) -> None:
    (port_id,) = await floor_ports.floor_port_ids(ctx.db, site=args.site, labels=[args.port])
    said = await switch_ports.power_cycle(ctx.db, _gateway(ctx), ctx.actor, port_id)
    ctx.emit({"port": args.port, "done": said}, lambda: print(said))


def _print_vlans(found: vlans.SiteVlans) -> None:
    plan = found.plan
    print(
        f"{found.site}: data {plan.data}, voice {plan.voice}, guest {plan.guest}, "
        f"access point {plan.access_point}, printer {plan.printer}"
    )
    for code, vlan in found.occupiers.items():
        print(f"  {code}: data {vlan}")


async def ports_vlans(args: argparse.Namespace, ctx: Context) -> None:
    changes = {
        name: getattr(args, name) for name in vlans.PLAN_FIELDS if getattr(args, name) is not None
    }
    if changes:
        found = await vlans.set_site_vlans(ctx.db, ctx.actor, args.site, **changes)
    else:
        found = await vlans.site_vlans(ctx.db, args.site)
    ctx.emit(found, lambda: _print_vlans(found))


async def ports_occupier_vlan(args: argparse.Namespace, ctx: Context) -> None:
    found = await vlans.set_occupier_data_vlan(
        ctx.db,
        ctx.actor,
        occupier=args.occupier,
        site=args.site,
        vlan=None if args.site_default else args.vlan,
    )
    ctx.emit(found, lambda: _print_vlans(found))
