"""A Ray address is checked before Ray is asked (Ray itself retries an unreachable one for minutes)."""

from __future__ import annotations

import socket
import time

import pytest
from click.testing import CliRunner
from regional import regional_crisis

from optimiser.distributed.ray_runner import RayUnreachable, check_reachable
from planner.cli import main
from planner.scenario_io import write_scenario_csv


@pytest.mark.parametrize("address", ["nonsense", "127.0.0.1", ":6379", "127.0.0.1:port"])
def test_an_address_that_is_not_host_port_is_refused_in_one_line(address):
    with pytest.raises(RayUnreachable, match="is not host:port") as error:
        check_reachable(address)
    assert "\n" not in str(error.value)


def test_a_closed_port_is_refused_at_once_naming_the_address():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    started = time.monotonic()
    with pytest.raises(RayUnreachable, match=f"cannot reach the Ray cluster at 127.0.0.1:{port}: "):
        check_reachable(f"127.0.0.1:{port}")
    assert time.monotonic() - started < 5


def test_a_listening_port_passes_the_check():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        check_reachable(f"127.0.0.1:{server.getsockname()[1]}")


def test_ray_address_without_the_ray_engine_is_refused_but_ray_address_in_the_environment_is_not(tmp_path):
    folder = tmp_path / "scenario"
    write_scenario_csv(regional_crisis(100, 1), folder)
    refused = CliRunner().invoke(main, ["redeploy", str(folder), "--out", str(tmp_path / "a"),
                                        "--ray-address", "127.0.0.1:1"])
    assert refused.exit_code == 2 and refused.output.strip() == "--ray-address is for --engine ray"
    single = CliRunner(env={"RAY_ADDRESS": "127.0.0.1:1"}).invoke(main, ["redeploy", str(folder), "--out",
                                                                        str(tmp_path / "b")])
    assert single.exit_code == 0, single.output
