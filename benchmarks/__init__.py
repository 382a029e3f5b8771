"""Benchmarks of the Declaration assistant: `python -m benchmarks` (see docs/benchmarks.md)."""
