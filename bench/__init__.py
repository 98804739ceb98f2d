"""Benchmarks: `make bench` (python -m bench [NAME…]). Each bench_*.py module has run(ctx)."""
