"""``python -m pipeline.cli``: the ``policykg`` command without its console script."""

from pipeline.cli import main

main()
