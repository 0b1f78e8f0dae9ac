"""``creditgraph app``: start the investigator app (Streamlit) on this machine."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer

from creditgraph.cli.options import DbOption, HomeOption, open_backend, resolve_db, resolve_home
from creditgraph.exc import ConfigError

MAIN = Path(__file__).resolve().parent.parent / "app" / "main.py"


def streamlit_command(host: str, port: int) -> list[str]:
    """The ``streamlit run`` command line for the app, headless, without telemetry."""
    return [sys.executable, "-m", "streamlit", "run", str(MAIN),
            "--server.address", host, "--server.port", str(port),
            "--server.headless", "true", "--browser.gatherUsageStats", "false",
            "--server.fileWatcherType", "none", "--global.developmentMode", "false",
            "--client.toolbarMode", "minimal", "--theme.base", "light"]


def register(app: typer.Typer) -> None:
    """Add the ``app`` command to ``app``."""

    @app.command("app")
    def run_app(
        port: Annotated[int, typer.Option("--port", help="TCP port to serve on.", min=1, max=65535)] = 8501,
        host: Annotated[str, typer.Option(
            "--host", help="Address to bind; the default serves this machine only.")] = "127.0.0.1",
        db: DbOption = None,
        home: HomeOption = None,
    ) -> None:
        """Start the investigator app (search, subject, network, path, packs, loads) in Streamlit.

        It serves on http://127.0.0.1:8501 by default and reads the engine given by --db / --home
        (or CREDITGRAPH_DB / CREDITGRAPH_HOME); the embedded engine is started first if needed.
        Stop it with Ctrl+C.
        """
        if not MAIN.is_file():
            raise ConfigError(f"the app's entry file is missing: {MAIN}", hint="reinstall creditgraph")
        env = dict(os.environ)
        uri = resolve_db(db)
        if uri:
            env["CREDITGRAPH_DB"] = uri
        folder = resolve_home(home)
        if folder:
            env["CREDITGRAPH_HOME"] = str(Path(folder).resolve())
        # Reach (and for embedded, start) the engine now, so a wrong --db fails here in one line
        # rather than in the browser.
        with open_backend(db, home) as backend:
            backend.ping()
        shown = "localhost" if host in ("127.0.0.1", "::1") else host
        typer.echo(f"creditgraph app: http://{shown}:{port}  (Ctrl+C to stop)", err=True)
        try:
            code = subprocess.call(streamlit_command(host, port), env=env)
        except KeyboardInterrupt:
            code = 0
        raise typer.Exit(code)
