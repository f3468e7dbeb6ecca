"""The command line `sle-immunomod` (also `python -m model`): a thin layer over the package.

`main.py` holds the parser and the single-run commands; `uncertainty.py` and `sweep.py` add their
subcommands to it.
"""

from .main import main as main
