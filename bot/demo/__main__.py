from bot.demo import main

raise SystemExit(main())
