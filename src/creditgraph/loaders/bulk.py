"""First load into an empty FalkorDB graph: build it with ``GRAPH.BULK`` instead of MERGE batches.

A ``MERGE`` costs the engine a key lookup per endpoint and per node, some 40 us per input row;
``GRAPH.BULK`` takes nodes and edges as binary blobs (``docs.falkordb.com/design/bulk-spec``)
and only appends them. It can only *create* a graph, so the loader uses it when the target
graph holds nothing but load records, and the result must be the graph the MERGE statements
of :mod:`creditgraph.loaders.writer` would have built from the same facts, in the same order:

* a node's properties are folded from its facts as the statements would set them: the
  ``on_create`` properties of whichever fact met it first, then its own row's properties
  (a null removes), then the provenance and ``first_seen``;
* a node first met as an endpoint (a stub) whose own table comes later, or is the table
  being read, is held back until that table is done, because its row may still come;
* every relationship fact is one new relationship (the first load CREATEs them too).

Node ids in ``GRAPH.BULK`` are the order of creation, so nodes get a provisional number when
they are met and their engine id when the blob holding them is sent; relationships are
encoded only then.

Crash safety: the graph is built under a scratch key (``<graph>.bulk.<source>``) and swapped
in with ``RENAME`` (atomic; it replaces the target, whose load records are copied in first)
only when complete; indexes and constraints are created afterwards. A failed or killed build
leaves the target as it was and the diff state uncommitted; the scratch key of a killed
build is dropped by the next load of the same source (the per-source lock makes it stale).
Anything the bulk build cannot express (a node's row arriving after the node was sent, a
closing, a node of a label set whose ids were already dropped) is written afterwards through
the ordinary MERGE writer, in order.

Memory: one dict entry per node (about 150 bytes); the ids of shared nodes (addresses, phones)
and list entries are dropped after the last table that can name them (``LAST_TABLE``).

One difference from the MERGE batches, on purpose: when two rows create the same shared node
with different ``on_create`` values (two spellings of one address), the first row's win.
FalkorDB 4.16 applies ``ON CREATE SET`` for every row of an ``UNWIND`` batch that names a node
the batch creates, so there the last row of the first such batch wins, which depends on the
batch size.
"""

from __future__ import annotations

import math
import struct
from array import array
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from functools import cache

from creditgraph.exc import EngineError
from creditgraph.loaders.sender import Sender
from creditgraph.loaders.tables import (
    LAST_TABLE,
    NODE_TABLES,
    TABLE_ORDER,
    Fact,
    NodeRef,
    RelFact,
)

#: bytes of blobs per GRAPH.BULK call: far below the engine's 512 MB argument and 1 GB query
#: limits. The engine's work per call grows with the graph, so fewer, larger calls cost it less:
#: at 1M enterprises 16 MB calls (118) took 100 s of engine CPU, 48 MB calls (40) 59 s, for
#: about 150 MB more in flight in the loader (bench/RESULTS.md)
CALL_BYTES = 48 << 20

_PACK_D = struct.Struct("<d").pack
_PACK_Q = struct.Struct("<q").pack
_PACK_QQ = struct.Struct("<QQ").pack
_PACK_I = struct.Struct("<I").pack
_NULL = b"\x00"
_TRUE = b"\x01\x01"
_FALSE = b"\x01\x00"
_ORDER = {t: i for i, t in enumerate(TABLE_ORDER)}


def encode_value(value: object) -> bytes:
    """One property in the GRAPH.BULK binary form (type byte, then the value).

    The same values the MERGE writer sends as Cypher literals: NaN and infinities have no
    literal there and become null; a string ends at its first NUL, as FalkorDB's C strings do.
    """
    kind = type(value)
    if kind is str:
        data = value.encode()
        if b"\x00" in data:
            data = data[:data.index(b"\x00")]
        return b"\x03" + data + b"\x00"
    if value is None:
        return _NULL
    if kind is bool:
        return _TRUE if value else _FALSE
    if kind is float:
        return _NULL if math.isnan(value) or math.isinf(value) else b"\x02" + _PACK_D(value)
    if kind is int:
        return b"\x04" + _PACK_Q(value)
    if isinstance(value, (list, tuple)):
        return b"\x05" + _PACK_Q(len(value)) + b"".join(encode_value(v) for v in value)
    for base in (bool, int, float, str):  # numpy scalars, enums
        if isinstance(value, base):
            return encode_value(base(value))
    if hasattr(value, "item"):
        return encode_value(value.item())
    return encode_value(str(value))


