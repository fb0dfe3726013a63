"""Onboarding a switch as an engineer would, against `voiceconsole lab` run as a real process:
`switches add` pins its SSH host key and discovers its ports; a lab restarted with new keys
(a replaced switch) is refused with a clear message and nothing changes; `switches trust`
re-pins. Then preflight: a switch with the archive off is named with the missing lines and a
role change is refused before any diff; once fixed, the same change commits.

The console's side runs as the command line, in this process, on a copy of the sample
database; the switch is a factory-default spare on the lab's bench.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from helpers import snapshot
from lab_process import LabScene, free_port
from test_lab_command import running_lab, ssh_lines

from voiceconsole.cli.main import main
from voiceconsole.db.database import Database

SPARE = "bench-c9300"


class Bench(LabScene):
    """A lab of one factory-default spare, and a console database beside it."""

    def __init__(self, tmp_path: Path, seeded_template: Path) -> None:
        port = free_port()
        super().__init__(
            tmp_path,
            seeded_template,
            port=port,
            spares=(
                f"- hostname: {SPARE}\n  model: C9300-48UXM\n  mgmt_address: 127.0.0.1\n"
                f"  mgmt_port: {port}\n  devices:\n"
                "    - {interface: TwoGigabitEthernet1/0/1, kind: phone, mac: 02cc.0b13.0001, "
                "name: SEP02CC0B130001, poe_watts: 6.3}\n"
            ),
        )

    def run(self, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main([*args, "--db", self.db, "--actor", "engineer"])
        out, err = capsys.readouterr()
        return code, out, err

    def snapshot(self) -> dict[str, Any]:
        async def read() -> dict[str, Any]:
            db = await Database.open(self.db)
            try:
                return await snapshot(db)
            finally:
                await db.close()

        return asyncio.run(read())


@pytest.fixture
def bench(tmp_path: Path, seeded_template: Path, monkeypatch: pytest.MonkeyPatch) -> Bench:
    made = Bench(tmp_path, seeded_template)
    monkeypatch.setenv("VOICECONSOLE_SWITCH_CREDENTIALS", str(made.credentials_file))
    monkeypatch.delenv("VOICECONSOLE_LAB", raising=False)
    return made


def findings(out: str) -> dict[str, list[str]]:
    """{check: fix lines} from `switches check --json`."""
    (result,) = json.loads(out)
    return {f["check"]: f["fix"] for f in result["findings"]}


@pytest.mark.slow
def test_add_pins_the_key_a_new_key_is_refused_and_trust_re_pins_it(
    bench: Bench, capsys: pytest.CaptureFixture[str]
) -> None:
    with running_lab(bench.tmp, *bench.lab_args()) as said:
        first = ssh_lines(said)[SPARE].group(6)
        code, out, err = bench.run(
            capsys, "switches", "add", "127.0.0.1", "--port", str(bench.port),
            "--site", "LON1", "--credentials", "lab", "--json",
        )  # fmt: skip
        assert code == 0, err
        added = json.loads(out)
        assert added["added"] and added["hostname"] == SPARE and added["fingerprint"] == first
        assert (added["model"], added["profile"]) == ("C9300-48UXM", "catalyst-9300")
        ports = {p["interface"]: p for p in added["ports"]}
        assert (
            ports["TwoGigabitEthernet1/0/1"]["poe"] and ports["TwoGigabitEthernet1/0/1"]["link_up"]
        )
        assert (
            ports["TenGigabitEthernet1/0/48"]["poe"] and not ports["TenGigabitEthernet1/1/1"]["poe"]
        )
        # A factory-default switch: everything a change needs is missing, each with its fix.
        assert {f["check"] for f in added["findings"]} >= {"archive", "lldp", "vlans", "scp"}
        code, out, _ = bench.run(capsys, "switches", "list", "--site", "LON1")
        assert code == 0 and SPARE in out and first in out

    before = bench.snapshot()
    with running_lab(bench.tmp, *bench.lab_args("--new-host-keys")) as said:
        second = ssh_lines(said)[SPARE].group(6)
        assert second != first
        code, out, err = bench.run(capsys, "switches", "check", SPARE)
        assert code != 0
        assert f"offers another SSH host key than the one pinned ({second}, pinned {first})" in out
        assert "nothing was sent to it" in out and f"switches trust {SPARE}" in out
        assert bench.snapshot() == before  # no change, in the database either

        # Without a fingerprint nothing is pinned: the key offered is shown, to be checked.
        code, _, err = bench.run(capsys, "switches", "trust", SPARE)
        assert code != 0 and f"offers {second}" in err and "--fingerprint" in err
        assert bench.snapshot() == before

        # A wrong fingerprint (a person misread it) pins nothing.
        code, _, err = bench.run(capsys, "switches", "trust", SPARE, "--fingerprint", first)
        assert code != 0 and f"offers {second}, not {first}" in err
        assert bench.snapshot() == before

        code, out, err = bench.run(capsys, "switches", "trust", SPARE, "--fingerprint", second)
        assert code == 0, err
        assert f"pinned {second} (was {first})" in out
        code, out, _ = bench.run(capsys, "switches", "check", SPARE)
        assert "another SSH host key" not in out and f"{SPARE}: not ready" in out


@pytest.mark.slow
def test_a_switch_with_the_archive_off_is_refused_before_any_diff_until_fixed(
    bench: Bench, capsys: pytest.CaptureFixture[str]
) -> None:
    with running_lab(bench.tmp, *bench.lab_args()):
        code, _, err = bench.run(
            capsys, "switches", "add", "127.0.0.1", "--port", str(bench.port),
            "--site", "LON1", "--credentials", "lab",
        )  # fmt: skip
        assert code == 0, err
        code, out, err = bench.run(
            capsys, "switches", "map", SPARE, "--floor", "2F", "--pattern", "B2-{port:03d}",
            "--interfaces", "Tw1/0/1-2",
        )  # fmt: skip
        assert code == 0, err
        assert "B2-001 -> TwoGigabitEthernet1/0/1 (new)" in out

        # The engineer fixes all that `switches check` listed, but for the archive.
        code, out, _ = bench.run(capsys, "switches", "check", SPARE, "--json")
        fixes = findings(out)
        lines = [
            line
            for check, fix in fixes.items()
            if check != "archive"
            for line in fix
            if "<" not in line  # a password placeholder: that account has its level already
        ]
        bench.on_switch("dir flash:", *lines)
        code, out, _ = bench.run(capsys, "switches", "check", SPARE)
        assert code != 0
        assert f"{SPARE}: not ready" in out and "The archive is off" in out
        assert " archive\n" in out and " path flash:archive" in out
        assert "LLDP" not in out and "VLAN" not in out and "SCP" not in out

        flash = bench.on_switch()
        code, out, err = bench.run(
            capsys, "ports", "set-role", "B2-001", "--site", "LON1", "--role", "voice"
        )
        assert code != 0
        assert f"{SPARE} is not ready for changes: The archive is off" in out
        assert "Fix: archive / path flash:archive / maximum 5" in out
        assert "+ switchport" not in out and "+interface" not in out  # no diff was taken
        assert bench.on_switch() == flash  # nothing was copied to the switch either

        bench.on_switch("dir flash:", *fixes["archive"])
        code, out, err = bench.run(
            capsys, "ports", "set-role", "B2-001", "--site", "LON1", "--role", "voice", "--json"
        )
        assert code == 0, err
        outcome = json.loads(out)
        assert (outcome["done"], outcome["failed"]) == (1, 0), outcome
        code, out, _ = bench.run(capsys, "ports", "list", "--site", "LON1", "--json")
        port = next(p for p in json.loads(out) if p["label"] == "B2-001")
        assert (port["role"], port["observed_role"], port["drift"]) == ("voice", "voice", False)
