"""`voiceconsole provisioning ...`: the provisioning server and what it has served."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses

from voiceconsole.cli.context import CommandTree, Context, say
from voiceconsole.cli.output import table
from voiceconsole.config import provisioning_settings
from voiceconsole.services.provisioning import list_fetches


def register(cli: CommandTree) -> None:
    group = cli.group("provisioning", "the server phones fetch their files from")
    serve = group.command(
        "serve",
        "serve each phone its own files (its own login; HTTPS with a certificate in the "
        "settings), retry re-syncs that are due, check registrations",
        provisioning_serve,
    )
    serve.add_argument("--listen", help="host:port (default: the settings' listen)")
    fetches = group.command(
        "fetches", "the server's latest requests, newest first", provisioning_fetches
    )
    fetches.add_argument("--handset", help="its MAC address or id")
    fetches.add_argument("--limit", type=int, default=50)


async def provisioning_serve(args: argparse.Namespace, ctx: Context) -> None:
    # Deferred: aiohttp's server loads only for the command that serves (start-up time).
    from voiceconsole.services.provisioning_server import run_provisioning_server

    settings = provisioning_settings()
    if args.listen:
        settings = dataclasses.replace(settings, listen=args.listen)

    def ready(url: str) -> None:
        say(f"phones fetch their files from {url} (shared files from {settings.directory})")
        say("Ctrl-C stops the server")

    await run_provisioning_server(ctx.db, settings, asyncio.Event(), ready=ready)


async def provisioning_fetches(args: argparse.Namespace, ctx: Context) -> None:
    found = await list_fetches(ctx.db, handset=args.handset, limit=args.limit)
    ctx.emit(
        found,
        lambda: table(
            ["AT", "HANDSET", "FILE", "FROM", "ANSWER", "LINES"],
            [
                [
                    f.at.strftime("%Y-%m-%d %H:%M:%S"),
                    f.handset or "-",
                    f.file,
                    f.address,
                    str(f.status),
                    str(f.lines),
                ]
                for f in found
            ],
        ),
    )
