"""Benchmarks run by `make bench`: speed and memory of the engine and the experiments."""
