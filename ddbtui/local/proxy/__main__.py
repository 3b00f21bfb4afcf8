"""`python -m ddbtui.local.proxy --target URL [--port P] [fault options | --config-json JSON]`."""

import sys

from ddbtui.local.proxy.cli import main

sys.exit(main())
