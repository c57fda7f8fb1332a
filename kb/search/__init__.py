"""Hybrid search: both retrievers, fused, rolled up to one result per article with its best section
and snippet."""
