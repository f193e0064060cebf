"""`python -m nnlab` runs the command line."""

from nnlab.cli import main

raise SystemExit(main())
