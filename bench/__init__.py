"""Benchmarks (dev only, never packaged): `make bench` runs them all and writes bench/results/."""