def _encode(value: object) -> bytes:
    # The common case (a string without NUL) without the type dispatch of encode_value.
    if type(value) is str and "\x00" not in value:
        return b"\x03" + value.encode() + b"\x00"
    return encode_value(value)


def _created_props(ref: NodeRef, pairs: tuple[tuple[str, object], ...] = ()) -> dict:
    """What MERGE ... ON CREATE SET n += c, then SET n += p gives a new node (provenance comes
    with the blob's tail): the key, the non-null ``on_create`` values, then ``pairs`` (a null
    removes)."""
    props = {ref.key: ref.value}
    for name, value in ref.on_create:
        if value is not None:
            props[name] = value
    for name, value in pairs:
        if value is None:
            props.pop(name, None)
        else:
            props[name] = value
    return props


def _edge_encoding(key: tuple[tuple[str, object], ...], props: tuple[tuple[str, object], ...]
                   ) -> tuple[tuple[str, ...], bytes]:
    """A relationship's property names and encoded values: its key, then its other properties
    (the two are disjoint, see tables._rel_other), nulls left out."""
    names: list[str] = []
    parts: list[bytes] = []
    for pairs in (key, props):
        for name, value in pairs:
            if value is not None:
                names.append(name)
                parts.append(_encode(value))
    return tuple(names), b"".join(parts)


@cache
def _label_text(labels: tuple[str, ...]) -> str:
    return ":".join(labels)


def _header(name: str, props: tuple[str, ...]) -> bytes:
    return (name.encode() + b"\x00" + _PACK_I(len(props))
            + b"".join(p.encode() + b"\x00" for p in props))


class _Blobs:
    """Encoded entities waiting for the next call, one list per (label set or type, properties).

    Every entity ends with the same properties (provenance and first_seen), encoded once.
    """

    def __init__(self, tail: dict[str, object]) -> None:
        self.nodes: dict[tuple[str, tuple[str, ...]], tuple[list[int], list[bytes]]] = {}
        self.edges: dict[tuple[str, tuple[str, ...]], tuple[array, array, list[bytes]]] = {}
        #: the same groups by their properties without the tail (add_edge_encoded)
        self._edge_groups: dict[tuple[str, tuple[str, ...]], tuple[array, array, list[bytes]]] = {}
        self.tail_names = tuple(tail)
        self.tail = b"".join(encode_value(v) for v in tail.values())
        self.size = 0
        self.node_count = 0
        self.edge_count = 0

    def add_node(self, vid: int, labels: str, props: dict, *, tail: bool = True) -> None:
        names = tuple(props) + self.tail_names if tail else tuple(props)
        group = self.nodes.get((labels, names))
        if group is None:
            group = self.nodes[(labels, names)] = ([], [])
        # _encode inlined for the common case, a string: a call per value cost more than the
        # encoding (some 28M values in a first load of a million enterprises)
        data = b"".join([b"\x03" + v.encode() + b"\x00" if type(v) is str and "\x00" not in v
                         else encode_value(v) for v in props.values()])
        if tail:
            data += self.tail
        group[0].append(vid)
        group[1].append(data)
        self.size += len(data) + 8
        self.node_count += 1

    def add_edge_encoded(self, rel_type: str, src: int, dst: int, names: tuple[str, ...],
                         data: bytes) -> None:
        """A relationship with its property names and encoded values (_edge_encoding)."""
        key = (rel_type, names)
        group = self._edge_groups.get(key)
        if group is None:
            full = (rel_type, names + self.tail_names)
            group = self.edges.get(full)
            if group is None:
                group = self.edges[full] = (array("q"), array("q"), [])
            self._edge_groups[key] = group
        data += self.tail
        group[0].append(src)
        group[1].append(dst)
        group[2].append(data)
        self.size += len(data) + 16
        self.edge_count += 1


