"""Stream rows into K snapshot folders at once, each row into the snapshots where it is valid.

The generator decides the whole history of a fact when it creates it (from when it holds, until
when, and what it looks like in between), so one pass writes every monthly snapshot and nothing
has to be kept to write the next one. Dates are ISO strings, which compare like dates.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Self

from creditgraph.exc import ConfigError
from creditgraph.synth.layout import FILES, FORMAT_NAME, FORMAT_VERSION, MANIFEST


class SnapshotWriter:
    """One folder per as-of date under ``out``, one CSV per file of the layout in each."""

    def __init__(self, out: Path, as_ofs: Sequence[str]) -> None:
        self.out = out
        self.as_ofs = list(as_ofs)
        self.dirs = [out / a for a in self.as_ofs]
        self._handles: list[Any] = []
        self._rows: dict[str, list[Any]] = {}
        self.counts: dict[str, list[int]] = {}
        for folder in self.dirs:
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise ConfigError(f"cannot create {folder}: {exc.strerror or exc}") from None
        for spec in FILES:
            self._rows[spec.name] = []
            self.counts[spec.name] = [0] * len(self.dirs)
            for folder in self.dirs:
                # Kept open for the whole pass (16 files per snapshot); close() shuts them.
                handle = open(folder / spec.name, "w", encoding="utf-8", newline="")  # noqa: SIM115
                self._handles.append(handle)
                writer = csv.writer(handle, lineterminator="\n")
                writer.writerow(spec.columns)
                self._rows[spec.name].append(writer.writerow)

    def put(self, name: str, row: Sequence[Any], start: str | None = None, end: str | None = None) -> None:
        """Write ``row`` to every snapshot whose as-of date is in ``[start, end)``."""
        writers = self._rows[name]
        counts = self.counts[name]
        for t, as_of in enumerate(self.as_ofs):
            if (start is not None and start > as_of) or (end is not None and end <= as_of):
                continue
            writers[t](row)
            counts[t] += 1

    def close(self) -> None:
        """Flush and close every file (idempotent)."""
        for handle in self._handles:
            if not handle.closed:
                handle.close()

    def write_manifests(self, source: str, generator: dict[str, Any]) -> list[dict[str, Any]]:
        """Write ``manifest.json`` into each snapshot folder; return the manifests."""
        manifests = []
        for t, (folder, as_of) in enumerate(zip(self.dirs, self.as_ofs)):
            manifest = {
                "format": FORMAT_NAME,
                "format_version": FORMAT_VERSION,
                "source": source,
                "as_of": as_of,
                "full_snapshot": True,
                "generator": dict(generator, snapshot_index=t),
                "files": [
                    {"name": spec.name, "kind": spec.kind, "target": spec.target,
                     "columns": list(spec.columns), "rows": self.counts[spec.name][t]}
                    for spec in FILES
                ],
            }
            (folder / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n",
                                           encoding="utf-8")
            manifests.append(manifest)
        return manifests

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
