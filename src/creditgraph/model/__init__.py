"""The credit-linkage domain model: declared once, as data, and read by loaders, packs and app.

``load_model()`` returns the validated model from ``model.yaml``; the dataclasses below are
what it is made of.
"""

from creditgraph.model.schema import (
    HubRules,
    Label,
    ListType,
    Model,
    Propagation,
    Property,
    Relationship,
    Validity,
    load_model,
)

__all__ = [
    "HubRules",
    "Label",
    "ListType",
    "Model",
    "Propagation",
    "Property",
    "Relationship",
    "Validity",
    "load_model",
]
