"""`python -m pipeline.cli`: the same as `ptm`."""

import sys

from pipeline.cli import main

sys.exit(main())
