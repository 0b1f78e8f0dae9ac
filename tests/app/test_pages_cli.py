"""``creditgraph app``: help works, an unreachable engine fails in one line before Streamlit starts."""

from __future__ import annotations

import os
import subprocess
import sys

from creditgraph.cli.app_cmd import MAIN, streamlit_command


def test_app_command_binds_localhost_by_default():
    cmd = streamlit_command("127.0.0.1", 8765)
    assert cmd[cmd.index("--server.address") + 1] == "127.0.0.1"
    assert cmd[cmd.index("--server.port") + 1] == "8765"
    assert cmd[cmd.index("--browser.gatherUsageStats") + 1] == "false"
    assert str(MAIN) in cmd and MAIN.is_file()


def test_app_command_reports_an_unreachable_engine_in_one_line(tmp_path):
    env = dict(os.environ, CREDITGRAPH_HOME=str(tmp_path))
    proc = subprocess.run([sys.executable, "-m", "creditgraph", "app", "--db", "falkordb://127.0.0.1:1",
                           "--port", "8799"], check=False, env=env, text=True, capture_output=True,
                          timeout=60)
    assert proc.returncode == 3
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "cannot reach FalkorDB" in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr
