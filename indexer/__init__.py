"""The build pipeline: content folder → keyword and vector indexes, swapped in atomically."""

from indexer.build import BuildReport, build_from_settings, build_index

__all__ = ["BuildReport", "build_from_settings", "build_index"]
