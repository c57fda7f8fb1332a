"""Core library: content model, stores, search. Imports neither Flask nor the indexer."""
