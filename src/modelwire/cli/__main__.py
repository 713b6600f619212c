"""``python -m modelwire.cli``: the same as the ``modelwire`` console script."""

from . import main

main()
