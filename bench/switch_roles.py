"""Bulk role change on 4 switches over SSH: parallel wall time against the per-switch times.

    python bench/switch_roles.py [--rounds N] [--ports-per-switch N]

The simulators run in a separate process (as `voiceconsole lab` does), reached with the stock
NAPALM `ios` driver over SSH, through the same service call the console makes. Each round
first changes each switch's ports alone (the baseline: its time, their sum, the slowest),
then all four switches' ports in one change. Target: the parallel change takes under 1.5x the
slowest switch, not the sum. The ports go voice (alone) then data (together) each round, so
every change has a real diff to commit.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import emit, run
from sqlalchemy import select

from voiceconsole.db.database import Database
from voiceconsole.db.models import Switch
from voiceconsole.services.floor_ports import floor_port_ids
from voiceconsole.services.seed import load_sample_data
from voiceconsole.services.switch_ports import apply_role_change, plan_role_change
from voiceconsole.switches.fleet import make_gateway

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"
# Four switches of the sample data, with the floor ports patched to them.
SWITCHES = {
    "lon1-1f-sw1": ("LON1", "1F"),
    "lon1-2f-sw1": ("LON1", "2F"),
    "man1-gf-sw1": ("MAN1", "GF"),
    "lds1-1f-sw1": ("LDS1", "1F"),
}

SERVE = """
import json, sys
from voiceconsole.switches.simulator.lab import build_fleet, serve_lab
fleet = build_fleet(sys.argv[1], sys.argv[2], {sys.argv[3]: sys.argv[4]})
fleet = [(s, h, 0) for s, h, _ in fleet if s.hostname in sys.argv[5].split(",")]
def ready(bound):
    print(json.dumps({s.hostname: p for s, _, p in bound}), flush=True)
serve_lab(fleet, ready=ready)
"""


def start_lab(username: str, password: str) -> tuple[subprocess.Popen[str], dict[str, int]]:
    lab = subprocess.Popen(
        [
            sys.executable,
            "-c",
            SERVE,
            str(SAMPLE / "switches.yaml"),
            str(SAMPLE / "lab_devices.csv"),
            username,
            password,
            ",".join(SWITCHES),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert lab.stdout is not None
    ports = json.loads(lab.stdout.readline())
    return lab, ports


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--ports-per-switch", type=int, default=4)
    args = parser.parse_args()

    username, password = "bench", secrets.token_urlsafe(12)
    os.environ["VOICECONSOLE_SWITCH_LAB_USERNAME"] = username
    os.environ["VOICECONSOLE_SWITCH_LAB_PASSWORD"] = password
    lab, ports = start_lab(username, password)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            db = await Database.open(str(Path(tmp) / "bench.db"))
            await load_sample_data(db, "bench")
            async with db.write() as session:
                for switch in await session.scalars(select(Switch)):
                    switch.mgmt_port = ports.get(switch.hostname, 1)
                await session.commit()
            gateway = make_gateway(db.url, lab=True)
            labels = [f"{n:03}" for n in range(13, 13 + args.ports_per_switch)]
            by_switch = {
                hostname: await floor_port_ids(
                    db, site=site, labels=[f"{floor}-{n}" for n in labels]
                )
                for hostname, (site, floor) in SWITCHES.items()
            }

            async def change(ids: list[int], role: str) -> float:
                plan = await plan_role_change(db, gateway, ids, role, actor="bench")
                started = time.perf_counter()
                outcome = await apply_role_change(db, gateway, "bench", plan)
                elapsed = time.perf_counter() - started
                if outcome.failed:
                    raise SystemExit(f"a port was not changed: {outcome.ports}")
                return elapsed

            rounds = []
            for _ in range(args.rounds):
                # Voice alone, then data together: every change has a real diff to commit.
                alone = {h: await change(ids, "voice") for h, ids in by_switch.items()}
                every = [i for ids in by_switch.values() for i in ids]
                together = await change(every, "data")
                rounds.append(
                    {
                        "per_switch_s": {h: round(t, 3) for h, t in alone.items()},
                        "sum_s": round(sum(alone.values()), 3),
                        "slowest_s": round(max(alone.values()), 3),
                        "parallel_s": round(together, 3),
                        "parallel_over_slowest": round(together / max(alone.values()), 3),
                        "parallel_over_sum": round(together / sum(alone.values()), 3),
                    }
                )
            await db.close()
    finally:
        lab.terminate()
        lab.wait(timeout=10)

    ratio = statistics.median(r["parallel_over_slowest"] for r in rounds)
    emit(
        "switch_roles",
        {
            "switches": len(SWITCHES),
            "ports_per_switch": args.ports_per_switch,
            "transport": "stock napalm ios driver over SSH to simulators in another process",
            "rounds": rounds,
            "median_parallel_over_slowest": ratio,
            "median_parallel_over_sum": statistics.median(r["parallel_over_sum"] for r in rounds),
            "target_parallel_over_slowest": 1.5,
            "target_met": ratio < 1.5,
        },
    )


if __name__ == "__main__":
    run(main)
