from audiobook.cli import main

raise SystemExit(main())
