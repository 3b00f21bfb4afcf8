from ddbtui.cli import main

raise SystemExit(main())
