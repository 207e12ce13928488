"""Benchmarks: ingest, end to end and scale-out (``make bench`` runs them all)."""
