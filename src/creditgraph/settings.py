"""Settings, read once from ``CREDITGRAPH_*`` environment variables and validated at import.

Every setting is a module constant with a comment saying why it exists. ``tests/test_docs.py``
checks that each one is documented in ``docs/settings.md``.
"""

from __future__ import annotations

import os
from pathlib import Path

from creditgraph.exc import ConfigError


def _env_str(name: str, default: str) -> str:
    return os.environ.get(name, default).strip() or default


def _env_int(name: str, default: int, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a whole number") from None
    if value < minimum:
        raise ConfigError(f"{name}={raw!r} must be at least {minimum}")
    return value


def _env_float(name: str, default: float, minimum: float = 0.0) -> float:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number") from None
    if value < minimum:
        raise ConfigError(f"{name}={raw!r} must be at least {minimum}")
    return value


def _env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = _env_str(name, default)
    if value not in choices:
        raise ConfigError(f"{name}={value!r} must be one of: {', '.join(choices)}")
    return value


# Which engine to talk to: "embedded" (a FalkorDB server creditgraph starts itself),
# "falkordb://host:port" (an external FalkorDB), or bolt://, neo4j://, neo4j+s:// for Neo4j 5.
DB = _env_str("CREDITGRAPH_DB", "embedded")

# Where the embedded engine keeps its data, socket, pidfile and log, and where loaders keep
# quarantine files and previous snapshots. Relative paths are taken from the working directory.
HOME = Path(_env_str("CREDITGRAPH_HOME", ".creditgraph"))

# Name of the graph (FalkorDB) or database (Neo4j) that holds the credit graph.
GRAPH = _env_str("CREDITGRAPH_GRAPH", "creditgraph")

# Neo4j database name; Neo4j Community has only "neo4j".
NEO4J_DATABASE = _env_str("CREDITGRAPH_NEO4J_DATABASE", "neo4j")

# Neo4j credentials. Kept out of the URI so they never appear in logs or `db status`.
NEO4J_USER = _env_str("CREDITGRAPH_NEO4J_USER", "neo4j")
NEO4J_PASSWORD = os.environ.get("CREDITGRAPH_NEO4J_PASSWORD", "")

# FalkorDB password for an external server (the embedded one listens on a private socket only).
FALKORDB_PASSWORD = os.environ.get("CREDITGRAPH_FALKORDB_PASSWORD", "")

# Per-query timeout in seconds. Packs run over the whole graph, so a runaway pattern must not
# hold the engine for ever; 0 disables it.
QUERY_TIMEOUT = _env_float("CREDITGRAPH_QUERY_TIMEOUT", 120.0)

# Rows per UNWIND batch for writes: large enough to amortise round trips, small enough that one
# batch stays well inside the engine's query buffer.
BATCH_SIZE = _env_int("CREDITGRAPH_BATCH_SIZE", 5000, minimum=1)

# How a first load into an empty FalkorDB graph writes: "on" builds the graph with GRAPH.BULK
# (binary blobs, several times faster than MERGE batches; see creditgraph.loaders.bulk), "off"
# uses the MERGE statements every other load uses. Neo4j always uses MERGE.
LOAD_BULK = _env_choice("CREDITGRAPH_LOAD_BULK", "on", ("on", "off"))

# How long to wait for the embedded engine to accept commands after start (it replays its
# append-only file first, which takes a while on a large graph).
ENGINE_START_TIMEOUT = _env_float("CREDITGRAPH_ENGINE_START_TIMEOUT", 120.0, minimum=1.0)

# When the embedded engine flushes its append-only file to disk. "everysec" survives a crash of
# the engine process (kill -9) with no loss; "always" also survives a power cut, at a cost in speed.
ENGINE_FSYNC = _env_choice("CREDITGRAPH_ENGINE_FSYNC", "everysec", ("everysec", "always", "no"))

# Memory ceiling for the embedded engine (redis maxmemory syntax, e.g. "8gb"); empty means none.
ENGINE_MAXMEMORY = _env_str("CREDITGRAPH_ENGINE_MAXMEMORY", "")

# OpenMP threads the embedded engine's matrix library (GraphBLAS) may use inside one query; 0
# leaves it to the engine (one per CPU). 1 because on 2 CPUs the extra thread competes with the
# loader and with other queries: no pack query got slower at 1M (blacklist_propagation's median
# 7.6 -> 6.8 s) and a load's engine time did not grow (bench/RESULTS.md). Applied at engine start.
ENGINE_OMP_THREADS = _env_int("CREDITGRAPH_ENGINE_OMP_THREADS", 1)

# Secret key for the keyed hash that turns a resident ID number into a person's pid, so the
# graph never holds the number itself. Every load into one graph must use the same key; the
# default is for demos and tests only.
PID_KEY = _env_str("CREDITGRAPH_PID_KEY", "creditgraph-demo-key-change-me")

# How long the investigator app keeps a query's result (search hits, a profile, a neighbourhood,
# a pack run) before asking the engine again, in seconds. Long enough that moving between pages
# and widgets costs no query; short enough that a new load shows within minutes. 0 disables it.
APP_CACHE_TTL = _env_int("CREDITGRAPH_APP_CACHE_TTL", 600)
