"""Benchmarks: `make bench` (python -m bench.run_all)."""
