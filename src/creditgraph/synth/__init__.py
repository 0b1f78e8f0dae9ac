"""Synthetic Sichuan credit data: a realistic background population plus planted patterns.

``generate(GeneratorConfig(enterprises=N, seed=S, snapshots=K), out)`` writes K monthly snapshots
in the canonical layout (``docs/snapshot-format.md``) and ``ground_truth.json``. Modules:
``names`` (name parts), ``codes`` (USCCs and resident IDs from indices), ``departments``,
``layout`` (the file contract), ``writer`` (streaming to K snapshots), ``world`` (shared row
makers), ``generator`` (background), ``patterns`` (planted patterns and negative controls).
"""

from creditgraph.synth.generator import GENERATOR_VERSION, GenerateResult, GeneratorConfig, generate

__all__ = ["GENERATOR_VERSION", "GenerateResult", "GeneratorConfig", "generate"]
