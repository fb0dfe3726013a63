"""`voiceconsole web`: the console in a web browser, served by textual-serve.

Every browser tab that opens the page gets a console process of its own: textual-serve runs
the command below with Textual's web driver and relays its screen over a WebSocket. The
command carries this process's database option and actor, so the console in the browser
works on the same database as the person who started the server, under their name.

textual-serve has no authentication of any kind: whoever reaches the port gets a console
and acts as that actor in the audit journal. So it listens on 127.0.0.1 unless told
otherwise, and says so loudly when it starts.
"""

from __future__ import annotations

import argparse
import asyncio
import shlex
import signal
import sys

from voiceconsole.cli.context import CommandTree, Context, say
from voiceconsole.services.startup import where

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000

WARNING = """\
WARNING: voiceconsole web has no authentication of its own. Anyone who can reach
{url} gets a console and acts as {actor!r} in the audit journal.
Keep it on 127.0.0.1 and reach it through an SSH tunnel
(ssh -L {port}:127.0.0.1:{port} this-host), or put it behind a reverse proxy that
authenticates every request (and passes WebSockets), with --public-url set to the
address browsers use."""


def register(cli: CommandTree) -> None:
    web = cli.command(
        "web",
        "serve the console in a web browser (no authentication of its own: see the warning)",
        web_serve,
    )
    web.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help=f"address to listen on (default {DEFAULT_HOST}: this machine only)",
    )
    web.add_argument("--port", type=port, default=DEFAULT_PORT, help=f"default {DEFAULT_PORT}")
    web.add_argument(
        "--public-url",
        help="the address browsers use, behind a reverse proxy (e.g. https://noc.example/console)",
    )


def port(text: str) -> int:
    """An argparse type: a TCP port number."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{value} is not a port number (1-65535)")
    return value


def served_command(db: str | None, actor: str) -> str:
    """The shell command each browser session runs: this console, on the same database
    (as given to this process; without --db the child finds $VOICECONSOLE_DB or the
    embedded default just as this process did) and as the same actor."""
    argv = [sys.executable, "-m", "voiceconsole"]
    if db:
        argv += ["--db", db]
    argv += ["--actor", actor]
    return shlex.join(argv)


def public_url(host: str, port: int, given: str | None) -> str:
    if given:
        return given.rstrip("/")
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


async def web_serve(args: argparse.Namespace, ctx: Context) -> None:
    from aiohttp import web
    from textual_serve.server import Server

    url = public_url(args.host, args.port, args.public_url)
    command = served_command(args.db, ctx.actor)
    server = Server(
        command,
        host=args.host,
        port=args.port,
        title="voiceconsole",
        public_url=url,
    )
    say(WARNING.format(url=url, actor=ctx.actor, port=args.port))
    say(f"Database: {where(ctx.db.url)}. Stop with Ctrl+C.")
    server.initialize_logging()
    # Server.serve() would start an event loop of its own; this command already runs in one.
    # The application it builds is served here instead (textual-serve 1.x).
    runner = web.AppRunner(await server._make_app(), handle_signals=False)
    await runner.setup()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    try:
        await web.TCPSite(runner, args.host, args.port).start()
        await stop.wait()  # until SIGTERM, or Ctrl+C (KeyboardInterrupt)
    finally:
        loop.remove_signal_handler(signal.SIGTERM)
        await runner.cleanup()  # closes the sessions: each console is told to quit
