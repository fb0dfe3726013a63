"""`voiceconsole lab`: serve the sample switches, and spares on the bench, as SSH simulators on
this machine, and the sample phones as SIP peers that answer re-sync requests.

The console (`voiceconsole --lab`) or anyone's own NAPALM scripts can then reach them with the
stock `ios` driver. The login is the `lab` entry of the switch credentials file, created with
a random password on first use, so no secret lives in the repository. Each switch keeps its SSH
host key in a folder of the user data directory, so a client that pinned it sees the same key
after a restart; `--new-host-keys` gives every switch a new one, as replaced switches would.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import dataclasses
import re
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from platformdirs import user_data_path

from voiceconsole.cli.context import CommandTree, Context, say
from voiceconsole.config import provisioning_settings, sample_data_dir
from voiceconsole.db.database import Database
from voiceconsole.domain.errors import InvalidInput, NotFound, RuleViolation
from voiceconsole.services.provisioning import provisioning_format, staging
from voiceconsole.switches.credentials import credentials_file, ensure_entry

if TYPE_CHECKING:
    from voiceconsole.handsets.phone_simulator import PhoneSpec

LAB_CREDENTIALS = "lab"
LAB_USERNAME = "admin"
LAB_PROVISIONING = "127.0.0.1:8089"


def default_host_keys_dir() -> Path:
    return user_data_path("voiceconsole", appauthor=False) / "lab-host-keys"


def register(cli: CommandTree) -> None:
    lab = cli.command(
        "lab",
        "serve the sample switches as SSH simulators on loopback, and the sample phones with "
        "a provisioning server they fetch their files from",
        lab_serve,
    )
    lab.add_argument(
        "--switches",
        type=Path,
        default=None,
        help="switch inventory (default: the sample data's switches.yaml)",
    )
    lab.add_argument(
        "--handsets",
        type=Path,
        default=None,
        help="phones that answer re-sync requests (default: the sample data's handsets.csv)",
    )
    lab.add_argument(
        "--devices",
        type=Path,
        default=None,
        help="what is plugged where (default: the sample data's lab_devices.csv)",
    )
    spares = lab.add_mutually_exclusive_group()
    spares.add_argument(
        "--spares",
        type=Path,
        default=None,
        help="spare switches on the bench, factory defaults, not in the inventory "
        "(default: the sample data's lab_spares.yaml)",
    )
    spares.add_argument("--no-spares", action="store_true", help="serve no spares")
    lab.add_argument(
        "--host-keys",
        type=Path,
        default=None,
        help="folder of the switches' SSH host keys, kept across restarts "
        "(default: lab-host-keys in the user data directory)",
    )
    lab.add_argument(
        "--stall",
        action="append",
        default=[],
        metavar="REGEX=SECONDS",
        help="testing aid: the first command matching REGEX on each switch waits SECONDS "
        "(a switch slow mid-change, to stop a console between commit and confirm)",
    )
    lab.add_argument(
        "--provisioning-listen",
        default=LAB_PROVISIONING,
        metavar="HOST:PORT",
        help=f"where the lab's provisioning server listens (default {LAB_PROVISIONING})",
    )
    lab.add_argument(
        "--new-host-keys",
        action="store_true",
        help="give every switch a new host key (what replaced switches look like)",
    )


async def lab_serve(args: argparse.Namespace, ctx: Context) -> None:
    # Deferred: asyncssh, NAPALM and the simulator load only for the command that serves them.
    from voiceconsole.handsets.phone_simulator import SimulatedPhones
    from voiceconsole.services.provisioning_server import run_provisioning_server
    from voiceconsole.switches.simulator.host_keys import load_host_keys
    from voiceconsole.switches.simulator.lab import (
        LabDataError,
        build_fleet,
        build_spares,
        serve_lab,
    )
    from voiceconsole.switches.simulator.ssh_server import PortInUseError, fingerprint

    switches = args.switches or sample_data_dir() / "switches.yaml"
    devices = args.devices or sample_data_dir() / "lab_devices.csv"
    login = ensure_entry(LAB_CREDENTIALS, LAB_USERNAME)
    users = {login.username: login.password}
    try:
        fleet = build_fleet(switches, devices, users)
        spares = (
            []
            if args.no_spares
            else build_spares(args.spares or sample_data_dir() / "lab_spares.yaml", users)
        )
    except (OSError, LabDataError) as err:
        raise InvalidInput(f"cannot build the lab: {err}") from None
    for stall in args.stall:
        pattern, _, seconds = stall.rpartition("=")
        try:
            for switch, _, _ in [*fleet, *spares]:
                switch.stall_next(pattern, float(seconds))
        except (ValueError, re.error) as err:
            raise InvalidInput(f"--stall {stall!r} is not REGEX=SECONDS: {err}") from None
    spare_names = {switch.hostname for switch, _, _ in spares}
    hostnames = [switch.hostname for switch, _, _ in [*fleet, *spares]]
    try:
        keys = load_host_keys(
            args.host_keys or default_host_keys_dir(), hostnames, renew=args.new_host_keys
        )
    except (OSError, ValueError) as err:  # asyncssh's KeyImportError is a ValueError
        raise InvalidInput(f"cannot read the lab's host keys: {err}") from None

    def ready(bound: list) -> None:  # type: ignore[type-arg]
        for switch, host, port in bound:
            role = "spare on the bench, factory defaults" if switch.hostname in spare_names else ""
            details = ", ".join(filter(None, [switch.model, role]))
            say(
                f"{switch.hostname}: ssh -p {port} {login.username}@{host}"
                f"  ({details}; host key {fingerprint(keys[switch.hostname])})"
            )
        say(
            f"login: {login.username}, password in the [{LAB_CREDENTIALS}] entry of "
            f"{credentials_file()}"
        )
        say("the console reaches these with `voiceconsole --lab`; Ctrl-C stops the lab")

    settings = dataclasses.replace(provisioning_settings(), listen=args.provisioning_listen)
    specs = await lab_phones(ctx.db, args.handsets, settings.base_url)
    phones = SimulatedPhones(specs)
    try:
        phones.start()
    except OSError as err:
        raise InvalidInput(str(err)) from None
    say(f"phones answer re-sync requests at {', '.join(phones.addresses) or 'no address'}")
    stop, served = threading.Event(), asyncio.Event()
    provisioning = None
    if any(spec.login for spec in specs):
        provisioning = asyncio.create_task(
            run_provisioning_server(
                ctx.db,
                settings,
                served,
                ready=lambda url: say(f"the phones fetch their files from {url}"),
            )
        )
        await asyncio.sleep(0)  # let it bind before the ready line is printed
    try:
        await asyncio.to_thread(serve_lab, [*fleet, *spares], stop, ready=ready, host_keys=keys)
    except PortInUseError as err:
        raise InvalidInput(str(err)) from None
    finally:
        stop.set()
        served.set()
        phones.stop()
        if provisioning is not None:
            await provisioning


async def lab_phones(db: Database, handsets: Path | None, url: str) -> list[PhoneSpec]:
    """The handsets file's phones (the remote ones have a SIP address), each staged with its
    provisioning login from the database, as a staging engineer would have set it."""
    from voiceconsole.handsets.phone_simulator import PhoneLogin, PhoneSpec

    path = handsets or sample_data_dir() / "handsets.csv"
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as rows:
        listed = [row for row in csv.DictReader(rows) if row.get("sip_address")]
    specs = []
    for row in listed:
        try:
            staged = await staging(db, row["mac"]) if row.get("mac") else None
            family = await provisioning_format(db, row["mac"]) if staged else ""
        except (NotFound, RuleViolation):
            staged, family = None, ""
        login = PhoneLogin(url, staged.user, staged.password) if staged else None
        specs.append(PhoneSpec(row["sip_address"], row.get("mac", ""), family, login))
    return specs
