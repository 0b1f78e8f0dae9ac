"""The CLI as a user runs it: a subprocess, real exit codes, one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import TEST_GRAPH


def run(args: list[str], env: dict[str, str], check: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([sys.executable, "-m", "creditgraph", *args], env=env, text=True,
                          capture_output=True, timeout=180)
    if check and proc.returncode != 0:
        raise AssertionError(f"{args} exited {proc.returncode}: {proc.stderr}")
    return proc


@pytest.fixture()
def private_env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(CREDITGRAPH_HOME=str(tmp_path / "home"), CREDITGRAPH_DB="embedded",
               CREDITGRAPH_GRAPH="cli")
    yield env
    run(["db", "stop"], env, check=False)


def test_db_start_status_stop(private_env: dict[str, str]):
    run(["db", "start"], private_env)
    status = json.loads(run(["db", "status", "--json"], private_env).stdout)
    assert status["running"] is True and isinstance(status["pid"], int)
    assert status["socket"].endswith(".sock") and status["data_dir"].endswith("data")
    assert status["memory_used"]
    assert "cli" in status["graphs"]
    assert "engine stopped" in run(["db", "stop"], private_env).stdout
    down = run(["db", "status"], private_env, check=False)
    assert down.returncode == 3
    assert "not running" in down.stderr and "Traceback" not in down.stderr


def test_probe_survives_kill_9_and_engine_restarts_on_demand(private_env: dict[str, str]):
    run(["query", "--write", "CREATE (:Probe {v: 1})"], private_env)
    pid = int((Path(private_env["CREDITGRAPH_HOME"]) / "engine" / "engine.pid").read_text())
    os.kill(pid, 9)
    out = run(["query", "MATCH (n:Probe) RETURN count(n) AS c", "--format", "json"], private_env)
    assert json.loads(out.stdout) == [{"c": 1}]


def test_write_without_flag_is_refused_and_changes_nothing(cli_env: dict[str, str], graph):
    refused = run(["query", "CREATE (:X)"], cli_env, check=False)
    assert refused.returncode != 0
    assert refused.stderr.count("\n") == 1 and "--write" in refused.stderr
    assert graph.read("MATCH (n:X) RETURN count(n) AS c") == [{"c": 0}]


def test_query_params_and_formats(cli_env: dict[str, str], graph):
    graph.write("CREATE (:Enterprise:Subject {uscc: 'A', sid: 'A', name: '甲'})")
    args = ["query", "MATCH (e:Enterprise {uscc: $u}) RETURN e.name AS name, $n AS n",
            "-p", "u=A", "-p", "n:=[1,2]"]
    assert json.loads(run(args + ["-f", "json"], cli_env).stdout) == [{"name": "甲", "n": [1, 2]}]
    assert run(args + ["-f", "csv"], cli_env).stdout == 'name,n\n甲,"[1,2]"\n'
    assert "甲" in run(args, cli_env).stdout


@pytest.mark.parametrize("args, needle", [
    (["query", "MATCH (n RETURN n"], "rejected the query"),
    (["query", "RETURN 1", "-p", "novalue"], "name=value"),
    (["query", "RETURN 1", "-p", "x:={bad"], "not JSON"),
    (["--db", "mysql://x", "query", "RETURN 1"], "unknown database URI"),
    (["--db", "falkordb://127.0.0.1:1", "query", "RETURN 1"], "cannot reach FalkorDB"),
    (["--db", "bolt://127.0.0.1:1", "query", "RETURN 1"], "Neo4j"),
])
def test_user_errors_are_one_line(cli_env: dict[str, str], args: list[str], needle: str):
    proc = run(args, cli_env, check=False)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, proc.stderr
    assert needle in lines[0]


def test_bad_setting_is_one_line(cli_env: dict[str, str]):
    env = dict(cli_env, CREDITGRAPH_BATCH_SIZE="many")
    proc = run(["query", "RETURN 1"], env, check=False)
    assert proc.returncode == 2
    assert "CREDITGRAPH_BATCH_SIZE" in proc.stderr and "Traceback" not in proc.stderr


def _all_command_paths():
    import typer.main

    from creditgraph.cli import app

    root = typer.main.get_command(app)
    paths = []

    def walk(cmd, prefix):
        paths.append(prefix)
        for name, sub in getattr(cmd, "commands", {}).items():
            walk(sub, prefix + [name])

    walk(root, [])
    return paths


@pytest.mark.parametrize("path", _all_command_paths(), ids=lambda p: " ".join(p) or "creditgraph")
def test_every_command_has_help(path: list[str]):
    from typer.testing import CliRunner

    from creditgraph.cli import app

    result = CliRunner().invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output


def test_python_dash_m_works(cli_env: dict[str, str]):
    assert "Usage" in run(["--help"], cli_env).stdout


def test_test_graph_name_is_private():
    assert TEST_GRAPH != "creditgraph"
