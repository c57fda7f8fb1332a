"""The build pipeline: content folder → keyword and vector indexes, swapped in atomically."""

from indexer.build import BuildOptions, BuildReport, build_from_settings, build_index

__all__ = ["BuildOptions", "BuildReport", "build_from_settings", "build_index"]