class BulkWriter:
    """Collects a first load's facts and builds the graph with GRAPH.BULK (see the module doc).

    Same interface as :class:`creditgraph.loaders.writer.FactWriter`, plus ``begin_table`` and
    ``end_table``, which the loader calls around each canonical table.
    """

    def __init__(self, backend, *, source: str, as_of: str, run_id: str, on_written=None,
                 batch_size: int | None = None, call_bytes: int | None = None) -> None:
        self.backend = backend
        self.source, self.as_of, self.run_id = source, as_of, run_id
        self.batch_size = batch_size
        self.prov = {"source": source, "as_of": as_of, "last_seen": as_of, "load_run": run_id}
        #: what every new node and relationship gets last: SET += $prov, first_seen = $as_of
        self._tail = dict(self.prov, first_seen=as_of)
        self.scratch = backend.bulk_scratch_key(source)
        self.call_bytes = call_bytes or CALL_BYTES
        self.create = True
        self.statements = 0
        self.retries = 0
        self.resent = 0
        self._on_written = on_written
        #: (labels, key property) -> key value -> provisional node number
        self._ids: defaultdict[tuple[tuple[str, ...], str], dict[object, int]] = defaultdict(dict)
        #: provisional number -> engine id (-1 until its blob is sent)
        self._real = array("q")
        #: nodes held back until their own table is read: number -> (labels, props)
        self._held: dict[int, tuple[tuple[str, ...], dict]] = {}
        #: relationships with a held endpoint: (type, start, end, property names, encoded values)
        self._held_edges: list[tuple[str, int, int, tuple[str, ...], bytes]] = []
        #: (kind, facts, extra) to write with MERGE statements after the swap, in order
        self._after: list[tuple[str, list[Fact], dict | None]] = []
        self._blobs = _Blobs(self._tail)
        #: label sets no later table names (LAST_TABLE): their ids are forgotten
        self._retired: set[tuple[str, ...]] = set()
        self._table_index = -1
        self._sent_nodes = 0
        self._begun = False
        self._closed = False
        backend.drop_graph(self.scratch)  # a killed build of this source left it
        self._sender = Sender(self._insert, maxsize=1, name="creditgraph-bulk")

    # -- tables ------------------------------------------------------------------------------

    def begin_table(self, table: str) -> None:
        """Facts of ``table`` follow."""
        self._table_index = _ORDER[table]

    def end_table(self, table: str) -> None:
        """``table`` is done: nodes held back for it are final now."""
        done = _ORDER[table]
        release = [vid for vid, (labels, _) in self._held.items()
                   if _ORDER.get(NODE_TABLES.get(labels, ""), -1) <= done]
        for vid in release:
            labels, props = self._held.pop(vid)
            self._blobs.add_node(vid, ":".join(labels), props)
        if release:
            waiting = []
            for edge in self._held_edges:
                if edge[1] in self._held or edge[2] in self._held:
                    waiting.append(edge)
                else:
                    self._blobs.add_edge_encoded(*edge)
            self._held_edges = waiting
        for labels, last in LAST_TABLE.items():
            if _ORDER[last] <= done and labels not in self._retired:
                self._retired.add(labels)
                for ids_key in [k for k in self._ids if k[0] == labels]:
                    del self._ids[ids_key]
        self._maybe_send()

    # -- facts -------------------------------------------------------------------------------

    def _node(self, ref: NodeRef) -> tuple[int, bool]:
        """The provisional number of ``ref``'s node, and whether this fact created it."""
        ids = self._ids[(ref.labels, ref.key)]
        vid = ids.get(ref.value)
        if vid is not None:
            return vid, False
        vid = len(self._real)
        self._real.append(-1)
        ids[ref.value] = vid
        return vid, True

    def _stub(self, ref: NodeRef) -> int:
        """A node met as an endpoint or as a shared node (created with ``on_create`` only)."""
        ids = self._ids[(ref.labels, ref.key)]
        vid = ids.get(ref.value)
        if vid is not None:
            return vid
        vid = len(self._real)
        self._real.append(-1)
        ids[ref.value] = vid
        owner = NODE_TABLES.get(ref.labels)
        props = _created_props(ref)
        if owner is not None and _ORDER[owner] >= self._table_index:
            self._held[vid] = (ref.labels, props)
        else:
            self._blobs.add_node(vid, _label_text(ref.labels), props)
        return vid

    def upsert(self, facts: Iterable[Fact]) -> None:
        """Add facts to the graph being built."""
        self._sender.raise_if_failed()
        retired = self._retired
        held = self._held
        stub = self._stub
        for fact in facts:
            if type(fact) is RelFact:
                # The common case (most input rows are relationships), kept short.
                if retired and (fact.start.labels in retired or fact.end.labels in retired):
                    # Not expected (LAST_TABLE says no later table names these), but if one
                    # does, the MERGE writer finds the node after the swap, not a twin.
                    self._after.append(("upsert", [fact], None))
                    continue
                start = stub(fact.start)
                end = stub(fact.end)
                names, data = _edge_encoding(fact.key, fact.props)
                if held and (start in held or end in held):
                    self._held_edges.append((fact.type, start, end, names, data))
                else:
                    self._blobs.add_edge_encoded(fact.type, start, end, names, data)
                continue
            ref = fact.ref
            if retired and ref.labels in retired:
                self._after.append(("upsert", [fact], None))
                continue
            vid, created = self._node(ref)
            if created:
                props = _created_props(ref, fact.props)
            elif vid in held:
                props = held.pop(vid)[1]
                for name, value in fact.props:
                    if value is None:
                        props.pop(name, None)
                    else:
                        props[name] = value
            else:
                # Its node was sent already: the MERGE writer sets the row afterwards.
                self._after.append(("upsert", [fact], None))
                continue
            self._blobs.add_node(vid, _label_text(ref.labels), props)
        self._maybe_send()

    def add_edges(self, rel_type: str, label_sets: Sequence[tuple[str, ...]],
                  start_labels: Sequence[int], start_values: Sequence[str],
                  end_labels: Sequence[int], end_values: Sequence[str],
                  names: Sequence[tuple[str, ...]], data: Sequence[bytes],
                  ref: Callable[[int, int], NodeRef]) -> None:
        """Relationships given column by column (``loaders.columnar``): what ``upsert`` does
        with their RelFacts. Endpoints are subjects by ``sid``: a label set (an index into
        ``label_sets``) and a key value; one not met before is made from ``ref(i, side)``."""
        self._sender.raise_if_failed()
        if self._retired & set(label_sets):
            raise AssertionError("subjects are never retired (LAST_TABLE)")
        maps = [self._ids[(labels, "sid")] for labels in label_sets]
        held = self._held
        add = self._blobs.add_edge_encoded
        for i, (sl, sv, el, ev, nm, d) in enumerate(zip(start_labels, start_values, end_labels,
                                                         end_values, names, data)):
            start = maps[sl].get(sv)
            if start is None:
                start = self._stub(ref(i, 0))
            end = maps[el].get(ev)
            if end is None:
                end = self._stub(ref(i, 1))
            if held and (start in held or end in held):
                self._held_edges.append((rel_type, start, end, nm, d))
            else:
                add(rel_type, start, end, nm, d)
        self._maybe_send()

    def close_facts(self, facts: Iterable[Fact], extra: dict[str, dict] | None = None) -> None:
        """Closings (rare in a first load) are written with MERGE statements after the swap."""
        facts = list(facts)
        if facts:
            self._after.append(("close", facts, extra))

    # -- sending -----------------------------------------------------------------------------

    def _maybe_send(self) -> None:
        if self._blobs.size >= self.call_bytes:
            self._send_blobs()

    def _send_blobs(self, extra_nodes: list[tuple[str, dict]] = ()) -> None:
        blobs, self._blobs = self._blobs, _Blobs(self._tail)
        for labels, props in extra_nodes:
            blobs.add_node(-1, labels, props, tail=False)
        if not blobs.node_count and not blobs.edge_count:
            return
        node_args: list[bytes] = []
        real = self._real
        next_id = self._sent_nodes
        for (labels, names), (vids, datas) in blobs.nodes.items():
            for vid in vids:
                if vid >= 0:
                    real[vid] = next_id
                next_id += 1
            node_args.append(_header(labels, names) + b"".join(datas))
        self._sent_nodes = next_id
        edge_args: list[bytes] = []
        for (rel_type, names), (starts, ends, datas) in blobs.edges.items():
            parts = [_header(rel_type, names)]
            for s, e, data in zip(starts, ends, datas):
                parts.append(_PACK_QQ(real[s], real[e]))
                parts.append(data)
            edge_args.append(b"".join(parts))
        begin = not self._begun
        self._begun = True
        self._sender.put((begin, blobs.node_count, blobs.edge_count, node_args, edge_args))

    def _insert(self, job: tuple) -> None:
        """One GRAPH.BULK call (in the sender's thread)."""
        begin, nodes, edges, node_args, edge_args = job
        self.backend.bulk_insert(self.scratch, nodes, edges, node_args, edge_args, begin=begin)
        if begin:
            # Indexes and constraints made now are kept up to date by the engine while this
            # process prepares the next blobs, instead of built at the end.
            self.backend.sibling(self.scratch).bootstrap_schema()
        self.statements += 1
        if self._on_written:
            self._on_written(nodes + edges)

    # -- the end -----------------------------------------------------------------------------

    def flush(self) -> None:
        """Nothing to do: blobs are sent when full and at ``close()``."""

    def flush_if_idle(self) -> None:
        """Nothing to do (see flush)."""

    def close(self) -> None:
        """Send the rest, swap the new graph in, create the schema, write what is left."""
        if self._closed:
            return
        self._closed = True
        for vid, (labels, props) in list(self._held.items()):
            self._blobs.add_node(vid, ":".join(labels), props)
        self._held.clear()
        for edge in self._held_edges:
            self._blobs.add_edge_encoded(*edge)
        self._held_edges = []
        # The load records (this run's among them) move into the new graph with it.
        target = self.backend
        if not target.graph_holds_only_load_runs():
            self.abort()
            raise EngineError(f"graph {target.graph_name!r} was written to during this first load",
                              hint="run the load again (it then merges into what is there)")
        runs = [("LoadRun", props) for props in target.load_run_records()]
        self._send_blobs(runs)
        self._sender.join()
        self._sender.raise_if_failed()
        if self._begun:
            target.replace_graph_with(self.scratch)
            self._begun = False
        self._ids.clear()
        self._real = array("q")
        target.bootstrap_schema()
        target.wait_for_indexes()
        if self._after:
            from creditgraph.loaders.writer import FactWriter

            writer = FactWriter(target, source=self.source, as_of=self.as_of, run_id=self.run_id,
                                batch_size=self.batch_size)
            try:
                for kind, facts, extra in self._after:
                    if kind == "upsert":
                        writer.upsert(facts)
                    else:
                        writer.flush()
                        writer.close_facts(facts, extra)
                    writer.flush()
                writer.close()
            except BaseException:
                writer.abort()
                raise
            self.statements += writer.statements
            self.retries += writer.retries
            self.resent += writer.resent

    def abort(self) -> None:
        """Stop and drop the scratch graph (after an error)."""
        self._closed = True
        self._sender.stop(timeout=120)
        try:
            self.backend.drop_graph(self.scratch)
        except EngineError:
            pass  # the next load of this source drops it
