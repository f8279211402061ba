"""`python -m scanner` runs the same CLI as the `aks-netaudit` console script."""

import sys

from scanner.cli import main

sys.exit(main())
