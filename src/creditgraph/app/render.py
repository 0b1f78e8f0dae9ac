"""Draw a :class:`~creditgraph.app.subgraph.Subgraph` as one self-contained HTML page.

pyvis writes the page; its ``in_line`` mode inlines vis-network, but its template still links
Bootstrap from a CDN whatever the mode, and vis-network's script names a source map. An
investigator may work on a machine without internet access and saves views into case folders,
so both are removed and :func:`external_references` lets the tests prove nothing remote is left.

Colours say two things at once: the fill is the node's kind (enterprise, organisation, person,
list entry, department...) unless the subject is on a list, when it turns red (blacklisted),
green (redlisted) or red with a green border (both); a disputed entry draws a dashed border and a
warning sign. Hubs are drawn larger with a thick dark border; the centre is the largest.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping
from typing import Any

from creditgraph.app.subgraph import GraphEdge, GraphNode, Subgraph

__all__ = ["KIND_STYLE", "LISTED_COLOURS", "external_references", "legend_html", "subgraph_html"]

#: label -> (fill colour, vis shape, legend text)
KIND_STYLE: dict[str, tuple[str, str, str]] = {
    "Enterprise": ("#4C78A8", "dot", "Enterprise 企业"),
    "Organisation": ("#9D755D", "diamond", "Organisation 机构"),
    "Person": ("#F2A541", "triangle", "Person 自然人"),
    "Subject": ("#BAB0AC", "dot", "Named holder (unresolved)"),
    "ListEntry": ("#7F7F7F", "square", "List entry 名单条目"),
    "Department": ("#6F4E7C", "hexagon", "Department 部门"),
    "Address": ("#C7C7C7", "triangleDown", "Address 地址"),
    "Phone": ("#C7C7C7", "star", "Phone 电话"),
    "Region": ("#DDDDDD", "ellipse", "Region 区划"),
}
_DEFAULT_STYLE = ("#BAB0AC", "dot", "Other")

#: GraphNode.listed -> (fill, border, legend text)
LISTED_COLOURS: dict[str, tuple[str, str, str]] = {
    "blacklisted": ("#D62728", "#8B0000", "Blacklisted (active entry) 失信"),
    "redlisted": ("#2CA02C", "#145214", "Redlisted (active entry) 守信"),
    "both": ("#D62728", "#2CA02C", "On a blacklist and a redlist"),
}

_EDGE_PALETTE = ("#4C78A8", "#F58518", "#54A24B", "#B279A2", "#9D755D", "#E45756", "#72B7B2",
                 "#FF9DA6", "#79706E", "#EECA3B", "#439894", "#BAB0AC")

# Remote references the pyvis template carries in every mode, and the source-map comment of
# vis-network.min.js (the browser would fetch it when developer tools are open).
_REMOTE_TAGS = (
    re.compile(r"<link\b[^>]*\bhref\s*=\s*[\"']?https?://[^>]*>", re.IGNORECASE),
    re.compile(r"<script\b[^>]*\bsrc\s*=\s*[\"']?https?://[^>]*>\s*</script>", re.IGNORECASE | re.DOTALL),
)
_SOURCE_MAP = re.compile(r"//# sourceMappingURL=[^\s<]+")
_EMPTY_HEADING = re.compile(r"<center>\s*<h1>\s*</h1>\s*</center>", re.IGNORECASE)
_REMOTE_URL = re.compile(r"^\s*(?:https?:)?//", re.IGNORECASE)
_CSS_REMOTE = re.compile(r"""(?:url\(\s*["']?|@import\s+["'])\s*(?:https?:)?//""", re.IGNORECASE)
# Attributes whose value the browser fetches.
_FETCHED = ("src", "href", "data", "action", "poster", "srcset", "background", "formaction")

_PAGE_CSS = """
body { margin: 0; font-family: system-ui, -apple-system, "Segoe UI", "Noto Sans CJK SC", sans-serif; }
.cg-legend { font-size: 12px; line-height: 1.6; padding: 6px 8px; clear: both; }
.cg-legend span.sw { display: inline-block; width: 12px; height: 12px; margin: 0 4px 0 10px;
  vertical-align: middle; border: 2px solid #444; border-radius: 2px; }
.cg-legend span.dash { border-style: dashed; }
.cg-notice { font-size: 12px; color: #8a6d3b; background: #fcf8e3; padding: 4px 8px; }
"""


def external_references(page: str) -> list[str]:
    """Every place in ``page`` where the browser would fetch something from another host.

    Reads the page as HTML: the fetched attributes of every tag (``src``, ``href``, ...), and
    ``url()``/``@import`` in ``<style>`` blocks and ``style`` attributes. Text inside a script
    or a string (a licence comment, an SVG namespace, a name shown in a tooltip) is not a
    reference, so it is not reported.
    """
    from html.parser import HTMLParser

    found: list[str] = []

    class _Scan(HTMLParser):
        in_style = False

        def handle_starttag(self, tag, attrs):
            for name, value in attrs:
                if not value:
                    continue
                if name in _FETCHED and any(_REMOTE_URL.match(v) for v in value.split(",")):
                    found.append(f"<{tag} {name}={value}>")
                elif name == "style" and _CSS_REMOTE.search(value):
                    found.append(f"<{tag} style={value}>")
            self.in_style = tag == "style"

        def handle_endtag(self, tag):
            self.in_style = False

        def handle_data(self, data):
            if self.in_style:
                found.extend(m.group(0) for m in _CSS_REMOTE.finditer(data))

    scanner = _Scan(convert_charrefs=True)
    scanner.feed(page)
    scanner.close()
    return found


def _listed_text(node: GraphNode) -> str:
    if node.listed == "none":
        return ""
    return {"blacklisted": "blacklisted", "redlisted": "redlisted",
            "both": "blacklisted and redlisted"}.get(node.listed, node.listed)


def _tooltip(node: GraphNode) -> str:
    lines = [node.name, f"{node.label}" + (f" · {node.kind}" if node.kind else "")]
    if node.status:
        lines.append(f"status: {node.status}")
    listed = _listed_text(node)
    if listed:
        lines.append(listed + (" (an entry is disputed 异议)" if node.disputed else ""))
    if node.hub:
        lines.append("hub: risk does not propagate through it by default")
    lines.append(f"id: {node.id}")
    for key, value in sorted(node.props.items()):
        if value in (None, "", [], {}) or key in ("name", "name_norm", "_labels"):
            continue
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
        lines.append(f"{key}: {text[:120]}")
    return "\n".join(lines[:24])


def _node_style(node: GraphNode, centre: str | None) -> dict[str, Any]:
    fill, shape, _ = KIND_STYLE.get(node.label, _DEFAULT_STYLE)
    border = "#333333"
    if node.label == "ListEntry":
        kind = str(node.props.get("kind") or node.kind or "")
        if kind == "blacklist" or node.listed == "blacklisted":
            fill = LISTED_COLOURS["blacklisted"][0]
        elif kind == "redlist" or node.listed == "redlisted":
            fill = LISTED_COLOURS["redlisted"][0]
    elif node.listed in LISTED_COLOURS:
        fill, border, _ = LISTED_COLOURS[node.listed]
    size = 14 if node.is_subject else 9
    border_width = 1
    if node.hub:
        size, border_width, border = 26, 5, "#111111"
    if node.id == centre:
        size, border_width = 34, 4
    label = node.name if len(node.name) <= 18 else node.name[:17] + "…"
    if node.disputed:
        label = "⚠ " + label
    if node.hub:
        label = "HUB " + label
    style: dict[str, Any] = {
        "label": label,
        "title": _tooltip(node),
        "shape": shape,
        "size": size,
        "borderWidth": border_width,
        "color": {"background": fill, "border": border,
                  "highlight": {"background": fill, "border": "#000000"}},
        "font": {"size": 14 if node.id == centre else 11},
    }
    if node.disputed:
        style["shapeProperties"] = {"borderDashes": [4, 3]}
        style["borderWidth"] = max(border_width, 3)
    return style


def _edge_colour(edge_type: str, palette: dict[str, str]) -> str:
    if edge_type not in palette:
        palette[edge_type] = _EDGE_PALETTE[len(palette) % len(_EDGE_PALETTE)]
    return palette[edge_type]


def _edge_title(edge: GraphEdge) -> str:
    lines = [edge.type + (f" ({edge.label})" if edge.label else "")]
    for key, value in sorted(edge.props.items()):
        if value in (None, "", [], {}) or key == "_type":
            continue
        lines.append(f"{key}: {value}")
    return "\n".join(lines[:16])


def legend_html(view: Subgraph) -> str:
    """A legend for the kinds, list colours and relationship types present in ``view``."""
    parts = ['<div class="cg-legend"><b>Legend</b>']
    labels = dict.fromkeys(n.label for n in view.nodes)
    for label in labels:
        fill, _, text = KIND_STYLE.get(label, _DEFAULT_STYLE)
        parts.append(f'<span class="sw" style="background:{fill}"></span>{html.escape(text)}')
    for fill, border, text in LISTED_COLOURS.values():
        parts.append(f'<span class="sw" style="background:{fill};border-color:{border}"></span>'
                     f'{html.escape(text)}')
    parts.append('<span class="sw dash" style="background:#fff"></span>Disputed entry 异议 (⚠)')
    parts.append('<span class="sw" style="background:#fff;border-width:4px;border-color:#111">'
                 '</span>Hub (HUB; risk not propagated through it)')
    palette: dict[str, str] = {}
    for edge in view.edges:
        _edge_colour(edge.type, palette)
    if palette:
        parts.append("<br><b>Relationships</b>")
        for edge_type, colour in palette.items():
            parts.append(f'<span class="sw" style="background:{colour};border-color:{colour};'
                         f'height:3px"></span>{html.escape(edge_type)}')
    parts.append("</div>")
    return "".join(parts)


def subgraph_html(view: Subgraph, *, height: int = 620, title: str = "") -> str:
    """``view`` as a standalone HTML page that needs no network: vis-network inlined, no CDN.

    ``title`` becomes the page's ``<title>`` and a line above the drawing (a downloaded view
    says what it shows). The legend and, when the view was capped, its notice come below.
    """
    from pyvis.network import Network

    net = Network(height=f"{height}px", width="100%", directed=True, cdn_resources="in_line",
                  bgcolor="#ffffff", font_color="#222222")
    palette: dict[str, str] = {}
    for node in view.nodes:
        net.add_node(node.id, **_node_style(node, view.centre))
    for edge in view.edges:
        colour = _edge_colour(edge.type, palette)
        net.add_edge(edge.source, edge.target, title=_edge_title(edge),
                     label=edge.label or "", color=colour, arrows="to",
                     font={"size": 9, "align": "middle", "color": "#444444"})
    net.set_options(json.dumps(_options(len(view.nodes))))
    page = net.generate_html(name="view.html")
    return _offline(page, view, title)


def _options(n_nodes: int) -> Mapping[str, Any]:
    # Large views settle with fewer iterations and then stop moving, so a 300-node
    # neighbourhood stays readable instead of drifting.
    return {
        "physics": {
            "enabled": True,
            "solver": "barnesHut",
            "barnesHut": {"gravitationalConstant": -6000, "springLength": 140, "springConstant": 0.03,
                          "avoidOverlap": 0.2},
            "stabilization": {"enabled": True, "iterations": 250 if n_nodes > 120 else 400,
                              "fit": True},
        },
        "interaction": {"hover": True, "tooltipDelay": 120, "navigationButtons": False,
                        "multiselect": True},
        "edges": {"smooth": {"enabled": True, "type": "dynamic"}},
        "nodes": {"font": {"face": "system-ui, sans-serif"}},
    }


def _offline(page: str, view: Subgraph, title: str) -> str:
    for pattern in _REMOTE_TAGS:
        page = pattern.sub("", page)
    page = _SOURCE_MAP.sub("", page)
    page = _EMPTY_HEADING.sub("", page)
    head = f"<title>{html.escape(title or 'creditgraph view')}</title><style>{_PAGE_CSS}</style>"
    page = page.replace("<head>", "<head>" + head, 1)
    above = f'<div class="cg-legend"><b>{html.escape(title)}</b></div>' if title else ""
    notice = f'<div class="cg-notice">{html.escape(view.notice)}</div>' if view.capped and view.notice else ""
    # The inlined script may itself contain the strings "<body>" and "</body>": anchor on the
    # first <body> after </head> and on the last </body>.
    start = page.find("<body>", page.rfind("</head>"))
    if start >= 0:
        start += len("<body>")
        page = page[:start] + above + page[start:]
    end = page.rfind("</body>")
    if end >= 0:
        page = page[:end] + legend_html(view) + notice + page[end:]
    return page
