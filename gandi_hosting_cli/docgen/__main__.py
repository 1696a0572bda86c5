"""``python -m gandi_hosting_cli.docgen [--check]``: write (or check) the generated files."""

import sys

from gandi_hosting_cli.docgen.reference import main

sys.exit(main())
