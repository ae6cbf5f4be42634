"""``python -m techblog``: the author tools (see techblog/tools/cli.py)."""

import sys

from techblog.tools.cli import main

sys.exit(main())
