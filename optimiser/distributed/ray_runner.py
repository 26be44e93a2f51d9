"""Run the parts of a problem as Ray tasks: on a laptop (a local Ray started on demand) or on a
cluster (`ray.init(address=...)`), with the same code.

`ray_runner(address)` connects once (connecting again to the same place is a no-op) and returns a
`RayRunner`, a `PartRunner` (`engine.py`): called with a function and a list of argument
tuples, it runs one Ray task per tuple, each holding one CPU, and returns the results in order.
It also records which Ray node ran each part (`runner.parts`), so a plan can say where it was
made.

Every node of a cluster needs Trellis installed (the same version as the caller): a task ships
the function by reference to its module, not the module's code.

Ray is started quietly: no dashboard, no usage statistics, no worker logs echoed to the caller,
only Ray's own errors (its warnings, such as the token-authentication notice on every start, are
noise to a planner).
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import ray

T = TypeVar("T")

#: CPUs each part holds on its node: one solver thread per part, so a node runs as many parts at
#: once as it has CPUs.
CPUS_PER_PART = 1
#: Seconds to wait for the cluster's address to answer before saying it cannot be reached (Ray
#: itself retries for minutes).
CONNECT_TIMEOUT_S = 5.0
#: Addresses that are not host:port but ask Ray to find a cluster started on this machine.
_RAY_KEYWORDS = ("auto", "local")


class RayUnreachable(RuntimeError):
    """The Ray cluster at the given address cannot be reached; the message is one line."""


@dataclass(frozen=True)
class PartRun:
    """Where and how long one part ran."""

    part: int
    node_id: str
    node_ip: str
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return {"part": self.part, "node_id": self.node_id, "node_ip": self.node_ip, "seconds": self.seconds}


@dataclass
class RayRunner:
    """A `PartRunner` on Ray; `parts` lists where each part ran, call after call (one runner per
    solve, so a plan can say where all of its parts ran)."""

    address: str | None
    cpus_per_part: int = CPUS_PER_PART
    parts: list[PartRun] = field(default_factory=list)

    def __call__(self, fn: Callable[..., T], calls: list[tuple]) -> list[T]:
        task = _run_part.options(num_cpus=self.cpus_per_part)
        # arguments passed one by one: Ray hands a task the value of an argument it `share`d
        refs = [task.remote(fn, *args) for args in calls]
        outcomes = ray.get(refs)
        first = len(self.parts)
        self.parts += [
            PartRun(part=first + i, node_id=node_id, node_ip=node_ip, seconds=round(seconds, 4))
            for i, (node_id, node_ip, seconds, _) in enumerate(outcomes)
        ]
        return [result for *_, result in outcomes]

    @staticmethod
    def share(value: Any) -> ray.ObjectRef:
        """Put a large argument of many calls in Ray's object store once; its numpy arrays are
        read by every task on a node without a copy."""
        return ray.put(value)

    @property
    def slots(self) -> int:
        """How many parts run at once: the cluster's CPUs, one part each (read when asked, as
        nodes may join or leave)."""
        return max(1, int(ray.cluster_resources().get("CPU", 1) // self.cpus_per_part))

    def nodes(self) -> list[str]:
        """The distinct Ray nodes that ran a part, in order of first use."""
        return list(dict.fromkeys(run.node_id for run in self.parts))

    def summary(self) -> dict[str, Any]:
        """What a plan records about where it was made (no personal data: node ids and times)."""
        return {"engine": "ray", "address": self.address or "local", "nodes": len(self.nodes()),
                "parts": [run.as_dict() for run in self.parts]}


@ray.remote(num_cpus=CPUS_PER_PART)
def _run_part(fn: Callable[..., T], *args: Any) -> tuple[str, str, float, T]:
    """One part, on whichever node Ray chose: (node id, node address, seconds, result)."""
    context = ray.get_runtime_context()
    started = time.perf_counter()
    result = fn(*args)
    return context.get_node_id(), ray.util.get_node_ip_address(), time.perf_counter() - started, result


def ray_runner(address: str | None = None) -> RayRunner:
    """Connect to Ray (a cluster at `address` host:port, else a local Ray on this machine) and
    return a runner for the parts. Raises `RayUnreachable` when the address does not answer."""
    connect(address)
    return RayRunner(address)


_connected_to: list[str | None] = []  # the address this process is connected to (at most one)
# The web app's jobs run in threads: two starting at once must not both call ray.init.
_CONNECTING = threading.Lock()


def connect(address: str | None) -> None:
    """Connect this process to Ray once; asking again for the same place does nothing, asking for
    another place leaves the first one."""
    with _CONNECTING:
        _connect(address)


def _connect(address: str | None) -> None:
    if ray.is_initialized() and _connected_to and _connected_to[0] == address:
        return
    if ray.is_initialized():
        ray.shutdown()
    if address and address not in _RAY_KEYWORDS:
        check_reachable(address)
    # Usage statistics are off for every Ray this process starts or joins.
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
    with _ray_core_warnings_held() as held:
        try:
            ray.init(
                address=address or "local",
                include_dashboard=False,
                logging_level=logging.ERROR,
                log_to_driver=False,
                configure_logging=True,
            )
        except (ConnectionError, RuntimeError, ValueError) as error:
            first_line = (str(error).strip().splitlines() or [type(error).__name__])[0]
            failure = f"cannot use the Ray cluster at {address or 'local'}: {first_line}"
        else:
            failure = None
    if failure is not None:
        if _TOKEN_REFUSED in held.text:
            failure += "; it requires a token: set RAY_AUTH_MODE=token and RAY_AUTH_TOKEN (the cluster's token)"
        raise RayUnreachable(failure)
    _connected_to[:] = [address]


#: What Ray's core logs when a cluster refuses a connection without its token.
_TOKEN_REFUSED = "Authentication token is missing or incorrect"
#: Ray's core (C++) writes its retry warnings straight to the standard error stream, once a second
#: while it retries a cluster for about 20 s: lines such as "[2026-... W 123 123] gcs_client.cc:210: ...".
_RAY_CORE_LINE = re.compile(r"^\[\d{4}-\d\d-\d\d [\d:,]+ [DIWEF] \d+ \d+\] \S+\.(?:cc|h):\d+: ")


@dataclass
class _Held:
    text: str = ""


@contextlib.contextmanager
def _ray_core_warnings_held():
    """While Ray connects, hold what is written to the standard error stream (file descriptor 2,
    where Ray's core writes), then write back every line that is not Ray's core retrying: a
    planner sees one line about an unusable cluster, not twenty retries, and the rest of the
    process's output (the web app's logs) is kept, only delayed by the connection."""
    held = _Held()
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as capture:
        os.dup2(capture.fileno(), 2)
        try:
            yield held
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            held.text = capture.read().decode(errors="replace")
    kept = [line for line in held.text.splitlines(keepends=True) if not _RAY_CORE_LINE.match(line)]
    if kept:
        sys.stderr.write("".join(kept))
        sys.stderr.flush()


def check_reachable(address: str) -> None:
    """A cluster address is host:port and something answers there within `CONNECT_TIMEOUT_S`;
    otherwise `RayUnreachable` with the reason in one line."""
    host, sep, port = address.rpartition(":")
    if not sep or not host or not port.isdigit():
        raise RayUnreachable(f"Ray address {address!r} is not host:port (e.g. 127.0.0.1:6379)")
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=CONNECT_TIMEOUT_S):
            pass
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise RayUnreachable(f"cannot reach the Ray cluster at {address}: {reason}") from None


def disconnect() -> None:
    """Leave Ray (a local Ray started by this process stops)."""
    with _CONNECTING:
        if ray.is_initialized():
            ray.shutdown()
        _connected_to.clear()
