from voiceconsole.cli.main import main

raise SystemExit(main())
