from tf_lsp.cli import main

raise SystemExit(main())
