"""A real two-node Ray cluster on loopback, started by the tests and stopped by them.

`ray start --head` and `ray start --address` run as two subprocesses, each the leader of its own
process group, so that stopping the cluster signals those two groups and nothing else: never
`ray stop`, which stops every Ray on the machine. Each node offers one CPU, so two parts run on
two nodes; the head's files live in a fresh short temporary folder (Ray's socket paths must stay
short).

The cluster requires a token (Ray's token authentication, a fresh random token per cluster), as a
cluster should; this test process is given the same token through `RAY_AUTH_MODE` and
`RAY_AUTH_TOKEN`, as a Trellis server would be. Nothing is read from or written to `~/.ray`.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import ray
from ray._raylet import AuthenticationTokenLoader, Config

from optimiser.distributed.ray_runner import connect, disconnect

ROOT = Path(__file__).resolve().parent.parent
RAY = Path(sys.executable).with_name("ray")
START_TIMEOUT_S = 90
STOP_GRACE_S = 5


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class RayCluster:
    """Two Ray nodes on 127.0.0.1; `address` is what `--ray-address` takes."""

    port: int
    temp_dir: Path
    token: str = field(default_factory=lambda: secrets.token_hex(32))
    processes: list[subprocess.Popen] = field(default_factory=list)

    @property
    def auth_environment(self) -> dict[str, str]:
        """What a process needs in its environment to use this cluster."""
        return {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": self.token}

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def log(self) -> str:
        return "\n".join((self.temp_dir / name).read_text(errors="replace")[-3000:]
                         for name in ("head.log", "node.log") if (self.temp_dir / name).exists())

    def stop(self) -> None:
        """Stop the two nodes this cluster started (their process groups only), then remove its files."""
        disconnect()
        _use_auth_environment({name: None for name in self.auth_environment})
        for process in self.processes:
            _signal_group(process, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_S
        for process in self.processes:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
        # Ray drains a node for up to 30 s on SIGTERM; what is left of the group after the grace
        # period (raylet, GCS, workers) is killed.
        for process in self.processes:
            _signal_group(process, signal.SIGKILL)
            process.wait()
        shutil.rmtree(self.temp_dir, ignore_errors=True)


def _signal_group(process: subprocess.Popen, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)


def _use_auth_environment(values: dict[str, str | None]) -> None:
    """Set (or, for None, remove) Ray's authentication variables in this process. Ray reads them
    once into its configuration and token cache: both are refreshed, as Ray itself does when it
    turns token authentication on (`ray._private.authentication.authentication_token_setup`)."""
    for name, value in values.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    Config.initialize("")
    AuthenticationTokenLoader.instance().reset_cache()


def _node_environment(cluster: RayCluster) -> dict[str, str]:
    """The nodes' workers import this checkout's code (a task names its function's module) and
    require the cluster's token."""
    env = dict(os.environ, RAY_USAGE_STATS_ENABLED="0", **cluster.auth_environment)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    for name in ("RAY_ADDRESS", "RAY_AUTH_TOKEN_PATH"):
        env.pop(name, None)
    return env


def start_two_node_cluster() -> RayCluster:
    """Start a head and a second node, wait until both are alive, connect this process (with the
    cluster's token in its environment) and return the cluster."""
    cluster = RayCluster(port=free_port(), temp_dir=Path(tempfile.mkdtemp(prefix="ray", dir="/tmp")))
    env = _node_environment(cluster)
    common = ["--node-ip-address=127.0.0.1", "--num-cpus=1", "--block"]
    try:
        cluster.processes.append(_start(
            [str(RAY), "start", "--head", f"--port={cluster.port}", "--include-dashboard=false",
             "--disable-usage-stats", f"--temp-dir={cluster.temp_dir}", *common],
            cluster.temp_dir / "head.log", env))
        _wait_for_port(cluster)
        cluster.processes.append(_start([str(RAY), "start", f"--address={cluster.address}", *common],
                                        cluster.temp_dir / "node.log", env))
        _wait_for_nodes(cluster, 2)
    except BaseException:
        cluster.stop()
        raise
    return cluster


def _start(command: list[str], log: Path, env: dict[str, str]) -> subprocess.Popen:
    with log.open("wb") as out:
        return subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=ROOT,
                                start_new_session=True)


def _wait_for_port(cluster: RayCluster) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if cluster.processes[0].poll() is not None:
            raise RuntimeError(f"the Ray head stopped while starting:\n{cluster.log()}")
        try:
            with socket.create_connection(("127.0.0.1", cluster.port), timeout=1):
                return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"the Ray head did not open port {cluster.port}:\n{cluster.log()}")


def _wait_for_nodes(cluster: RayCluster, count: int) -> None:
    """Connect this test process to the cluster and wait until `count` nodes are alive."""
    _use_auth_environment(cluster.auth_environment)
    connect(cluster.address)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if sum(1 for node in ray.nodes() if node["Alive"]) >= count:
            return
        if any(p.poll() is not None for p in cluster.processes):
            raise RuntimeError(f"a Ray node stopped while starting:\n{cluster.log()}")
        time.sleep(0.5)
    raise RuntimeError(f"only {sum(1 for n in ray.nodes() if n['Alive'])} of {count} Ray nodes came up:\n{cluster.log()}")
