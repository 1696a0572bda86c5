"""``python -m gandi_hosting_cli``."""

from gandi_hosting_cli.cli import main

if __name__ == "__main__":
    main()
