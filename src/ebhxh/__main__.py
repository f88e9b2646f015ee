from ebhxh.cli import main

raise SystemExit(main())
