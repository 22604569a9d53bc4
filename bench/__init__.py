"""Benchmarks and the documentation screenshot; run the scripts, see bench/README.md."""
