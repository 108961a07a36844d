"""Benchmark corpus generation and the stage benchmark (``policykg bench-corpus``, ``policykg bench``)."""
