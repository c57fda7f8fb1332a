"""Evaluation: search quality measured on labelled queries (nDCG, MRR, recall) and fusion tuned on
them."""
