from relay_agent.cli import main

raise SystemExit(main())
