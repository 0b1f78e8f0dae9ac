"""docker-compose.yml and the Dockerfile: valid, and safe in the ways that matter.

Validation runs everywhere, without Docker: the file is checked against the Compose
Specification's own JSON schema (vendored in tests/data/compose-spec.json, see the README there),
before and after variable interpolation done the way Compose does it. Where the ``docker compose``
CLI plugin is installed, ``docker compose config`` (which needs no engine) is run as well.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
COMPOSE_FILE = REPO / "docker-compose.yml"
DOCKERFILE = REPO / "Dockerfile"
SCHEMA_FILE = Path(__file__).resolve().parent / "data" / "compose-spec.json"
PASSWORD_VAR = "CREDITGRAPH_NEO4J_PASSWORD"
TEST_PASSWORD = "compose-test-pw-1"


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


# -- Compose variable interpolation, as specified by compose-spec (interpolation.md) ------------

class MissingVariable(Exception):
    pass


_VAR = re.compile(r"\$(?:(?P<escaped>\$)|\{(?P<braced>[^}]*)\}|(?P<named>[A-Za-z_][A-Za-z0-9_]*))")
_BRACED = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>.*))?$", re.DOTALL)


def interpolate(value: Any, env: dict[str, str]) -> Any:
    """Substitute ${VAR}, ${VAR:-x}, ${VAR-x}, ${VAR:?err}, ${VAR?err}, ${VAR:+x} and $$."""
    if isinstance(value, dict):
        return {k: interpolate(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, env) for v in value]
    if not isinstance(value, str):
        return value

    def sub(match: re.Match[str]) -> str:
        if match["escaped"]:
            return "$"
        if match["named"]:
            return env.get(match["named"], "")
        braced = _BRACED.match(match["braced"])
        if not braced:
            raise ValueError(f"invalid interpolation: {match.group(0)!r}")
        name, op, arg = braced["name"], braced["op"], braced["arg"]
        present = name in env
        non_empty = bool(env.get(name))
        if op in (":?", "?"):
            if not (non_empty if op == ":?" else present):
                raise MissingVariable(f"{name}: {arg}")
            return env[name]
        if op in (":-", "-"):
            return env[name] if (non_empty if op == ":-" else present) else interpolate(arg, env)
        if op in (":+", "+"):
            return interpolate(arg, env) if (non_empty if op == ":+" else present) else ""
        return env.get(name, "")

    return _VAR.sub(sub, value)


def test_interpolation_helper_follows_compose_rules() -> None:
    env = {"A": "a", "E": ""}
    assert interpolate("${A}-$A-$$A-${B:-d}-${E:-d}-${E-d}-${A:+x}", env) == "a-a-$A-d-d--x"
    with pytest.raises(MissingVariable, match="E: need it"):
        interpolate("${E:?need it}", env)


# -- schema validation -------------------------------------------------------------------------

def test_vendored_schema_is_a_valid_json_schema(schema: dict[str, Any]) -> None:
    jsonschema.Draft7Validator.check_schema(schema)
    assert schema["title"] == "Compose Specification"


def _validate(document: dict[str, Any], schema: dict[str, Any]) -> None:
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(document), key=str)
    assert not errors, "\n".join(
        f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in errors)


def test_compose_file_matches_the_compose_spec(compose: dict[str, Any],
                                               schema: dict[str, Any]) -> None:
    _validate(compose, schema)


def test_compose_file_matches_the_spec_after_interpolation(compose: dict[str, Any],
                                                           schema: dict[str, Any]) -> None:
    resolved = interpolate(compose, {PASSWORD_VAR: TEST_PASSWORD})
    _validate(resolved, schema)
    assert resolved["services"]["neo4j"]["environment"]["NEO4J_AUTH"] == f"neo4j/{TEST_PASSWORD}"
    assert resolved["services"]["app"]["environment"][PASSWORD_VAR] == TEST_PASSWORD


def test_schema_catches_mistakes(compose: dict[str, Any], schema: dict[str, Any]) -> None:
    # Guards against a schema that accepts anything.
    broken = json.loads(json.dumps(compose))
    broken["services"]["app"]["depends_on"]["neo4j"]["condition"] = "service_ready"
    broken["services"]["neo4j"]["helthcheck"] = broken["services"]["neo4j"].pop("healthcheck")
    errors = list(jsonschema.Draft7Validator(schema).iter_errors(broken))
    assert len(errors) >= 2


def test_compose_refuses_to_start_without_a_password(compose: dict[str, Any]) -> None:
    with pytest.raises(MissingVariable, match=PASSWORD_VAR):
        interpolate(compose, {})
    with pytest.raises(MissingVariable, match=PASSWORD_VAR):
        interpolate(compose, {PASSWORD_VAR: ""})


# -- what matters ------------------------------------------------------------------------------

def test_neo4j_image_is_pinned_to_a_5x_release(compose: dict[str, Any]) -> None:
    image = compose["services"]["neo4j"]["image"]
    # An exact 5.x.y tag (optionally with an OS suffix and/or digest); never latest, 5, or 2025.x.
    assert re.fullmatch(r"neo4j:5\.\d+\.\d+-community(-[a-z0-9]+)?(@sha256:[0-9a-f]{64})?", image), image


def test_neo4j_has_a_healthcheck_and_the_app_waits_for_it(compose: dict[str, Any]) -> None:
    health = compose["services"]["neo4j"]["healthcheck"]
    assert not health.get("disable")
    test = health["test"]
    assert isinstance(test, list) and test[0] in ("CMD", "CMD-SHELL") and len(test) > 1
    assert "7474" in " ".join(test) or "cypher-shell" in " ".join(test)
    assert compose["services"]["app"]["depends_on"]["neo4j"]["condition"] == "service_healthy"


def _published_ports(service: dict[str, Any]) -> list[tuple[str | None, str]]:
    """(host_ip, published) for every port of a service, short or long syntax."""
    out = []
    for port in service.get("ports", []):
        if isinstance(port, dict):
            out.append((port.get("host_ip"), str(port.get("published", port.get("target")))))
            continue
        text = str(port)
        # [HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL]; an IPv6 host IP is in brackets.
        match = re.fullmatch(r"(?:(?P<ip>\[[^\]]+\]|[\d.]+):)?(?:(?P<host>[\d-]+):)?"
                             r"(?P<container>[\d-]+)(?:/\w+)?", text)
        assert match, f"unparsable port {text!r}"
        out.append((match["ip"], match["host"] or match["container"]))
    return out


def test_every_published_port_binds_to_localhost(compose: dict[str, Any]) -> None:
    seen = {}
    for name, service in compose["services"].items():
        for host_ip, published in _published_ports(service):
            assert host_ip == "127.0.0.1", f"{name} publishes {published} on {host_ip or 'all interfaces'}"
            seen[published] = name
    assert seen == {"7474": "neo4j", "7687": "neo4j", "8501": "app"}


def test_passwords_are_never_hard_coded(compose: dict[str, Any]) -> None:
    required = re.compile(r"\$\{" + PASSWORD_VAR + r":\?[^}]*\}")
    neo4j_auth = compose["services"]["neo4j"]["environment"]["NEO4J_AUTH"]
    user, _, secret = neo4j_auth.partition("/")
    assert user == "neo4j"
    assert required.fullmatch(secret), neo4j_auth
    assert required.fullmatch(compose["services"]["app"]["environment"][PASSWORD_VAR])
    # And nothing else in any service looks like a literal secret.
    for name, service in compose["services"].items():
        env = service.get("environment", {})
        items = env.items() if isinstance(env, dict) else (e.partition("=")[::2] for e in env)
        for key, value in items:
            if re.search(r"PASSWORD|AUTH|SECRET|TOKEN", key):
                assert "${" in str(value) and ":-" not in str(value), f"{name}.{key} = {value!r}"
    text = COMPOSE_FILE.read_text(encoding="utf-8")
    assert not re.search(r"neo4j/(?!\$\{)", text), \
        "a literal neo4j/<password> appears in docker-compose.yml"


def test_neo4j_data_lives_on_a_named_volume(compose: dict[str, Any]) -> None:
    volumes = compose["services"]["neo4j"]["volumes"]
    sources = {v.split(":")[0]: v.split(":")[1] for v in volumes if isinstance(v, str)}
    data_volume = next(src for src, target in sources.items() if target == "/data")
    assert data_volume in compose["volumes"]  # named, not a bind mount


def test_app_service_talks_to_the_neo4j_service(compose: dict[str, Any]) -> None:
    app = compose["services"]["app"]
    assert (REPO / app["build"]["context"] / app["build"]["dockerfile"]).is_file()
    env = app["environment"]
    assert env["CREDITGRAPH_DB"] == "bolt://neo4j:7687"
    assert env["CREDITGRAPH_NEO4J_USER"] == "neo4j"  # NEO4J_AUTH only sets up this user
    assert app["command"] == ["creditgraph", "app", "--host", "0.0.0.0"]


def test_dockerfile_builds_the_project_as_a_non_root_user() -> None:
    lines = [line.strip() for line in DOCKERFILE.read_text(encoding="utf-8").splitlines()]
    instructions = [line for line in lines if line and not line.startswith("#")]
    assert instructions[0] == "FROM python:3.11-slim"
    assert any("pip install -c constraints.txt ." in line for line in instructions)
    users = [line.split()[1] for line in instructions if line.startswith("USER ")]
    assert users and users[-1] not in ("root", "0")
    assert any("CREDITGRAPH_DB=bolt://neo4j:7687" in line for line in instructions)
    # Everything the package build needs is copied in, and exists.
    copied = [part for line in instructions if line.startswith("COPY ")
              for part in line.split()[1:-1]]
    for needed in ("pyproject.toml", "constraints.txt", "README.md", "src", "cypher"):
        assert needed in copied
        assert (REPO / needed).exists()


# -- the real Compose CLI, where it is installed -----------------------------------------------

def _compose_cli() -> list[str] | None:
    docker = shutil.which("docker")
    if docker is None:
        return None
    probe = subprocess.run([docker, "compose", "version"], capture_output=True, text=True,
                           timeout=30, check=False)
    return [docker, "compose"] if probe.returncode == 0 else None


def test_docker_compose_config_accepts_the_file() -> None:
    cli = _compose_cli()
    if cli is None:
        pytest.skip("the `docker compose` CLI plugin is not installed here; the file was "
                    "validated against the vendored compose-spec schema instead")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CREDITGRAPH_", "COMPOSE_"))}
    ok = subprocess.run([*cli, "-f", str(COMPOSE_FILE), "config", "--format", "json"],
                        capture_output=True, text=True, timeout=60, check=False,
                        env={**env, PASSWORD_VAR: TEST_PASSWORD})
    assert ok.returncode == 0, ok.stderr
    config = json.loads(ok.stdout)
    ports = {(p.get("host_ip"), str(p["published"])) for s in config["services"].values()
             for p in s.get("ports", [])}
    assert ports == {("127.0.0.1", "7474"), ("127.0.0.1", "7687"), ("127.0.0.1", "8501")}
    missing = subprocess.run([*cli, "-f", str(COMPOSE_FILE), "config"], capture_output=True,
                             text=True, timeout=60, check=False, env=env)
    assert missing.returncode != 0
    assert PASSWORD_VAR in missing.stderr
