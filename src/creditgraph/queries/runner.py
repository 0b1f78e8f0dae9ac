"""Run pack queries: bind parameters, run read-only, check the columns.

User input reaches Cypher only as parameters. The one exception the engines force on us, path
bounds (``*1..$k`` is legal on neither), is written into the text only as an integer that
:meth:`Param.convert` has checked against the parameter's ``min`` and ``max``.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from creditgraph.exc import ConfigError, QueryError
from creditgraph.queries.packs import (
    USER_SETTABLE_RUNNER_PARAMETERS,
    PackQuery,
    Param,
    display_path,
)

if TYPE_CHECKING:
    from creditgraph.graph.base import GraphBackend, Row
    from creditgraph.model.schema import Model

__all__ = ["QueryResult", "bind", "run", "runner_parameters"]


@dataclass(frozen=True)
class QueryResult:
    """The rows of one run, how long the engine took, and which query it was."""

    rows: list[Row]
    seconds: float
    query_id: str
    columns: tuple[str, ...] = ()


def runner_parameters(model: Model | None = None, *, through_hubs: bool | None = None) -> dict[str, Any]:
    """The parameters every run may use, computed from the model (see docs/packs.md)."""
    if model is None:
        from creditgraph.model import load_model

        model = load_model()
    return {
        "blacklists": [lt.code for lt in model.list_types() if lt.kind == "blacklist"],
        "redlists": [lt.code for lt in model.list_types() if lt.kind == "redlist"],
        "hub_threshold": model.hubs.degree_threshold,
        "through_hubs": model.hubs.propagate_through_hubs if through_hubs is None else through_hubs,
    }


def _bad(query: PackQuery, name: str, reason: str) -> ConfigError:
    return ConfigError(f"{query.id}: parameter {name}: {reason}",
                       hint=f"`creditgraph packs show {query.id}` lists its parameters")


def bind(query: PackQuery, given: Mapping[str, Any] | None = None, as_of: str | dt.date | None = None,
         *, model: Model | None = None) -> tuple[str, dict[str, Any]]:
    """The Cypher text and parameters for one run of ``query``.

    ``given`` holds the user's values (strings from ``k=v``, JSON values from ``k:=v``, or
    Python values); each is converted and checked by its declared type, and declared
    parameters not given take their defaults. ``as_of`` is the run date that ``today``
    means (default: the real date). Path-bound values replace their literals in the text; the
    model-derived parameters are added when the statement uses them. Only parameters the
    statement uses are returned. Raises ConfigError for an unknown, missing or bad value.
    """
    given = dict(given or {})
    today = _run_date(as_of)

    through_hubs = None
    if "through_hubs" in given and query.param("through_hubs") is None:
        # A runner parameter any run may set, whether or not the query declares it.
        spec = Param(name="through_hubs", type="bool")
        try:
            through_hubs = spec.convert(given.pop("through_hubs"), today=today)
        except ValueError as exc:
            raise _bad(query, "through_hubs", str(exc)) from None
    unknown = sorted(set(given) - {p.name for p in query.parameters})
    if unknown:
        declared = [p.name for p in query.parameters] + list(USER_SETTABLE_RUNNER_PARAMETERS)
        raise ConfigError(f"{query.id}: unknown parameter {unknown[0]!r}",
                          hint=f"it takes: {', '.join(declared)}")

    values: dict[str, Any] = {}
    for param in query.parameters:
        if param.name in given:
            raw = given[param.name]
        elif param.default is not None:
            raw = list(param.default) if isinstance(param.default, tuple) else param.default
        else:
            raise ConfigError(f"{query.id}: parameter {param.name} is required",
                              hint=f"pass --param {param.name}=...")
        try:
            values[param.name] = param.convert(raw, today=today)
        except ValueError as exc:
            raise _bad(query, param.name, str(exc)) from None

    cypher = query.cypher
    # Right to left, so earlier offsets stay valid as lengths change.
    for bound in sorted(query.bounds, key=lambda b: b.start, reverse=True):
        value = values[bound.param]
        # convert() already checked min/max; the int() makes the no-injection rule explicit.
        if not isinstance(value, int) or isinstance(value, bool):
            raise _bad(query, bound.param, "a path bound must be a whole number")
        if bound.lower is not None and value < bound.lower:
            raise _bad(query, bound.param, f"{value} is below the pattern's lower bound {bound.lower}")
        cypher = cypher[:bound.start] + str(int(value)) + cypher[bound.end:]
    cypher = cypher.rstrip()
    if cypher.endswith(";"):
        cypher = cypher[:-1].rstrip()

    params = {name: value for name, value in values.items() if name in query.uses}
    supplied = query.runner_parameters
    if supplied:
        for name, value in runner_parameters(model, through_hubs=through_hubs).items():
            if name in supplied and name not in params:
                params[name] = value
    return cypher, params


def _run_date(as_of: str | dt.date | None) -> dt.date:
    if as_of is None:
        return dt.date.today()
    if isinstance(as_of, dt.datetime):
        return as_of.date()
    if isinstance(as_of, dt.date):
        return as_of
    try:
        if len(as_of.strip()) == 10:
            return dt.date.fromisoformat(as_of.strip())
    except ValueError:
        pass
    raise ConfigError(f"--as-of {as_of!r} is not a date YYYY-MM-DD")


def run(backend: GraphBackend, query: PackQuery, params: Mapping[str, Any] | None = None,
        timeout: float | None = None, *, as_of: str | dt.date | None = None,
        model: Model | None = None) -> QueryResult:
    """Bind ``params`` (the user's values, see :func:`bind`) and run ``query`` read-only.

    The engine itself refuses a write (``backend.read``). ``timeout`` is in seconds (None: the
    ``CREDITGRAPH_QUERY_TIMEOUT`` setting). Engine errors come back as QueryError naming the
    query and its file; so does a result whose columns differ from the header's ``columns``.
    """
    cypher, bound = bind(query, params, as_of, model=model)
    started = time.perf_counter()
    try:
        rows = backend.read(cypher, bound, timeout=timeout)
    except QueryError as exc:
        raise type(exc)(f"{query.id} ({query.location}): {exc.message}", hint=exc.hint) from None
    seconds = time.perf_counter() - started
    check_columns(query, rows)
    return QueryResult(rows=rows, seconds=seconds, query_id=query.id, columns=query.column_names)


def check_columns(query: PackQuery, rows: list[Row]) -> None:
    """Raise QueryError when the rows' columns are not the declared ones, in order.

    An empty result carries no column names through the backend interface, so it passes.
    """
    declared = list(query.column_names)
    for row in rows[:1]:
        returned = list(row)
        if returned != declared:
            raise QueryError(
                f"{display_path(query.path)}:{query.body_line}: {query.id} returned columns "
                f"{', '.join(returned) or '(none)'} but its header declares {', '.join(declared)}",
                hint="make the RETURN clause and the header's columns agree")
