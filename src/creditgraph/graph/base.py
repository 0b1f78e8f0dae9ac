"""The one small interface every part of creditgraph uses to talk to a graph engine.

Rows come back as plain dicts. Nodes become dicts of their properties plus ``_labels``;
relationships become dicts of their properties plus ``_type``; paths become
``{"nodes": [...], "relationships": [...]}``. So a loader, a pack or the app never sees an
engine's own result types, and both engines give the same Python values for the same query.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Row = dict[str, Any]


@dataclass
class WriteSummary:
    """What a write changed, as far as the engine reports it."""

    nodes_created: int = 0
    nodes_deleted: int = 0
    relationships_created: int = 0
    relationships_deleted: int = 0
    properties_set: int = 0
    labels_added: int = 0
    rows: list[Row] = field(default_factory=list)

    def add(self, other: WriteSummary) -> None:
        """Accumulate another summary's counters (rows are not kept across batches)."""
        for name in ("nodes_created", "nodes_deleted", "relationships_created",
                     "relationships_deleted", "properties_set", "labels_added"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def changed(self) -> bool:
        return any((self.nodes_created, self.nodes_deleted, self.relationships_created,
                    self.relationships_deleted, self.properties_set, self.labels_added))


@dataclass(frozen=True)
class SchemaStatement:
    """One statement of a schema file, with where it came from for error messages."""

    text: str
    file: str
    line: int


class GraphBackend(ABC):
    """A graph engine. Reads run read-only at engine level; writes are explicit."""

    #: short name shown to users: "embedded", "falkordb" or "neo4j"
    kind: str = ""
    #: which folder of ``cypher/schema/`` holds this engine's DDL
    schema_dialect: str = ""
    #: whether a first load can build the graph in one go (FalkorDB's GRAPH.BULK; see
    #: creditgraph.loaders.bulk for the methods that come with it)
    supports_bulk: bool = False

    @abstractmethod
    def read(self, cypher: str, params: Mapping[str, Any] | None = None, *,
             timeout: float | None = None) -> list[Row]:
        """Run a read-only statement; the engine refuses it if it writes."""

    @abstractmethod
    def write(self, cypher: str, params: Mapping[str, Any] | None = None, *,
              timeout: float | None = None) -> WriteSummary:
        """Run a statement that may write, in one transaction."""

    def prepare_params(self, params: Mapping[str, Any]) -> Mapping[str, Any]:
        """``params`` in the form ``write`` sends fastest (the embedded engine: as Cypher
        literal text), so that a loader can prepare the next batch while one is written. Only
        ever passed to this backend's ``write``."""
        return params

    def write_batches(self, cypher: str, rows: Iterable[Mapping[str, Any]], *,
                      batch_size: int | None = None, param: str = "rows",
                      extra: Mapping[str, Any] | None = None,
                      timeout: float | None = None) -> WriteSummary:
        """Run ``cypher`` (which must ``UNWIND $rows``) once per batch of ``rows``.

        Each batch is its own transaction, so a statement must be idempotent (MERGE on
        business keys) for an interrupted run to be safely repeated.
        """
        from creditgraph import settings

        size = batch_size or settings.BATCH_SIZE
        total = WriteSummary()
        for batch in chunked(rows, size):
            params = dict(extra or {})
            params[param] = batch
            total.add(self.write(cypher, params, timeout=timeout))
        return total

    @abstractmethod
    def existing_indexes(self) -> set[tuple[str, str]]:
        """(label, property) pairs that already have an index."""

    @abstractmethod
    def apply_schema_statement(self, statement: SchemaStatement) -> bool:
        """Apply one DDL statement; return False when it was already in place."""

    def bootstrap_schema(self, schema_root: Path | None = None) -> list[str]:
        """Apply this engine's DDL from ``cypher/schema/<dialect>/``; safe to repeat.

        Returns the statements that were applied (empty when all were already there).
        """
        from creditgraph.paths import schema_dir

        folder = (schema_root or schema_dir()) / self.schema_dialect
        applied = []
        for statement in read_schema_statements(folder):
            if self.apply_schema_statement(statement):
                applied.append(statement.text)
        return applied

    @abstractmethod
    def clear(self) -> None:
        """Delete every node and relationship (and the graph's indexes where the engine allows)."""

    @abstractmethod
    def ping(self) -> None:
        """Raise EngineUnavailable if the engine cannot answer."""

    @abstractmethod
    def describe(self) -> dict[str, Any]:
        """Facts for ``db status``: address, sizes, version; never credentials."""

    @abstractmethod
    def close(self) -> None:
        """Release connections. The backend must not be used afterwards."""

    def __enter__(self) -> GraphBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def chunked(rows: Iterable[Any], size: int) -> Iterator[list[Any]]:
    """Yield lists of at most ``size`` items, materialising one batch at a time."""
    batch: list[Any] = []
    for row in rows:
        batch.append(dict(row) if isinstance(row, Mapping) else row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


_COMMENT = re.compile(r"^\s*//.*$", re.MULTILINE)


def read_schema_statements(folder: Path) -> list[SchemaStatement]:
    """Split every ``*.cypher`` file of ``folder`` (sorted by name) into statements on ``;``."""
    statements: list[SchemaStatement] = []
    for path in sorted(folder.glob("*.cypher")):
        text = path.read_text(encoding="utf-8")
        line = 1
        for chunk in text.split(";"):
            body = _COMMENT.sub("", chunk).strip()
            if body:
                lead = chunk[: len(chunk) - len(chunk.lstrip())]
                start = line + lead.count("\n")
                # Skip comment lines at the top of the chunk when reporting the line.
                for raw in chunk.lstrip().splitlines():
                    if raw.strip().startswith("//") or not raw.strip():
                        start += 1
                    else:
                        break
                statements.append(SchemaStatement(" ".join(body.split()), path.name, start))
            line += chunk.count("\n")
    return statements


def plain(value: Any) -> Any:
    """Turn engine-neutral containers into plain Python values, recursively."""
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def node_dict(labels: Sequence[str], properties: Mapping[str, Any]) -> Row:
    """The plain form of a node: its properties plus ``_labels``."""
    out = {k: plain(v) for k, v in properties.items()}
    out["_labels"] = sorted(labels)
    return out


def relationship_dict(rel_type: str, properties: Mapping[str, Any]) -> Row:
    """The plain form of a relationship: its properties plus ``_type``."""
    out = {k: plain(v) for k, v in properties.items()}
    out["_type"] = rel_type
    return out
