"""The MERGE writer's two threads: batches prepared ahead of the one being written, partly
filled batches sent when the engine is idle, and an engine error raised in the loader."""

from __future__ import annotations

import pytest

from creditgraph.exc import QueryError
from creditgraph.graph.falkordb_backend import _Literal
from creditgraph.loaders.sender import Sender
from creditgraph.loaders.tables import NodeFact, NodeRef
from creditgraph.loaders.writer import FactWriter


def _person(n: int, pid: str | None = None) -> NodeFact:
    ref = NodeRef(("Subject", "Person"), "sid", f"p{n}")
    return NodeFact(ref, (("pid", pid or f"p{n}"), ("name", f"人{n}")))


def test_idle_flush_sends_part_filled_batches(graph):
    writer = FactWriter(graph, source="s", as_of="2025-06-30", run_id="r", batch_size=1000)
    writer.upsert([_person(n) for n in range(3)])
    writer.flush_if_idle()
    writer.close()
    assert writer.statements == 1
    rows = graph.read("MATCH (p:Person) RETURN p.sid AS s, p.last_seen AS d ORDER BY s")
    assert rows == [{"s": f"p{n}", "d": "2025-06-30"} for n in range(3)]


def test_nothing_is_flushed_while_the_engine_has_work(graph, monkeypatch):
    writer = FactWriter(graph, source="s", as_of="2025-06-30", run_id="r", batch_size=2)
    monkeypatch.setattr(writer._sender, "idle", lambda: False)  # a batch being written
    writer.upsert([_person(0)])
    writer.flush_if_idle()
    assert writer._pending  # kept until the engine is free
    monkeypatch.undo()
    writer.flush_if_idle()
    assert not writer._pending
    writer.close()
    assert graph.read("MATCH (p:Person) RETURN count(p) AS c") == [{"c": 1}]


def test_an_engine_error_reaches_the_loader(graph):
    writer = FactWriter(graph, source="s", as_of="2025-06-30", run_id="r", batch_size=1)
    writer.upsert([_person(1, pid="same"), _person(2, pid="same")])  # unique pid broken
    with pytest.raises(QueryError, match="unique constraint"):
        writer.close()


def test_prepared_params_are_literal_text_that_write_takes(graph):
    params = graph.prepare_params({"rows": [{"k": 'a"b\\c', "n": 1.5}], "x": None})
    assert all(type(v) is _Literal for v in params.values())
    assert str(params["rows"]) == '[{`k`:"a\\"b\\\\c",`n`:1.5}]'
    summary = graph.write("UNWIND $rows AS row CREATE (:Region {code: row.k, n: row.n})", params)
    assert summary.nodes_created == 1
    assert graph.read("MATCH (r:Region) RETURN r.code AS c") == [{"c": 'a"b\\c'}]


def test_sender_idle_counts_the_job_in_hand():
    import threading

    release = threading.Event()
    sender = Sender(lambda job: release.wait(5), maxsize=2, name="t")
    assert sender.idle()
    sender.put("job")
    assert not sender.idle()
    release.set()
    sender.join()
    assert sender.idle()
