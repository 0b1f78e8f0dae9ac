"""The embedded engine's supervision: start on demand, survive kill -9, clean stale state."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from creditgraph.exc import EngineError, EngineUnsupported
from creditgraph.graph.embedded import EmbeddedEngine
from creditgraph.graph.falkordb_backend import FalkorDBBackend


@pytest.fixture()
def private_engine(tmp_path: Path):
    """An engine of its own, for tests that kill or confuse it."""
    engine = EmbeddedEngine(tmp_path / "home")
    yield engine
    engine.stop()


def _listening_tcp_inodes() -> set[str]:
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except FileNotFoundError:
            continue
        for line in lines:
            fields = line.split()
            if fields[3] == "0A":  # LISTEN
                inodes.add(fields[9])
    return inodes


def test_committed_write_survives_kill_9(private_engine: EmbeddedEngine):
    private_engine.ensure_started()
    backend = FalkorDBBackend.over_socket(private_engine, "g")
    backend.write("CREATE (:Probe {v: 1})")
    first_pid = private_engine.running_pid()
    private_engine.kill()
    assert private_engine.running_pid() is None
    # The next read restarts the engine on demand, which replays its append-only file.
    assert backend.read("MATCH (n:Probe) RETURN count(n) AS c") == [{"c": 1}]
    assert private_engine.running_pid() not in (None, first_pid)


@pytest.mark.parametrize("threads, expected", [(1, 1), (0, os.cpu_count())])
def test_omp_threads_setting_reaches_the_engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                threads: int, expected: int):
    from creditgraph import settings

    monkeypatch.setattr(settings, "ENGINE_OMP_THREADS", threads)
    engine = EmbeddedEngine(tmp_path / "home")
    try:
        engine.ensure_started()
        backend = FalkorDBBackend.over_socket(engine, "g")
        reply = backend._db.connection.execute_command("GRAPH.CONFIG", "GET", "OMP_THREAD_COUNT")
    finally:
        engine.stop()
    assert reply == ["OMP_THREAD_COUNT", expected]


def test_listens_on_unix_socket_only(private_engine: EmbeddedEngine):
    if not Path("/proc/net/tcp").exists():
        pytest.skip("needs Linux /proc to list the process's sockets")
    pid = private_engine.ensure_started()
    socket_inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        target = os.readlink(fd)
        if target.startswith("socket:["):
            socket_inodes.add(target[len("socket:["):-1])
    assert socket_inodes, "the engine holds no sockets at all"
    assert not socket_inodes & _listening_tcp_inodes()
    assert private_engine.socket_path.is_socket()
    assert oct(private_engine.socket_path.stat().st_mode & 0o777) == oct(0o700)


def test_stale_pidfile_and_socket_are_cleaned(private_engine: EmbeddedEngine):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    private_engine.dir.mkdir(parents=True)
    private_engine.pidfile.write_text(f"{dead.pid}\n")
    private_engine.socket_path.write_text("not a socket")
    pid = private_engine.ensure_started()
    assert pid != dead.pid
    assert private_engine.is_running()


def test_socket_in_use_by_another_server_is_refused(private_engine: EmbeddedEngine, tmp_path: Path):
    private_engine.ensure_started()
    other = EmbeddedEngine(tmp_path / "other")
    other.dir.mkdir(parents=True)
    other.socket_path.symlink_to(private_engine.socket_path)
    with pytest.raises(EngineError, match="in use"):
        other.ensure_started()


def test_long_home_gets_a_short_socket_path(tmp_path: Path):
    engine = EmbeddedEngine(tmp_path / ("x" * 120))
    assert len(str(engine.socket_path)) <= 100
    assert engine.socket_path != EmbeddedEngine(tmp_path / ("y" * 120)).socket_path


def test_concurrent_starts_share_one_server(tmp_path: Path):
    home = tmp_path / "shared"
    script = textwrap.dedent(f"""
        from creditgraph.graph.embedded import EmbeddedEngine
        print(EmbeddedEngine({str(home)!r}).ensure_started())
    """)
    procs = [subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
             for _ in range(3)]
    pids = {p.communicate(timeout=120)[0].strip() for p in procs}
    try:
        assert all(p.returncode == 0 for p in procs)
        assert len(pids) == 1
    finally:
        EmbeddedEngine(home).stop()


def test_unsupported_platform_points_to_neo4j(monkeypatch: pytest.MonkeyPatch):
    from creditgraph.graph import embedded

    monkeypatch.setattr(embedded.sys, "platform", "win32")
    with pytest.raises(EngineUnsupported) as info:
        embedded.find_binaries()
    line = info.value.one_line()
    assert "win32" in line and "docker compose" in line and "bolt://" in line


def test_stop_when_not_running_says_so(tmp_path: Path):
    assert EmbeddedEngine(tmp_path / "never").stop() is False
