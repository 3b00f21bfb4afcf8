"""`python -m ddbtui.bench ...`: the same as `ddbtui bench ...`."""

import sys

from ddbtui.bench.cli import main

if __name__ == "__main__":
    sys.exit(main())
