"""`python -m localmesh ...`, the same as the `localmesh` command."""

import sys

from fargate_mesh.localmesh.cli import main

sys.exit(main())
