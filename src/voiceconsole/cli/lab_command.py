"""`voiceconsole lab`: serve the sample switches as SSH simulators on this machine, and the
sample phones as SIP peers that answer re-sync requests.

The console (`voiceconsole --lab`) or anyone's own NAPALM scripts can then reach them with the
stock `ios` driver. The login is the `lab` entry of the switch credentials file, created with
a random password on first use, so no secret lives in the repository.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import threading
from pathlib import Path

from voiceconsole.cli.context import CommandTree, Context, say
from voiceconsole.config import sample_data_dir
from voiceconsole.domain.errors import InvalidInput
from voiceconsole.switches.credentials import credentials_file, ensure_entry

LAB_CREDENTIALS = "lab"
LAB_USERNAME = "admin"


def register(cli: CommandTree) -> None:
    lab = cli.command("lab", "serve the sample switches as SSH simulators on loopback", lab_serve)
    lab.set_defaults(needs_db=False)
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


async def lab_serve(args: argparse.Namespace, ctx: Context | None) -> None:
    from voiceconsole.handsets.phone_simulator import SimulatedPhones
    from voiceconsole.switches.simulator.lab import LabDataError, build_fleet, serve_lab
    from voiceconsole.switches.simulator.ssh_server import PortInUseError

    switches = args.switches or sample_data_dir() / "switches.yaml"
    devices = args.devices or sample_data_dir() / "lab_devices.csv"
    login = ensure_entry(LAB_CREDENTIALS, LAB_USERNAME)
    try:
        fleet = build_fleet(switches, devices, {login.username: login.password})
    except (OSError, LabDataError) as err:
        raise InvalidInput(f"cannot build the lab: {err}") from None

    def ready(bound: list) -> None:  # type: ignore[type-arg]
        for switch, host, port in bound:
            say(f"{switch.hostname}: ssh -p {port} {login.username}@{host}")
        say(
            f"login: {login.username}, password in the [{LAB_CREDENTIALS}] entry of "
            f"{credentials_file()}"
        )
        say("the console reaches these with `voiceconsole --lab`; Ctrl-C stops the lab")

    phones = SimulatedPhones(sample_phone_addresses(args.handsets))
    try:
        phones.start()
    except OSError as err:
        raise InvalidInput(str(err)) from None
    say(f"phones answer re-sync requests at {', '.join(phones.addresses) or 'no address'}")
    stop = threading.Event()
    try:
        await asyncio.to_thread(serve_lab, fleet, stop, ready=ready)
    except PortInUseError as err:
        raise InvalidInput(str(err)) from None
    finally:
        stop.set()
        phones.stop()


def sample_phone_addresses(handsets: Path | None) -> list[str]:
    """The SIP addresses of the handsets file's phones (the remote ones have one)."""
    path = handsets or sample_data_dir() / "handsets.csv"
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as rows:
        return [row["sip_address"] for row in csv.DictReader(rows) if row.get("sip_address")]
