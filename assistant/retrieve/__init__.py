"""Retrieval: a plan in, `Retrieved(hits, snapshot)` out (dense + BM25, fused by rank)."""
