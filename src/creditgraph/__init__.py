"""creditgraph: a graph analysis platform for cross-entity credit linkages."""

__version__ = "0.1.0"
