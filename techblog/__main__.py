"""``python -m techblog``: the author tools (see techblog/cli.py)."""

import sys

from .cli import main

sys.exit(main())
