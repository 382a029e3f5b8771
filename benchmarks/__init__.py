"""Benchmarks of the Declaration assistant: `python -m benchmarks` (see README, Benchmarks)."""
