"""`voiceconsole occupiers move-out`: the preview as JSON, the commit, a refusal, cancel, retry."""

from __future__ import annotations

import pytest
from test_cli import Cli

from voiceconsole.switches import fleet


@pytest.fixture
def cli(db_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.delenv(fleet.ENV_LAB, raising=False)
    tool = Cli(db_url, capsys)
    code, _, err = tool.run("demo", "load")
    assert code == 0, err
    return tool


def test_move_out_from_the_command_line(cli: Cli) -> None:
    before = cli.state()
    preview = cli.json("occupiers", "move-out", "kestrel-architects", "--site", "LON1", "--dry-run")
    assert preview["dry_run"] and preview["status"] == "preview"
    assert {n["to"] for n in preview["numbers"]} == {"port_out"}
    assert [s["hostname"] for s in preview["switches"]] == ["lon1-2f-sw1"]
    assert cli.state() == before
    code, _, err = cli.run(
        "occupiers", "move-out", "kestrel-architects", "--site", "LON1", "--date", "2020-01-01"
    )
    assert code == 1 and "is in the past at LON1" in err and "\n" not in err.strip()
    assert cli.state() == before
    code, out, err = cli.run(
        "occupiers", "move-out", "kestrel-architects", "--site", "LON1", "--date", "+10"
    )
    assert code == 0, err
    assert "(scheduled; recomputed when due)" in out
    code, _, err = cli.run("occupiers", "move-out", "kestrel-architects", "--site", "LON1")
    assert code == 1 and "already scheduled for" in err and "--cancel" in err
    code, out, _ = cli.run(
        "occupiers", "move-out", "kestrel-architects", "--site", "LON1", "--cancel"
    )
    assert code == 0 and "cancelled" in out
    done = cli.json("occupiers", "move-out", "kestrel-architects", "--site", "LON1")
    assert done["status"] == "applied" and done["ports_left"] == []
    assert [p["done"] for p in done["port_outcomes"]] == [True] * 4
    code, _, err = cli.run(
        "occupiers", "move-out", "kestrel-architects", "--site", "LON1", "--retry"
    )
    assert code == 1 and "no floor ports" in err
