"""The console script and ``python -m gandi_hosting_cli``.

``gandi-hosting --version`` alone is answered here, before click or the CLI is imported:
it costs about one bare interpreter start-up. So are ``--help`` (of any command) and
shell completion requests, from the tables docgen generates (``fast/``), when they can
be answered for sure. Everything else goes to the click CLI.
"""

import os
import sys

from gandi_hosting_cli import __version__


def main() -> None:
    if sys.argv[1:] == ["--version"]:
        # click's version_option prints the same line
        try:
            sys.stdout.write(f"gandi-hosting, version {__version__}\n")
            sys.stdout.flush()
        except BrokenPipeError:  # `| head -0`: as the CLI does, say nothing more
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(1)
        return
    if "_GANDI_HOSTING_COMPLETE" in os.environ or sys.argv[-1:] in (["--help"], ["-h"]):
        from gandi_hosting_cli.fast import answer

        if answer(sys.argv[1:], os.environ):
            return
    from gandi_hosting_cli.cli import main as cli_main

    cli_main()


if __name__ == "__main__":
    main()
