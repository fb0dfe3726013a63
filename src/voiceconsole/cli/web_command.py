"""`voiceconsole web`: the console in a web browser, served by textual-serve.

Every browser tab that opens the page gets a console process of its own: textual-serve runs
the command below with Textual's web driver and relays its screen over a WebSocket. The
console in the browser works on the same database as the person who started the server,
under their name.

textual-serve has no authentication of any kind, so this command adds the least a console
that changes switches needs:
- a secret made at each start, in the address it prints: opening that address once sets a
  cookie for this server (HttpOnly; Secure over HTTPS; its path that of the served address;
  SameSite=Lax, so that the address opened from a chat or a mail still works) and drops the
  secret from the address bar; the page, its downloads and its WebSocket need the cookie;
- the WebSocket is accepted only from a page of this server (its Origin is the served
  address), so a page on another site that the operator visits cannot drive the console,
  even through DNS rebinding;
- the database URL (with its password) goes to each session through the environment, which
  only the same user can read, never on a command line (`ps`) or in output.
It listens on 127.0.0.1 unless told otherwise and says so loudly when it starts.
"""

from __future__ import annotations

import argparse
import asyncio
import hmac
import os
import secrets
import shlex
import signal
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from voiceconsole.cli.context import CommandTree, Context, say
from voiceconsole.config import ENV_DB
from voiceconsole.services.startup import where

if TYPE_CHECKING:
    from aiohttp import web

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000

WARNING = """\
WARNING: voiceconsole web has no accounts of its own. Anyone who has the address below
(its secret included) and can reach {url} gets a console and acts as {actor!r} in the
audit journal. Keep it on 127.0.0.1 and reach it through an SSH tunnel
(ssh -L {port}:127.0.0.1:{port} this-host), or put it behind a reverse proxy that
authenticates every request (and passes WebSockets), with --public-url set to the
address browsers use."""


def register(cli: CommandTree) -> None:
    web = cli.command(
        "web",
        "serve the console in a web browser (a secret address, no accounts: see the warning)",
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


def served_command(actor: str) -> str:
    """The shell command each browser session runs: this console as the same actor. The
    database comes through the environment (see `session_environment`)."""
    return shlex.join([sys.executable, "-m", "voiceconsole", "--actor", actor])


def session_environment(db: str | None) -> None:
    """Hand the database given to this process to every session: textual-serve starts them
    with a copy of this process's environment. Without --db they find $VOICECONSOLE_DB or
    the embedded default just as this process did."""
    if db:
        os.environ[ENV_DB] = db


def public_url(host: str, port: int, given: str | None) -> str:
    if given:
        return given.rstrip("/")
    return f"http://{_in_url(host)}:{port}"


def _in_url(host: str) -> str:
    """A host as a URL writes it: an IPv6 address in brackets."""
    return f"[{host}]" if ":" in host else host


def origin_of(url: str) -> str:
    """What a browser sends as Origin for a page at `url` (no port when it is the scheme's)."""
    parts = urlsplit(url.lower())
    default = {"http": 80, "https": 443}.get(parts.scheme)
    port = "" if parts.port in (None, default) else f":{parts.port}"
    return f"{parts.scheme}://{_in_url(parts.hostname or '')}{port}"


def cookie_name(url: str) -> str:
    """One cookie per served console: cookies ignore ports, so the name carries it (and the
    path, for two consoles behind one proxy)."""
    parts = urlsplit(url)
    tag = "".join(c if c.isalnum() else "_" for c in f"{parts.port or ''}{parts.path}")
    return f"voiceconsole_web_{tag}".rstrip("_")


Handler = Callable[["web.Request"], Awaitable["web.StreamResponse"]]


def guard(url: str, secret: str) -> Callable[..., Awaitable[web.StreamResponse]]:
    """aiohttp middleware: the secret, the cookie and the Origin rule of the module docstring.
    The page's scripts and styles (`/static`) are public files of textual-serve."""
    from aiohttp import web

    origin = origin_of(url)
    cookie = cookie_name(url)
    parts = urlsplit(url)
    path = parts.path.rstrip("/") + "/"

    def holds(given: str | None) -> bool:
        return given is not None and hmac.compare_digest(given.encode(), secret.encode())

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.startswith("/static/"):
            return await handler(request)
        if request.path == "/" and "token" in request.query:
            if not holds(request.query["token"]):
                raise web.HTTPForbidden(text="That is not this server's secret.\n")
            # The secret goes into a cookie and out of the address bar and its history.
            answer = web.HTTPFound("./")
            answer.set_cookie(
                cookie,
                secret,
                httponly=True,
                samesite="Lax",
                secure=parts.scheme == "https",
                path=path,
            )
            raise answer
        if not holds(request.cookies.get(cookie)):
            raise web.HTTPForbidden(
                text="Open the address `voiceconsole web` printed, with its secret.\n"
            )
        if request.path == "/ws" and request.headers.get("Origin", "").lower() != origin:
            raise web.HTTPForbidden(text=f"WebSockets are accepted only from {origin}.\n")
        return await handler(request)

    return middleware


async def web_serve(args: argparse.Namespace, ctx: Context) -> None:
    from aiohttp import web
    from textual_serve.server import Server

    class QuietServer(Server):
        async def on_startup(self, app: web.Application) -> None:
            """textual-serve's banner would show the command; ours is said below."""

    url = public_url(args.host, args.port, args.public_url)
    session_environment(args.db)
    server = QuietServer(
        served_command(ctx.actor),
        host=args.host,
        port=args.port,
        title="voiceconsole",
        public_url=url,
    )
    secret = secrets.token_urlsafe(24)
    say(WARNING.format(url=url, actor=ctx.actor, port=args.port))
    say(f"Database: {where(ctx.db.url)}. Stop with Ctrl+C.")
    say(f"Open {url}/?token={secret}")
    server.initialize_logging()
    # Server.serve() would start an event loop of its own; this command already runs in one.
    # The application it builds is served here instead (textual-serve 1.x).
    app = await server._make_app()
    app.middlewares.append(guard(url, secret))
    runner = web.AppRunner(app, handle_signals=False)
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
