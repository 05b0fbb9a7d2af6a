"""``python -m index COMMAND``: the command line lives in :mod:`index.cli.main`."""

import sys

from index.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
