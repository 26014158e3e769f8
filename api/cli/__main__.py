"""``python -m api.cli``: the same command line as the ``halal-trace`` script."""

from api.cli import main

main()
