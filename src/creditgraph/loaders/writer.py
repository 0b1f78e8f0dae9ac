"""Write facts to the graph: idempotent, batched ``UNWIND $rows`` upserts and closings.

The statements are generated from the facts' labels and relationship types, which come from the
model (validated identifiers), never from input data; every value travels as a parameter. Each
batch is its own transaction and every statement is idempotent (MERGE on business keys), so a
batch that fails because the engine died is simply sent again, and a load interrupted at any
point and run again ends with the same graph.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable
from functools import cache

from creditgraph import settings
from creditgraph.exc import EngineError, EngineUnavailable
from creditgraph.graph.base import GraphBackend
from creditgraph.loaders.sender import Sender
from creditgraph.loaders.tables import Fact, NodeFact, NodeRef

_RETRIES = 3
# After this many batches resent in the MERGE form, a load stops expecting endpoints to exist.
MATCH_KNOWN_MAX_RESENT = 4


def _labels(ref_labels: tuple[str, ...]) -> str:
    return "".join(f":{label}" for label in ref_labels)


def _merge_endpoint(var: str, labels: tuple[str, ...], key: str, row_key: str) -> str:
    """MERGE an endpoint with its full label set, as its own node row would.

    Matching on the first label only and adding the others with ``ON CREATE SET`` is faster,
    but at a million nodes FalkorDB 4.16 then fails to find such a node by its full label set
    (a later ``MERGE (n:Subject:Organisation {sid})`` created a duplicate and broke the unique
    constraint), so every statement names a node exactly the same way.
    """
    return (f"MERGE ({var}{_labels(labels)} {{{key}: row.{row_key}}}) "
            f"ON CREATE SET {var} += row.{row_key}c, {var} += $prov, {var}.first_seen = $as_of ")


@cache
def node_upsert(labels: tuple[str, ...], key: str) -> str:
    """MERGE a node on its key; properties in ``row.p`` (null removes), ``row.c`` only when new.

    (A shared node, an Address or a Phone, has no fact of its own: the relationship that names
    it makes it, see ``tables.facts_of``.)
    """
    return (f"UNWIND $rows AS row MERGE (n{_labels(labels)} {{{key}: row.k}}) "
            f"ON CREATE SET n += row.c, n.first_seen = $as_of "
            f"SET n += row.p, n += $prov, n.valid_to = null")


@cache
def rel_upsert(rel_type: str, start: tuple[tuple[str, ...], str], end: tuple[tuple[str, ...], str],
               key_names: tuple[str, ...], has_props: bool = True, create: bool = False,
               match_known: bool = False) -> str:
    """MERGE both endpoints (as stubs if new) and the relationship between them.

    ``create`` is for a first load into an empty graph, where no relationship can exist yet:
    CREATE is much cheaper than MERGE there (the loader never uses it when a retry could
    repeat a batch).

    ``match_known`` finds each multi-label endpoint (a Subject) with MATCH on its first label's
    unique key instead of MERGE on its full label set, and returns how many rows it wrote, so
    that a batch in which an endpoint was missing can be sent again in the MERGE form. The key
    is unique among Subjects, so MATCH finds the node the MERGE would; FalkorDB's check of the
    second label is what costs (1M graph: ~40 us a row with it, ~24 us without).
    """
    rel_key = ""
    if key_names:
        rel_key = " {" + ", ".join(f"{name}: row.r{i}" for i, name in enumerate(key_names)) + "}"
    ends = (("a", start), ("b", end))
    matched = [(v, e) for v, e in ends if match_known and len(e[0]) > 1]
    merged = [(v, e) for v, e in ends if (v, e) not in matched]
    # MATCH clauses first: Cypher wants a WITH between a MERGE and a later MATCH.
    text = ("UNWIND $rows AS row "
            + "".join(f"MATCH ({v}:{e[0][0]} {{{e[1]}: row.{v}}}) " for v, e in matched)
            + "".join(_merge_endpoint(v, e[0], e[1], v) for v, e in merged))
    props = "r += row.p, " if has_props else ""
    if create:
        return text + f"CREATE (a)-[r:{rel_type}{rel_key}]->(b) SET {props}r += $prov, r.first_seen = $as_of"
    text += (f"MERGE (a)-[r:{rel_type}{rel_key}]->(b) ON CREATE SET r.first_seen = $as_of "
             f"SET {props}r += $prov, r.valid_to = null")
    return text + " RETURN count(*) AS written" if matched else text


@cache
def node_close(labels: tuple[str, ...], key: str) -> str:
    """Close a node that a newer full snapshot no longer holds (history, not deletion)."""
    return (f"UNWIND $rows AS row MATCH (n{_labels(labels)} {{{key}: row.k}}) "
            "WHERE n.valid_to IS NULL SET n.valid_to = $as_of, n += row.p")


@cache
def rel_close(rel_type: str, start: tuple[tuple[str, ...], str], end: tuple[tuple[str, ...], str],
              key_names: tuple[str, ...]) -> str:
    """Close a relationship that a newer full snapshot no longer holds."""
    cond = "".join(f" AND r.{name} = row.r{i}" for i, name in enumerate(key_names))
    return (f"UNWIND $rows AS row MATCH (a{_labels(start[0][:1])} {{{start[1]}: row.a}})"
            f"-[r:{rel_type}]->(b{_labels(end[0][:1])} {{{end[1]}: row.b}}) "
            f"WHERE r.valid_to IS NULL{cond} SET r.valid_to = $as_of")


def fact_name(fact: Fact) -> str:
    """The label or relationship type a fact is counted under in reports."""
    if isinstance(fact, NodeFact):
        return fact.ref.labels[-1]
    return fact.type


class FactWriter:
    """Batches facts per statement and sends them from a background thread.

    Reading and normalising (this process, one core) overlaps with the engine's writing (its own
    process, the other core). ``close()`` flushes and waits; an error in the writer thread is
    raised in the caller at the next call.
    """

    def __init__(self, backend: GraphBackend, *, source: str, as_of: str, run_id: str,
                 batch_size: int | None = None, on_written=None, create: bool = False) -> None:
        self.backend = backend
        #: CREATE new relationships instead of MERGE (a first load into an empty graph)
        self.create = create
        self._create_variant: dict[str, str] = {}
        self.batch_size = batch_size or settings.BATCH_SIZE
        self.prov = {"source": source, "as_of": as_of, "last_seen": as_of, "load_run": run_id}
        self.params = {"as_of": as_of, "prov": self.prov}
        self._pending: dict[str, list[dict]] = defaultdict(list)
        # Room for a table's part-filled batches (end_table sends one per statement kind), so
        # that the loader reads on while the engine writes them: with 4 it waited at each
        # table's end (an incremental load at 100k: 2.4-3.1 s -> 1.9-2.0 s). At most 16
        # batches of batch_size rows are held.
        self._on_written = on_written
        self.statements = 0
        self.retries = 0
        # A relationship's Subject endpoints are expected to exist (written by an earlier load,
        # or by this one: batches are written in the order they are sent, and node batches are
        # sent before any relationship batch that could name them, see _send), so they are found
        # with MATCH (rel_upsert's match_known). A batch that misses one (a subject no load has
        # written: a stub) is sent again in the MERGE form (``_merge_form``); a load that misses
        # often (a new source whose relationships name unseen subjects) goes back to MERGE.
        self._match_known = not create
        self._merge_form: dict[str, str] = {}
        self._node_statements: set[str] = set()
        self.resent = 0
        # Two stages: one thread turns a batch into what the engine reads (for the embedded
        # engine, Cypher literal text: ~15 us a row), the other sends it. With one thread the
        # engine waited idle while the next batch was prepared, some 3 s of an incremental load
        # of a million enterprises.
        self._sender = Sender(self._write_job, maxsize=2, name="creditgraph-writer")
        self._prepare = Sender(self._prepare_job, maxsize=16, name="creditgraph-prepare")

    # -- producer side -----------------------------------------------------------------------

    def begin_table(self, table: str) -> None:
        """Facts of ``table`` follow (statements do not depend on it)."""

    def end_table(self, table: str) -> None:
        """``table`` is done: send its part-filled batches, so that the engine writes them while
        the next table is read (an incremental load's few changes would otherwise all wait for
        the end) and statements reach the engine in table order."""
        self.flush()

    def upsert(self, facts: Iterable[Fact]) -> None:
        """Queue facts to be created or updated."""
        for fact in facts:
            if isinstance(fact, NodeFact):
                cypher = node_upsert(fact.ref.labels, fact.ref.key)
                self._node_statements.add(cypher)
                row = {"k": fact.ref.value, "c": dict(fact.ref.on_create), "p": dict(fact.props)}
            else:
                start, end = fact.start, fact.end
                ends = ((start.labels, start.key), (end.labels, end.key))
                keys = tuple(k for k, _ in fact.key)
                cypher = rel_upsert(fact.type, *ends, keys, has_props=bool(fact.props))
                if self._match_known and (len(start.labels) > 1 or len(end.labels) > 1):
                    merge_form = cypher
                    cypher = rel_upsert(fact.type, *ends, keys, has_props=bool(fact.props),
                                        match_known=True)
                    self._merge_form[cypher] = merge_form
                elif self.create:
                    self._create_variant[cypher] = rel_upsert(
                        fact.type, *ends, keys, has_props=bool(fact.props), create=True)
                row = {"a": fact.start.value, "ac": dict(fact.start.on_create),
                       "b": fact.end.value, "bc": dict(fact.end.on_create)}
                if fact.props:
                    row["p"] = dict(fact.props)
                for i, (_, value) in enumerate(fact.key):
                    row[f"r{i}"] = value
            self._add(cypher, row)

    def close_facts(self, facts: Iterable[Fact], extra: dict[str, dict] | None = None) -> None:
        """Queue facts to get valid_to (and, for nodes, the props in ``extra[key]``)."""
        for fact in facts:
            if isinstance(fact, NodeFact):
                cypher = node_close(fact.ref.labels, fact.ref.key)
                row = {"k": fact.ref.value, "p": (extra or {}).get(fact.ref.value, {})}
            else:
                cypher = rel_close(fact.type, (fact.start.labels, fact.start.key),
                                   (fact.end.labels, fact.end.key), tuple(k for k, _ in fact.key))
                row = {"a": fact.start.value, "b": fact.end.value}
                for i, (_, value) in enumerate(fact.key):
                    row[f"r{i}"] = value
            self._add(cypher, row)

    def _add(self, cypher: str, row: dict) -> None:
        rows = self._pending[cypher]
        rows.append(row)
        if len(rows) >= self.batch_size:
            self._send(cypher, self._pending.pop(cypher))

    def flush(self) -> None:
        """Send every partly filled batch."""
        for cypher in list(self._pending):
            rows = self._pending.pop(cypher, None)  # _send may have sent it already
            if rows:
                self._send(cypher, rows)

    def _send(self, cypher: str, rows: list[dict]) -> None:
        if cypher in self._merge_form:
            # Its subjects may be in node batches not sent yet: those go first, so that MATCH
            # finds them (the threads write batches in the order they were sent).
            for node in [c for c in self._pending if c in self._node_statements]:
                self._prepare.put((node, self._pending.pop(node)))
        self._prepare.put((cypher, rows))

    def flush_if_idle(self) -> None:
        """Send the partly filled batches if the engine has nothing to do: an incremental
        load's few changes then reach it as they are found, not only when a batch fills."""
        if self._pending and self._prepare.idle() and self._sender.idle():
            self.flush()

    def close(self) -> None:
        """Flush, wait for the writer threads, and raise their error if they had one."""
        try:
            self.flush()
        finally:
            self._prepare.join()
            self._sender.join()
        self._prepare.raise_if_failed()
        self._sender.raise_if_failed()

    def abort(self) -> None:
        """Stop the writer threads without flushing (after an error on the producer side)."""
        self._pending.clear()
        self._prepare.stop(timeout=60)
        self._sender.stop(timeout=60)

    # -- writer threads ----------------------------------------------------------------------

    def _prepare_job(self, job: tuple[str, list[dict]]) -> None:
        cypher, rows = job
        params = self.backend.prepare_params(dict(self.params, rows=rows))
        self._sender.put((cypher, params, len(rows)))  # raises the writer thread's error

    def _write_job(self, job: tuple[str, dict, int]) -> None:
        self._write(*job)

    def _write(self, cypher: str, params: dict, rows: int) -> None:
        for attempt in range(_RETRIES + 1):
            text = self._create_variant.get(cypher, cypher) if self.create else cypher
            try:
                summary = self.backend.write(text, params, timeout=0)
                self.statements += 1
                merge_form = self._merge_form.get(cypher)
                if merge_form is not None and summary.rows[0]["written"] < rows:
                    # An endpoint expected to exist did not: the same rows in the MERGE form
                    # (idempotent, so the rows already written are only found again).
                    self.backend.write(merge_form, params, timeout=0)
                    self.statements += 1
                    self.resent += 1
                    if self.resent >= MATCH_KNOWN_MAX_RESENT:
                        self._match_known = False
                if self._on_written:
                    self._on_written(rows)
                return
            except EngineUnavailable:
                # Every MERGE statement is idempotent, so once the engine is back the same batch
                # is sent again. Whether a CREATE batch was applied before the engine died is
                # unknown, so from here on relationships are MERGEd: that finds them if it was.
                if attempt == _RETRIES:
                    raise
                self.create = False
                self.retries += 1
                time.sleep(0.5 * (attempt + 1))
                engine = getattr(self.backend, "_engine", None)
                if engine is not None:
                    try:
                        engine.ensure_started()
                    except EngineError:
                        continue


def all_statements_for_linting() -> list[str]:
    """Every statement the loader can send, for the Cypher linter test."""
    from creditgraph.model import load_model

    model = load_model()
    out = []
    subject = ("Subject",)
    for label in model.labels():
        labels = subject + (label,) if label in model.subject_labels() else (label,)
        key = "sid" if label in model.subject_labels() else model.key_of(label)
        out += [node_upsert(labels, key), node_close(labels, key)]
    ref = (("Subject", "Enterprise"), "sid")
    for rel in model.relationship_types():
        keys = tuple(model.relationship(rel).key)
        out += [rel_upsert(rel, ref, (("Department",), "code"), keys),
                rel_upsert(rel, ref, (("Subject", "Person"), "sid"), keys, match_known=True),
                rel_upsert(rel, ref, (("Address",), "key"), keys, match_known=True),
                rel_upsert(rel, ref, (("Region",), "code"), keys, has_props=False, create=True),
                rel_close(rel, ref, (("Subject",), "sid"), keys)]
    return out


__all__ = ["FactWriter", "NodeRef", "all_statements_for_linting", "fact_name"]
