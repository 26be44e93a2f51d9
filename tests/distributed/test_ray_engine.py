"""The Ray engine on a real two-node Ray cluster on loopback (`ray_cluster` fixture): parts run
as Ray tasks on both nodes, and the command line and the web's jobs solve on the cluster."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import checkers.test_redeploy_checker as redeploy_checker
import pytest
import ray
from checkers.plan_checker import check_plan
from click.testing import CliRunner
from helpers import post
from ray_cluster import ROOT
from regional import regional_crisis
from regional_scenarios import regional_scenario

from optimiser.distributed.crisis import redeploy_in_parts
from optimiser.distributed.ray_runner import ray_runner
from optimiser.redeploy import redeploy
from planner.cli import main
from planner.scenario_io import write_scenario_csv

PLAN_FORM = {"stretch_levels": 0, "periods": 1, "time_limit_s": 10, "fairness_bands": "", "fairness_min_share": 0,
             "max_cross_organisation": "", "w_skill_fit": 3, "w_development": 4, "w_preference": 5,
             "w_network": 2, "w_diversity": 1}

pytestmark = [pytest.mark.ray, pytest.mark.xdist_group("ray")]


def _alive_nodes() -> set[str]:
    return {node["NodeID"] for node in ray.nodes() if node["Alive"]}


def test_parts_run_as_ray_tasks_on_both_nodes_and_come_back_in_order(ray_cluster):
    runner = ray_runner(ray_cluster.address)
    # Each node offers one CPU and each part holds one: four one-second parts need both nodes.
    assert runner(time.sleep, [(1,)] * 4) == [None] * 4
    assert len(runner.parts) == 4 and set(runner.nodes()) == _alive_nodes() and len(runner.nodes()) == 2
    assert runner(divmod, [(7, 2), (9, 4), (1, 1)]) == [(3, 1), (2, 1), (1, 0)]
    assert [run.part for run in runner.parts] == list(range(7))  # every call's parts are recorded
    assert runner.summary()["nodes"] >= 1 and runner.summary()["address"] == ray_cluster.address


def test_connecting_again_to_the_same_cluster_keeps_the_connection(ray_cluster):
    ray_runner(ray_cluster.address)
    job = ray.get_runtime_context().get_job_id()
    ray_runner(ray_cluster.address)
    assert ray.get_runtime_context().get_job_id() == job


def test_a_failing_part_raises_its_own_error(ray_cluster):
    runner = ray_runner(ray_cluster.address)
    with pytest.raises(ZeroDivisionError):
        runner(divmod, [(1, 0)])


def test_redeployment_by_region_on_the_cluster_reaches_the_single_process_optimum(ray_cluster):
    scenario = regional_crisis(400, 5)
    single = redeploy(scenario, time_limit_s=20)
    on_ray = redeploy_in_parts(scenario, run_parts=ray_runner(ray_cluster.address), time_limit_s=20)
    assert on_ray.objective == single.objective > 0 and on_ray.bound == single.bound
    assert len(on_ray.parts) == 3
    assert {p["node_id"] for p in on_ray.parts} <= _alive_nodes()
    assert any("Ray node" in note for note in on_ray.notes)


def test_cli_redeploy_on_the_cluster_writes_a_plan_the_independent_checker_accepts(ray_cluster, tmp_path):
    folder = tmp_path / "scenario"
    write_scenario_csv(regional_crisis(300, 3), folder)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["redeploy", str(folder), "--out", str(out), "--time-limit", "20",
                                       "--engine", "ray", "--ray-address", ray_cluster.address])
    assert result.exit_code == 0, result.output
    world = redeploy_checker.read_world(folder)
    day = world.policy_date
    rows = redeploy_checker.read_plan(out / "redeploy.csv")
    assert rows and redeploy_checker.rule_violations(world, rows, day) == []
    assert redeploy_checker.coverage(rows) == redeploy_checker.reference_optimum(world, day)[0]
    written = json.loads((out / "redeploy.json").read_text())
    assert written["status"] == "OPTIMAL" and len(written["parts"]) == 3
    assert {p["node_id"] for p in written["parts"]} <= _alive_nodes()


def test_cli_plan_on_the_cluster_writes_a_plan_the_independent_checker_accepts(ray_cluster, tmp_path):
    folder = tmp_path / "scenario"
    write_scenario_csv(regional_scenario(400, 4, regions=3), folder)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["plan", str(folder), "--out", str(out), "--time-limit", "30",
                                       "--engine", "ray", "--ray-address", ray_cluster.address])
    assert result.exit_code == 0, result.output
    assert check_plan(folder, out) == []
    written = json.loads((out / "plan.json").read_text())
    assert written["placements"] and written["stats"]["engine"].startswith("3 parts by region")
    ray_stats = written["stats"]["ray"]
    assert len(ray_stats["parts"]) >= 3 and {p["node_id"] for p in ray_stats["parts"]} <= _alive_nodes()


@pytest.mark.parametrize("command", ["plan", "redeploy"])
def test_an_unreachable_ray_address_is_one_line_and_exit_2(command, tmp_path):
    folder = tmp_path / "scenario"
    write_scenario_csv(regional_crisis(100, 1), folder)
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = CliRunner().invoke(main, [command, str(folder), "--out", str(tmp_path / "out"), "--engine", "ray",
                                       "--ray-address", f"127.0.0.1:{port}"])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and f"cannot reach the Ray cluster at 127.0.0.1:{port}" in lines[0]
    assert "Traceback" not in result.output and not (tmp_path / "out").exists()


def test_a_web_matching_job_runs_on_the_cluster_named_by_trellis_ray_address(ray_cluster, as_role, loaded_app,
                                                                             store_engine, monkeypatch):
    from planner.store import get_plan

    monkeypatch.setenv("TRELLIS_RAY_ADDRESS", ray_cluster.address)
    response = post(as_role("hr"), "/hr/plan/run", PLAN_FORM)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    job_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    pool = loaded_app.extensions["trellis_jobs"]
    assert pool.wait(job_id, 60)
    job = pool.get(job_id)
    assert job.status == "finished", job.error
    stored = get_plan(store_engine, job.plan_id)
    assert stored.result["stats"]["ray"]["parts"]
    assert {p["node_id"] for p in stored.result["stats"]["ray"]["parts"]} <= _alive_nodes()


def test_a_web_redeployment_job_runs_on_the_cluster_named_by_trellis_ray_address(ray_cluster, as_role, loaded_app,
                                                                                 store_engine, monkeypatch):
    from planner.store import get_plan

    monkeypatch.setenv("TRELLIS_RAY_ADDRESS", ray_cluster.address)
    client = as_role("emergency")
    response = post(client, "/crisis/redeploy")
    assert response.status_code == 302
    job_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    pool = loaded_app.extensions["trellis_jobs"]
    assert pool.wait(job_id, 60)
    job = pool.get(job_id)
    assert job.status == "finished", job.error
    stored = get_plan(store_engine, job.plan_id)
    assert stored.result["parts"] and {p["node_id"] for p in stored.result["parts"]} <= _alive_nodes()


def test_a_cluster_requiring_a_token_refuses_a_command_without_it_in_one_line(ray_cluster, tmp_path):
    folder = tmp_path / "scenario"
    write_scenario_csv(regional_crisis(100, 1), folder)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RAY_", "TRELLIS_RAY_"))}
    env |= {"HOME": str(tmp_path), "PYTHONPATH": os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-c", "from planner.cli import main; main()", "redeploy", str(folder),
                           "--out", str(tmp_path / "out"), "--engine", "ray", "--ray-address", ray_cluster.address],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"cannot use the Ray cluster at {ray_cluster.address}")
    assert "set RAY_AUTH_MODE=token and RAY_AUTH_TOKEN" in lines[0]
    assert not (tmp_path / "out").exists()


def test_without_an_address_the_ray_engine_starts_a_local_ray_the_laptop_case(tmp_path):
    """`--engine ray` with no address (and no RAY_ADDRESS) starts a Ray on this machine (Ray's
    default: with a token): run in a process of its own, whose process group the test ends, with
    Ray's files and home in a fresh folder."""
    folder = tmp_path / "scenario"
    scenario = regional_crisis(300, 3)
    write_scenario_csv(scenario, folder)
    ray_files = Path(tempfile.mkdtemp(prefix="ray", dir="/tmp"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RAY_", "TRELLIS_RAY_"))}
    # A local Ray makes itself a token in ~/.ray: here, in a home of the test's own.
    env |= {"RAY_TMPDIR": str(ray_files), "HOME": str(ray_files),
            "PYTHONPATH": os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])}
    command = [sys.executable, "-c", "from planner.cli import main; main()", "redeploy", str(folder), "--out", str(tmp_path / "out"),
               "--time-limit", "20", "--engine", "ray"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               start_new_session=True)
    try:
        output, _ = process.communicate(timeout=180)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        shutil.rmtree(ray_files, ignore_errors=True)
    assert process.returncode == 0, output[-2000:]
    written = json.loads((tmp_path / "out" / "redeploy.json").read_text())
    assert len(written["parts"]) == 3 and all(p["node_id"] for p in written["parts"])
    assert written["objective"] == redeploy(scenario, time_limit_s=20).objective


def test_a_web_job_told_of_an_unreachable_ray_cluster_fails_saying_so(as_role, loaded_app, monkeypatch):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("TRELLIS_RAY_ADDRESS", f"127.0.0.1:{port}")
    response = post(as_role("emergency"), "/crisis/redeploy")
    job_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    pool = loaded_app.extensions["trellis_jobs"]
    assert pool.wait(job_id, 30)
    job = pool.get(job_id)
    assert job.status == "failed"
    assert f"Cannot reach the Ray cluster at 127.0.0.1:{port}" in job.error and "TRELLIS_RAY_ADDRESS" in job.error
