"""A Ray address is checked before Ray is asked (Ray itself retries an unreachable one for minutes)."""

from __future__ import annotations

import socket
import time

import pytest

from optimiser.distributed.ray_runner import RayUnreachable, check_reachable


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
