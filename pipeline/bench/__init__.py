"""Benchmark corpus generation and the stage benchmark (``policykg bench-corpus``, ``policykg bench``)."""

#: Megabytes of the one long raw file ``make bench`` pushes through a worker's stages.
LONG_DOCUMENT_MB = 10
#: Raw files of the memory bench (``policykg bench --memory``): the issue's memory targets are for 10 000.
MEMORY_FILES = 10_000
