"""The drawn view works offline, says what it shows, and cannot be broken by a name."""

from __future__ import annotations

import json
import re

from creditgraph.app.render import external_references, legend_html, subgraph_html
from creditgraph.app.subgraph import GraphEdge, GraphNode, Subgraph


def view() -> Subgraph:
    nodes = (
        GraphNode("91510100MA61R8XW3K", "Enterprise", "优合（成都）家政服务有限公司", kind="llc",
                  status="active", listed="blacklisted"),
        GraphNode("p1", "Person", "曾敏", listed="both", disputed=True, props={"id_masked": "5108**********9383"}),
        GraphNode("name:synth:香港中央结算", "Subject", "香港中央结算(代理人)有限公司", hub=True),
        GraphNode("o1", "Organisation", "成都市某某协会", listed="redlisted"),
        GraphNode("ListEntry:SHIXIN-1", "ListEntry", "SHIXIN-1", props={"kind": "blacklist"}),
        GraphNode("evil", "Enterprise", "</script><script>alert(1)</script><img src=http://x.test/a.png>"),
    )
    edges = (
        GraphEdge("p1", "91510100MA61R8XW3K", "LEGAL_REP_OF", "法定代表人"),
        GraphEdge("name:synth:香港中央结算", "91510100MA61R8XW3K", "SHAREHOLDER_OF", "51%"),
        GraphEdge("ListEntry:SHIXIN-1", "91510100MA61R8XW3K", "LISTED"),
        GraphEdge("evil", "o1", "GUARANTEES", "<b>x</b>"),
    )
    return Subgraph(nodes=nodes, edges=edges, centre="91510100MA61R8XW3K", capped=True,
                    notice="Showing 6 of 4,512 neighbours; hubs not expanded: 香港中央结算", total=4512)


def test_render_output_has_no_remote_reference():
    page = subgraph_html(view(), title="Network of 优合")
    assert external_references(page) == []
    # Nothing the browser would fetch from another host, in any attribute or stylesheet.
    # Nothing in any tag either (the regex is cruder than the parser: a remote URL inside an
    # escaped string would trip it too, so only the markup outside scripts is searched).
    markup = re.sub(r"<script\b[^>]*>.*?</script>", "", page, flags=re.DOTALL)
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", markup, re.IGNORECASE)
    assert "cdn.jsdelivr.net" not in page and "cdnjs.cloudflare.com" not in page
    assert "sourceMappingURL" not in page
    # vis-network itself is inlined.
    assert "vis.Network" in page and len(page) > 300_000


def test_the_detector_sees_remote_references():
    assert external_references('<script src="https://cdn.example/x.js"></script>')
    assert external_references("<link href='//cdn.example/x.css'>")
    assert external_references("<style>@import url('https://x/y.css');</style>")
    assert external_references("<style>a { background: url(http://x/y.png) }</style>")
    assert external_references('<div style="background:url(//x/y.png)">')
    assert external_references("<img srcset='a.png 1x, https://x/b.png 2x'>")
    assert external_references('<svg xmlns="http://www.w3.org/2000/svg">') == []
    assert external_references('<script>var s = "<img src=http://x/a.png>";</script>') == []


def test_names_cannot_break_out_of_the_page():
    page = subgraph_html(view(), title="<script>alert(2)</script>")
    assert "<script>alert(1)" not in page and "<script>alert(2)" not in page
    assert "<img src=http://x.test" not in page
    assert external_references(page) == []


def test_colours_legend_notice_and_edge_labels():
    page = subgraph_html(view(), title="Network of 优合")
    assert "#D62728" in page            # blacklisted fill
    assert "#2CA02C" in page            # redlisted fill
    assert "borderDashes" in page       # disputed
    assert "HUB " in page               # hub label
    # Node and edge data are JSON with non-ASCII escaped (Jinja's tojson).
    assert "51%" in page and json.dumps("法定代表人")[1:-1] in page
    assert "Showing 6 of 4,512 neighbours" in page
    assert "<title>Network of 优合</title>" in page
    legend = legend_html(view())
    for text in ("Enterprise", "Person", "Blacklisted", "Redlisted", "Disputed", "Hub", "SHAREHOLDER_OF"):
        assert text in legend


def test_empty_view_renders():
    page = subgraph_html(Subgraph(), title="nothing")
    assert external_references(page) == [] and "<title>nothing</title>" in page


def test_every_script_is_closed():
    # A source-map comment stripped too greedily once swallowed the </script> after it: the
    # next script's tag became part of the library's text and the browser never defined vis.
    from html.parser import HTMLParser

    scripts: list[str] = []

    class Scripts(HTMLParser):
        inside = False

        def handle_starttag(self, tag, attrs):
            if tag == "script":
                self.inside = True
                scripts.append("")

        def handle_endtag(self, tag):
            self.inside = False

        def handle_data(self, data):
            if self.inside:
                scripts[-1] += data

    Scripts().feed(subgraph_html(view(), title="t"))
    assert len(scripts) >= 3
    assert not [s[:80] for s in scripts if re.search(r"<script\b[^>]*>\s*$|</?script\s+type=", s)]
    assert any("new vis.Network" in s for s in scripts)
    assert not any("sourceMappingURL" in s for s in scripts)
