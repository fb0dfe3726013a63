"""`voiceconsole switches ...`: the switch inventory, onboarding, host keys and preflight."""

from __future__ import annotations

import argparse
import csv
import io
from pathlib import Path

from voiceconsole.cli.context import CommandTree, Context, read_csv_text, say
from voiceconsole.cli.output import table
from voiceconsole.domain.errors import InvalidInput, RuleViolation
from voiceconsole.domain.platforms import PROFILES
from voiceconsole.domain.words import counted
from voiceconsole.services import host_keys, switch_changes, switch_inventory, switch_work


def register(cli: CommandTree) -> None:
    group = cli.group("switches", "the switch inventory: add, check, trust, map, remove")

    listing = group.command("list", "switches with their key, platform and readiness", listed)
    listing.add_argument("--site")

    add = group.command(
        "add", "connect to a switch, pin its SSH key, discover its ports, check it", added
    )
    add.add_argument("host", help="management address (name or IP)")
    add.add_argument("--site", required=True)
    add.add_argument(
        "--platform",
        choices=[p.code for p in PROFILES],
        help="its platform profile (default: told from the model the switch reports)",
    )
    add.add_argument("--port", type=int, default=22, help="SSH port (default 22)")
    add.add_argument("--hostname", help="inventory name (default: the switch's own hostname)")
    add.add_argument(
        "--credentials",
        required=True,
        metavar="REF",
        help="names the login in the environment or the credentials file (see README)",
    )
    add.add_argument(
        "--fingerprint",
        metavar="SHA256:...",
        help="the host key fingerprint read on the switch's console: any other is refused",
    )
    add.add_argument("--dry-run", action="store_true", help="show what it found, add nothing")

    trust = group.command(
        "trust", "pin the SSH host key a switch offers now (after checking it)", trusted
    )
    trust.add_argument("switch", help="switch hostname")
    trust.add_argument(
        "--fingerprint",
        metavar="SHA256:...",
        help="the key's fingerprint as read on the switch's console; any other is refused "
        "(without it, the key offered is shown and nothing is pinned)",
    )

    check = group.command(
        "check",
        "preflight: archive, SCP, privilege, LLDP, VLANs; settle changes in flight",
        checked,
    )
    check.add_argument("switch", nargs="?", help="one switch (default: all, or --site)")
    check.add_argument("--site")
    check.add_argument(
        "--abandon",
        action="store_true",
        help="with SWITCH: give up its changes in flight that cannot be settled (the switch "
        "is gone or replaced), once their revert window is over",
    )

    mapping = group.command(
        "map", "patch floor ports to a switch's interfaces (by pattern or from a CSV)", mapped
    )
    mapping.add_argument("switch", help="switch hostname")
    mapping.add_argument("--floor", required=True)
    how = mapping.add_mutually_exclusive_group(required=True)
    how.add_argument(
        "--pattern", help="a label per interface: {port} its number, {member}, {n}; 1F-{port:03d}"
    )
    how.add_argument(
        "--csv", type=Path, help="a file with the columns label, interface and (optional) space"
    )
    mapping.add_argument(
        "--interfaces",
        help="with --pattern: which ones, e.g. Gi1/0/1-24 (default: the access ports)",
    )

    remove = group.command("remove", "take a switch out of the inventory", removed)
    remove.add_argument("switch", help="switch hostname")


def _gateway(ctx: Context) -> switch_work.Gateway:
    return switch_work.gateway_for(ctx.db.url)


def _findings(findings: tuple | list) -> list[str]:  # type: ignore[type-arg]
    lines = []
    for finding in findings:
        lines.append(f"  - {finding.problem}")
        lines += [f"      {line}" for line in finding.fix]
    return lines


async def listed(args: argparse.Namespace, ctx: Context) -> None:
    found = await switch_inventory.list_switches(ctx.db, site=args.site)

    def text() -> None:
        table(
            ["SWITCH", "SITE", "ADDRESS", "MODEL", "PLATFORM", "PORTS", "PATCHED", "KEY", "STATUS"],
            [
                [
                    s.hostname,
                    s.site,
                    f"{s.address}:{s.port}",
                    s.model or "-",
                    s.profile or "-",
                    str(s.ports),
                    str(s.patched),
                    s.fingerprint or "not pinned",
                    s.status,
                ]
                for s in found
            ],
        )

    ctx.emit(found, text)


