"""`python -m localmesh ...`, the same as the `localmesh` command."""

import sys

from localmesh.cli import main

sys.exit(main())
