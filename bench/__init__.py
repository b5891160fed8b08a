"""Benchmarks: each script runs by itself (`.venv/bin/python bench/NAME.py`)."""