async def added(args: argparse.Namespace, ctx: Context) -> None:
    result = await switch_inventory.add_switch(
        ctx.db,
        _gateway(ctx),
        ctx.actor,
        address=args.host,
        site=args.site,
        credentials=args.credentials,
        port=args.port,
        platform=args.platform,
        hostname=args.hostname,
        expect_fingerprint=args.fingerprint,
        dry_run=args.dry_run,
    )

    def text() -> None:
        verb = "added" if result.added else "found (nothing added: --dry-run)"
        print(f"{result.hostname} {verb}: {result.model} ({result.profile}), {result.os_version}")
        print(f"SSH host key {'pinned' if result.added else 'offered'}: {result.fingerprint}")
        poe = sum(p.poe for p in result.ports)
        print(f"{len(result.ports)} ports, {poe} with PoE:")
        for port in result.ports:
            extra = " PoE" if port.poe else ""
            extra += " up" if port.link_up else ""
            extra += f" ({port.neighbour})" if port.neighbour else ""
            print(f"  {port.interface}{extra}")
        if result.findings:
            print("Not ready for changes yet:")
            print("\n".join(_findings(result.findings)))
        else:
            print("Ready for changes.")
        if result.added:
            print(
                f"Next: voiceconsole switches map {result.hostname} --floor FLOOR "
                "--pattern 'FLOOR-{port:03d}'"
            )

    ctx.emit(result, text)


async def trusted(args: argparse.Namespace, ctx: Context) -> None:
    old, new = await host_keys.trust(
        ctx.db, _gateway(ctx), ctx.actor, args.switch, expect=args.fingerprint
    )
    said = (
        f"{args.switch}: pinned {new}"
        + (f" (was {old})" if old and old != new else "")
        + (" (unchanged)" if old == new else "")
    )
    ctx.emit({"switch": args.switch, "old": old, "new": new}, lambda: print(said))


async def checked(args: argparse.Namespace, ctx: Context) -> None:
    if args.abandon and not args.switch:
        raise InvalidInput("--abandon gives up the changes of one switch: name it")
    results = await switch_inventory.check_switches(
        ctx.db, _gateway(ctx), ctx.actor, site=args.site, hostname=args.switch
    )
    if args.abandon:
        for given_up in await switch_changes.abandon(ctx.db, ctx.actor, args.switch):
            say(given_up.sentence())

    def text() -> None:
        for result in results:
            for settled in result.settled:
                print(settled.sentence())
            if result.error:
                print(f"{result.hostname}: cannot check: {result.error}")
            elif result.findings:
                print(f"{result.hostname}: not ready")
                print("\n".join(_findings(result.findings)))
            else:
                print(f"{result.hostname}: ready")

    ctx.emit(results, text)
    failing = [r.hostname for r in results if not r.ready]
    if failing:
        raise RuleViolation(f"not ready: {', '.join(failing)}")


async def mapped(args: argparse.Namespace, ctx: Context) -> None:
    rows = None
    if args.csv is not None:
        reader = csv.DictReader(io.StringIO(read_csv_text(args.csv)))
        if not reader.fieldnames or not {"label", "interface"} <= set(reader.fieldnames):
            raise InvalidInput(f"{args.csv} needs the columns label and interface")
        rows = [(r["label"], r["interface"], r.get("space") or "") for r in reader]
    found = await switch_inventory.map_floor_ports(
        ctx.db,
        ctx.actor,
        switch=args.switch,
        floor=args.floor,
        pattern=args.pattern,
        interfaces=args.interfaces,
        rows=rows,
    )

    def text() -> None:
        for port in found:
            print(f"{port.label} -> {port.interface}" + (" (new)" if port.created else ""))

    ctx.emit(found, text)


async def removed(args: argparse.Namespace, ctx: Context) -> None:
    count = await switch_inventory.remove_switch(ctx.db, ctx.actor, args.switch)
    if count:
        say(
            f"{counted(count, 'floor port')} {'is' if count == 1 else 'are'} no longer "
            "patched to a switch"
        )
    ctx.emit({"removed": args.switch, "unpatched": count}, lambda: print(f"removed {args.switch}"))
