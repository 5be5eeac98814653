"""``python -m bench`` (run from the repository root)."""

import sys

from bench._cli import main

sys.exit(main())
