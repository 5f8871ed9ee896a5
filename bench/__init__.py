"""Benchmarks of DCRC: a synthetic archive generator and timed scenarios (`make bench`).

Run ``python -m bench.run --n 100000`` from the repository root; see bench/README.md.
"""
