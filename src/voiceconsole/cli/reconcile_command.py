"""`voiceconsole reconcile`: services, numbers, handsets and voice ports side by side."""

from __future__ import annotations

import argparse

from voiceconsole.cli.context import CommandTree, Context
from voiceconsole.cli.output import table
from voiceconsole.services.reconcile import reconcile


def register(cli: CommandTree) -> None:
    command = cli.command(
        "reconcile",
        "voice quantity vs active numbers vs logins vs handsets vs voice ports, per occupier",
        reconcile_command,
    )
    command.add_argument("--site")
    command.add_argument("--occupier")


async def reconcile_command(args: argparse.Namespace, ctx: Context) -> None:
    found = await reconcile(ctx.db, site=args.site, occupier=args.occupier)

    def text() -> None:
        table(
            ["SITE", "OCCUPIER", "QTY", "ACTIVE", "LOGGED IN", "HANDSETS", "VOICE PORTS", "STATE"],
            [
                [
                    r.site,
                    r.occupier,
                    str(r.voice_quantity),
                    str(r.active_numbers),
                    str(r.logged_in),
                    str(r.handsets),
                    str(r.voice_ports),
                    "clean" if r.clean else f"{len(r.findings)} to look at",
                ]
                for r in found
            ],
        )
        for r in found:
            for finding in r.findings:
                print(f"{r.site} {r.occupier}: {finding.text} [{finding.kind}]")

    ctx.emit(found, text)
